import Foundation

/// A lead's fields as typed (text), and the one home of their rules: the web form (`LeadForm`) and
/// the CSV import (`LeadImporter`) both check a lead through `validate`, so they cannot disagree.
/// `source`, `stageId` and `ownerId` hold ids as text, as the form's selects send them.
public struct LeadFields: Sendable, Equatable {
    public var name = ""
    public var email = ""
    public var phone = ""
    public var company = ""
    public var source = ""
    public var value = ""
    public var expectedCloseDate = ""
    public var stageId = ""
    public var ownerId = ""

    public init() {}

    /// Checks every field; returns the input to save, or a message per field keyed by the form's field
    /// names (`name`, `email`, `phone`, `company`, `source`, `value`, `expected_close_date`,
    /// `stage_id`, `owner_id`). `mayChooseOwner` is the policy's answer (`LeadPolicy.canAssign`): when
    /// it is false the owner is `ownerFallback` whatever was sent. `ownerFallback` is also the lead's
    /// current owner, which stays acceptable even if that user was deactivated.
    public func validate(reference: LeadReferenceData, mayChooseOwner: Bool, ownerFallback: Int64?) -> (LeadInput?, [String: String]) {
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
        if mayChooseOwner {
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
