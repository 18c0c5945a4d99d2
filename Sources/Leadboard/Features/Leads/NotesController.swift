import Foundation
import Hummingbird

/// Notes on a lead: plain text, newest first, deletable by their author or an admin.
struct NotesController {
    let services: AppServices
    let leads: LeadsController
    static let onlyAuthorOrAdmin = "Only the author of a note or an admin can delete it."

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(RouterPath(Routes.Pattern.leadNotes), use: create)
        group.get(RouterPath(Routes.Pattern.leadNoteDelete), use: confirmDelete)
        group.post(RouterPath(Routes.Pattern.leadNoteDelete), use: delete)
    }

    @Sendable func create(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try LeadsController.leadId(context)
        let body = (context.form["body"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard try await services.database.lead(id: id, viewer: user) != nil else { throw HTTPError(.notFound) }
        let problem = body.isEmpty ? "Write something first." : body.unicodeScalars.count > 10_000 ? "Notes can be at most 10,000 characters." : nil
        if let problem {
            return try await leads.renderShow(request: request, context: context, status: .unprocessableContent, noteBody: body, noteError: problem)
        }
        try await services.database.addNote(leadId: id, body: body, actor: user)
        return Redirect.to(Routes.lead(id) + "#notes", flash: Flash(kind: .success, message: "Note added."), cookies: services.cookies)
    }

    /// The confirmation page the note's Delete link opens without JavaScript; the same checks as the POST.
    @Sendable func confirmDelete(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try LeadsController.leadId(context)
        guard let noteId = context.parameters.get("noteId", as: Int64.self),
            let note = try await services.database.note(id: noteId, leadId: id, viewer: user)
        else { throw HTTPError(.notFound) }
        guard LeadPolicy.canDeleteNote(authorId: note.authorId, user: user) else {
            throw PageError(.forbidden, Self.onlyAuthorOrAdmin)
        }
        let page = ConfirmPage(confirmation: .deleteNote(id: noteId, leadId: id, body: note.body))
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func delete(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try LeadsController.leadId(context)
        guard let noteId = context.parameters.get("noteId", as: Int64.self) else { throw HTTPError(.notFound) }
        do {
            try await services.database.deleteNote(id: noteId, leadId: id, actor: user)
        } catch NoteError.notFound {
            throw HTTPError(.notFound)
        } catch NoteError.forbidden {
            throw PageError(.forbidden, Self.onlyAuthorOrAdmin)
        }
        return Redirect.to(Routes.lead(id) + "#notes", flash: Flash(kind: .success, message: "Note deleted."), cookies: services.cookies)
    }
}

/// `GET /activity`: the latest changes across the leads the user may see.
struct ActivityController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.activity), use: index)
    }

    @Sendable func index(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let page = min(max(Int(try request.query().trimmed("page")) ?? 1, 1), 10_000)
        let rows = try await services.database.activityFeed(viewer: user, page: page)
        return services.views.render(ActivityIndexPage(rows: rows, page: page, pageSize: 50), request: request, context: context)
    }
}
