import Foundation
import Mustache

/// A refused task completion, for re-rendering the lead page: which task, what was typed (the note
/// and every `cf_<key>` value) and a message per form name.
struct TaskCompletionForm: Sendable {
    /// The key under which the lead page's `extra` carries it.
    static let extraKey = "taskCompletionForm"

    let taskId: Int64
    let note: String
    let values: [String: [String]]
    let errors: [String: String]

    /// The id prefix of a task's inputs: the lead page can hold several tasks asking for the same key.
    static func idPrefix(_ taskId: Int64) -> String { "task-\(taskId)-" }

    /// The task's controls, for the lead page's error summary and the inputs' error states.
    static func formFields(taskId: Int64, fields: [CustomField]) -> [FormField] {
        fields.map { field in
            let id = idPrefix(taskId) + field.formName
            return FormField(field.formName, id: id, label: field.label, hint: field.helpText.isEmpty ? nil : id + "-help")
        }
    }
}

/// A task field's control in a task's completion form: the lead form's control for the type
/// (`CustomFieldInputView`, rendered by `partials/field-input`) with ids made unique per task.
struct TaskFieldInputView: MustacheParent, Sendable {
    let input: CustomFieldInputView
    let prefix: String

    var helpId: String? { input.helpId.map { prefix + $0 } }

    func child(named name: String) -> Any? {
        switch name {
        case "id": prefix + input.field.formName
        case "helpId": helpId ?? false
        case "describedBy": input.error?.describedBy ?? helpId ?? false
        case "checkboxes":
            input.checkboxes.map { CheckboxView(id: prefix + $0.id, value: $0.value, label: $0.label, checked: $0.checked) }
        default: input.child(named: name)
        }
    }
}

extension TaskView {
    /// What the completion form's inputs start from: what was typed after a refusal, else the values
    /// of an earlier completion (a reopened task), else the fields' defaults.
    func fieldInputs(errors: FormErrors) -> [TaskFieldInputView] {
        fields.map { field in
            let values: [String]
            if let form {
                values = form.values[field.formName] ?? []
            } else {
                values = (storedValues[field.uid] ?? field.defaultFieldValue)?.formValues ?? []
            }
            let state = form == nil ? nil : errors.state(of: field.formName)
            return TaskFieldInputView(
                input: CustomFieldInputView(field: field, values: values, error: state), prefix: TaskCompletionForm.idPrefix(task.id))
        }
    }

    /// The values stored with a closed task ("Contact method: Phone"), in field order.
    var fieldValues: [LabelValueView] {
        guard task.status != .open else { return [] }
        return fields.compactMap { field in
            CustomFieldDisplay.text(field, storedValues[field.uid]).map { LabelValueView(label: field.label, value: $0) }
        }
    }
}
