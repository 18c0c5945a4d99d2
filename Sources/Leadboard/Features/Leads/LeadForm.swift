import Foundation

/// The lead form as typed (strings, so a failed submission shows exactly what the user entered).
struct LeadForm: Sendable {
    var name = ""
    var email = ""
    var phone = ""
    var company = ""
    var source = ""
    var value = ""
    var expectedCloseDate = ""
    var stageId = ""
    var ownerId = ""
    var version = ""

    init() {}

    init(form: FormData) {
        name = form.trimmed("name")
        email = form.trimmed("email")
        phone = form.trimmed("phone")
        company = form.trimmed("company")
        source = form.trimmed("source")
        value = form.trimmed("value")
        expectedCloseDate = form.trimmed("expected_close_date")
        stageId = form.trimmed("stage_id")
        ownerId = form.trimmed("owner_id")
        version = form.trimmed("version")
    }

    init(lead: Lead) {
        name = lead.name
        email = lead.email
        phone = lead.phone
        company = lead.company
        source = lead.sourceId.map(String.init) ?? ""
        value = lead.valueCents == 0 ? "" : Money.plain(lead.valueCents)
        expectedCloseDate = lead.expectedCloseDate ?? ""
        stageId = String(lead.stageId)
        ownerId = lead.ownerId.map(String.init) ?? ""
        version = String(lead.version)
    }

    /// Checks every field; returns the input to save or a message per field. `ownerFallback` is
    /// used when the actor may not choose an owner (executives keep or get themselves); it is also
    /// the lead's current owner, which stays acceptable even if that user was deactivated.
    func validate(reference: LeadReferenceData, actor: User, ownerFallback: Int64?) -> (LeadInput?, [String: String]) {
        var errors: [String: String] = [:]
        errors["name"] = Validate.text(name, label: "Name", required: true, max: 200)
        errors["email"] = Validate.email(email, required: false)
        if phone.unicodeScalars.count > 50 {
            errors["phone"] = "Phone must be at most 50 characters."
        } else if !phone.isEmpty, !phone.allSatisfy({ $0.isNumber || " +-().x/".contains($0) }) {
            errors["phone"] = "Use digits, spaces and + - ( ) only."
        }
        errors["company"] = Validate.text(company, label: "Company", required: false, max: 200)
        var sourceId: Int64?
        if !source.isEmpty {
            if let id = Int64(source), reference.source(id) != nil { sourceId = id } else { errors["source"] = "Choose a source from the list." }
        }
        var cents: Int64 = 0
        if !value.isEmpty {
            if let parsed = Money.parse(value) { cents = parsed } else { errors["value"] = "Enter an amount like 1250 or 1,250.50 (no negatives)." }
        }
        var close: String?
        if !expectedCloseDate.isEmpty {
            if let day = Day.parse(expectedCloseDate) { close = day } else { errors["expected_close_date"] = "Enter a date like 2026-03-31." }
        }
        var stage: Int64?
        if let id = Int64(stageId), let found = reference.stage(id), found.isActive { stage = id } else { errors["stage_id"] = "Choose a stage." }
        var owner = ownerFallback
        if actor.role.seesAllLeads {
            if ownerId.isEmpty {
                owner = nil
            } else if let id = Int64(ownerId), reference.user(id) != nil || id == ownerFallback {
                owner = id
            } else {
                errors["owner_id"] = "Choose an active user as owner."
            }
        }
        guard errors.isEmpty, let stage else { return (nil, errors) }
        let input = LeadInput(
            name: name, email: email, phone: phone, company: company, sourceId: sourceId, valueCents: cents,
            expectedCloseDate: close, stageId: stage, ownerId: owner)
        return (input, [:])
    }
}
