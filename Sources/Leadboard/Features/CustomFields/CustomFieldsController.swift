import Foundation
import Hummingbird
import Mustache

/// A field's row on the admin list.
struct CustomFieldRow: MustacheParent, Sendable {
    let field: CustomField

    func child(named name: String) -> Any? {
        switch name {
        case "label": field.label
        case "key": field.key
        case "type": field.type.label
        case "rules": field.fieldRules.summary(for: field.type)
        case "required": field.isRequired
        case "active": field.isActive
        case "onCard": field.showOnCard
        case "position": field.position
        case "defaultValue": field.defaultValue ?? ""
        case "editHref": Routes.adminFieldEdit(field.uid)
        default: nil
        }
    }
}

/// `GET /admin/fields`: the lead fields, or (`?template=`) one stage task's completion fields.
struct CustomFieldsPage: Page {
    static let template = "admin/fields/index"
    let fields: [CustomField]
    /// The task template whose completion fields these are; nil for lead fields.
    var task: TaskTemplateSummary?
    var title: String { task.map { "Completion fields: \($0.name)" } ?? "Custom fields" }

    func child(named name: String) -> Any? {
        switch name {
        case "rows": fields.map(CustomFieldRow.init)
        case "hasRows": !fields.isEmpty
        case "isLead": task == nil
        case "taskName": task?.name
        case "stageName": task?.stageName
        case "pipelineHref": task.map { Routes.adminPipeline + "#stage-\($0.stageId)" }
        case "newHref": Routes.adminFieldsNew(template: task?.id)
        default: nil
        }
    }
}

/// The create and edit form of a field (one template, two modes). Key and type are inputs only when
/// creating: both are fixed once the field exists.
struct CustomFieldFormPage: Page {
    static let template = "admin/fields/form"
    /// nil when creating.
    var fieldId: Int64?
    var draft = CustomFieldDraft()
    var task: TaskTemplateSummary?
    var errors: [String: String] = [:]
    /// The stored label, for the heading while the form holds an edited one.
    var storedLabel = ""

    var title: String {
        if fieldId != nil { return "Edit field \(storedLabel)" }
        return task.map { "New completion field for \($0.name)" } ?? "New lead field"
    }
    var isNew: Bool { fieldId == nil }
    var type: FieldType? { FieldType(rawValue: draft.type) }

    var formErrors: FormErrors {
        var fields: [FormField] = []
        if isNew { fields += [FormField("key", label: "Key", hint: "key-hint"), FormField("label", label: "Label"), FormField("type", label: "Type", hint: "type-hint")] }
        else { fields.append(FormField("label", label: "Label")) }
        fields += [
            FormField("help_text", label: "Help text"), FormField("placeholder", label: "Placeholder"),
            FormField("required", label: "Required", hint: "required-hint"), FormField("active", label: "Active", hint: "active-hint"),
        ]
        if task == nil { fields.append(FormField("show_on_card", label: "Show on card")) }
        if showsTextRules { fields.append(FormField("max_length", label: "Maximum length", hint: "max-length-hint")) }
        if showsPattern { fields.append(FormField("pattern", label: "Pattern", hint: "pattern-hint")) }
        if showsNumberRules { fields += [FormField("min", label: "Minimum"), FormField("max", label: "Maximum")] }
        if showsOptions { fields.append(FormField("options", label: "Options", hint: "options-hint")) }
        fields += [FormField("default_value", label: "Default value", hint: "default-hint"), FormField("position", label: "Position", hint: "position-hint")]
        return FormErrors(errors, fields: fields)
    }

    // A new field shows every type's rules (the type is chosen on the same form, which works without
    // script); an existing one only its own type's.
    var showsTextRules: Bool { isNew || type?.hasMaxLength == true }
    var showsPattern: Bool { isNew || type == .text }
    var showsNumberRules: Bool { isNew || type?.isNumeric == true }
    var showsOptions: Bool { isNew || type?.hasOptions == true }

    func child(named name: String) -> Any? {
        switch name {
        case "errorSummary": errors.isEmpty ? nil : formErrors
        case "errors": formErrors
        case "isNew": isNew
        case "isLead": task == nil
        case "action": fieldId.map(Routes.adminField) ?? Routes.adminFields()
        case "backHref": Routes.adminFields(template: task?.id)
        case "backLabel": task == nil ? "Custom fields" : "Completion fields"
        case "taskName": task?.name
        case "stageName": task?.stageName
        case "entity": draft.entity
        case "templateId": draft.templateId
        case "key": draft.key
        case "label": draft.label
        case "typeLabel": type?.label ?? draft.type
        case "typeOptions": FieldType.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == draft.type) }
        case "required": draft.isRequired
        case "helpText": draft.helpText
        case "placeholder": draft.placeholder
        case "position": draft.position
        case "active": draft.isActive
        case "showOnCard": draft.showOnCard
        case "maxLength": draft.maxLength
        case "pattern": draft.pattern
        case "min": draft.min
        case "max": draft.max
        case "options": draft.options
        case "defaultValue": draft.defaultValue
        case "showsTextRules": showsTextRules
        case "showsPattern": showsPattern
        case "showsNumberRules": showsNumberRules
        case "showsOptions": showsOptions
        case "showsRules": showsTextRules || showsNumberRules || showsOptions
        case "textLimit": FieldSpec.textLimit
        case "longTextLimit": FieldSpec.longTextLimit
        default: nil
        }
    }
}

/// Admin definitions of custom fields: lead fields and stage tasks' completion fields. Validation is
/// `CustomFieldDraft.read()` (the definition rules) and the database's checks (unique key, fixed key
/// and type, stored values that new rules would break); every refusal is a message on the form.
struct CustomFieldsController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.adminFields), use: index)
        group.get(RouterPath(Routes.Pattern.adminFieldsNew), use: new)
        group.post(RouterPath(Routes.Pattern.adminFields), use: create)
        group.get(RouterPath(Routes.Pattern.adminFieldEdit), use: edit)
        group.post(RouterPath(Routes.Pattern.adminField), use: update)
    }

    /// The task template named by `?template=` (404 when it is not a template), or nil for lead fields.
    private func task(_ request: Request) async throws -> TaskTemplateSummary? {
        let query = try request.query()
        guard query.has("template") else { return nil }
        return try await task(id: query.trimmed("template"))
    }

    private func task(id text: String) async throws -> TaskTemplateSummary {
        guard let id = Int64(text), let task = try await database.taskTemplateSummary(id: id) else { throw HTTPError(.notFound) }
        return task
    }

    @Sendable func index(request: Request, context: AppRequestContext) async throws -> Response {
        let task = try await task(request)
        let fields = try await database.customFieldDefinitions(task == nil ? .lead : .task, templateId: task?.id)
        return services.views.render(CustomFieldsPage(fields: fields, task: task), request: request, context: context)
    }

    @Sendable func new(request: Request, context: AppRequestContext) async throws -> Response {
        let task = try await task(request)
        var draft = CustomFieldDraft()
        if let task {
            draft.entity = FieldEntity.task.rawValue
            draft.templateId = String(task.id)
        }
        return services.views.render(CustomFieldFormPage(draft: draft, task: task), request: request, context: context)
    }

    /// What the form sent. `keeping` is the stored field when editing: key and type are not inputs
    /// then, so the stored ones stand unless a client sends others (which the database refuses).
    static func draft(_ form: FormData, keeping field: CustomField? = nil) -> CustomFieldDraft {
        var draft = CustomFieldDraft()
        draft.entity = field?.entity.rawValue ?? (form.has("entity") ? form.trimmed("entity") : FieldEntity.lead.rawValue)
        draft.templateId = field.map { $0.taskTemplateId.map(String.init) ?? "" } ?? form.trimmed("template_id")
        draft.key = form.has("key") || field == nil ? form.trimmed("key") : field?.key ?? ""
        draft.type = form.has("type") || field == nil ? form.trimmed("type") : field?.type.rawValue ?? ""
        draft.label = form.trimmed("label")
        draft.isRequired = form.has("required")
        draft.helpText = form.trimmed("help_text")
        draft.placeholder = form.trimmed("placeholder")
        draft.position = form.trimmed("position")
        draft.isActive = form.has("active")
        draft.showOnCard = form.has("show_on_card")
        draft.maxLength = form.trimmed("max_length")
        draft.pattern = form.trimmed("pattern")
        draft.min = form.trimmed("min")
        draft.max = form.trimmed("max")
        draft.options = form["options"] ?? ""
        draft.defaultValue = form.trimmed("default_value")
        return draft
    }

    @Sendable func create(request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        var page = CustomFieldFormPage(draft: Self.draft(form))
        if page.draft.entity == FieldEntity.task.rawValue { page.task = try await task(id: page.draft.templateId) }
        let (input, errors) = page.draft.read()
        page.errors = errors
        if let input {
            do {
                let field = try await database.createCustomField(input)
                return Redirect.to(
                    Routes.adminFields(template: field.taskTemplateId), flash: Flash(kind: .success, message: "Added field \(field.label)."),
                    cookies: services.cookies)
            } catch let error as CustomFieldError {
                page.errors = error.errors
            }
        }
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }

    private func loadField(_ context: AppRequestContext) async throws -> CustomField {
        guard let id = context.parameters.get("id", as: Int64.self), let field = try await database.customField(id: id),
            field.entity == .lead || field.entity == .task
        else { throw HTTPError(.notFound) }
        return field
    }

    private func task(of field: CustomField) async throws -> TaskTemplateSummary? {
        guard let id = field.taskTemplateId else { return nil }
        return try await database.taskTemplateSummary(id: id)
    }

    @Sendable func edit(request: Request, context: AppRequestContext) async throws -> Response {
        let field = try await loadField(context)
        let input = CustomFieldInput(
            entity: field.entity, taskTemplateId: field.taskTemplateId, key: field.key, label: field.label, type: field.type,
            isRequired: field.isRequired, helpText: field.helpText, placeholder: field.placeholder, position: field.position,
            isActive: field.isActive, showOnCard: field.showOnCard, rules: field.fieldRules, defaultValue: field.defaultValue)
        let page = CustomFieldFormPage(fieldId: field.uid, draft: CustomFieldDraft(input), task: try await task(of: field), storedLabel: field.label)
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func update(request: Request, context: AppRequestContext) async throws -> Response {
        let field = try await loadField(context)
        var page = CustomFieldFormPage(
            fieldId: field.uid, draft: Self.draft(context.form, keeping: field), task: try await task(of: field), storedLabel: field.label)
        let (input, errors) = page.draft.read()
        page.errors = errors
        if let input {
            do {
                let saved = try await database.updateCustomField(id: field.uid, input)
                return Redirect.to(
                    Routes.adminFields(template: saved.taskTemplateId), flash: Flash(kind: .success, message: "Saved field \(saved.label)."),
                    cookies: services.cookies)
            } catch let error as CustomFieldError {
                if error == .notFound { throw HTTPError(.notFound) }
                page.errors = error.errors
            }
        }
        // A key or type the form cannot show again stays the stored one on the page.
        page.draft.type = field.type.rawValue
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }
}
