import Foundation
import GRDB

extension AppDatabase {
    /// The active lead custom fields in form order: the lead form, the list's filters, columns and
    /// sorts, and the board read them.
    public func activeLeadFields() async throws -> [CustomField] {
        try await pool.read { db in try db.customFields(.lead, activeOnly: true) }
    }

    /// The stored values of `fields` for a lead `viewer` may see (empty when they may not): the edit
    /// form's starting values and the saved side of a 409.
    public func leadCustomValues(leadId: Int64, fields: [CustomField], viewer: User) async throws -> FieldValues {
        try await pool.read { db in
            guard try db.visibleLead(id: leadId, viewer: viewer, includeDeleted: true) != nil else { return [:] }
            return try db.leadFieldValues(leadIds: [leadId], fields: fields)[leadId] ?? [:]
        }
    }
}

extension Database {
    /// The fields the board's cards show (active and marked "show on card") and their values for
    /// `leadIds`, read in one query for all cards.
    func cardFieldValues(leadIds: [Int64]) throws -> (fields: [CustomField], values: [Int64: FieldValues]) {
        let fields = try customFields(.lead, activeOnly: true).filter(\.showOnCard)
        return (fields, try leadFieldValues(leadIds: leadIds, fields: fields))
    }
}
