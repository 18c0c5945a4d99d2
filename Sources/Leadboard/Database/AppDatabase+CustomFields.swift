import Foundation
import GRDB

/// A custom field definition the database refuses: messages by form field name (`form` for the
/// form as a whole).
public struct CustomFieldError: Error, Equatable, Sendable {
    public static let formKey = "form"
    public var errors: [String: String]
    public init(_ errors: [String: String]) { self.errors = errors }
    public init(field: String, message: String) { errors = [field: message] }
    static let notFound = CustomFieldError(field: formKey, message: "That field no longer exists.")
}

/// A stage task template with its stage's name: the owner of a list of completion fields.
public struct TaskTemplateSummary: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var stageId: Int64
    public var stageName: String
}

extension AppDatabase {
    /// The definitions of an entity (for tasks: of one template) in form order, inactive ones too.
    public func customFieldDefinitions(_ entity: FieldEntity, templateId: Int64? = nil) async throws -> [CustomField] {
        try await pool.read { db in try db.customFields(entity, templateId: templateId) }
    }

    public func customField(id: Int64) async throws -> CustomField? {
        try await pool.read { db in try CustomField.fetchOne(db, key: id) }
    }

    public func taskTemplateSummary(id: Int64) async throws -> TaskTemplateSummary? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT t.id, t.name, t.stageId, s.name AS stageName FROM taskTemplate t JOIN stage s ON s.id = t.stageId WHERE t.id = ?",
                arguments: [id]
            ).map { TaskTemplateSummary(id: $0["id"], name: $0["name"], stageId: $0["stageId"], stageName: $0["stageName"]) }
        }
    }

    /// Active completion fields per task template id (the pipeline page's "Completion fields (N)").
    public func completionFieldCounts() async throws -> [Int64: Int] {
        try await pool.read { db in
            var counts: [Int64: Int] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT taskTemplateId, COUNT(*) AS n FROM customField WHERE entity = 'task' AND isActive = 1 GROUP BY taskTemplateId")
            for row in rows { counts[row["taskTemplateId"]] = row["n"] }
            return counts
        }
    }

    /// Creates a definition after the last one of its list (unless `input.position` says where).
    /// Refuses what `CustomFieldInput.problems()` refuses, a key another field of the same list
    /// already has (letter case aside: `cf_Budget` and `cf_budget` would be two filters that look
    /// alike), and a task template that does not exist.
    @discardableResult
    public func createCustomField(_ input: CustomFieldInput) async throws -> CustomField {
        let now = self.now
        return try await write { db in
            try Self.refuseProblems(input)
            if let templateId = input.taskTemplateId, try TaskTemplate.fetchOne(db, key: templateId) == nil {
                throw CustomFieldError(field: "template_id", message: "That stage task no longer exists.")
            }
            if input.entity == .lead, Self.reservedLeadKeys.contains(input.key.lowercased()) {
                throw CustomFieldError(field: "key", message: "“\(input.key)” is a built-in lead column of the CSV files; choose another key.")
            }
            try Self.checkUniqueKey(db, input, except: nil)
            let last = try Int.fetchOne(
                db, sql: "SELECT MAX(position) FROM customField WHERE entity = ? AND taskTemplateId IS ?",
                arguments: [input.entity.rawValue, input.taskTemplateId])
            var field = CustomField(
                id: nil, entity: input.entity, taskTemplateId: input.taskTemplateId, key: input.key, label: input.label, type: input.type,
                isRequired: input.isRequired, helpText: input.helpText, placeholder: input.placeholder,
                position: input.position ?? ((last ?? 0) + 1), isActive: input.isActive, showOnCard: input.showOnCard,
                rules: input.rules.normalised(for: input.type).json, defaultValue: input.defaultValue, createdAt: now)
            try field.insert(db)
            return field
        }
    }

    /// Saves a definition. Key, type, entity and template are fixed once created (a different key or
    /// type is refused; the entity and template of `input` are ignored). New rules or options that
    /// values already stored would break are refused, naming how many leads (or tasks) hold such a
    /// value, counted in this transaction by reading every stored value of the field and checking it
    /// with the new `FieldSpec` (skipped when the change only loosens the rules). Deactivating only hides the field: its values stay, and come back
    /// with it. Making a field required is allowed: leads without a value must fill it at their
    /// next edit.
    @discardableResult
    public func updateCustomField(id: Int64, _ input: CustomFieldInput) async throws -> CustomField {
        let (field, wasActive) = try await write { db -> (CustomField, Bool) in
            guard let before = try CustomField.fetchOne(db, key: id) else { throw CustomFieldError.notFound }
            return (try Self.saveCustomField(db, id: id, input), before.isActive)
        }
        // Search shows only active fields' text: a toggled text field's leads get theirs rebuilt, in
        // short transactions of 2,000 leads so other writers never wait long.
        if field.entity == .lead, field.type.isSearchableText, field.isActive != wasActive {
            var cursor: Int64? = 0
            while let after = cursor {
                cursor = try await write { db in try db.refreshCustomText(fieldId: field.uid, afterLeadId: after, limit: 2000) }
            }
        }
        return field
    }

    private static func saveCustomField(_ db: Database, id: Int64, _ input: CustomFieldInput) throws -> CustomField {
        guard var field = try CustomField.fetchOne(db, key: id) else { throw CustomFieldError.notFound }
        if input.key != field.key { throw CustomFieldError(field: "key", message: "The key cannot change once the field exists (it is \(field.key)).") }
        if input.type != field.type {
            throw CustomFieldError(field: "type", message: "The type cannot change once the field exists (it is \(field.type.label.lowercased())).")
        }
        var input = input
        input.entity = field.entity
        input.taskTemplateId = field.taskTemplateId
        if field.entity != .lead { input.showOnCard = false }
        try Self.refuseProblems(input)
        let rules = input.rules.normalised(for: field.type)
        if rules.mayRefuseMore(than: field.fieldRules, type: field.type) {
            let spec = FieldSpec(label: input.label, type: field.type, rules: rules)
            if let refusal = try db.brokenValues(of: field, under: spec) { throw refusal }
        }
        field.label = input.label
        field.isRequired = input.isRequired
        field.helpText = input.helpText
        field.placeholder = input.placeholder
        if let position = input.position { field.position = position }
        field.isActive = input.isActive
        field.showOnCard = input.showOnCard
        field.rules = rules.json
        field.defaultValue = input.defaultValue
        try field.update(db)
        return field
    }

    /// The CSV columns of leads (export, import) and the scoring columns: a lead field's key names
    /// its CSV column, so it may not be one of these.
    static let reservedLeadKeys = Set(LeadCSV.columns + ["id", "score", "rating", "owner", "deleted", "error"])

    static func refuseProblems(_ input: CustomFieldInput) throws {
        let problems = input.problems()
        if !problems.isEmpty { throw CustomFieldError(problems) }
    }

    static func checkUniqueKey(_ db: Database, _ input: CustomFieldInput, except id: Int64?) throws {
        let clash = try String.fetchOne(
            db,
            sql: "SELECT key FROM customField WHERE entity = ? AND taskTemplateId IS ? AND key = ? COLLATE NOCASE AND id IS NOT ?",
            arguments: [input.entity.rawValue, input.taskTemplateId, input.key, id])
        if let clash {
            let owner = input.entity == .task ? "this task" : "\(input.entity.rawValue)s"
            throw CustomFieldError(field: "key", message: "Another field of \(owner) already has the key \(clash).")
        }
    }
}

extension Database {
    /// The refusal for new rules (in `spec`) that values already stored for `field` break, or nil
    /// when every stored value passes. Reads the values with a cursor and checks each one with
    /// `spec.check`, the same check a form applies, so the count is exact whatever the change; the
    /// message names the rule each broken value fails (the option in use, the length, the bound,
    /// the pattern) with its count. Values of deleted leads count too: restoring them must not
    /// bring back a value the field no longer accepts.
    func brokenValues(of field: CustomField, under spec: FieldSpec) throws -> CustomFieldError? {
        let isTask = field.entity == .task
        let sql = isTask
            ? """
            SELECT v.value, l.deletedAt IS NOT NULL AS gone FROM taskFieldValue v
            JOIN leadTask t ON t.id = v.taskId JOIN lead l ON l.id = t.leadId WHERE v.fieldId = ?
            """
            : "SELECT v.value, l.deletedAt IS NOT NULL AS gone FROM leadFieldValue v JOIN lead l ON l.id = v.leadId WHERE v.fieldId = ?"
        var tally = BrokenTally()
        let rows = try Row.fetchCursor(self, sql: sql, arguments: [field.uid])
        while let row = try rows.next() {
            guard let value = FieldValue(stored: row["value"], type: field.type), spec.check(value) != nil else { continue }
            tally.add(value, spec: spec, deleted: row["gone"])
        }
        return tally.refusal(noun: isTask ? "task" : "lead", spec: spec)
    }
}

/// Stored values a rule change would break, counted by the rule they fail.
struct BrokenTally {
    struct Count {
        var all = 0
        var deleted = 0
        mutating func add(deleted gone: Bool) {
            all += 1
            if gone { deleted += 1 }
        }
    }
    var byRule: [String: Count] = [:]
    var byOption: [String: Count] = [:]
    var optionOrder: [String] = []

    mutating func add(_ value: FieldValue, spec: FieldSpec, deleted: Bool) {
        let rules = spec.rules
        switch value {
        case .text(let text) where spec.type.hasOptions:
            addOption(text, deleted: deleted)
        case .list(let items):
            for item in Set(items) where !(rules.options ?? []).contains(item) { addOption(item, deleted: deleted) }
        case .text(let text) where spec.type.hasMaxLength:
            let limited = FieldSpec(label: spec.label, type: spec.type, rules: FieldRules(maxLength: rules.maxLength))
            byRule[limited.check(.text(text)) != nil ? "max_length" : "pattern", default: Count()].add(deleted: deleted)
        case .integer, .decimal:
            let n: Double = if case .integer(let i) = value { Double(i) } else if case .decimal(let d) = value { d } else { 0 }
            let key = rules.min.map { n < $0 } == true ? "min" : rules.max.map { n > $0 } == true ? "max" : "form"
            byRule[key, default: Count()].add(deleted: deleted)
        default:
            byRule["form", default: Count()].add(deleted: deleted)
        }
    }

    private mutating func addOption(_ option: String, deleted: Bool) {
        if byOption[option] == nil { optionOrder.append(option) }
        byOption[option, default: Count()].add(deleted: deleted)
    }

    /// The messages by form field, or nil when nothing broke.
    func refusal(noun: String, spec: FieldSpec) -> CustomFieldError? {
        func many(_ count: Count) -> String {
            let plural = count.all == 1 ? noun : noun + "s"
            if count.deleted == 0 { return "\(count.all) \(plural)" }
            if count.deleted == count.all { return "\(count.all) deleted \(plural)" }
            return "\(count.all) \(plural) (\(count.deleted) of them deleted)"
        }
        func have(_ count: Count) -> String { count.all == 1 ? "has" : "have" }
        func first(_ all: Int) -> String { all == 1 ? "change that \(noun) first." : "change those \(noun)s first." }
        var errors: [String: String] = [:]
        if !byOption.isEmpty {
            let options = optionOrder.sorted { (byOption[$0]?.all ?? 0, $1) > (byOption[$1]?.all ?? 0, $0) }
            let total = byOption.values.reduce(0) { $0 + $1.all }
            if options.count == 1, let count = byOption[options[0]] {
                errors["options"] = "Option “\(options[0])” is used by \(many(count)); \(first(count.all))"
            } else {
                let listed = options.prefix(5).map { option in
                    let count = byOption[option] ?? Count()
                    let plural = count.all == 1 ? noun : noun + "s"
                    return "“\(option)” (\(count.all) \(plural)\(count.deleted > 0 ? ", \(count.deleted) deleted" : ""))"
                }
                let more = options.count > 5 ? " and \(options.count - 5) more" : ""
                errors["options"] = "Options \(listed.joined(separator: ", "))\(more) are in use; \(first(total))"
            }
        }
        let rules = spec.rules
        for (key, count) in byRule {
            let value = "\(many(count)) \(have(count)) a value"
            switch key {
            case "max_length":
                let limit = rules.maxLength ?? (spec.type == .text ? FieldSpec.textLimit : FieldSpec.longTextLimit)
                errors[key] = "\(value) longer than \(limit) characters; \(first(count.all))"
            case "pattern": errors[key] = "\(value) that does not match this pattern; \(first(count.all))"
            case "min": errors[key] = "\(value) below \(FieldValue.decimalText(rules.min ?? 0)); \(first(count.all))"
            case "max": errors[key] = "\(value) above \(FieldValue.decimalText(rules.max ?? 0)); \(first(count.all))"
            default: errors[CustomFieldError.formKey] = "\(value) these rules would refuse; \(first(count.all))"
            }
        }
        return errors.isEmpty ? nil : CustomFieldError(errors)
    }
}
