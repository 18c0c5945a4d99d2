import Foundation
import Hummingbird
import Mustache

struct ImportUploadPage: Page {
    static let template = "leads/import"
    var title: String { "Import leads" }
    var error: String?
    var formErrors: FormErrors { FormErrors(error.map { ["file": $0] } ?? [:], fields: [FormField("file", label: "CSV file")]) }
    func child(named name: String) -> Any? {
        switch name {
        case "error": error
        case "errors": formErrors
        case "errorSummary": error == nil ? nil : formErrors
        case "columns": LeadCSV.columns.joined(separator: ", ")
        default: nil
        }
    }
}

struct ImportPreviewPage: Page {
    static let template = "leads/import-preview"
    var title: String { "Import preview" }
    let job: ImportJob
    let preview: ImportPreview?
    let updateExisting: Bool
    var error: String?

    func child(named name: String) -> Any? {
        let base = Routes.leadsImportPreview(job.token)
        return switch name {
        case "fileName": job.fileName
        case "done": job.status == "done"
        case "created": job.created.formatted()
        case "updated": job.updated.formatted()
        case "skipped": job.skipped.formatted()
        case "invalidDone": job.invalid.formatted()
        case "error": error
        case "fileError": preview?.fileError
        case "rows": (preview?.rows ?? 0).formatted()
        case "toCreate": (preview?.toCreate ?? 0).formatted()
        case "matching": (preview?.matching ?? 0).formatted()
        case "invalid": (preview?.invalid ?? 0).formatted()
        case "hasInvalid": (preview?.invalid ?? 0) > 0
        case "hasMatching": (preview?.matching ?? 0) > 0
        case "issues": (preview?.issues ?? []).map { ["line": String($0.line), "reason": $0.reason] }
        case "moreIssues": (preview?.invalid ?? 0) > (preview?.issues.count ?? 0)
        case "unknownColumns": preview.map { $0.unknownColumns.isEmpty ? nil : $0.unknownColumns.joined(separator: ", ") } ?? nil
        case "customColumns": preview.map { $0.customColumns.isEmpty ? nil : $0.customColumns.joined(separator: ", ") } ?? nil
        case "canConfirm": preview.map { $0.fileError == nil && ($0.toCreate + $0.matching) > 0 } ?? false
        case "updateExisting": updateExisting
        case "skipHref": base
        case "updateHref": URLQuery.build(base, [("duplicates", "update")])
        case "confirmAction": Routes.leadsImportConfirm(job.token)
        case "errorsHref": URLQuery.build(Routes.leadsImportErrors(job.token), updateExisting ? [("duplicates", "update")] : [])
        default: nil
        }
    }
}

/// CSV import for managers and admins: upload → preview (nothing written) → confirm (one
/// transaction) → result. Files are stored under generated names in `imports/`.
struct ImportController {
    let services: AppServices
    var database: AppDatabase { services.database }
    var importsDirectory: String { (services.configuration.dataDirectory as NSString).appendingPathComponent("imports") }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.leadsImport), use: form)
        group.post(RouterPath(Routes.Pattern.leadsImport), use: upload)
        group.get(RouterPath(Routes.Pattern.leadsImportPreview), use: preview)
        group.post(RouterPath(Routes.Pattern.leadsImportConfirm), use: confirm)
        group.get(RouterPath(Routes.Pattern.leadsImportErrors), use: errors)
    }

    func importer(_ context: AppRequestContext) throws -> User {
        let user = try context.user
        guard LeadPolicy.canImport(user) else { throw PageError(.forbidden, "Only managers and admins can import leads.") }
        return user
    }

    func job(_ context: AppRequestContext, user: User) async throws -> ImportJob {
        guard let token = context.parameters.get("token"), token.count <= 64,
            let job = try await database.importJob(token: token, userId: user.uid)
        else { throw HTTPError(.notFound) }
        return job
    }

    func path(of job: ImportJob) -> String { (importsDirectory as NSString).appendingPathComponent(job.storedName) }

    @Sendable func form(request: Request, context: AppRequestContext) async throws -> Response {
        _ = try importer(context)
        return services.views.render(ImportUploadPage(), request: request, context: context)
    }

    @Sendable func upload(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try importer(context)
        try FileManager.default.createDirectory(atPath: importsDirectory, withIntermediateDirectories: true)
        let limit = services.configuration.maxImportBytes
        let received: ReceivedForm
        do {
            received = try await MultipartUpload.receive(request, fileField: "file", limit: limit + 16 * 1024, directory: importsDirectory)
        } catch let error as PageError where error.status == .contentTooLarge {
            return services.views.render(ImportUploadPage(error: MultipartUpload.tooLargeMessage(limit)), request: request, context: context, status: .contentTooLarge)
        }
        guard let file = received.file, !file.filename.isEmpty, file.size > 0 else {
            received.discard()
            return services.views.render(ImportUploadPage(error: "Choose a CSV file to upload."), request: request, context: context, status: .unprocessableContent)
        }
        if file.size > Int64(limit) {
            received.discard()
            return services.views.render(ImportUploadPage(error: MultipartUpload.tooLargeMessage(limit)), request: request, context: context, status: .contentTooLarge)
        }
        let token = Secrets.token()
        let storedName = "import-\(UUID().uuidString.lowercased()).csv"
        do {
            try FileManager.default.moveItem(atPath: file.temporaryPath, toPath: (importsDirectory as NSString).appendingPathComponent(storedName))
            try await database.createImportJob(token: token, userId: user.uid, fileName: AttachmentsController.cleanFilename(file.filename), storedName: storedName)
        } catch {
            received.discard()
            try? FileManager.default.removeItem(atPath: (importsDirectory as NSString).appendingPathComponent(storedName))
            throw error
        }
        return Redirect.to(Routes.leadsImportPreview(token))
    }

    @Sendable func preview(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try importer(context)
        let job = try await job(context, user: user)
        if job.status == "done" {
            return services.views.render(ImportPreviewPage(job: job, preview: nil, updateExisting: job.updateExisting), request: request, context: context)
        }
        let update = try request.query().trimmed("duplicates") == "update"
        let preview = try await LeadImporter.preview(path: path(of: job), database: database, actor: user, options: ImportOptions(updateExisting: update))
        return services.views.render(ImportPreviewPage(job: job, preview: preview, updateExisting: update), request: request, context: context)
    }

    @Sendable func confirm(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try importer(context)
        let job = try await job(context, user: user)
        let update = context.form.trimmed("duplicates") == "update"
        do {
            let result = try await LeadImporter.run(
                path: path(of: job), database: database, actor: user, options: ImportOptions(updateExisting: update), fileLabel: job.fileName,
                jobToken: job.token)
            try? FileManager.default.removeItem(atPath: path(of: job))
            if result.created + result.updated > 10_000 { try? database.refreshStatistics(force: false) }
            return Redirect.to(
                Routes.leadsImportPreview(job.token),
                flash: Flash(kind: .success, message: "Imported: \(result.created) created, \(result.updated) updated, \(result.skipped) skipped."),
                cookies: services.cookies)
        } catch let aborted as ImportAborted {
            let current = try await self.job(context, user: user)
            let preview = current.status == "done"
                ? nil : try await LeadImporter.preview(path: path(of: job), database: database, actor: user, options: ImportOptions(updateExisting: update))
            let message = aborted.line > 0 ? "Nothing was imported. Line \(aborted.line): \(aborted.reason)" : aborted.reason
            let page = ImportPreviewPage(job: current, preview: preview, updateExisting: update, error: message)
            return services.views.render(page, request: request, context: context, status: .conflict)
        }
    }

    @Sendable func errors(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try importer(context)
        let job = try await job(context, user: user)
        guard job.status == "pending" else { throw PageError(.notFound, "This import is finished; its file is gone.") }
        let update = try request.query().trimmed("duplicates") == "update"
        let csv = try await LeadImporter.invalidRows(path: path(of: job), database: database, actor: user, options: ImportOptions(updateExisting: update))
        var buffer = ByteBuffer()
        buffer.writeString(csv)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"invalid-rows.csv\""],
            body: .init(byteBuffer: buffer))
    }
}
