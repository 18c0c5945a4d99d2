import Foundation
import Hummingbird
import Mustache

/// The form shown when a move needs more input or was refused (the no-JavaScript path).
struct MovePage: Page {
    static let template = "leads/move"
    let lead: Lead
    let currentStage: String
    let targets: [Stage]
    let selected: Int64?
    let comment: String
    let lostReason: String
    let override: Bool
    let error: String?
    let canOverride: Bool
    let returnTo: String
    /// The control the refusal is about (`MovePage.field(for:)`): the message links to it and marks it.
    var errorField = "stage_id"
    var title: String { "Move \(lead.name)" }

    var formErrors: FormErrors {
        var fields = [FormField("stage_id", label: "Move to"), FormField("lost_reason", label: "Lost reason"), FormField("comment", label: "Comment")]
        if canOverride { fields.append(FormField("override", label: "Override")) }
        return FormErrors(error.map { [FormErrors.formKey: $0] } ?? [:], fields: fields, formTarget: targets.isEmpty ? nil : errorField)
    }

    /// The control that would let a refused move through.
    static func field(for refusal: MoveRefusal?) -> String {
        switch refusal {
        case .lostReasonRequired: "lost_reason"
        case .overrideNeedsComment: "comment"
        case .openTasks(_, _, let canOverride) where canOverride: "override"
        default: "stage_id"
        }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "errors": formErrors
        case "errorSummary": error == nil ? nil : formErrors
        case "leadHref": Routes.lead(lead.uid)
        case "action": Routes.leadMove(lead.uid)
        case "leadName": lead.name
        case "reference": lead.reference
        case "currentStage": currentStage
        case "stageOptions": targets.map { Option(value: String($0.uid), label: $0.name, selected: $0.id == selected) }
        case "hasTargets": !targets.isEmpty
        case "comment": comment
        case "lostReason": lostReason
        case "override": override
        case "error": error
        case "canOverride": canOverride
        case "returnTo": returnTo
        default: nil
        }
    }
}

/// JSON answers for the board's script when a move is refused (same endpoint, `Accept:
/// application/json`); a move that succeeds answers with `BoardMoveAnswer`'s HTML fragments.
struct MoveJSON: Encodable {
    var ok: Bool
    var error: String?
    var needs: String?
    var leadId: Int64?
}

/// `POST /leads/{id}/move` and the task actions: the one path every stage change takes.
struct MoveController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(RouterPath(Routes.Pattern.leadMove), use: move)
        group.post(RouterPath(Routes.Pattern.leadTaskComplete), use: completeTask)
        group.post(RouterPath(Routes.Pattern.leadTaskReopen), use: reopenTask)
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("application/json") == true
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    @Sendable func move(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try LeadsController.leadId(context)
        let form = context.form
        let returnTo = LocalRedirect.sanitize(form["return_to"]) ?? Routes.lead(id)
        let wantsJSON = Self.wantsJSON(request)
        // A lead the user may not see is a 404 whatever the rest of the request says.
        guard try await database.lead(id: id, viewer: user) != nil else {
            if wantsJSON { return Self.json(MoveJSON(ok: false, error: "This lead does not exist or is not yours."), status: .notFound) }
            throw HTTPError(.notFound)
        }
        guard let stageId = Int64(form.trimmed("stage_id")) else {
            if wantsJSON { return Self.json(MoveJSON(ok: false, error: MoveRefusal.unknownStage.message), status: .unprocessableContent) }
            return try await refusalPage(request: request, context: context, leadId: id, message: MoveRefusal.unknownStage.message, returnTo: returnTo)
        }
        let moveRequest = MoveRequest(
            toStageId: stageId, comment: String(form.trimmed("comment").prefix(2000)),
            lostReason: String(form.trimmed("lost_reason").prefix(500)), override: form.has("override"))
        do {
            let result = try await database.moveLead(id: id, request: moveRequest, actor: user)
            if wantsJSON {
                let answer = try await BoardMoveAnswer.make(
                    result: result, returnTo: form["return_to"], viewer: user, csrf: context.csrfToken, services: services)
                return Self.json(answer, status: .ok)
            }
            return Redirect.to(
                returnTo, flash: Flash(kind: .success, message: "Moved \(result.lead.name) to \(result.to.name)."), cookies: services.cookies)
        } catch LeadWriteError.notFound {
            if wantsJSON { return Self.json(MoveJSON(ok: false, error: "This lead does not exist or is not yours."), status: .notFound) }
            throw HTTPError(.notFound)
        } catch let refusal as MoveRefusal {
            if wantsJSON {
                return Self.json(MoveJSON(ok: false, error: refusal.message, needs: refusal.needs, leadId: id), status: .unprocessableContent)
            }
            return try await refusalPage(
                request: request, context: context, leadId: id, message: refusal.message, returnTo: returnTo, request: moveRequest,
                field: MovePage.field(for: refusal))
        }
    }

    func refusalPage(
        request: Request, context: AppRequestContext, leadId: Int64, message: String, returnTo: String, request move: MoveRequest? = nil,
        field: String = "stage_id"
    ) async throws -> Response {
        let user = try context.user
        guard let lead = try await database.lead(id: leadId, viewer: user) else { throw HTTPError(.notFound) }
        let pipeline = try await database.pipeline()
        let page = MovePage(
            lead: lead, currentStage: pipeline.stage(lead.stageId)?.name ?? "?", targets: pipeline.allowedTargets(from: lead.stageId),
            selected: move?.toStageId, comment: move?.comment ?? "", lostReason: move?.lostReason ?? "", override: move?.override ?? false,
            error: message, canOverride: LeadPolicy.canOverrideGates(user), returnTo: returnTo, errorField: field)
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }

    private func taskIds(_ context: AppRequestContext) throws -> (Int64, Int64) {
        guard let taskId = context.parameters.get("taskId", as: Int64.self) else { throw HTTPError(.notFound) }
        return (try LeadsController.leadId(context), taskId)
    }

    @Sendable func completeTask(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let (leadId, taskId) = try taskIds(context)
        let form = context.form
        // The values of the task's fields (`cf_<key>`, several for a multi_select); others are ignored.
        let values = form.values.filter { $0.key.hasPrefix("cf_") }
        do {
            try await database.completeTask(leadId: leadId, taskId: taskId, note: form.trimmed("note"), values: values, actor: user)
        } catch TaskError.notFound {
            throw HTTPError(.notFound)
        } catch TaskError.notOpen {
            throw PageError(.conflict, "That task is already closed.")
        } catch let refusal as TaskFieldRefusal {
            // The lead page again, with the messages next to the task's inputs and what was typed.
            let typed = TaskCompletionForm(taskId: taskId, note: form.trimmed("note"), values: values, errors: refusal.messages)
            return try await LeadsController(services: services).renderShow(
                request: request, context: context, status: .unprocessableContent, extra: [TaskCompletionForm.extraKey: typed])
        }
        return Redirect.to(Routes.lead(leadId) + "#tasks", flash: Flash(kind: .success, message: "Task completed."), cookies: services.cookies)
    }

    @Sendable func reopenTask(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let (leadId, taskId) = try taskIds(context)
        do {
            try await database.reopenTask(leadId: leadId, taskId: taskId, actor: user)
        } catch TaskError.notFound {
            throw HTTPError(.notFound)
        } catch TaskError.notDone {
            throw PageError(.conflict, "Only closed tasks of the lead's current stage can be reopened.")
        }
        return Redirect.to(Routes.lead(leadId) + "#tasks", flash: Flash(kind: .success, message: "Task reopened."), cookies: services.cookies)
    }
}
