import Foundation
import Mustache

/// What a destructive action asks before it happens. The same words appear on the confirmation page
/// (`ConfirmPage`, without JavaScript) and, through the `data-confirm-*` attributes of the link or form
/// that starts the action, in the dialog `Public/js/confirm.js` opens. Confirming sends the action's
/// existing POST; a GET never changes anything.
struct Confirmation: MustacheParent, Sendable {
    /// The page heading and the dialog title: "Delete LEAD-202612-00001?".
    let question: String
    /// What will happen, in a sentence or two.
    let detail: String
    /// The confirm button's label.
    let button: String
    /// The POST that does it (the action's existing route).
    let action: String
    /// Where Cancel goes back to.
    let cancelHref: String
    /// The confirmation page a link opens without JavaScript (nil for a form that asks when submitted).
    var pageHref: String?
    /// Fields the POST repeats (a deactivation's submitted form), in a stable order.
    var fields: [HiddenField] = []

    func child(named name: String) -> Any? {
        switch name {
        case "question": question
        case "detail": detail
        case "button": button
        case "action": action
        case "cancelHref": cancelHref
        case "pageHref": pageHref
        case "fields": fields
        default: nil
        }
    }

    static func deleteLead(_ lead: Lead) -> Confirmation {
        Confirmation(
            question: "Delete \(lead.reference)?",
            detail: "\(lead.name) leaves the lead list, the board and the reports. An admin can restore it.",
            button: "Delete lead", action: Routes.leadDelete(lead.uid), cancelHref: Routes.lead(lead.uid), pageHref: Routes.leadDelete(lead.uid))
    }

    static func deleteNote(id: Int64, leadId: Int64, body: String) -> Confirmation {
        let excerpt = body.count > 80 ? body.prefix(80).trimmingCharacters(in: .whitespacesAndNewlines) + "…" : body
        return Confirmation(
            question: "Delete this note?", detail: "“\(excerpt)” is deleted for good.", button: "Delete note",
            action: Routes.leadNoteDelete(leadId, note: id), cancelHref: Routes.lead(leadId) + "#notes",
            pageHref: Routes.leadNoteDelete(leadId, note: id))
    }

    static func removeFile(id: Int64, name: String, leadId: Int64) -> Confirmation {
        Confirmation(
            question: "Remove \(name)?", detail: "The file is deleted from this lead for good.", button: "Remove file",
            action: Routes.attachmentDelete(id), cancelHref: Routes.lead(leadId) + "#files", pageHref: Routes.attachmentDelete(id))
    }

    static func deactivateUser(id: Int64, name: String, email: String, fields: [HiddenField] = []) -> Confirmation {
        Confirmation(
            question: "Deactivate \(name)?",
            detail: "\(name) (\(email)) can no longer sign in, and their sessions end now. You can activate them again later.",
            button: "Deactivate", action: Routes.adminUser(id), cancelHref: Routes.adminUserEdit(id), fields: fields)
    }

    /// `moving` leads go to `target`; without a target (the form's dialog, before the server has
    /// checked the choice) the count is left out too: the page counts live leads, a move takes deleted ones as well.
    static func deactivateStage(id: Int64, name: String, moving: Int, target: String?, fields: [HiddenField] = []) -> Confirmation {
        var detail = "It leaves the board and no lead can enter it."
        if moving > 0 {
            if let target {
                detail += " \(moving == 1 ? "Its lead moves" : "Its \(moving) leads move") to \(target), with a note in their history."
            } else {
                detail += " Its leads move to the stage chosen under “When deactivating”, with a note in their history."
            }
        }
        detail += " You can activate it again later."
        return Confirmation(
            question: "Deactivate stage \(name)?", detail: detail, button: "Deactivate stage", action: Routes.adminStage(id),
            cancelHref: Routes.adminPipeline + "#stage-\(id)", fields: fields)
    }
}

/// One `<input type="hidden">` of a confirmation form.
struct HiddenField: MustacheParent, Sendable {
    let name: String
    let value: String
    func child(named key: String) -> Any? {
        switch key {
        case "name": name
        case "value": value
        default: nil
        }
    }

    /// A submitted form to send again once confirmed: every field but the CSRF token (the page
    /// prints its own) and `ask_confirm` (the confirmation is the answer), plus `confirm=1`.
    static func resubmitting(_ form: FormData) -> [HiddenField] {
        let kept = form.values.keys.filter { $0 != "_csrf" && $0 != "ask_confirm" && $0 != "confirm" }.sorted()
        return kept.flatMap { key in form.all(key).map { HiddenField(name: key, value: $0) } } + [HiddenField(name: "confirm", value: "1")]
    }
}

/// A POST from the app's own edit form (it carries `ask_confirm=1`) that has not been confirmed yet.
/// Other clients posting the route directly get the change without the extra step, as before.
extension FormData {
    var wantsConfirmation: Bool { has("ask_confirm") && self["confirm"] != "1" }
}

/// The confirmation page: what will happen, the POST form with a confirm button, and Cancel.
struct ConfirmPage: Page {
    static let template = "confirm"
    let confirmation: Confirmation
    var title: String { confirmation.question }
    func child(named name: String) -> Any? { confirmation.child(named: name) }
}
