import Foundation
import GRDB
import Testing

@testable import Leadboard

extension TestApp {
    /// Inserts a custom field definition straight into `customField` (set-up; the admin page's own
    /// rules are tested through `/admin/fields`). A `task` field needs `taskTemplateId`.
    @discardableResult
    func insertCustomField(
        _ key: String, label: String? = nil, type: FieldType, entity: FieldEntity = .lead, taskTemplateId: Int64? = nil,
        required: Bool = false, rules: FieldRules = FieldRules(), defaultValue: String? = nil, helpText: String = "",
        placeholder: String = "", position: Int? = nil, active: Bool = true, showOnCard: Bool = false
    ) async throws -> CustomField {
        let now = clock.now
        return try await database.pool.write { db in
            let next = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), -1) + 1 FROM customField") ?? 0
            var field = CustomField(
                id: nil, entity: entity, taskTemplateId: taskTemplateId, key: key, label: label ?? key.replacingOccurrences(of: "_", with: " ").capitalized,
                type: type, isRequired: required, helpText: helpText, placeholder: placeholder, position: position ?? next, isActive: active,
                showOnCard: showOnCard, rules: rules.json, defaultValue: defaultValue, createdAt: now)
            try field.insert(db)
            return field
        }
    }

    /// A lead's stored custom values by field key.
    func customValues(of leadId: Int64) async throws -> [String: FieldValue] {
        try await database.pool.read { db in
            let fields = try db.customFields(.lead)
            let values = try db.leadFieldValues(leadIds: [leadId], fields: fields)[leadId] ?? [:]
            return Dictionary(uniqueKeysWithValues: fields.compactMap { field in values[field.uid].map { (field.key, $0) } })
        }
    }

    /// Sets a lead's custom values by key (set-up through the same write the lead form uses).
    func setCustomValues(of leadId: Int64, _ values: [String: FieldValue?]) async throws {
        try await database.write { db in
            let fields = try db.customFields(.lead)
            var byId: [Int64: FieldValue?] = [:]
            for (key, value) in values {
                let field = try #require(fields.first { $0.key == key }, "no field \(key)")
                byId[field.uid] = value
            }
            _ = try db.saveLeadFieldValues(leadId: leadId, values: byId)
        }
    }
}
