import Foundation
import GRDB

/// A custom field definition (admin-defined). Lead fields have `entity == .lead`; a stage task
/// template's completion fields have `entity == .task` and the template's id.
public struct CustomField: Codable, Sendable, Identifiable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "customField"
    public var id: Int64?
    public var entity: FieldEntity
    public var taskTemplateId: Int64?
    /// Letters, digits and underscores; unique per entity (per template for tasks); fixed once created.
    public var key: String
    public var label: String
    /// Fixed once created (changing it would reinterpret stored values).
    public var type: FieldType
    public var isRequired: Bool
    public var helpText: String
    public var placeholder: String
    public var position: Int
    public var isActive: Bool
    public var showOnCard: Bool
    /// `FieldRules` as JSON.
    public var rules: String
    /// The default as a form would send it (`FieldValue.plain`), checked against the rules; nil for none.
    public var defaultValue: String?
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var uid: Int64 { id ?? 0 }

    public var fieldRules: FieldRules { FieldRules.decode(rules) }
    public var spec: FieldSpec { FieldSpec(label: label, type: type, isRequired: isRequired, rules: fieldRules) }
    /// The form field name and query-string key: `cf_<key>`.
    public var formName: String { "cf_" + key }
    /// The typed default, when one is set and still valid.
    public var defaultFieldValue: FieldValue? {
        guard let defaultValue, case .success(let value) = FieldSpec(label: label, type: type, rules: fieldRules).parse([defaultValue]) else { return nil }
        return value
    }
}

extension FieldValue {
    /// The value as stored in a `*FieldValue.value` column: INTEGER, REAL or TEXT, a JSON array for lists.
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): text.databaseValue
        case .integer(let n): n.databaseValue
        case .decimal(let d): d.databaseValue
        case .boolean(let b): (b ? 1 : 0).databaseValue
        case .list(let items):
            (String(data: (try? JSONEncoder().encode(items)) ?? Data("[]".utf8), encoding: .utf8) ?? "[]").databaseValue
        }
    }

    /// Reads a stored value back for a field of `type` (nil when it cannot be read as that type).
    init?(stored: DatabaseValue, type: FieldType) {
        switch type {
        case .integer:
            guard let n = Int64.fromDatabaseValue(stored) else { return nil }
            self = .integer(n)
        case .decimal:
            guard let d = Double.fromDatabaseValue(stored) else { return nil }
            self = .decimal(d)
        case .boolean:
            guard let n = Int64.fromDatabaseValue(stored) else { return nil }
            self = .boolean(n != 0)
        case .multiSelect:
            guard let text = String.fromDatabaseValue(stored),
                let items = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
            else { return nil }
            self = .list(items)
        default:
            guard let text = String.fromDatabaseValue(stored) else { return nil }
            self = .text(text)
        }
    }
}

/// A record's custom values by field id.
public typealias FieldValues = [Int64: FieldValue]

extension Database {
    /// The field definitions of an entity (for tasks: of one template), in form order.
    func customFields(_ entity: FieldEntity, templateId: Int64? = nil, activeOnly: Bool = false) throws -> [CustomField] {
        var request = CustomField.filter(Column("entity") == entity.rawValue)
        if let templateId { request = request.filter(Column("taskTemplateId") == templateId) }
        if activeOnly { request = request.filter(Column("isActive") == true) }
        return try request.order(Column("position"), Column("id")).fetchAll(self)
    }

    /// The custom values of many leads in one query: lead id → field id → value. Values of fields not
    /// in `fields` are left out.
    func leadFieldValues(leadIds: [Int64], fields: [CustomField]) throws -> [Int64: FieldValues] {
        guard !leadIds.isEmpty, !fields.isEmpty else { return [:] }
        let types = Dictionary(uniqueKeysWithValues: fields.map { ($0.uid, $0.type) })
        var result: [Int64: FieldValues] = [:]
        // Chunked to stay under SQLite's variable limit for big pages and exports.
        for chunk in stride(from: 0, to: leadIds.count, by: 500).map({ Array(leadIds[$0..<min($0 + 500, leadIds.count)]) }) {
            let marks = databaseQuestionMarks(count: chunk.count)
            let fieldMarks = databaseQuestionMarks(count: fields.count)
            let rows = try Row.fetchCursor(
                self, sql: "SELECT leadId, fieldId, value FROM leadFieldValue WHERE leadId IN (\(marks)) AND fieldId IN (\(fieldMarks))",
                arguments: StatementArguments(chunk + fields.map(\.uid)))
            while let row = try rows.next() {
                let fieldId: Int64 = row["fieldId"]
                guard let type = types[fieldId], let value = FieldValue(stored: row["value"], type: type) else { continue }
                result[row["leadId"], default: [:]][fieldId] = value
            }
        }
        return result
    }

    /// Writes the custom values of a lead given by field id (nil clears; fields not listed keep their
    /// values) and returns the activity changes (label, old → new) in field order. Keeps the lead's
    /// searchable custom text current in the same transaction. Unknown field ids are ignored.
    func saveLeadFieldValues(leadId: Int64, values: [Int64: FieldValue?]) throws -> [ActivityDetail.Change] {
        guard !values.isEmpty else { return [] }
        let fields = try customFields(.lead).filter { values.keys.contains($0.uid) }
        let before = try leadFieldValues(leadIds: [leadId], fields: fields)[leadId] ?? [:]
        var changes: [ActivityDetail.Change] = []
        for field in fields {
            let old = before[field.uid]
            let new = values[field.uid] ?? nil
            guard old != new else { continue }
            // A plain UPDATE or INSERT, not an upsert: an upsert's DO UPDATE makes SQLite apply its own
            // conflict policy to the scoreQueue trigger's INSERT OR IGNORE, which then fails with
            // "UNIQUE constraint failed: scoreQueue.leadId" once the lead is queued in this transaction.
            if let new {
                try execute(
                    sql: "UPDATE leadFieldValue SET value = ? WHERE leadId = ? AND fieldId = ?", arguments: [new.databaseValue, leadId, field.uid])
                if changesCount == 0 {
                    try execute(
                        sql: "INSERT INTO leadFieldValue (leadId, fieldId, value) VALUES (?, ?, ?)", arguments: [leadId, field.uid, new.databaseValue])
                }
            } else {
                try execute(sql: "DELETE FROM leadFieldValue WHERE leadId = ? AND fieldId = ?", arguments: [leadId, field.uid])
            }
            changes.append(ActivityDetail.Change(field: field.label, from: old?.display ?? "", to: new?.display ?? ""))
        }
        if !changes.isEmpty, fields.contains(where: \.type.isSearchableText) { try refreshCustomText(leadId: leadId) }
        return changes
    }

    /// Rebuilds `lead.customText` (what search reads of the custom fields) from the lead's values of
    /// active text-like fields.
    func refreshCustomText(leadId: Int64) throws {
        try execute(
            sql: "UPDATE lead SET customText = \(Self.customTextSQL) WHERE id = ? AND customText IS NOT \(Self.customTextSQL)", arguments: [leadId])
    }

    /// Rebuilds `lead.customText` of up to `limit` leads holding a value of `fieldId`, after `afterLeadId`
    /// (a field was activated or deactivated). Returns the last lead id handled, nil when done.
    func refreshCustomText(fieldId: Int64, afterLeadId: Int64, limit: Int) throws -> Int64? {
        let ids = try Int64.fetchAll(
            self, sql: "SELECT leadId FROM leadFieldValue WHERE fieldId = ? AND leadId > ? ORDER BY fieldId, leadId LIMIT ?",
            arguments: [fieldId, afterLeadId, limit])
        guard let last = ids.last else { return nil }
        try execute(
            sql: "UPDATE lead SET customText = \(Self.customTextSQL) WHERE id IN (\(databaseQuestionMarks(count: ids.count))) AND customText IS NOT \(Self.customTextSQL)",
            arguments: StatementArguments(ids))
        return last
    }

    /// The searchable text of the current `lead` row: its values of active text-like fields (a
    /// multi_select's options one by one), by field position. Values of inactive fields are hidden
    /// from search as they are from the pages.
    static let customTextSQL: String = {
        let types = FieldType.allCases.filter(\.isSearchableText).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            COALESCE((SELECT group_concat(t, ' ') FROM (
              SELECT CASE f.type WHEN 'multi_select' THEN (SELECT group_concat(j.value, ' ') FROM json_each(v.value) j) ELSE v.value END AS t
              FROM leadFieldValue v JOIN customField f ON f.id = v.fieldId
              WHERE v.leadId = lead.id AND f.isActive AND f.type IN (\(types)) ORDER BY f.position, f.id)), '')
            """
    }()
}

extension [CustomField] {
    /// Reads and checks the values of these fields from a form or import row (`raw(formName)` gives
    /// the values sent under `cf_<key>`): the values by field id for `LeadInput.customValues`, or a
    /// message per field keyed by the form name. Every field listed gets a key (nil = no value).
    public func validate(_ raw: (String) -> [String]) -> ([Int64: FieldValue?], [String: String]) {
        var values: [Int64: FieldValue?] = [:]
        var errors: [String: String] = [:]
        for field in self {
            switch field.spec.parse(raw(field.formName)) {
            case .success(let value): values[field.uid] = .some(value)
            case .failure(let error): errors[field.formName] = error.message
            }
        }
        return (values, errors)
    }
}
