import Mustache

/// Every path of the app, in one place. The router registers the patterns (`Routes.Pattern`),
/// redirects and view models build URLs with the functions below, and templates get URLs only from
/// view models or from `{{paths.name}}` (the fixed paths, through the layout). A path is written
/// once, as its pattern; the functions fill in the `{placeholders}`, so links cannot drift from routes.
enum Routes {
    /// Patterns as the router registers them. Fixed paths are their own pattern.
    enum Pattern {
        static let dashboard = "/"
        static let healthz = "/healthz"
        static let metrics = "/metrics"
        static let staticFiles = "/static/**"
        static let stagesCSS = "/stages.css"

        static let login = "/login"
        static let logout = "/logout"
        static let account = "/account"
        static let accountPassword = "/account/password"
        static let accountSessionsEndOthers = "/account/sessions/end-others"
        static let accountSessionEnd = "/account/sessions/{id}/end"

        static let leads = "/leads"
        static let leadsNew = "/leads/new"
        static let leadsCSV = "/leads.csv"
        static let lead = "/leads/{id}"
        static let leadEdit = "/leads/{id}/edit"
        static let leadAssign = "/leads/{id}/assign"
        /// `leadDelete`, `leadNoteDelete` and `attachmentDelete` answer GET with a confirmation page
        /// (changing nothing) and POST by doing it.
        static let leadDelete = "/leads/{id}/delete"
        static let leadRestore = "/leads/{id}/restore"
        static let leadMove = "/leads/{id}/move"
        static let leadNotes = "/leads/{id}/notes"
        static let leadNoteDelete = "/leads/{id}/notes/{noteId}/delete"
        static let leadAttachments = "/leads/{id}/attachments"
        static let leadTaskComplete = "/leads/{id}/tasks/{taskId}/complete"
        static let leadTaskReopen = "/leads/{id}/tasks/{taskId}/reopen"
        static let attachment = "/attachments/{id}"
        static let attachmentDelete = "/attachments/{id}/delete"

        static let leadsImport = "/leads/import"
        static let leadsImportPreview = "/leads/import/{token}"
        static let leadsImportConfirm = "/leads/import/{token}/confirm"
        static let leadsImportErrors = "/leads/import/{token}/errors.csv"

        static let activity = "/activity"
        static let board = "/board"
        static let reports = "/reports"
        static let reportsCSV = "/reports.csv"

        static let adminUsers = "/admin/users"
        static let adminUsersNew = "/admin/users/new"
        static let adminUser = "/admin/users/{id}"
        static let adminUserEdit = "/admin/users/{id}/edit"
        static let adminUserPassword = "/admin/users/{id}/password"

        static let adminPipeline = "/admin/pipeline"
        static let adminPipelineReorder = "/admin/pipeline/reorder"
        static let adminStages = "/admin/pipeline/stages"
        static let adminStage = "/admin/pipeline/stages/{id}"
        static let adminStageTasks = "/admin/pipeline/stages/{id}/tasks"
        static let adminStageTask = "/admin/pipeline/stages/{id}/tasks/{taskId}"
        static let adminStageTaskDelete = "/admin/pipeline/stages/{id}/tasks/{taskId}/delete"
        static let adminSources = "/admin/pipeline/sources"
        static let adminSource = "/admin/pipeline/sources/{id}"

        static let adminScoring = "/admin/scoring"
        static let adminScoringThresholds = "/admin/scoring/thresholds"
        static let adminScoringRule = "/admin/scoring/{id}"
        /// GET asks (a confirmation page), POST removes the rule.
        static let adminScoringRuleDelete = "/admin/scoring/{id}/delete"

        /// Custom field definitions: lead fields, or with `?template=` one stage task's completion fields.
        static let adminFields = "/admin/fields"
        static let adminFieldsNew = "/admin/fields/new"
        static let adminField = "/admin/fields/{id}"
        static let adminFieldEdit = "/admin/fields/{id}/edit"
    }

    /// `pattern` with its placeholders replaced, in order, by `values`.
    static func fill(_ pattern: String, _ values: [String]) -> String {
        var result = ""
        var remaining = values[...]
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            precondition(!remaining.isEmpty, "\(pattern) needs more values")
            result += remaining.removeFirst()
            rest = rest[rest.index(after: close)...]
        }
        precondition(remaining.isEmpty, "\(pattern) takes fewer values")
        return result + rest
    }

    static let dashboard = Pattern.dashboard
    static let login = Pattern.login
    static let account = Pattern.account
    static let leads = Pattern.leads
    static let leadsCSV = Pattern.leadsCSV
    static let leadsImport = Pattern.leadsImport
    static let activity = Pattern.activity
    static let board = Pattern.board
    static let reports = Pattern.reports
    static let reportsCSV = Pattern.reportsCSV
    static let adminUsers = Pattern.adminUsers
    static let adminPipeline = Pattern.adminPipeline
    static let adminScoring = Pattern.adminScoring
    static let adminScoringThresholds = Pattern.adminScoringThresholds

    static func accountSessionEnd(_ id: Int64) -> String { fill(Pattern.accountSessionEnd, [String(id)]) }
    static func lead(_ id: Int64) -> String { fill(Pattern.lead, [String(id)]) }
    static func leadEdit(_ id: Int64) -> String { fill(Pattern.leadEdit, [String(id)]) }
    static func leadAssign(_ id: Int64) -> String { fill(Pattern.leadAssign, [String(id)]) }
    static func leadDelete(_ id: Int64) -> String { fill(Pattern.leadDelete, [String(id)]) }
    static func leadRestore(_ id: Int64) -> String { fill(Pattern.leadRestore, [String(id)]) }
    static func leadMove(_ id: Int64) -> String { fill(Pattern.leadMove, [String(id)]) }
    static func leadNotes(_ id: Int64) -> String { fill(Pattern.leadNotes, [String(id)]) }
    static func leadNoteDelete(_ id: Int64, note: Int64) -> String { fill(Pattern.leadNoteDelete, [String(id), String(note)]) }
    static func leadAttachments(_ id: Int64) -> String { fill(Pattern.leadAttachments, [String(id)]) }
    static func leadTaskComplete(_ id: Int64, task: Int64) -> String { fill(Pattern.leadTaskComplete, [String(id), String(task)]) }
    static func leadTaskReopen(_ id: Int64, task: Int64) -> String { fill(Pattern.leadTaskReopen, [String(id), String(task)]) }
    static func attachment(_ id: Int64) -> String { fill(Pattern.attachment, [String(id)]) }
    static func attachmentDelete(_ id: Int64) -> String { fill(Pattern.attachmentDelete, [String(id)]) }
    static func leadsImportPreview(_ token: String) -> String { fill(Pattern.leadsImportPreview, [URLQuery.escape(token)]) }
    static func leadsImportConfirm(_ token: String) -> String { fill(Pattern.leadsImportConfirm, [URLQuery.escape(token)]) }
    static func leadsImportErrors(_ token: String) -> String { fill(Pattern.leadsImportErrors, [URLQuery.escape(token)]) }
    static func adminUser(_ id: Int64) -> String { fill(Pattern.adminUser, [String(id)]) }
    static func adminUserEdit(_ id: Int64) -> String { fill(Pattern.adminUserEdit, [String(id)]) }
    static func adminUserPassword(_ id: Int64) -> String { fill(Pattern.adminUserPassword, [String(id)]) }
    static func adminStage(_ id: Int64) -> String { fill(Pattern.adminStage, [String(id)]) }
    static func adminStageTasks(_ id: Int64) -> String { fill(Pattern.adminStageTasks, [String(id)]) }
    static func adminStageTask(_ id: Int64, task: Int64) -> String { fill(Pattern.adminStageTask, [String(id), String(task)]) }
    static func adminStageTaskDelete(_ id: Int64, task: Int64) -> String { fill(Pattern.adminStageTaskDelete, [String(id), String(task)]) }
    static func adminSource(_ id: Int64) -> String { fill(Pattern.adminSource, [String(id)]) }
    static func adminScoringRule(_ id: Int64) -> String { fill(Pattern.adminScoringRule, [String(id)]) }
    static func adminScoringRuleDelete(_ id: Int64) -> String { fill(Pattern.adminScoringRuleDelete, [String(id)]) }
    static func adminField(_ id: Int64) -> String { fill(Pattern.adminField, [String(id)]) }
    static func adminFieldEdit(_ id: Int64) -> String { fill(Pattern.adminFieldEdit, [String(id)]) }
    /// The lead fields' list, or one task template's completion fields.
    static func adminFields(template: Int64? = nil) -> String { Pattern.adminFields + (template.map { "?template=\($0)" } ?? "") }
    static func adminFieldsNew(template: Int64? = nil) -> String { Pattern.adminFieldsNew + (template.map { "?template=\($0)" } ?? "") }

    /// The fixed paths templates may print as `{{paths.name}}` (the layout offers them on every page).
    static let fixed: [String: String] = [
        "dashboard": Pattern.dashboard, "login": Pattern.login, "logout": Pattern.logout, "account": Pattern.account,
        "accountPassword": Pattern.accountPassword, "accountSessionsEndOthers": Pattern.accountSessionsEndOthers,
        "leads": Pattern.leads, "leadsNew": Pattern.leadsNew, "leadsImport": Pattern.leadsImport, "activity": Pattern.activity,
        "board": Pattern.board, "reports": Pattern.reports, "adminUsers": Pattern.adminUsers, "adminUsersNew": Pattern.adminUsersNew,
        "adminPipeline": Pattern.adminPipeline, "adminPipelineReorder": Pattern.adminPipelineReorder, "adminStages": Pattern.adminStages,
        "adminSources": Pattern.adminSources, "adminScoring": Pattern.adminScoring, "adminFields": Pattern.adminFields, "stagesCSS": Pattern.stagesCSS,
        "css": "/static/css/app.css", "favicon": "/static/favicon.svg", "boardScript": "/static/js/board.js",
        "focusScript": "/static/js/focus.js",
        "confirmScript": "/static/js/confirm.js",
    ]
}

/// `{{paths.leads}}` and the like: the fixed paths, for templates.
struct FixedPaths: MustacheParent, Sendable {
    func child(named name: String) -> Any? { Routes.fixed[name] }
}
