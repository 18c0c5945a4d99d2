import Foundation
import Hummingbird

/// Lead list, detail, create, edit (with optimistic locking), assign, delete and restore.
/// Every lookup goes through the viewer-scoped queries, so a lead the user may not see is a 404.
struct LeadsController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.leads), use: index)
        group.get(RouterPath(Routes.Pattern.leadsNew), use: new)
        group.post(RouterPath(Routes.Pattern.leads), use: create)
        group.get(RouterPath(Routes.Pattern.lead), use: show)
        group.get(RouterPath(Routes.Pattern.leadEdit), use: edit)
        group.post(RouterPath(Routes.Pattern.lead), use: update)
        group.post(RouterPath(Routes.Pattern.leadAssign), use: assign)
        group.get(RouterPath(Routes.Pattern.leadDelete), use: confirmDelete)
        group.post(RouterPath(Routes.Pattern.leadDelete), use: delete)
        group.post(RouterPath(Routes.Pattern.leadRestore), use: restore)
        group.get(RouterPath(Routes.Pattern.stagesCSS), use: stageStyles)
    }

    /// Form lookups; a deactivated current owner is added so the select keeps them selected.
    func formData(for lead: Lead?) async throws -> LeadReferenceData {
        var data = try await database.leadReferenceData()
        if let ownerId = lead?.ownerId, data.user(ownerId) == nil, var owner = try await database.user(id: ownerId) {
            owner.name += " (inactive)"
            data.users.append(owner)
        }
        return data
    }

    static func leadId(_ context: AppRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else { throw HTTPError(.notFound) }
        return id
    }

    @Sendable func index(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let fields = try await database.activeLeadFields()
        var filter = LeadFilter(query: try request.query(), fields: fields)
        if filter.deleted && !LeadPolicy.canSeeDeleted(user) { filter.deleted = false }
        async let result = database.leadList(LeadQuery(filter: filter, viewer: user))
        async let reference = database.leadReferenceData()
        let page = LeadsIndexPage(filter: filter, result: try await result, reference: try await reference, viewer: user, fields: fields)
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func new(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let data = try await database.leadReferenceData()
        let customFields = try await database.activeLeadFields()
        var form = LeadForm()
        form.stageId = data.stages.first { $0.isActive && $0.isEntry }.map { String($0.uid) } ?? ""
        form.ownerId = String(user.uid)
        form.setCustom(customFields, values: nil)  // each field's default
        let page = LeadFormPage(form: form, data: data, viewer: user, customFields: customFields)
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func create(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let data = try await database.leadReferenceData()
        let customFields = try await database.activeLeadFields()
        let form = LeadForm(form: context.form)
        let (input, validationErrors) = form.validate(reference: data, actor: user, ownerFallback: user.id, customFields: customFields)
        var errors = validationErrors
        if let input {
            do {
                let lead = try await database.createLead(input, actor: user)
                return Redirect.to(Routes.lead(lead.uid), flash: Flash(kind: .success, message: "Created \(lead.reference)."), cookies: services.cookies)
            } catch LeadWriteError.invalidReference(let field, let message) {
                errors = [field: message]
            } catch let refusal as LeadCreateRefusal {
                // The pipeline refused the stage: the transaction rolled back.
                errors = ["stage_id": refusal.message + " Nothing was saved."]
            } catch let refusal as MoveRefusal {
                errors = ["stage_id": refusal.message + " Nothing was saved."]
            }
        }
        let page = LeadFormPage(form: form, errors: errors, data: data, viewer: user, customFields: customFields)
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        try await renderShow(request: request, context: context)
    }

    /// The lead page; also re-rendered with a message when a note or upload on it is refused.
    func renderShow(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, noteBody: String = "",
        noteError: String? = nil, extra: [String: any Sendable] = [:]
    ) async throws -> Response {
        let user = try context.user
        async let detail = database.leadDetail(id: try Self.leadId(context), viewer: user)
        async let users = database.leadReferenceData().users
        guard let detail = try await detail else { throw HTTPError(.notFound) }
        var page = LeadShowPage(detail: detail, viewer: user, users: try await users, noteBody: noteBody, noteError: noteError, now: database.clock.now())
        page.extra = extra
        page.score = try await database.scoreBreakdown(leadId: detail.lead.uid, viewer: user)
        return services.views.render(page, request: request, context: context, status: status)
    }

    @Sendable func edit(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let lead = try await database.lead(id: try Self.leadId(context), viewer: user) else { throw HTTPError(.notFound) }
        let customFields = try await database.activeLeadFields()
        var form = LeadForm(lead: lead)
        form.setCustom(customFields, values: try await database.leadCustomValues(leadId: lead.uid, fields: customFields, viewer: user))
        let page = LeadFormPage(
            leadId: lead.id, reference: lead.reference, form: form, data: try await formData(for: lead), viewer: user, customFields: customFields)
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func update(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try Self.leadId(context)
        guard let lead = try await database.lead(id: id, viewer: user) else { throw HTTPError(.notFound) }
        let data = try await formData(for: lead)
        let customFields = try await database.activeLeadFields()
        let form = LeadForm(form: context.form)
        var (input, errors) = form.validate(reference: data, actor: user, ownerFallback: lead.ownerId, customFields: customFields)
        guard let version = Int(form.version) else {
            throw PageError(.badRequest, "The form is missing its version. Reload the page and try again.")
        }
        if let input {
            do {
                switch try await database.updateLead(id: id, expectedVersion: version, input: input, actor: user) {
                case .updated(let saved):
                    return Redirect.to(Routes.lead(saved.uid), flash: Flash(kind: .success, message: "Saved \(saved.reference)."), cookies: services.cookies)
                case .conflict(let current):
                    let saved = try await database.leadCustomValues(leadId: id, fields: customFields, viewer: user)
                    return conflictPage(
                        request: request, context: context, form: form, current: current, data: data, user: user,
                        custom: (customFields, saved))
                }
            } catch LeadWriteError.notFound {
                throw HTTPError(.notFound)
            } catch LeadWriteError.invalidReference(let field, let message) {
                errors[field] = message
            } catch let refusal as MoveRefusal {
                errors["stage_id"] = refusal.message + " Nothing was saved."
            }
        }
        let page = LeadFormPage(leadId: id, reference: lead.reference, form: form, errors: errors, data: data, viewer: user, customFields: customFields)
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }

    /// 409: the user's input stays in the form, the saved values are shown beside the fields that
    /// differ, and the form now carries the current version so a second save is deliberate.
    func conflictPage(
        request: Request, context: AppRequestContext, form: LeadForm, current: Lead, data: LeadReferenceData, user: User,
        custom: (fields: [CustomField], saved: FieldValues) = ([], [:])
    ) -> Response {
        let saved = LeadForm(lead: current)
        var differences: [String: String] = [:]
        func compare(_ key: String, _ mine: String, _ theirs: String, display: String? = nil) {
            if mine != theirs { differences[key] = display ?? (theirs.isEmpty ? "(empty)" : theirs) }
        }
        compare("name", form.name, saved.name)
        compare("email", form.email, saved.email)
        compare("phone", form.phone, saved.phone)
        compare("company", form.company, saved.company)
        compare("source", form.source, saved.source, display: data.source(current.sourceId)?.name ?? "(none)")
        compare("value", Money.parse(form.value).map(Money.plain) ?? form.value, Money.plain(current.valueCents), display: Money.display(current.valueCents))
        compare("expected_close_date", form.expectedCloseDate, saved.expectedCloseDate)
        compare("stage_id", form.stageId, saved.stageId, display: data.stage(current.stageId)?.name ?? "?")
        if LeadPolicy.canAssign(user) {
            compare("owner_id", form.ownerId, saved.ownerId, display: data.user(current.ownerId)?.name ?? "Unassigned")
        }
        for field in custom.fields {
            // Compared as parsed values, so "1,000" and "1000" are no difference.
            let mine = (try? field.spec.parse(form.customValues(field)).get()) ?? nil
            let theirs = custom.saved[field.uid]
            if mine != theirs || (mine == nil && !form.customValues(field).allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                differences[field.formName] = CustomFieldDisplay.text(field, theirs) ?? "(empty)"
            }
        }
        var resubmit = form
        resubmit.version = String(current.version)
        let page = LeadFormPage(
            leadId: current.id, reference: current.reference, form: resubmit,
            errors: ["form": "Someone else saved this lead while you were editing. Your changes are below, next to the saved values. Save again to keep yours."],
            data: data, viewer: user, conflict: differences, customFields: custom.fields)
        return services.views.render(page, request: request, context: context, status: .conflict)
    }

    @Sendable func assign(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try Self.leadId(context)
        guard try await database.lead(id: id, viewer: user) != nil else { throw HTTPError(.notFound) }
        guard LeadPolicy.canAssign(user) else { throw HTTPError(.forbidden) }
        let raw = context.form.trimmed("owner_id")
        let ownerId: Int64? = raw.isEmpty ? nil : Int64(raw)
        if !raw.isEmpty && ownerId == nil { throw PageError(.unprocessableContent, "Choose an owner from the list.") }
        do {
            let lead = try await database.assignLead(id: id, ownerId: ownerId, actor: user)
            return Redirect.to(Routes.lead(lead.uid), flash: Flash(kind: .success, message: "Owner updated."), cookies: services.cookies)
        } catch LeadWriteError.invalidReference(_, let message) {
            throw PageError(.unprocessableContent, message)
        }
    }

    /// The confirmation page the Delete link opens without JavaScript; the same checks as the POST.
    @Sendable func confirmDelete(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let lead = try await database.lead(id: try Self.leadId(context), viewer: user) else { throw HTTPError(.notFound) }
        guard LeadPolicy.canDelete(user) else { throw HTTPError(.forbidden) }
        return services.views.render(ConfirmPage(confirmation: .deleteLead(lead)), request: request, context: context)
    }

    @Sendable func delete(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try Self.leadId(context)
        guard let lead = try await database.lead(id: id, viewer: user) else { throw HTTPError(.notFound) }
        guard LeadPolicy.canDelete(user) else { throw HTTPError(.forbidden) }
        try await database.deleteLead(id: id, actor: user)
        return Redirect.to(Routes.leads, flash: Flash(kind: .success, message: "Deleted \(lead.reference). An admin can restore it."), cookies: services.cookies)
    }

    @Sendable func restore(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let id = try Self.leadId(context)
        guard LeadPolicy.canRestore(user) else {
            // Non-admins cannot see deleted leads at all.
            throw HTTPError(.notFound)
        }
        do {
            try await database.restoreLead(id: id, actor: user)
        } catch LeadWriteError.notFound {
            throw HTTPError(.notFound)
        }
        return Redirect.to(Routes.lead(id), flash: Flash(kind: .success, message: "Lead restored."), cookies: services.cookies)
    }

    /// Stage colours as CSS classes: the CSP forbids inline styles, and admins choose the colours.
    @Sendable func stageStyles(request: Request, context: AppRequestContext) async throws -> Response {
        let stages = try await database.leadReferenceData().stages
        var css = ""
        for stage in stages {
            // Colours are checked by the schema (#rrggbb), so they are safe to print into CSS; the
            // badge text colour is computed from them, so any colour an admin picks stays readable.
            css += StageColor.cssRule(className: "stage-\(stage.uid)", color: stage.color)
        }
        var buffer = ByteBuffer()
        buffer.writeString(css)
        return Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "no-cache"], body: .init(byteBuffer: buffer))
    }
}
