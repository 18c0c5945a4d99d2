import Foundation

/// The lead form as typed (strings, so a failed submission shows exactly what the user entered).
/// The fields and their rules are `LeadFields` (shared with the CSV import); `form.name` and the
/// like reach them directly.
@dynamicMemberLookup
struct LeadForm: Sendable {
    var fields = LeadFields()
    var version = ""

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

    subscript(dynamicMember field: WritableKeyPath<LeadFields, String>) -> String {
        get { fields[keyPath: field] }
        set { fields[keyPath: field] = newValue }
    }

    /// Checks every field (`LeadFields.validate`); returns the input to save or a message per field.
    /// `ownerFallback` is used when the actor may not choose an owner (executives keep or get
    /// themselves); it is also the lead's current owner, which stays acceptable even if deactivated.
    func validate(reference: LeadReferenceData, actor: User, ownerFallback: Int64?) -> (LeadInput?, [String: String]) {
        fields.validate(reference: reference, mayChooseOwner: LeadPolicy.canAssign(actor), ownerFallback: ownerFallback)
    }
}
