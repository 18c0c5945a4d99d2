import Foundation
import Mustache

/// A control of a form that can carry an error: `name` is the key of its message (the form field's
/// name), `id` the id of the control (the error summary links to it, its message is `id-error`),
/// `label` what the summary calls it, and `hint` the id of a hint the control is already described by.
struct FormField: Sendable {
    let name: String
    let id: String
    let label: String
    let hint: String?

    init(_ name: String, id: String? = nil, label: String, hint: String? = nil) {
        self.name = name
        self.id = id ?? name
        self.label = label
        self.hint = hint
    }
}

/// The errors of one submitted form, shaped for the shared markup: `partials/error-summary` prints
/// the summary (a form-wide message, then a link to each field in form order) and every control
/// prints its state with
/// `{{#errors.name}} aria-invalid="true" aria-describedby="{{describedBy}}"{{/errors.name}}` and its
/// message with `{{#errors.name}}<p class="field-error" id="{{errorId}}">{{message}}</p>{{/errors.name}}`.
/// Messages come from the server's own checks, so a form never depends on the browser's validation.
struct FormErrors: MustacheParent, Sendable {
    /// The key of a message about the form as a whole.
    static let formKey = "form"
    /// The id of the summary's form-wide message (a field it concerns is described by it).
    static let formMessageId = "error-summary-message"

    let messages: [String: String]
    let fields: [FormField]
    /// The field a form-wide message is about, if any: the message links to it and marks it invalid.
    let formTarget: String?

    init(_ messages: [String: String] = [:], fields: [FormField], formTarget: String? = nil) {
        self.messages = messages
        self.fields = fields
        self.formTarget = formTarget
    }

    var isEmpty: Bool { messages.isEmpty }

    /// A line of the summary's list: the message, named by its field's label unless it names it already.
    struct Item: MustacheParent, Sendable {
        let text: String
        /// `#id` of the control, or "" for a message about no known field.
        let href: String
        func child(named name: String) -> Any? {
            switch name {
            case "text": text
            case "href": href
            case "linked": !href.isEmpty
            default: nil
            }
        }
    }

    /// What a control and its message print when the field has an error.
    struct FieldState: MustacheParent, Sendable {
        let message: String
        let errorId: String
        let describedBy: String
        /// False when the field is marked only because the form-wide message is about it.
        let hasMessage: Bool
        func child(named name: String) -> Any? {
            switch name {
            case "message": message
            case "errorId": errorId
            case "describedBy": describedBy
            case "hasMessage": hasMessage
            default: nil
            }
        }
    }

    var items: [Item] {
        var items: [Item] = []
        for field in fields {
            guard let message = messages[field.name] else { continue }
            let named = message.range(of: field.label, options: .caseInsensitive) != nil
            let text = named ? message : "\(field.label): \(message)"
            items.append(Item(text: text, href: "#" + field.id))
        }
        let known = Set(fields.map(\.name)).union([Self.formKey])
        for key in messages.keys.sorted() where !known.contains(key) {
            items.append(Item(text: messages[key] ?? "", href: ""))
        }
        return items
    }

    func state(of name: String) -> FieldState? {
        guard let field = fields.first(where: { $0.name == name }) else { return nil }
        let hint = field.hint.map { [$0] } ?? []
        if let message = messages[name] {
            let errorId = field.id + "-error"
            return FieldState(message: message, errorId: errorId, describedBy: (hint + [errorId]).joined(separator: " "), hasMessage: true)
        }
        if name == formTarget, messages[Self.formKey] != nil {
            return FieldState(message: "", errorId: "", describedBy: (hint + [Self.formMessageId]).joined(separator: " "), hasMessage: false)
        }
        return nil
    }

    func child(named name: String) -> Any? {
        switch name {
        case "any": !isEmpty
        case "items": items
        case "hasItems": !items.isEmpty
        // Never nil: inside the summary a missing name would be looked up on the page around it.
        case "hasFormMessage": messages[Self.formKey] != nil
        case "formMessage": messages[Self.formKey] ?? ""
        case "formMessageId": Self.formMessageId
        case "formHref": formTarget.flatMap { target in fields.first { $0.name == target } }.map { "#" + $0.id } ?? ""
        case "formLinked": formTarget.flatMap { target in fields.first { $0.name == target } } != nil
        default: state(of: name)
        }
    }
}
