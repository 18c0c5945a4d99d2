import Foundation
import Hummingbird
import Mustache

struct TemplateView: MustacheParent, Sendable {
    let template: TaskTemplate
    /// Active completion fields of the template.
    var fieldCount = 0
    /// A failed edit of this template.
    var errorMessages: [String: String] = [:]

    var errors: FormErrors {
        let id = template.id ?? 0
        return FormErrors(errorMessages, fields: [
            FormField("task_name", id: "tpl-name-\(id)", label: "Task name"), FormField("task_description", id: "tpl-desc-\(id)", label: "Description"),
        ])
    }

    func child(named name: String) -> Any? {
        switch name {
        // Always an object, so `errors.…` inside a template row never reaches the stage's errors.
        case "errors": errors
        case "hasErrors": !errorMessages.isEmpty
        case "name": template.name
        case "description": template.description
        case "required": template.isRequired
        case "deleteAction": Routes.adminStageTaskDelete(template.stageId, task: template.id ?? 0)
        case "updateAction": Routes.adminStageTask(template.stageId, task: template.id ?? 0)
        case "templateId": template.id ?? 0
        case "fieldsHref": Routes.adminFields(template: template.id ?? 0)
        case "fieldCount": fieldCount
        default: nil
        }
    }
}

struct StageAdminView: MustacheParent, Sendable {
    let stage: Stage
    let config: PipelineConfig
    let isFirst: Bool
    let isLast: Bool
    var errorMessages: [String: String] = [:]
    var templateErrors: [Int64: [String: String]] = [:]
    /// Active completion fields per task template id.
    var fieldCounts: [Int64: Int] = [:]

    /// The stage form's and the add-task form's controls (only one of the two is ever submitted).
    var errors: FormErrors {
        let id = stage.uid
        return FormErrors(errorMessages, fields: [
            FormField("name", id: "name-\(id)", label: "Name"), FormField("color", id: "color-\(id)", label: "Colour"),
            FormField("category", id: "category-\(id)", label: "Category"), FormField("active", id: "active-\(id)", label: "Active"),
            FormField("move_to", id: "move-to-\(id)", label: "Move its leads to"), FormField("entry", id: "entry-\(id)", label: "Entry stage"),
            FormField("task_name", id: "task-name-\(id)", label: "Task name"), FormField("task_description", id: "task-desc-\(id)", label: "Description"),
        ])
    }

    func child(named name: String) -> Any? {
        let others = config.stages.filter { $0.isActive && $0.id != stage.id }
        let next = config.transitions[stage.uid] ?? []
        return switch name {
        case "id": stage.uid
        case "name": stage.name
        case "color": stage.color
        case "stageClass": "stage-\(stage.uid)"
        case "category": stage.category.rawValue
        case "categoryOptions": StageCategory.allCases.map { Option(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0 == stage.category) }
        case "active": stage.isActive
        case "final": stage.isFinal
        case "entry": stage.isEntry
        case "leadCount": config.leadCounts[stage.uid] ?? 0
        case "nextOptions": others.map { Option(value: String($0.uid), label: $0.name, selected: next.contains($0.uid)) }
        case "rule":
            stage.isFinal ? "Final: leads stay here"
                : next.isEmpty ? "May move to any stage"
                : "Next: " + config.stages.filter { next.contains($0.uid) }.map(\.name).joined(separator: ", ")
        case "moveToOptions": [Option(value: "", label: "—", selected: true)] + others.map { Option(value: String($0.uid), label: $0.name, selected: false) }
        case "templates":
            (config.templates[stage.uid] ?? []).map {
                TemplateView(template: $0, fieldCount: fieldCounts[$0.id ?? 0] ?? 0, errorMessages: templateErrors[$0.id ?? 0] ?? [:])
            }
        case "action": Routes.adminStage(stage.uid)
        case "taskAction": Routes.adminStageTasks(stage.uid)
        case "canMoveUp": !isFirst
        case "canMoveDown": !isLast
        case "errors": errors
        case "formOpen": ["name", "color", "category", "active", "move_to", "entry", FormErrors.formKey].contains { errorMessages[$0] != nil }
        case "deactivateConfirm":
            Confirmation.deactivateStage(id: stage.uid, name: stage.name, moving: config.leadCounts[stage.uid] ?? 0, target: nil)
        default: nil
        }
    }
}

struct PipelinePage: Page {
    static let template = "admin/pipeline"
    var title: String { "Pipeline" }
    let config: PipelineConfig
    var sources: [Source] = []
    var sourceErrors: [String: String] = [:]
    /// The source whose edit failed; nil when `sourceErrors` are the new-source form's.
    var sourceErrorsFor: Int64?
    var stageErrors: [Int64: [String: String]] = [:]
    /// A failed edit of a task template, by template id.
    var templateErrors: [Int64: [String: String]] = [:]
    var newStage: [String: String] = ["color": "#64748b"]
    /// Active completion fields per task template id.
    var fieldCounts: [Int64: Int] = [:]
    var newErrors: [String: String] = [:]

    func child(named name: String) -> Any? {
        switch name {
        case "stages":
            config.stages.enumerated().map { index, stage in
                StageAdminView(
                    stage: stage, config: config, isFirst: index == 0, isLast: index == config.stages.count - 1,
                    errorMessages: stageErrors[stage.uid] ?? [:], templateErrors: templateErrors, fieldCounts: fieldCounts)
            }
        case "sources":
            sources.map { SourceView(source: $0, errorMessages: sourceErrorsFor == $0.uid ? sourceErrors : [:]) }
        case "sourceErrors": newSourceErrors
        case "newStage": newStage
        case "newErrors": newStageErrors
        case "errorSummary": errorSummary
        case "newCategoryOptions":
            StageCategory.allCases.map { Option(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0.rawValue == (newStage["category"] ?? "open")) }
        default: nil
        }
    }

    var newSourceErrors: FormErrors {
        FormErrors(sourceErrorsFor == nil ? sourceErrors : [:], fields: [FormField("source_name", id: "new-source", label: "New source")])
    }

    var newStageErrors: FormErrors {
        FormErrors(newErrors, fields: [
            FormField("name", id: "new-name", label: "Name"), FormField("color", id: "new-color", label: "Colour"),
            FormField("category", id: "new-category", label: "Category"),
        ])
    }

    /// The one form that failed, whichever it is.
    var errorSummary: FormErrors? {
        var candidates = [newStageErrors, newSourceErrors]
        if let id = sourceErrorsFor, let source = sources.first(where: { $0.uid == id }) {
            candidates.append(SourceView(source: source, errorMessages: sourceErrors).errors)
        }
        for (index, stage) in config.stages.enumerated() {
            let view = StageAdminView(
                stage: stage, config: config, isFirst: index == 0, isLast: index == config.stages.count - 1,
                errorMessages: stageErrors[stage.uid] ?? [:])
            candidates.append(view.errors)
            for template in config.templates[stage.uid] ?? [] {
                candidates.append(TemplateView(template: template, errorMessages: templateErrors[template.id ?? 0] ?? [:]).errors)
            }
        }
        return candidates.first { !$0.isEmpty }
    }
}

/// A lead source's row on the pipeline page.
struct SourceView: MustacheParent, Sendable {
    let source: Source
    var errorMessages: [String: String] = [:]

    var errors: FormErrors {
        FormErrors(errorMessages, fields: [FormField("source_name", id: "source-\(source.uid)", label: "Source name")])
    }

    func child(named name: String) -> Any? {
        switch name {
        case "id": String(source.uid)
        case "name": source.name
        case "action": Routes.adminSource(source.uid)
        case "active": source.isActive ? "checked" : ""
        case "errors": errors
        default: nil
        }
    }
}

/// Admin pipeline settings: stages (create, edit, reorder, deactivate with relocation), their
/// allowed next stages and task templates.
struct AdminPipelineController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.adminPipeline), use: show)
        group.post(RouterPath(Routes.Pattern.adminStages), use: create)
        group.post(RouterPath(Routes.Pattern.adminStage), use: update)
        group.post(RouterPath(Routes.Pattern.adminPipelineReorder), use: reorder)
        group.post(RouterPath(Routes.Pattern.adminStageTasks), use: addTemplate)
        group.post(RouterPath(Routes.Pattern.adminSources), use: createSource)
        group.post(RouterPath(Routes.Pattern.adminSource), use: updateSource)
        group.post(RouterPath(Routes.Pattern.adminStageTask), use: updateTemplate)
        group.post(RouterPath(Routes.Pattern.adminStageTaskDelete), use: deleteTemplate)
    }

    func render(_ request: Request, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, configure: (inout PipelinePage) -> Void = { _ in }) async throws -> Response {
        var page = PipelinePage(config: try await database.pipelineWithLeadCounts())
        page.sources = try await database.leadReferenceData().sources
        page.fieldCounts = try await database.completionFieldCounts()
        configure(&page)
        return services.views.render(page, request: request, context: context, status: status)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    static func validate(name: String, color: String, category: String) -> [String: String] {
        var errors: [String: String] = [:]
        errors["name"] = Validate.text(name, label: "Name", required: true, max: 60)
        let hex = color.dropFirst()
        if !(color.hasPrefix("#") && hex.count == 6 && hex.allSatisfy({ $0.isASCII && $0.isHexDigit })) { errors["color"] = "Use a colour like #3b82f6." }
        if StageCategory(rawValue: category) == nil { errors["category"] = "Choose open, won or lost." }
        return errors
    }

    @Sendable func create(request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        let values = ["name": form.trimmed("name"), "color": form.trimmed("color").lowercased(), "category": form.trimmed("category")]
        var errors = Self.validate(name: values["name"]!, color: values["color"]!, category: values["category"]!)
        if errors.isEmpty, let category = StageCategory(rawValue: values["category"]!) {
            do {
                try await database.createStage(StageInput(name: values["name"]!, color: values["color"]!, category: category))
                return Redirect.to(Routes.adminPipeline, flash: Flash(kind: .success, message: "Added stage \(values["name"]!)."), cookies: services.cookies)
            } catch let error as StageSettingsError {
                errors[error.field] = error.message
            }
        }
        return try await render(request, context, status: .unprocessableContent) {
            $0.newStage = values
            $0.newErrors = errors
        }
    }

    @Sendable func update(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        let form = context.form
        let name = form.trimmed("name"), color = form.trimmed("color").lowercased(), category = form.trimmed("category")
        var errors = Self.validate(name: name, color: color, category: category)
        if errors.isEmpty, let category = StageCategory(rawValue: category) {
            let input = StageInput(
                name: name, color: color, category: category, isActive: form.has("active"), isFinal: form.has("final"),
                isEntry: form.has("entry"), nextStageIds: Set(form.all("next").compactMap { Int64($0) }), moveLeadsTo: Int64(form.trimmed("move_to")))
            do {
                // Deactivating from the stage form asks first (a page here; confirm.js asks in a dialog
                // and sends confirm=1), once the change is known to be accepted.
                let stages = !input.isActive && form.wantsConfirmation ? try await database.pipeline().stages : []
                if let stage = stages.first(where: { $0.id == id }), stage.isActive {
                    let moving = try await database.updateStage(id: id, input: input, actor: user, checkOnly: true)
                    let target = stages.first { $0.id == input.moveLeadsTo }?.name
                    let confirmation = Confirmation.deactivateStage(
                        id: id, name: stage.name, moving: moving, target: target, fields: HiddenField.resubmitting(form))
                    return services.views.render(ConfirmPage(confirmation: confirmation), request: request, context: context)
                }
                try await database.updateStage(id: id, input: input, actor: user)
                return Redirect.to(Routes.adminPipeline + "#stage-\(id)", flash: Flash(kind: .success, message: "Saved stage \(name)."), cookies: services.cookies)
            } catch let error as StageSettingsError {
                errors[error.field] = error.message
            }
        }
        return try await render(request, context, status: .unprocessableContent) { $0.stageErrors[id] = errors }
    }

    @Sendable func reorder(request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        if let id = Int64(form.trimmed("stage_id")), ["up", "down"].contains(form.trimmed("direction")) {
            try await database.reorderStage(id: id, up: form.trimmed("direction") == "up")
        } else if form.has("order") {
            try await database.reorderStages(form.trimmed("order").split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) })
        } else {
            throw PageError(.unprocessableContent, "Say which stage to move (stage_id and direction up or down) or give the full order.")
        }
        return Redirect.to(Routes.adminPipeline, flash: Flash(kind: .success, message: "Stage order saved."), cookies: services.cookies)
    }

    @Sendable func createSource(request: Request, context: AppRequestContext) async throws -> Response {
        let name = context.form.trimmed("name")
        var errors: [String: String] = [:]
        errors["source_name"] = Validate.text(name, label: "Source name", required: true, max: 100)
        if errors.isEmpty {
            do {
                try await database.createSource(name: name)
                return Redirect.to(Routes.adminPipeline + "#sources", flash: Flash(kind: .success, message: "Added source \(name)."), cookies: services.cookies)
            } catch let error as SourceChangeError {
                errors[error.field] = error.message
            }
        }
        return try await render(request, context, status: .unprocessableContent) { $0.sourceErrors = errors }
    }

    @Sendable func updateSource(request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        let name = context.form.trimmed("name")
        var errors: [String: String] = [:]
        errors["source_name"] = Validate.text(name, label: "Source name", required: true, max: 100)
        if errors.isEmpty {
            do {
                try await database.updateSource(id: id, name: name, isActive: context.form.has("active"))
                return Redirect.to(Routes.adminPipeline + "#sources", flash: Flash(kind: .success, message: "Saved source \(name)."), cookies: services.cookies)
            } catch let error as SourceChangeError {
                errors[error.field] = error.message
            }
        }
        return try await render(request, context, status: .unprocessableContent) {
            $0.sourceErrors = errors
            $0.sourceErrorsFor = id
        }
    }

    static func templateErrors(name: String, description: String) -> [String: String] {
        var errors: [String: String] = [:]
        errors["task_name"] = Validate.text(name, label: "Task name", required: true, max: 120)
        errors["task_description"] = Validate.text(description, label: "Description", required: false, max: 1000)
        return errors
    }

    @Sendable func updateTemplate(request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let taskId = context.parameters.get("taskId", as: Int64.self) else {
            throw HTTPError(.notFound)
        }
        let form = context.form
        let name = form.trimmed("name"), description = form.trimmed("description")
        let errors = Self.templateErrors(name: name, description: description)
        guard errors.isEmpty else { return try await render(request, context, status: .unprocessableContent) { $0.templateErrors[taskId] = errors } }
        guard try await database.updateTaskTemplate(stageId: id, templateId: taskId, name: name, description: description, isRequired: form.has("required"))
        else { throw HTTPError(.notFound) }
        return Redirect.to(Routes.adminPipeline + "#stage-\(id)", flash: Flash(kind: .success, message: "Saved task \(name)."), cookies: services.cookies)
    }

    @Sendable func addTemplate(request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        let form = context.form
        let name = form.trimmed("name"), description = form.trimmed("description")
        let errors = Self.templateErrors(name: name, description: description)
        if errors.isEmpty {
            do {
                try await database.addTaskTemplate(stageId: id, name: name, description: description, isRequired: form.has("required"))
                return Redirect.to(Routes.adminPipeline + "#stage-\(id)", flash: Flash(kind: .success, message: "Added task \(name)."), cookies: services.cookies)
            } catch is StageSettingsError {
                throw HTTPError(.notFound)
            }
        }
        return try await render(request, context, status: .unprocessableContent) { $0.stageErrors[id] = errors }
    }

    @Sendable func deleteTemplate(request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self), let taskId = context.parameters.get("taskId", as: Int64.self),
            try await database.deleteTaskTemplate(stageId: id, templateId: taskId)
        else { throw HTTPError(.notFound) }
        return Redirect.to(Routes.adminPipeline + "#stage-\(id)", flash: Flash(kind: .success, message: "Task template removed."), cookies: services.cookies)
    }
}
