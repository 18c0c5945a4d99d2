import Foundation
import Hummingbird

/// File attachments. Files are stored under generated names in `uploads/`; the uploaded name is
/// kept only as data and only ever sent back inside a `Content-Disposition: attachment` header.
struct AttachmentsController {
    let services: AppServices
    let leads: LeadsController
    static let onlyUploaderOrManager = "Only the uploader, a manager or an admin can delete this file."

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(RouterPath(Routes.Pattern.leadAttachments), use: upload)
        group.get(RouterPath(Routes.Pattern.attachment), use: download)
        group.get(RouterPath(Routes.Pattern.attachmentDelete), use: confirmDelete)
        group.post(RouterPath(Routes.Pattern.attachmentDelete), use: delete)
    }

    /// Content types a download may carry; anything else is `application/octet-stream`.
    static let allowedTypes: [String: String] = [
        "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "txt": "text/plain", "csv": "text/csv",
        "doc": "application/msword", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint", "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    ]

    static func contentType(forFilename name: String) -> String {
        let ext = (name as NSString).pathExtension.lowercased()
        return allowedTypes[ext] ?? "application/octet-stream"
    }

    /// The last path component of an uploaded name, without control characters, at most 255 characters.
    static func cleanFilename(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(String.UnicodeScalarView(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }))
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "file" : String(cleaned.prefix(255))
    }

    /// RFC 6266: an ASCII fallback plus the exact name in `filename*`.
    static func contentDisposition(filename: String) -> String {
        let fallback = String(filename.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" && scalar != ";" ? Character(scalar) : "_"
        })
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(URLQuery.escape(filename))"
    }

    @Sendable func upload(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try LeadsController.leadId(context)
        guard try await services.database.lead(id: id, viewer: user) != nil else { throw HTTPError(.notFound) }
        let config = services.configuration
        let limit = config.maxUploadBytes
        // The quota is checked before the body is read, bounds the file while it streams in, and is
        // checked again in the transaction that records it (concurrent uploads).
        let quota = config.uploadQuota
        let usage = try await services.database.uploadUsage(userId: user.uid)
        if let full = quota.refusal(adding: 1, to: usage) {
            return try await leads.renderShow(request: request, context: context, status: .contentTooLarge, extra: ["uploadError": full.message])
        }
        let fileLimit = min(Int64(limit), quota.remaining(usage))
        // Names the quota when it, not the size limit, is what the file ran into.
        let tooLargeMessage = quota.refusal(adding: Int64(limit), to: usage)?.message ?? MultipartUpload.tooLargeMessage(limit)
        let form: ReceivedForm
        do {
            // The multipart envelope adds a little on top of the file itself.
            form = try await MultipartUpload.receive(
                request, fileField: "file", limit: Int(fileLimit) + 16 * 1024, fileLimit: fileLimit, directory: config.uploadsDirectory)
        } catch let error as PageError where error.status == .contentTooLarge {
            return try await leads.renderShow(request: request, context: context, status: .contentTooLarge, extra: ["uploadError": tooLargeMessage])
        }
        guard let file = form.file, !file.filename.isEmpty else {
            form.discard()
            return try await leads.renderShow(request: request, context: context, status: .unprocessableContent, extra: ["uploadError": "Choose a file to upload."])
        }
        if file.size > fileLimit {
            form.discard()
            return try await leads.renderShow(request: request, context: context, status: .contentTooLarge, extra: ["uploadError": tooLargeMessage])
        }
        let originalName = Self.cleanFilename(file.filename)
        let storedName = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let storedPath = (config.uploadsDirectory as NSString).appendingPathComponent(storedName)
        do {
            try MultipartUpload.moveIntoPlace(file.temporaryPath, to: storedPath)
        } catch {
            form.discard()
            throw error
        }
        do {
            _ = try await services.database.addAttachment(
                Attachment(
                    id: nil, leadId: id, uploaderId: user.id, originalName: originalName, storedName: storedName,
                    contentType: Self.contentType(forFilename: originalName), size: file.size, sha256: file.sha256, createdAt: Date()),
                actor: user, quota: quota)
        } catch {
            // No row, so no file either.
            try? FileManager.default.removeItem(atPath: storedPath)
            if case LeadWriteError.notFound = error { throw HTTPError(.notFound) }
            if let exceeded = error as? UploadQuota.Exceeded {
                return try await leads.renderShow(request: request, context: context, status: .contentTooLarge, extra: ["uploadError": exceeded.message])
            }
            throw error
        }
        return Redirect.to(Routes.lead(id) + "#files", flash: Flash(kind: .success, message: "Uploaded \(originalName)."), cookies: services.cookies)
    }

    @Sendable func download(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let id = context.parameters.get("id", as: Int64.self),
            let attachment = try await services.database.attachment(id: id, viewer: user)
        else { throw HTTPError(.notFound) }
        let path = (services.configuration.uploadsDirectory as NSString).appendingPathComponent(attachment.storedName)
        let body = try await FileIO().loadFile(path: path, context: context)
        let type = Self.allowedTypes.values.contains(attachment.contentType) ? attachment.contentType : "application/octet-stream"
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: Self.contentDisposition(filename: attachment.originalName),
                .contentLength: String(attachment.size), .xContentTypeOptions: "nosniff", .cacheControl: "private, no-store",
            ],
            body: body)
    }

    /// The confirmation page the file's Remove link opens without JavaScript; the same checks as the
    /// POST (a file of a deleted lead cannot be removed, so it is a 404 here too).
    @Sendable func confirmDelete(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let id = context.parameters.get("id", as: Int64.self),
            let attachment = try await services.database.attachment(id: id, viewer: user),
            try await services.database.lead(id: attachment.leadId, viewer: user) != nil
        else { throw HTTPError(.notFound) }
        guard LeadPolicy.canDeleteAttachment(uploaderId: attachment.uploaderId, user: user) else {
            throw PageError(.forbidden, Self.onlyUploaderOrManager)
        }
        let page = ConfirmPage(confirmation: .removeFile(id: id, name: attachment.originalName, leadId: attachment.leadId))
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func delete(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        let removed: Attachment
        do {
            removed = try await services.database.deleteAttachment(id: id, actor: user)
        } catch AttachmentError.notFound {
            throw HTTPError(.notFound)
        } catch AttachmentError.forbidden {
            throw PageError(.forbidden, Self.onlyUploaderOrManager)
        }
        try? FileManager.default.removeItem(atPath: (services.configuration.uploadsDirectory as NSString).appendingPathComponent(removed.storedName))
        return Redirect.to(Routes.lead(removed.leadId) + "#files", flash: Flash(kind: .success, message: "Removed \(removed.originalName)."), cookies: services.cookies)
    }
}
