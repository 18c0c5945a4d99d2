import Foundation
import Hummingbird
import Mustache

/// One rule form (the new-rule form, or a rule's edit form): its controls are named like the POST
/// fields and get ids from `prefix`.
struct ScoringRuleFormView: MustacheParent, Sendable {
    let prefix: String
    let form: ScoringRuleForm
    let vocabulary: ScoringVocabulary
    var errorMessages: [String: String] = [:]
    let action: String
    let submitLabel: String

    var errors: FormErrors {
        FormErrors(errorMessages, fields: [
            FormField("kind", id: "\(prefix)-kind", label: "Rule"), FormField("field", id: "\(prefix)-field", label: "Field"),
            FormField("choices", id: "\(prefix)-choices", label: "Values", hint: "\(prefix)-choices-hint"),
            FormField("number", id: "\(prefix)-number", label: "Number"), FormField("days", id: "\(prefix)-days", label: "Days"),
            FormField("points", id: "\(prefix)-points", label: "Points", hint: "\(prefix)-points-hint"),
        ])
    }

    var fieldOptions: [Option] {
        var options = [Option(value: "", label: "— (not needed for this rule)", selected: form.field.isEmpty)]
        options += ScoringText.builtInFields.map { Option(value: $0.key, label: $0.label, selected: form.field == $0.key) }
        // Active custom fields, and an inactive one this rule still names.
        options += vocabulary.fields.filter { $0.isActive || $0.formName == form.field }.map {
            Option(value: $0.formName, label: "\($0.label) (custom\($0.isActive ? "" : ", inactive"))", selected: form.field == $0.formName)
        }
        return options
    }

    func child(named name: String) -> Any? {
        switch name {
        case "prefix": prefix
        case "action": action
        case "submitLabel": submitLabel
        case "errors": errors
        case "kindOptions":
            [Option(value: "", label: "Choose…", selected: form.kind.isEmpty)]
                + ScoringRuleKind.allCases.map { Option(value: $0.rawValue, label: ScoringText.kindLabel($0), selected: form.kind == $0.rawValue) }
        case "fieldOptions": fieldOptions
        case "choices": form.choices
        case "number": form.number
        case "days": form.days
        case "points": form.points
        case "sourceNames": vocabulary.sources.map(\.name).joined(separator: ", ")
        default: nil
        }
    }
}

/// A rule's row on the admin page.
struct ScoringRuleView: MustacheParent, Sendable {
    let rule: ScoringRule
    let vocabulary: ScoringVocabulary
    var form: ScoringRuleForm?
    var errorMessages: [String: String] = [:]

    var formView: ScoringRuleFormView {
        ScoringRuleFormView(
            prefix: "rule-\(rule.uid)", form: form ?? ScoringRuleForm(rule: rule, vocabulary: vocabulary), vocabulary: vocabulary,
            errorMessages: errorMessages, action: Routes.adminScoringRule(rule.uid), submitLabel: "Save rule")
    }

    func child(named name: String) -> Any? {
        switch name {
        case "id": rule.uid
        case "description": ScoringText.describe(rule, vocabulary)
        case "points": ScoringText.points(rule.points)
        case "negative": rule.points < 0
        case "timeBased": rule.kind.isTimeBased
        case "form": formView
        case "formOpen": !errorMessages.isEmpty
        case "deleteConfirm": Confirmation.deleteScoringRule(rule, vocabulary: vocabulary)
        default: nil
        }
    }
}

struct ScoringPage: Page {
    static let template = "admin/scoring"
    var title: String { "Lead scoring" }
    let data: ScoringAdminData
    let job: RescoreJob.Status
    var newForm = ScoringRuleForm()
    var newErrors: [String: String] = [:]
    /// A failed edit: the rule's id, what was typed and the messages.
    var failedEdit: (id: Int64, form: ScoringRuleForm, errors: [String: String])?
    var thresholds: ThresholdsForm?
    var thresholdErrors: [String: String] = [:]

    var newFormView: ScoringRuleFormView {
        ScoringRuleFormView(
            prefix: "new", form: newForm, vocabulary: data.vocabulary, errorMessages: newErrors, action: Routes.adminScoring, submitLabel: "Add rule")
    }

    var ruleViews: [ScoringRuleView] {
        data.rules.map { rule in
            guard let failedEdit, failedEdit.id == rule.id else { return ScoringRuleView(rule: rule, vocabulary: data.vocabulary) }
            return ScoringRuleView(rule: rule, vocabulary: data.vocabulary, form: failedEdit.form, errorMessages: failedEdit.errors)
        }
    }

    var thresholdFormErrors: FormErrors {
        FormErrors(thresholdErrors, fields: [
            FormField("hot_threshold", id: "hot-threshold", label: "Hot from"), FormField("warm_threshold", id: "warm-threshold", label: "Warm from"),
        ])
    }

    /// "Rescoring: 340,000 of 1,000,000 leads", or nil when no rescore runs.
    var progressText: String? {
        guard job.running else { return nil }
        guard let progress = job.progress else { return "Rescoring all leads: starting…" }
        return "Rescoring: \(progress.done.formatted(.number.locale(Locale(identifier: "en_US")))) of \(progress.total.formatted(.number.locale(Locale(identifier: "en_US")))) leads"
    }

    var errorSummary: FormErrors? {
        [newFormView.errors, thresholdFormErrors].first { !$0.isEmpty } ?? ruleViews.map(\.formView.errors).first { !$0.isEmpty }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "rules": ruleViews
        case "hasRules": !data.rules.isEmpty
        case "newForm": newFormView
        case "newFormOpen": true
        case "hot": thresholds?.hot ?? String(data.settings.hotThreshold)
        case "warm": thresholds?.warm ?? String(data.settings.warmThreshold)
        case "thresholdErrors": thresholdFormErrors
        case "thresholdsAction": Routes.adminScoringThresholds
        case "progress": progressText
        case "lastError": job.running ? nil : job.lastError
        case "refreshHref": Routes.adminScoring
        case "errorSummary": errorSummary
        default: nil
        }
    }
}

extension Confirmation {
    static func deleteScoringRule(_ rule: ScoringRule, vocabulary: ScoringVocabulary) -> Confirmation {
        Confirmation(
            question: "Remove the rule “\(ScoringText.describe(rule, vocabulary)) \(ScoringText.points(rule.points))”?",
            detail: "Every lead is scored again without it.", button: "Remove rule", action: Routes.adminScoringRuleDelete(rule.uid),
            cancelHref: Routes.adminScoring, pageHref: Routes.adminScoringRuleDelete(rule.uid))
    }
}

/// Admin lead scoring: rules (add, edit, remove), the rating thresholds, and the progress of the
/// rescore of all leads that a rule change starts.
struct ScoringController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.adminScoring), use: show)
        group.post(RouterPath(Routes.Pattern.adminScoring), use: create)
        group.post(RouterPath(Routes.Pattern.adminScoringThresholds), use: updateThresholds)
        group.post(RouterPath(Routes.Pattern.adminScoringRule), use: update)
        group.get(RouterPath(Routes.Pattern.adminScoringRuleDelete), use: confirmDelete)
        group.post(RouterPath(Routes.Pattern.adminScoringRuleDelete), use: delete)
    }

    func render(_ request: Request, _ context: AppRequestContext, status: HTTPResponse.Status = .ok, configure: (inout ScoringPage) -> Void = { _ in }) async throws -> Response {
        var page = ScoringPage(data: try await database.scoringAdmin(), job: await services.rescoreJob.current)
        configure(&page)
        return services.views.render(page, request: request, context: context, status: status)
    }

    static func ruleId(_ context: AppRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else { throw HTTPError(.notFound) }
        return id
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        try await render(request, context)
    }

    /// Rescores every lead in the background; the flash says so.
    func rescoreAndRedirect(_ message: String, anchor: String = "") async -> Response {
        await services.rescoreJob.request(database: database)
        return Redirect.to(Routes.adminScoring + anchor, flash: Flash(kind: .success, message: message + " Rescoring all leads."), cookies: services.cookies)
    }

    @Sendable func create(request: Request, context: AppRequestContext) async throws -> Response {
        let form = ScoringRuleForm(form: context.form)
        let vocabulary = try await database.scoringVocabulary()
        let (input, errors) = form.validate(vocabulary)
        guard let input else {
            return try await render(request, context, status: .unprocessableContent) {
                $0.newForm = form
                $0.newErrors = errors
            }
        }
        let rule = try await database.addScoringRule(input)
        return await rescoreAndRedirect("Added the rule “\(ScoringText.describe(rule, vocabulary))”.")
    }

    @Sendable func update(request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Self.ruleId(context)
        guard try await database.scoringRule(id: id) != nil else { throw HTTPError(.notFound) }
        let form = ScoringRuleForm(form: context.form)
        let vocabulary = try await database.scoringVocabulary()
        let (input, errors) = form.validate(vocabulary)
        guard let input else {
            return try await render(request, context, status: .unprocessableContent) { $0.failedEdit = (id, form, errors) }
        }
        guard try await database.updateScoringRule(id: id, input) else { throw HTTPError(.notFound) }
        return await rescoreAndRedirect("Saved the rule.", anchor: "#rule-\(id)")
    }

    @Sendable func confirmDelete(request: Request, context: AppRequestContext) async throws -> Response {
        guard let rule = try await database.scoringRule(id: try Self.ruleId(context)) else { throw HTTPError(.notFound) }
        let confirmation = Confirmation.deleteScoringRule(rule, vocabulary: try await database.scoringVocabulary())
        return services.views.render(ConfirmPage(confirmation: confirmation), request: request, context: context)
    }

    @Sendable func delete(request: Request, context: AppRequestContext) async throws -> Response {
        guard try await database.deleteScoringRule(id: try Self.ruleId(context)) else { throw HTTPError(.notFound) }
        return await rescoreAndRedirect("Removed the rule.")
    }

    @Sendable func updateThresholds(request: Request, context: AppRequestContext) async throws -> Response {
        let form = ThresholdsForm(form: context.form)
        let (values, errors) = form.validate()
        guard let values else {
            return try await render(request, context, status: .unprocessableContent) {
                $0.thresholds = form
                $0.thresholdErrors = errors
            }
        }
        try await database.updateScoringThresholds(hot: values.hot, warm: values.warm)
        return Redirect.to(
            Routes.adminScoring + "#thresholds", flash: Flash(kind: .success, message: "Saved the thresholds: hot from \(values.hot), warm from \(values.warm)."),
            cookies: services.cookies)
    }
}
