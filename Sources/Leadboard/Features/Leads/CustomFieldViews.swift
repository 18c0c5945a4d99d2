import Foundation
import Mustache

/// How a custom value reads on the lead page, in the list and on board cards: dates in the style of
/// every other date ("31 Mar 2026", UTC), everything else as `FieldValue.display`.
enum CustomFieldDisplay {
    static func text(_ field: CustomField, _ value: FieldValue?) -> String? {
        guard let value else { return nil }
        switch (field.type, value) {
        case (.date, .text(let day)):
            return Format.day(day)
        case (.datetime, .text(let moment)):
            return Day.start(of: String(moment.prefix(10))).flatMap { start -> String? in
                let time = moment.dropFirst(11).split(separator: ":")
                guard time.count >= 2, let h = Double(time[0]), let m = Double(time[1]) else { return nil }
                return Format.dateTime(start.addingTimeInterval(h * 3600 + m * 60))
            } ?? moment
        default:
            let text = value.display
            return text.isEmpty ? nil : text
        }
    }
}

/// A label and a value (lead page details, board cards).
struct LabelValueView: MustacheParent, Sendable {
    let label: String
    let value: String
    var empty = false
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "value": value
        case "empty": empty
        default: nil
        }
    }
}

/// One checkbox of a multi_select group.
struct CheckboxView: MustacheParent, Sendable {
    let id: String
    let value: String
    let label: String
    let checked: Bool
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "value": value
        case "label": label
        case "checked": checked
        default: nil
        }
    }
}

/// One custom field's control on the lead form: the input for its type, named `cf_<key>`, with its
/// label, help text, placeholder, required marker, error state and (after a 409) the saved value.
/// `values` is what the user typed (or the stored value / the default), shown as it is.
struct CustomFieldInputView: MustacheParent, Sendable {
    let field: CustomField
    let values: [String]
    let error: FormErrors.FieldState?
    var conflict: String?

    var helpId: String? { field.helpText.isEmpty ? nil : field.formName + "-help" }

    /// The form field for the error summary: a checkbox group is linked through its first box.
    static func formField(_ field: CustomField) -> FormField {
        FormField(field.formName, label: field.label, hint: field.helpText.isEmpty ? nil : field.formName + "-help")
    }

    var inputType: String? {
        switch field.type {
        case .text, .integer, .decimal: "text"
        case .email: "email"
        case .url: "url"
        case .phone: "tel"
        case .date: "date"
        case .datetime: "datetime-local"
        case .longText, .boolean, .select, .multiSelect: nil
        }
    }

    var maxLength: Int? {
        let rules = field.fieldRules
        switch field.type {
        case .text: return min(rules.maxLength ?? FieldSpec.textLimit, FieldSpec.textLimit)
        case .longText: return min(rules.maxLength ?? FieldSpec.longTextLimit, FieldSpec.longTextLimit)
        case .phone: return 50
        case .url: return 2000
        case .email: return 254
        default: return nil
        }
    }

    var first: String { values.first ?? "" }

    /// The boolean select's choice for what was typed ("" when it is no yes / no word).
    var booleanChoice: String {
        switch first.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "1", "on", "y": "true"
        case "false", "no", "0", "off", "n": "false"
        default: ""
        }
    }

    /// The partial's names: an absent one answers `false` rather than nil, so Mustache never looks it
    /// up in the page around the control (a page's own `error` or `value` must not leak in).
    static let partialNames: Set<String> = [
        "id", "key", "name", "label", "required", "helpText", "helpId", "placeholder", "describedBy", "invalid", "error", "conflict", "value",
        "isInput", "inputType", "inputmode", "maxlength", "isTextarea", "isSelect", "options", "isCheckboxes", "checkboxes",
    ]

    func child(named name: String) -> Any? {
        lookup(name) ?? (Self.partialNames.contains(name) ? false : nil)
    }

    private func lookup(_ name: String) -> Any? {
        switch name {
        case "id": field.formName
        case "key": field.key
        case "name": field.formName
        case "label": field.label
        case "required": field.isRequired
        case "helpText": field.helpText.isEmpty ? nil : field.helpText
        case "helpId": helpId
        case "placeholder": field.placeholder.isEmpty ? nil : field.placeholder
        case "describedBy": error?.describedBy ?? helpId
        case "invalid": error != nil
        case "error": error.flatMap { $0.hasMessage ? $0 : nil }
        case "conflict": conflict
        case "value": first
        case "isInput": inputType != nil
        case "inputType": inputType
        case "inputmode": field.type == .integer ? "numeric" : field.type == .decimal ? "decimal" : nil
        case "maxlength": maxLength
        case "isTextarea": field.type == .longText
        case "isSelect": field.type == .select || field.type == .boolean
        case "options": options
        case "isCheckboxes": field.type == .multiSelect
        case "checkboxes": checkboxes
        default: nil
        }
    }

    var options: [Option] {
        if field.type == .boolean {
            let choice = booleanChoice
            return [Option(value: "", label: "—", selected: choice.isEmpty), Option(value: "true", label: "Yes", selected: choice == "true"),
                Option(value: "false", label: "No", selected: choice == "false")]
        }
        let chosen = first.trimmingCharacters(in: .whitespacesAndNewlines)
        var options = [Option(value: "", label: "—", selected: chosen.isEmpty)]
        let known = field.fieldRules.options ?? []
        options += known.map { Option(value: $0, label: $0, selected: $0 == chosen) }
        // A value that is no longer (or never was) an option stays visible, so the message makes sense.
        if !chosen.isEmpty, !known.contains(chosen) { options.append(Option(value: chosen, label: chosen, selected: true)) }
        return options
    }

    var checkboxes: [CheckboxView] {
        let chosen = Set(values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        var names = field.fieldRules.options ?? []
        names += values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty && !names.contains($0) }
        return names.enumerated().map { index, option in
            CheckboxView(id: index == 0 ? field.formName : "\(field.formName)-\(index + 1)", value: option, label: option, checked: chosen.contains(option))
        }
    }
}

/// A custom field as a select of the list's filter form (`cf_<key>`).
struct CustomFilterView: MustacheParent, Sendable {
    let field: CustomField
    let filter: LeadFilter
    /// Name the field in the "any" choice (the board's filters have no visible labels).
    var namedAny = false

    func child(named name: String) -> Any? {
        switch name {
        case "id": field.formName
        case "name": field.formName
        case "label": field.label
        case "error": filter.errors[field.formName]
        case "options": options
        default: nil
        }
    }

    var options: [Option] {
        let current = filter.customValue(field)
        let any = Option(value: "", label: namedAny ? "\(field.label): any" : "Any", selected: current == nil)
        if field.type == .boolean {
            return [any, Option(value: "true", label: "Yes", selected: current == .boolean(true)),
                Option(value: "false", label: "No", selected: current == .boolean(false))]
        }
        return [any] + (field.fieldRules.options ?? []).map { Option(value: $0, label: $0, selected: current == .text($0)) }
    }
}

/// A custom field offered as an extra list column (a checkbox of the column chooser).
struct ColumnChoiceView: MustacheParent, Sendable {
    let field: CustomField
    let chosen: Bool
    func child(named name: String) -> Any? {
        switch name {
        case "id": "column-" + field.formName
        case "value": field.formName
        case "label": field.label
        case "checked": chosen
        default: nil
        }
    }
}
