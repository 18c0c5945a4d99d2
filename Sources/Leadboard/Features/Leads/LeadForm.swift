import Foundation

/// The lead form as typed (strings, so a failed submission shows exactly what the user entered).
/// The fields and their rules are `LeadFields` (shared with the CSV import); `form.name` and the
/// like reach them directly.
@dynamicMemberLookup
struct LeadForm: Sendable {
    var fields = LeadFields()
    var version = ""
    /// Custom field values as typed, by form name (`cf_<key>`); several for a multi_select.
    var custom: [String: [String]] = [:]
    /// The keys of the custom fields the submitted form showed (`custom_fields`), or nil when it did not
    /// say (then every active field is read). A field activated after the form was loaded is not in it,
    /// so its kept values are not cleared by a form that never showed it.
    var shownKeys: Set<String>?

    init() {}

    init(form: FormData) {
        fields.name = form.trimmed("name")
        fields.email = form.trimmed("email")
        fields.phone = form.trimmed("phone")
        fields.company = form.trimmed("company")
        fields.source = form.trimmed("source")
        fields.value = form.trimmed("value")
        fields.expectedCloseDate = form.trimmed("expected_close_date")
        fields.stageId = form.trimmed("stage_id")
        fields.ownerId = form.trimmed("owner_id")
        version = form.trimmed("version")
        for (key, values) in form.values where key.hasPrefix("cf_") { custom[key] = values }
        if let shown = form.values["custom_fields"] { shownKeys = Set(shown.filter { !$0.isEmpty }) }
    }

    init(lead: Lead) {
        fields.name = lead.name
        fields.email = lead.email
        fields.phone = lead.phone
        fields.company = lead.company
        fields.source = lead.sourceId.map(String.init) ?? ""
        fields.value = lead.valueCents == 0 ? "" : Money.plain(lead.valueCents)
        fields.expectedCloseDate = lead.expectedCloseDate ?? ""
        fields.stageId = String(lead.stageId)
        fields.ownerId = lead.ownerId.map(String.init) ?? ""
        version = String(lead.version)
    }

    /// Fills the custom inputs from stored values (edit form), or from each field's default when
    /// `values` is nil (a new lead).
    mutating func setCustom(_ fields: [CustomField], values: FieldValues?) {
        for field in fields {
            let value = values.map { $0[field.uid] } ?? field.defaultFieldValue
            custom[field.formName] = value?.formValues ?? []
        }
    }

    /// What the user typed for a custom field (the first value; all of them for a multi_select).
    func customValues(_ field: CustomField) -> [String] { custom[field.formName] ?? [] }

    subscript(dynamicMember field: WritableKeyPath<LeadFields, String>) -> String {
        get { fields[keyPath: field] }
        set { fields[keyPath: field] = newValue }
    }

    /// Checks every field (`LeadFields.validate`); returns the input to save or a message per field.
    /// `ownerFallback` is used when the actor may not choose an owner (executives keep or get
    /// themselves); it is also the lead's current owner, which stays acceptable even if deactivated.
    /// `customFields`: the active lead fields, each checked by `FieldSpec` (`[CustomField].validate`);
    /// any message on them or on the built-in fields means nothing is saved.
    func validate(reference: LeadReferenceData, actor: User, ownerFallback: Int64?, customFields: [CustomField]) -> (LeadInput?, [String: String]) {
        var (input, errors) = fields.validate(reference: reference, mayChooseOwner: LeadPolicy.canAssign(actor), ownerFallback: ownerFallback)
        let shown = shownKeys.map { keys in customFields.filter { keys.contains($0.key) } } ?? customFields
        let (values, customErrors) = shown.validate { self.custom[$0] ?? [] }
        errors.merge(customErrors) { builtIn, _ in builtIn }
        guard errors.isEmpty, var valid = input else { return (nil, errors) }
        valid.customValues = values
        input = valid
        return (input, errors)
    }
}
