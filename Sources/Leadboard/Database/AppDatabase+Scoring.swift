import Foundation
import GRDB

/// One scoring rule (see `ScoringRuleKind`). `field` names a built-in field (`ScoringModel.builtInFields`)
/// or a custom lead field as `cf_<key>`; `choices` is a JSON array of strings (option texts, `true` /
/// `false`, or ids for `source`, `stage` and `owner`).
public struct ScoringRule: Codable, Sendable, Identifiable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "scoringRule"
    public var id: Int64?
    public var kind: ScoringRuleKind
    public var field: String
    public var choices: String
    public var number: Double?
    public var days: Int?
    public var points: Int
    public var position: Int
    public var createdAt: Date
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var uid: Int64 { id ?? 0 }

    public var choiceList: [String] { (try? JSONDecoder().decode([String].self, from: Data(choices.utf8))) ?? [] }

    public static func encodeChoices(_ list: [String]) -> String {
        String(data: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), encoding: .utf8) ?? "[]"
    }
}

/// The rating thresholds and the moment time-based rules are measured from.
public struct ScoringSettings: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "scoringSettings"
    public var id: Int64 = 1
    public var hotThreshold: Int
    public var warmThreshold: Int
    /// Time-based rules ("created more than N days ago") are measured from here, not from the clock,
    /// so a lead's stored score and the breakdown on its page always agree; the daily rescore moves it.
    public var asOf: Date

    public func rating(_ score: Int) -> Rating { Rating.of(score: score, hot: hotThreshold, warm: warmThreshold) }
}

/// The rules with what they refer to: the one place that turns rules into SQL, for the stored score
/// (`UPDATE lead SET score = …`), the rescore of all leads and the breakdown on the lead page.
struct ScoringModel {
    var rules: [ScoringRule]
    /// Custom lead fields by `cf_<key>`.
    var fields: [String: CustomField]
    var settings: ScoringSettings

    /// Built-in fields a rule may name, with their SQL over `lead`.
    static let builtInFields: [String: String] = [
        "name": "lead.name", "email": "lead.email", "phone": "lead.phone", "company": "lead.company",
        "source": "lead.sourceId", "value": "lead.valueCents", "expected_close_date": "lead.expectedCloseDate",
        "owner": "lead.ownerId", "stage": "lead.stageId",
    ]

    /// The condition of one rule over the current `lead` row; "0" when it refers to something that no
    /// longer exists (a deleted field), so it never applies.
    func condition(_ rule: ScoringRule) -> (String, StatementArguments) {
        let never: (String, StatementArguments) = ("0", [])
        let cutoff = rule.days.map { settings.asOf.addingTimeInterval(-Double($0) * 86400) }
        switch rule.kind {
        case .ageOver:
            guard let cutoff else { return never }
            return ("lead.createdAt < ?", [cutoff])
        case .noActivity:
            guard let cutoff else { return never }
            return ("COALESCE((SELECT a.createdAt FROM activity a WHERE a.leadId = lead.id ORDER BY a.id DESC LIMIT 1), lead.createdAt) < ?", [cutoff])
        case .overdueTasks:
            guard let cutoff else { return never }
            return ("EXISTS (SELECT 1 FROM leadTask t WHERE t.leadId = lead.id AND t.status = 'open' AND t.createdAt < ?)", [cutoff])
        case .source:
            let ids = rule.choiceList.compactMap(Int64.init)
            guard !ids.isEmpty else { return never }
            return ("lead.sourceId IN (\(databaseQuestionMarks(count: ids.count)))", StatementArguments(ids))
        case .filled, .equals, .atLeast, .atMost:
            if let column = Self.builtInFields[rule.field] { return builtIn(rule, column: column) }
            if let field = fields[rule.field] { return custom(rule, field: field) }
            return never
        }
    }

    private func builtIn(_ rule: ScoringRule, column: String) -> (String, StatementArguments) {
        let never: (String, StatementArguments) = ("0", [])
        let isId = ["lead.sourceId", "lead.ownerId", "lead.stageId"].contains(column)
        switch rule.kind {
        case .filled:
            if isId || column == "lead.expectedCloseDate" { return ("\(column) IS NOT NULL", []) }
            if column == "lead.valueCents" { return ("lead.valueCents > 0", []) }
            return ("\(column) <> ''", [])
        case .equals:
            let choices = rule.choiceList
            guard !choices.isEmpty else { return never }
            if isId {
                let ids = choices.compactMap(Int64.init)
                return ids.isEmpty ? never : ("\(column) IN (\(databaseQuestionMarks(count: ids.count)))", StatementArguments(ids))
            }
            if column == "lead.valueCents" {
                let cents = choices.compactMap(Money.parse)
                return cents.isEmpty ? never : ("\(column) IN (\(databaseQuestionMarks(count: cents.count)))", StatementArguments(cents))
            }
            return ("\(column) COLLATE NOCASE IN (\(databaseQuestionMarks(count: choices.count)))", StatementArguments(choices))
        case .atLeast, .atMost:
            guard column == "lead.valueCents", let number = rule.number else { return never }
            let op = rule.kind == .atLeast ? ">=" : "<="
            return ("lead.valueCents \(op) ?", [(number * 100).rounded()])
        default:
            return never
        }
    }

    private func custom(_ rule: ScoringRule, field: CustomField) -> (String, StatementArguments) {
        let never: (String, StatementArguments) = ("0", [])
        let value = "EXISTS (SELECT 1 FROM leadFieldValue v WHERE v.leadId = lead.id AND v.fieldId = ?"
        switch rule.kind {
        case .filled:
            return (value + ")", [field.uid])
        case .equals:
            let spec = FieldSpec(label: field.label, type: field.type, rules: field.fieldRules)
            if field.type == .multiSelect {
                let choices = rule.choiceList
                guard !choices.isEmpty else { return never }
                return (
                    "EXISTS (SELECT 1 FROM leadFieldValue v, json_each(v.value) j WHERE v.leadId = lead.id AND v.fieldId = ? AND j.value IN (\(databaseQuestionMarks(count: choices.count))))",
                    StatementArguments([field.uid.databaseValue] + choices.map(\.databaseValue)))
            }
            // Each choice is read like a form value of the field (so "yes" matches a stored 1); text compares without case.
            var typed: [DatabaseValue] = []
            for choice in rule.choiceList {
                // A select's choices are its option texts, stored as they are (the form checked them).
                if field.type == .select {
                    typed.append(choice.databaseValue)
                    continue
                }
                var loose = spec
                loose.rules = FieldRules()
                if case .success(let parsed?) = loose.parse([choice]) { typed.append(parsed.databaseValue) }
            }
            guard !typed.isEmpty else { return never }
            let collate = [.integer, .decimal, .boolean].contains(field.type) ? "" : " COLLATE NOCASE"
            return (value + " AND v.value\(collate) IN (\(databaseQuestionMarks(count: typed.count))))", StatementArguments([field.uid.databaseValue] + typed))
        case .atLeast, .atMost:
            guard field.type.isNumeric, let number = rule.number else { return never }
            let op = rule.kind == .atLeast ? ">=" : "<="
            return (value + " AND v.value \(op) ?)", [field.uid, number])
        default:
            return never
        }
    }

    /// Leads with `rating`: a range of the stored score, as `Rating.of` draws it (served by the index
    /// `lead_score`; the threshold subqueries do not refer to the row, so SQLite reads them once).
    static func ratingCondition(_ rating: Rating) -> String {
        let hot = "(SELECT hotThreshold FROM scoringSettings WHERE id = 1)"
        let warm = "(SELECT warmThreshold FROM scoringSettings WHERE id = 1)"
        return switch rating {
        case .hot: "lead.score >= \(hot)"
        case .warm: "lead.score >= \(warm) AND lead.score < \(hot)"
        case .cold: "lead.score < \(warm)"
        }
    }

    /// The score of the current `lead` row: the points of the rules that hold, clamped to 0…100.
    func scoreExpression() -> (String, StatementArguments) {
        guard !rules.isEmpty else { return ("0", []) }
        var parts: [String] = []
        var arguments = StatementArguments()
        for rule in rules {
            let (sql, args) = condition(rule)
            parts.append("CASE WHEN \(sql) THEN \(rule.points) ELSE 0 END")
            arguments += args
        }
        return ("MAX(0, MIN(100, \(parts.joined(separator: " + "))))", arguments)
    }
}

/// The stored score and the two thresholds as columns of a lead query (`lead.score, hotThreshold,
/// warmThreshold`), so rows can say their rating (`Rating.of`) without another query. The settings
/// subqueries do not refer to the row: SQLite runs them once per statement.
enum ScoreColumns {
    static let sql = "lead.score, (SELECT hotThreshold FROM scoringSettings WHERE id = 1) AS hotThreshold, (SELECT warmThreshold FROM scoringSettings WHERE id = 1) AS warmThreshold"
}

/// One rule that applied to a lead, for the breakdown on the lead page.
public struct ScoreContribution: Sendable, Equatable {
    public var rule: ScoringRule
    public var points: Int
}

/// A lead's score with the rules that made it.
public struct ScoreBreakdown: Sendable {
    public var score: Int
    public var rating: Rating
    public var contributions: [ScoreContribution]
    /// The names the contributing rules refer to (empty when no rule applied).
    public var vocabulary = ScoringVocabulary()
}

extension Database {
    func scoringSettings() throws -> ScoringSettings {
        try ScoringSettings.fetchOne(self, key: 1)!
    }

    func scoringModel() throws -> ScoringModel {
        let fields = try customFields(.lead)
        return ScoringModel(
            rules: try ScoringRule.order(Column("position"), Column("id")).fetchAll(self),
            fields: Dictionary(uniqueKeysWithValues: fields.map { ($0.formName, $0) }),
            settings: try scoringSettings())
    }

    /// Recomputes the score of every lead a write in this transaction touched (queued by triggers on
    /// leads, their values, tasks and activity), so the stored score commits with the change.
    func drainScoreQueue() throws {
        guard try Bool.fetchOne(self, sql: "SELECT EXISTS (SELECT 1 FROM scoreQueue)") == true else { return }
        let (expression, arguments) = try scoringModel().scoreExpression()
        try execute(sql: "UPDATE lead SET score = \(expression) WHERE id IN (SELECT leadId FROM scoreQueue)", arguments: arguments)
        try execute(sql: "DELETE FROM scoreQueue")
    }

    /// Rescores the leads with ids in `(afterId, afterId + span]` (deleted ones too, so a restore
    /// shows the right score); returns how many scores changed.
    func rescoreRange(afterId: Int64, span: Int64, model: ScoringModel) throws -> Int {
        let (expression, arguments) = model.scoreExpression()
        try execute(
            sql: """
                UPDATE lead SET score = fresh.s
                FROM (SELECT id, \(expression) AS s FROM lead WHERE id > ? AND id <= ?) AS fresh
                WHERE lead.id = fresh.id AND lead.score <> fresh.s
                """, arguments: arguments + [afterId, afterId + span])
        return changesCount
    }
}

/// Progress of a full rescore.
public struct RescoreProgress: Sendable, Equatable {
    public var done: Int64
    public var total: Int64
    public var changed: Int
}

extension AppDatabase {
    /// Runs `updates` in a write transaction, then recomputes the scores of the leads it touched
    /// before committing. Every write of the app goes through here (not `pool.write`).
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.write { db in
            let result = try updates(db)
            try db.drainScoreQueue()
            return result
        }
    }

    /// Rescores every lead in batches of `batchSize` ids, one short write transaction each, so other
    /// writers wait at most one batch. With `timeBased`, time-based rules are first re-measured from
    /// now (the daily run). `progress` is called after each batch.
    @discardableResult
    public func rescoreAll(
        timeBased: Bool = false, batchSize: Int64 = 20_000, progress: (@Sendable (RescoreProgress) -> Void)? = nil
    ) async throws -> RescoreProgress {
        let now = self.now
        let (low, high) = try await write { db -> (Int64, Int64) in
            if timeBased { try db.execute(sql: "UPDATE scoringSettings SET asOf = ? WHERE id = 1", arguments: [now]) }
            let row = try Row.fetchOne(db, sql: "SELECT COALESCE(MIN(id), 1) - 1 AS low, COALESCE(MAX(id), 0) AS high FROM lead")!
            return (row["low"], row["high"])
        }
        var state = RescoreProgress(done: 0, total: max(0, high - low), changed: 0)
        var cursor = low
        while cursor < high {
            let from = cursor
            let changed = try await write { db in try db.rescoreRange(afterId: from, span: batchSize, model: try db.scoringModel()) }
            cursor += batchSize
            state.done = min(cursor, high) - low
            state.changed += changed
            progress?(state)
        }
        return state
    }

    public func scoringSettings() async throws -> ScoringSettings {
        try await pool.read { db in try db.scoringSettings() }
    }

    /// The score of a visible lead with every rule that applied (measured as the stored score is).
    public func scoreBreakdown(leadId: Int64, viewer: User) async throws -> ScoreBreakdown? {
        try await pool.read { db in
            guard let lead = try db.visibleLead(id: leadId, viewer: viewer, includeDeleted: true) else { return nil }
            let model = try db.scoringModel()
            let stored = try Int.fetchOne(db, sql: "SELECT score FROM lead WHERE id = ?", arguments: [lead.uid]) ?? 0
            guard !model.rules.isEmpty else {
                return ScoreBreakdown(score: stored, rating: model.settings.rating(stored), contributions: [])
            }
            var columns: [String] = []
            var arguments = StatementArguments()
            for rule in model.rules {
                let (sql, args) = model.condition(rule)
                columns.append("(\(sql))")
                arguments += args
            }
            let row = try Row.fetchOne(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM lead WHERE id = ?", arguments: arguments + [lead.uid])!
            let contributions = model.rules.enumerated().compactMap { index, rule -> ScoreContribution? in
                (row[index] as Bool? ?? false) ? ScoreContribution(rule: rule, points: rule.points) : nil
            }
            return ScoreBreakdown(
                score: stored, rating: model.settings.rating(stored), contributions: contributions,
                vocabulary: contributions.isEmpty ? ScoringVocabulary() : try db.scoringVocabulary())
        }
    }
}

/// A rule as the admin form submits it (validated by the scoring form).
public struct ScoringRuleInput: Sendable, Equatable {
    public var kind: ScoringRuleKind
    public var field: String
    public var choices: [String]
    public var number: Double?
    public var days: Int?
    public var points: Int

    public init(kind: ScoringRuleKind, field: String = "", choices: [String] = [], number: Double? = nil, days: Int? = nil, points: Int) {
        self.kind = kind
        self.field = field
        self.choices = choices
        self.number = number
        self.days = days
        self.points = points
    }
}

/// The names rules refer to by key or id: built-in field labels, custom lead fields, sources,
/// stages and users, so a rule reads as "Source is Website or Referral" and not as ids.
public struct ScoringVocabulary: Sendable {
    public var fields: [CustomField] = []
    public var sources: [Source] = []
    public var stages: [Stage] = []
    public var users: [User] = []

    public init(fields: [CustomField] = [], sources: [Source] = [], stages: [Stage] = [], users: [User] = []) {
        self.fields = fields
        self.sources = sources
        self.stages = stages
        self.users = users
    }

    /// Custom lead field by `cf_<key>`.
    public func field(_ formName: String) -> CustomField? { fields.first { $0.formName == formName } }
}

/// What the admin scoring page shows.
public struct ScoringAdminData: Sendable {
    public var rules: [ScoringRule]
    public var settings: ScoringSettings
    public var vocabulary: ScoringVocabulary
}

extension Database {
    func scoringVocabulary() throws -> ScoringVocabulary {
        ScoringVocabulary(
            fields: try customFields(.lead),
            sources: try Source.order(Column("position"), Column("id")).fetchAll(self),
            stages: try Stage.order(Column("position"), Column("id")).fetchAll(self),
            users: try User.order(Column("name").collating(.nocase)).fetchAll(self))
    }
}

extension AppDatabase {
    /// The rules in order, the thresholds and the names the rules refer to.
    public func scoringAdmin() async throws -> ScoringAdminData {
        try await pool.read { db in
            ScoringAdminData(
                rules: try ScoringRule.order(Column("position"), Column("id")).fetchAll(db), settings: try db.scoringSettings(),
                vocabulary: try db.scoringVocabulary())
        }
    }

    public func scoringVocabulary() async throws -> ScoringVocabulary {
        try await pool.read { db in try db.scoringVocabulary() }
    }

    /// Adds a rule after the others. Stored scores change only when the rescore job runs (the caller starts it).
    @discardableResult
    public func addScoringRule(_ input: ScoringRuleInput) async throws -> ScoringRule {
        let now = self.now
        return try await write { db in
            let position = (try Int.fetchOne(db, sql: "SELECT MAX(position) FROM scoringRule") ?? 0) + 1
            var rule = ScoringRule(
                id: nil, kind: input.kind, field: input.field, choices: ScoringRule.encodeChoices(input.choices), number: input.number,
                days: input.days, points: input.points, position: position, createdAt: now)
            try rule.insert(db)
            return rule
        }
    }

    /// Replaces a rule's condition and points; false when there is no such rule.
    @discardableResult
    public func updateScoringRule(id: Int64, _ input: ScoringRuleInput) async throws -> Bool {
        try await write { db in
            guard var rule = try ScoringRule.fetchOne(db, key: id) else { return false }
            rule.kind = input.kind
            rule.field = input.field
            rule.choices = ScoringRule.encodeChoices(input.choices)
            rule.number = input.number
            rule.days = input.days
            rule.points = input.points
            try rule.update(db)
            return true
        }
    }

    public func scoringRule(id: Int64) async throws -> ScoringRule? {
        try await pool.read { db in try ScoringRule.fetchOne(db, key: id) }
    }

    /// Removes a rule; false when there is no such rule.
    @discardableResult
    public func deleteScoringRule(id: Int64) async throws -> Bool {
        try await write { db in try ScoringRule.deleteOne(db, key: id) }
    }

    /// Sets the rating thresholds (0 ≤ warm < hot ≤ 100, checked by the caller and the schema). Ratings
    /// are derived from the stored score, so nothing needs rescoring.
    public func updateScoringThresholds(hot: Int, warm: Int) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE scoringSettings SET hotThreshold = ?, warmThreshold = ? WHERE id = 1", arguments: [hot, warm])
        }
    }

    /// The moment time-based rules are measured from (moved by `rescoreAll(timeBased: true)`).
    public func scoringAsOf() async throws -> Date {
        try await pool.read { db in try db.scoringSettings().asOf }
    }
}
