import Foundation
import Mustache

/// A lead as one row of a table.
struct LeadRowView: MustacheParent, Sendable {
    let row: LeadListRow
    /// The extra (custom field) columns' cells, in column order.
    var cells: [LabelValueView] = []
    init(row: LeadListRow) { self.row = row }
    init(row: LeadListRow, cells: [LabelValueView]) {
        self.row = row
        self.cells = cells
    }
    func child(named name: String) -> Any? {
        switch name {
        case "cells": cells
        case "href": Routes.lead(row.id)
        case "reference": row.reference
        case "name": row.name
        case "company": row.company
        case "stageName": row.stageName
        case "stageClass": "stage-\(row.stageId)"
        case "ownerName": row.ownerName ?? "Unassigned"
        case "unassigned": row.ownerName == nil
        case "value": Money.display(row.valueCents)
        case "score": row.score
        case "rating": row.rating.rawValue
        case "ratingLabel": row.rating.label
        case "updated": Format.date(row.updatedAt)
        case "created": Format.date(row.createdAt)
        default: nil
        }
    }
}

struct LinkView: MustacheParent, Sendable {
    let label: String
    let href: String
    var current = false
    var indicator = ""
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "current": current
        case "indicator": indicator
        default: nil
        }
    }
}

struct LeadsIndexPage: Page {
    static let template = "leads/index"
    let filter: LeadFilter
    let result: LeadListResult
    let reference: LeadReferenceData
    let viewer: User
    /// The active lead custom fields (filters for select and boolean ones, extra columns for any).
    var fields: [CustomField] = []

    var title: String { filter.deleted ? "Deleted leads" : "Leads" }

    var pageCount: Int { max(1, (result.total + LeadFilter.pageSize - 1) / LeadFilter.pageSize) }

    func link(page: Int? = nil, sort: String? = nil) -> String {
        var items = filter.queryItems(includeSort: sort == nil)
        if let sort, sort != "-updated" { items.append(("sort", sort)) }
        if let page, page > 1 { items.append(("page", String(page))) }
        return URLQuery.build(Routes.leads, items)
    }

    var sortHeaders: [String: LinkView] {
        var headers: [String: LinkView] = [:]
        for sort in LeadSort.allCases {
            let active = filter.sortField == nil && filter.sort == sort
            // First click sorts text ascending and numbers/dates descending; a second click flips it.
            let defaultDescending = sort != .name && sort != .stage
            let nextDescending = active ? !filter.descending : defaultDescending
            headers[sort.rawValue] = LinkView(
                label: sort.rawValue, href: link(sort: (nextDescending ? "-" : "") + sort.rawValue), current: active,
                indicator: active ? (filter.descending ? "▼" : "▲") : "")
        }
        return headers
    }

    func child(named name: String) -> Any? {
        switch name {
        case "q": filter.q
        case "createdFrom": filter.createdFrom ?? ""
        case "createdTo": filter.createdTo ?? ""
        case "sort": filter.sortParameter == "-updated" ? "" : filter.sortParameter
        case "deleted": filter.deleted
        case "filterErrors": filter.errors
        case "searchError":
            result.searchSyntaxError
                ? "The search could not be understood. Use plain words, or balance your quotes and brackets." : nil
        case "stageOptions":
            [Option(value: "", label: "Any stage", selected: filter.stageId == nil)]
                + reference.stages.map { Option(value: String($0.uid), label: $0.name, selected: filter.stageId == $0.id) }
        case "sourceOptions":
            [Option(value: "", label: "Any source", selected: filter.sourceId == nil)]
                + reference.sources.map { Option(value: String($0.uid), label: $0.name, selected: filter.sourceId == $0.id) }
        case "ratingOptions":
            [Option(value: "", label: "Any rating", selected: filter.rating == nil)]
                + Rating.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: filter.rating == $0) }
        case "categoryOptions":
            [Option(value: "", label: "Any status", selected: filter.category == nil)]
                + StageCategory.allCases.map { Option(value: $0.rawValue, label: $0.rawValue.capitalized, selected: filter.category == $0) }
        case "ownerOptions":
            ownerOptions
        case "rows": rowViews
        case "customFilters": fields.filter(\.type.isFilterable).map { CustomFilterView(field: $0, filter: filter) }
        case "columnChoices": fields.map { ColumnChoiceView(field: $0, chosen: filter.columns.contains($0)) }
        case "hasColumnChoices": !fields.isEmpty
        case "columnsOpen": !filter.columns.isEmpty || filter.errors[LeadFilter.columnsKey] != nil
        case "columnsError": filter.errors[LeadFilter.columnsKey]
        case "otherFilterErrors": otherFilterErrors
        case "extraColumns": extraColumns
        case "hasRows": !result.rows.isEmpty
        case "total": result.total
        case "summary": summary
        case "isFiltered": filter.isFiltered
        case "sortHeaders": sortHeaders
        case "prevHref": filter.page > 1 ? link(page: filter.page - 1) : nil
        case "nextHref": filter.page < pageCount ? link(page: filter.page + 1) : nil
        case "pageLabel": "Page \(filter.page) of \(pageCount)"
        case "myLeadsHref": URLQuery.build(Routes.leads, [("owner", "me")])
        case "clearHref": URLQuery.build(Routes.leads, filter.deleted ? [("deleted", "1")] : [])
        case "deletedHref": URLQuery.build(Routes.leads, [("deleted", "1")])
        case "myLeadsActive": filter.owner == .me
        case "canSeeDeleted": LeadPolicy.canSeeDeleted(viewer)
        case "csvHref": URLQuery.build(Routes.leadsCSV, filter.queryItems())
        case "canImport": LeadPolicy.canImport(viewer)
        default: nil
        }
    }

    var rowViews: [LeadRowView] {
        result.rows.map { row in
            let values = result.customValues[row.id] ?? [:]
            return LeadRowView(
                row: row, cells: filter.columns.map { LabelValueView(label: $0.label, value: CustomFieldDisplay.text($0, values[$0.uid]) ?? "—", empty: values[$0.uid] == nil) })
        }
    }

    /// The extra columns' headers, sort links like the built-in ones (numbers and dates sort
    /// descending on the first click, text ascending).
    var extraColumns: [LinkView] {
        filter.columns.map { field in
            let active = filter.sortField == field
            let defaultDescending = [.integer, .decimal, .date, .datetime].contains(field.type)
            let nextDescending = active ? !filter.descending : defaultDescending
            return LinkView(
                label: field.label, href: link(sort: (nextDescending ? "-" : "") + field.formName), current: active,
                indicator: active ? (filter.descending ? "▼" : "▲") : "")
        }
    }

    /// Messages about `cf_` parameters that have no control in the filter form (unknown or not filterable fields).
    var otherFilterErrors: [String] {
        let shown = Set(fields.filter(\.type.isFilterable).map(\.formName))
        return filter.errors.keys.sorted().filter { $0.hasPrefix("cf_") && !shown.contains($0) }.compactMap { filter.errors[$0] }
    }

    var ownerOptions: [Option] {
        var options = [
            Option(value: "", label: "Anyone", selected: filter.owner == .any),
            Option(value: "me", label: "Me", selected: filter.owner == .me),
        ]
        if LeadPolicy.seesAllLeads(viewer) {
            options.append(Option(value: "none", label: "Unassigned", selected: filter.owner == .none))
            options += reference.users.map { Option(value: String($0.uid), label: $0.name, selected: filter.owner == .user($0.uid)) }
        }
        return options
    }

    var summary: String {
        if result.total == 0 { return "No leads" }
        let first = (filter.page - 1) * LeadFilter.pageSize + 1
        let last = min(result.total, first + result.rows.count - 1)
        return result.rows.isEmpty
            ? "\(result.total.formatted()) leads" : "Showing \(first.formatted())–\(last.formatted()) of \(result.total.formatted()) leads"
    }
}

/// The create / edit form. On a 409 it shows the current saved values beside the user's input.
struct LeadFormPage: Page {
    static let template = "leads/form"
    var leadId: Int64?
    var reference: String?
    var form: LeadForm
    var errors: [String: String] = [:]
    var data: LeadReferenceData
    var viewer: User
    /// Field → current saved value, for fields that differ from the user's input after a conflict.
    var conflict: [String: String]?
    /// The active lead custom fields, shown after the built-in fields in this order.
    var customFields: [CustomField] = []

    var title: String { leadId == nil ? "New lead" : "Edit \(form.name)" }

    /// The form's controls in order, for the error summary and the fields' error states.
    var formErrors: FormErrors {
        var fields = [
            FormField("name", label: "Name"), FormField("email", label: "Email"), FormField("phone", label: "Phone"),
            FormField("company", label: "Company"), FormField("source", label: "Source"), FormField("value", label: "Value"),
            FormField("expected_close_date", label: "Expected close date"),
            FormField("stage_id", label: "Stage", hint: leadId == nil ? "stage-hint" : nil),
        ]
        if LeadPolicy.canAssign(viewer) { fields.append(FormField("owner_id", label: "Owner")) }
        fields += customFields.map(CustomFieldInputView.formField)
        return FormErrors(errors, fields: fields)
    }

    var customInputs: [CustomFieldInputView] {
        let states = formErrors
        return customFields.map { field in
            CustomFieldInputView(field: field, values: form.customValues(field), error: states.state(of: field.formName), conflict: conflict?[field.formName])
        }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "errorSummary": errors.isEmpty ? nil : formErrors
        case "isNew": leadId == nil
        case "action": leadId.map(Routes.lead) ?? Routes.leads
        case "cancelHref": leadId.map(Routes.lead) ?? Routes.leads
        case "reference": reference
        case "name": form.name
        case "email": form.email
        case "phone": form.phone
        case "company": form.company
        case "value": form.value
        case "expectedCloseDate": form.expectedCloseDate
        case "version": form.version
        case "errors": formErrors
        case "conflict": conflict
        case "canAssign": LeadPolicy.canAssign(viewer)
        case "customFields": customInputs
        case "sourceOptions":
            [Option(value: "", label: "—", selected: form.source.isEmpty)]
                + data.sources.filter { $0.isActive || String($0.uid) == form.source }
                .map { Option(value: String($0.uid), label: $0.name, selected: String($0.uid) == form.source) }
        case "stageOptions":
            data.stages.filter { $0.isActive || String($0.uid) == form.stageId }
                .map { Option(value: String($0.uid), label: $0.name, selected: String($0.uid) == form.stageId) }
        case "stageGroups":
            // A new lead starts in an entry stage; any other stage is a move under the pipeline rules.
            [
                ("Start in", data.stages.filter { $0.isActive && $0.isEntry }),
                ("Move on to (the pipeline rules apply)", data.stages.filter { $0.isActive && !$0.isEntry }),
            ]
            .filter { !$0.1.isEmpty }
            .map { label, stages in
                OptionGroup(label: label, options: stages.map { Option(value: String($0.uid), label: $0.name, selected: String($0.uid) == form.stageId) })
            }
        case "ownerOptions":
            [Option(value: "", label: "Unassigned", selected: form.ownerId.isEmpty)]
                + data.users.map { Option(value: String($0.uid), label: "\($0.name) (\($0.role.label))", selected: String($0.uid) == form.ownerId) }
        default: nil
        }
    }
}

/// An `<optgroup>` of a select.
struct OptionGroup: MustacheParent, Sendable {
    let label: String
    let options: [Option]
    func child(named name: String) -> Any? {
        switch name {
        case "label": self.label
        case "options": self.options
        default: nil
        }
    }
}

/// Turns an activity row into words for the timeline.
struct ActivityView: MustacheParent, Sendable {
    let row: ActivityRow
    var showLead = false

    var summary: String {
        let who = row.actorName ?? "Someone"
        let detail = ActivityDetail.decode(row.detail)
        switch row.kind {
        case .created: return "\(who) created the lead"
        case .updated: return "\(who) edited the lead"
        case .assigned:
            let to = detail.changes?.first?.to ?? "someone"
            return "\(who) assigned the lead to \(to)"
        case .stageChanged:
            let change = detail.changes?.first
            return "\(who) moved the lead from \(change?.from ?? "?") to \(change?.to ?? "?")" + (detail.override == true ? " (override)" : "")
        case .noteAdded: return "\(who) added a note"
        case .noteDeleted: return "\(who) deleted a note"
        case .fileAdded: return "\(who) attached \(detail.text ?? "a file")"
        case .fileDeleted: return "\(who) removed \(detail.text ?? "a file")"
        case .deleted: return "\(who) deleted the lead"
        case .restored: return "\(who) restored the lead"
        case .taskCompleted: return "\(who) completed the task \(detail.text ?? "")"
        case .taskReopened: return "\(who) reopened the task \(detail.text ?? "")"
        case .imported: return "\(who) imported the lead" + (detail.text.map { " (\($0))" } ?? "")
        }
    }

    var lines: [String] {
        let detail = ActivityDetail.decode(row.detail)
        var lines: [String] = []
        if row.kind == .updated {
            lines += (detail.changes ?? []).map { "\($0.field): \($0.from.isEmpty ? "—" : $0.from) → \($0.to.isEmpty ? "—" : $0.to)" }
        }
        // The values given with a task's completion ("Contact method: Phone").
        if row.kind == .taskCompleted { lines += (detail.changes ?? []).map { "\($0.field): \($0.to.isEmpty ? "—" : $0.to)" } }
        if row.kind == .noteAdded, let text = detail.text { lines.append("“\(text)”") }
        if let comment = detail.comment, !comment.isEmpty { lines.append("Comment: \(comment)") }
        return lines
    }

    func child(named name: String) -> Any? {
        switch name {
        case "summary": summary
        case "lines": lines
        case "when": Format.dateTime(row.createdAt)
        case "kind": row.kind.rawValue
        case "showLead": showLead
        case "leadHref": Routes.lead(row.leadId)
        case "leadLabel": "\(row.leadReference ?? "") \(row.leadName ?? "")"
        default: nil
        }
    }
}

struct NoteView: MustacheParent, Sendable {
    let note: NoteRow
    let leadId: Int64
    let canDelete: Bool
    func child(named name: String) -> Any? {
        switch name {
        case "body": note.body
        case "author": note.authorName ?? "Former user"
        case "when": Format.dateTime(note.createdAt)
        case "canDelete": canDelete
        case "deleteAction": Routes.leadNoteDelete(leadId, note: note.id)
        case "deleteConfirm": Confirmation.deleteNote(id: note.id, leadId: leadId, body: note.body)
        default: nil
        }
    }
}

struct AttachmentView: MustacheParent, Sendable {
    let attachment: AttachmentRow
    let canDelete: Bool
    func child(named name: String) -> Any? {
        switch name {
        case "name": attachment.originalName
        case "href": Routes.attachment(attachment.id)
        case "size": ByteCountFormatter.string(fromByteCount: attachment.size, countStyle: .file)
        case "uploader": attachment.uploaderName ?? "Former user"
        case "when": Format.dateTime(attachment.createdAt)
        case "canDelete": canDelete
        case "deleteAction": Routes.attachmentDelete(attachment.id)
        case "deleteConfirm": Confirmation.removeFile(id: attachment.id, name: attachment.originalName, leadId: attachment.leadId)
        default: nil
        }
    }
}

struct LeadShowPage: Page {
    static let template = "leads/show"
    let detail: LeadDetail
    let viewer: User
    let users: [User]
    var noteBody = ""
    var noteError: String?
    var now = Date()
    var extra: [String: any Sendable] = [:]
    /// The stored score with the rules that made it.
    var score: ScoreBreakdown?

    var title: String { detail.lead.name }

    /// A refused task completion (`MoveController.completeTask`), shown on its task.
    var taskForm: TaskCompletionForm? { extra[TaskCompletionForm.extraKey] as? TaskCompletionForm }

    /// The note and upload forms' errors (one of them at a time), for the summary and the fields.
    var formErrors: FormErrors {
        var messages: [String: String] = [:]
        messages["body"] = noteError
        messages["file"] = extra["uploadError"] as? String
        var fields = [FormField("body", id: "note-body", label: "Note"), FormField("file", label: "File")]
        if let taskForm {
            messages.merge(taskForm.errors) { own, _ in own }
            fields += TaskCompletionForm.formFields(taskId: taskForm.taskId, fields: detail.taskFields.fields[taskForm.taskId] ?? [])
        }
        return FormErrors(messages, fields: fields)
    }

    func child(named name: String) -> Any? {
        let lead = detail.lead
        let deleted = lead.deletedAt != nil
        return switch name {
        case "id": lead.uid
        case "reference": lead.reference
        case "name": lead.name
        case "email": lead.email
        case "mailto": lead.email.isEmpty ? nil : "mailto:" + lead.email.split(separator: "@", omittingEmptySubsequences: false).map { URLQuery.escape(String($0)) }.joined(separator: "@")
        case "phone": lead.phone.isEmpty ? nil : lead.phone  // nil, so that the template's "—" shows
        case "tel": TelephoneLink.href(lead.phone)
        case "company": lead.company
        case "source": detail.source?.name ?? "—"
        case "value": Money.display(lead.valueCents)
        case "expectedClose": lead.expectedCloseDate.flatMap(Day.start(of:)).map(Format.date) ?? "—"
        case "customDetails":
            // Every active field in form order; one without a value shows "—".
            detail.customFields.map { field in
                let text = CustomFieldDisplay.text(field, detail.customValues[field.uid])
                return LabelValueView(label: field.label, value: text ?? "—", empty: text == nil)
            }
        case "score": score.map(ScoreBreakdownView.init)
        case "stageName": detail.stage.name
        case "stageClass": "stage-\(detail.stage.uid)"
        case "owner": detail.owner?.name ?? "Unassigned"
        case "createdBy": detail.createdBy?.name ?? "—"
        case "created": Format.dateTime(lead.createdAt)
        case "updated": Format.dateTime(lead.updatedAt)
        case "deleted": deleted
        case "deletedAt": Format.dateTime(lead.deletedAt)
        case "canEdit": !deleted
        case "editHref": Routes.leadEdit(lead.uid)
        case "deleteAction": Routes.leadDelete(lead.uid)
        case "deleteConfirm": Confirmation.deleteLead(lead)
        case "restoreAction": Routes.leadRestore(lead.uid)
        case "assignAction": Routes.leadAssign(lead.uid)
        case "moveAction": Routes.leadMove(lead.uid)
        case "noteAction": Routes.leadNotes(lead.uid)
        case "uploadAction": Routes.leadAttachments(lead.uid)
        case "canAssign": !deleted && LeadPolicy.canAssign(viewer)
        case "canDelete": !deleted && LeadPolicy.canDelete(viewer)
        case "canRestore": deleted && LeadPolicy.canRestore(viewer)
        case "ownerOptions":
            [Option(value: "", label: "Unassigned", selected: lead.ownerId == nil)]
                + users.map { Option(value: String($0.uid), label: $0.name, selected: $0.id == lead.ownerId) }
        case "notes": detail.notes.map { NoteView(note: $0, leadId: lead.uid, canDelete: !deleted && LeadPolicy.canDeleteNote(authorId: $0.authorId, user: viewer)) }
        case "attachments": detail.attachments.map { AttachmentView(attachment: $0, canDelete: !deleted && LeadPolicy.canDeleteAttachment(uploaderId: $0.uploaderId, user: viewer)) }
        case "activities": detail.activities.map { ActivityView(row: $0) }
        case "noteBody": noteBody
        case "noteError": noteError
        case "errors": formErrors
        case "errorSummary": formErrors.isEmpty ? nil : formErrors
        case "tasks":
            detail.tasks.map {
                TaskView(
                    task: $0, leadId: lead.uid, currentStageId: lead.stageId, editable: !deleted, fields: detail.taskFields.fields[$0.id] ?? [],
                    storedValues: detail.taskFields.values[$0.id] ?? [:], form: taskForm?.taskId == $0.id ? taskForm : nil, errors: formErrors)
            }
        case "hasTasks": !detail.tasks.isEmpty
        case "history": detail.history.map { HistoryView(row: $0, now: now) }
        case "canMove": !deleted && !detail.allowedTargets.isEmpty
        case "finalStage": !deleted && detail.allowedTargets.isEmpty
        case "moveOptions": detail.allowedTargets.map { Option(value: String($0.uid), label: $0.name, selected: false) }
        case "canOverride": LeadPolicy.canAssign(viewer)
        default: extra[name]
        }
    }
}

struct ActivityIndexPage: Page {
    static let template = "activity/index"
    var title: String { "Activity" }
    let rows: [ActivityRow]
    let page: Int
    let pageSize: Int

    func child(named name: String) -> Any? {
        switch name {
        case "activities": rows.prefix(pageSize).map { ActivityView(row: $0, showLead: true) }
        case "hasRows": !rows.isEmpty
        case "prevHref": page > 1 ? URLQuery.build(Routes.activity, [("page", String(page - 1))]) : nil
        case "nextHref": rows.count > pageSize ? URLQuery.build(Routes.activity, [("page", String(page + 1))]) : nil
        case "pageLabel": "Page \(page)"
        default: nil
        }
    }
}

struct TaskView: MustacheParent, Sendable {
    let task: TaskRow
    let leadId: Int64
    let currentStageId: Int64
    let editable: Bool
    /// The active fields of the task's template (asked for on completion) and its stored values.
    var fields: [CustomField] = []
    var storedValues: FieldValues = [:]
    /// What was typed when completing this task was refused, and the lead page's errors.
    var form: TaskCompletionForm?
    var errors = FormErrors(fields: [])
    func child(named name: String) -> Any? {
        switch name {
        case "name": task.name
        case "description": task.description
        case "stageName": task.stageName
        case "required": task.isRequired
        case "status": task.status.rawValue
        case "isOpen": task.status == .open
        case "isDone": task.status == .done
        case "isSkipped": task.status == .skipped
        case "note": task.note
        case "completed": task.completedAt.map { "\(task.completedByName ?? "Someone") · \(Format.dateTime($0))" }
        case "canComplete": editable && task.status == .open
        case "canReopen": editable && task.status != .open && task.stageId == currentStageId
        case "completeAction": Routes.leadTaskComplete(leadId, task: task.id)
        case "reopenAction": Routes.leadTaskReopen(leadId, task: task.id)
        case "hasFields": !fields.isEmpty
        case "fieldInputs": fieldInputs(errors: errors)
        case "fieldValues": fieldValues
        case "typedNote": form?.note ?? ""
        default: nil
        }
    }
}

struct HistoryView: MustacheParent, Sendable {
    let row: HistoryRow
    let now: Date

    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int(seconds / 60)
        if minutes < 60 { return "\(max(minutes, 0)) min" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) h" }
        return "\(hours / 24) days"
    }

    func child(named name: String) -> Any? {
        switch name {
        case "stageName": row.stageName
        case "entered": Format.dateTime(row.enteredAt)
        case "enteredBy": row.enteredByName ?? "—"
        case "left": row.exitedAt.map(Format.dateTime) ?? "current"
        case "isCurrent": row.exitedAt == nil
        case "spent": Self.duration((row.exitedAt ?? now).timeIntervalSince(row.enteredAt))
        case "comment": row.comment.isEmpty ? nil : row.comment
        case "lostReason": row.lostReason.isEmpty ? nil : row.lostReason
        case "override": row.override
        default: nil
        }
    }
}
