import Foundation
import GRDB

/// Whose leads a list shows.
public enum OwnerFilter: Sendable, Equatable {
    case any, me, none, user(Int64)
}

/// Sort orders offered by the list (an allow-list; anything else falls back to `-updated`).
public enum LeadSort: String, Sendable, CaseIterable {
    case name, created, updated, value, stage, score

    var column: String {
        switch self {
        case .name: "lead.name COLLATE NOCASE"
        case .created: "lead.createdAt"
        case .updated: "lead.updatedAt"
        case .value: "lead.valueCents"
        case .stage: "stage.position"
        case .score: "lead.score"
        }
    }
}

/// The filters of the lead list, board and CSV export (read from a query string in the web layer,
/// `LeadFilter+Query.swift`). Which leads match is decided by the `LeadFilterField`s alone; the
/// other properties say how the matching leads are shown.
public struct LeadFilter: Sendable, Equatable {
    public var q = ""
    public var stageId: Int64?
    public var owner: OwnerFilter = .any
    public var sourceId: Int64?
    /// Leads whose stage is in this category (dashboard links such as "open pipeline").
    public var category: StageCategory?
    public var createdFrom: String?
    public var createdTo: String?
    public var deleted = false
    /// Leads rated hot, warm or cold (a range of `lead.score` by the admin's thresholds).
    public var rating: Rating?
    /// `cf_<key>=…` filters on select and boolean custom fields (all must match).
    public var customFields: [CustomFieldFilter] = []
    public var sort: LeadSort = .updated
    /// A custom field to sort by instead of `sort` (`sort=cf_<key>`); leads without a value come last.
    public var sortField: CustomField?
    /// Custom fields shown as extra list columns (`columns=cf_a,cf_b`).
    public var columns: [CustomField] = []
    public var descending = true
    public var page = 1
    /// Messages for filter values that could not be used (shown next to the field).
    public var errors: [String: String] = [:]

    public static let pageSize = 50

    /// The stored properties that shape how matching leads are shown, not which leads match. Every
    /// other stored property must be a `LeadFilterField` (`LeadFilterFieldTests` compares both lists
    /// with the struct, so a new property cannot be left out of the SQL by accident).
    static let presentationProperties: Set<String> = ["sort", "descending", "page", "errors", "sortField", "columns"]

    public init() {}

    /// Whether `field` narrows the leads beyond its default.
    public func narrows(_ field: LeadFilterField) -> Bool {
        switch field {
        case .q: !q.isEmpty
        case .stageId: stageId != nil
        case .owner: owner != .any
        case .sourceId: sourceId != nil
        case .category: category != nil
        case .createdFrom: createdFrom != nil
        case .createdTo: createdTo != nil
        case .deleted: deleted
        case .rating: rating != nil
        case .customFields: !customFields.isEmpty
        }
    }

    /// Whether the user narrowed the list (showing deleted leads is a different list, not a filter).
    public var isFiltered: Bool {
        LeadFilterField.allCases.contains { $0 != .deleted && narrows($0) }
    }
}

/// The properties of `LeadFilter` that decide which leads match, named like the properties. Every
/// switch over it is exhaustive, so a new field must say its SQL and whether `leadTally` can answer
/// it (`LeadQuery.condition(for:_:)`), its query-string key and whether it counts as a filter.
public enum LeadFilterField: String, Sendable, CaseIterable {
    case q, stageId, owner, sourceId, category, createdFrom, createdTo, deleted, rating, customFields
}

/// A search box text that SQLite's FTS5 could not parse.
public struct SearchSyntaxError: Error, Sendable {}

/// One condition of a lead query: its SQL over `lead`, and the same condition over `leadTally`
/// (live leads counted per owner and stage) when the tally can answer it.
struct LeadCondition {
    var lead: String
    /// nil when the tally cannot answer it (it knows no source, dates, text or deleted leads).
    var tally: String?
    /// Bound by both forms alike.
    var arguments: StatementArguments = []
}

/// The SQL of one `LeadQuery`: its conditions over `lead`, and the queries that count the matching
/// leads, which read `leadTally` when every condition can be answered from it.
public struct LeadClauses {
    /// `condition AND condition …` over `lead`; always holds the deleted and visibility conditions.
    public let conditions: String
    public let arguments: StatementArguments
    /// The same conditions over `leadTally`, or nil when one of them needs the lead rows.
    let tallyConditions: String?

    init(_ parts: [LeadCondition]) {
        conditions = parts.map(\.lead).joined(separator: " AND ")
        arguments = parts.reduce(into: StatementArguments()) { $0 += $1.arguments }
        let tally = parts.compactMap(\.tally)
        tallyConditions = tally.count == parts.count ? tally.joined(separator: " AND ") : nil
    }

    /// `WHERE …` over `lead`.
    public var whereSQL: String { "WHERE " + conditions }

    /// Whether the counts below read `leadTally` rather than the lead rows.
    public var usesTally: Bool { tallyConditions != nil }

    /// One integer: how many leads match. Takes `arguments`.
    public var countSQL: String {
        if let tallyConditions { return "SELECT COALESCE(SUM(n), 0) FROM leadTally WHERE \(tallyConditions)" }
        return "SELECT COUNT(*) FROM lead \(whereSQL)"
    }

    /// Rows of `stageId`, `n` (matching leads) and `total` (their value in cents), for stages with
    /// at least one matching lead (tally rows may also report 0). Takes `arguments`.
    public var stageTotalsSQL: String {
        if let tallyConditions {
            return "SELECT stageId, SUM(n) AS n, SUM(valueCents) AS total FROM leadTally WHERE \(tallyConditions) GROUP BY stageId"
        }
        return "SELECT lead.stageId, COUNT(*) AS n, COALESCE(SUM(lead.valueCents), 0) AS total FROM lead \(whereSQL) GROUP BY lead.stageId"
    }
}

/// The one place that turns a `LeadFilter` into SQL, for the list, board, export, dashboard and
/// reports, together with the decision whether `leadTally` can count it. Visibility is part of it:
/// an executive's queries always carry `lead.ownerId = <their id>`.
public struct LeadQuery: Sendable {
    public var filter: LeadFilter
    public var viewer: User

    public init(filter: LeadFilter, viewer: User) {
        self.filter = filter
        self.viewer = viewer
    }

    /// The conditions of this query. Throws `SearchSyntaxError` for bad search syntax.
    public func clauses(_ db: Database) throws -> LeadClauses {
        var parts = [try condition(for: .deleted, db), Self.visibility(viewer)].compactMap { $0 }
        for field in LeadFilterField.allCases where field != .deleted {
            if let condition = try condition(for: field, db) { parts.append(condition) }
        }
        return LeadClauses(parts)
    }

    /// `(sql, arguments)` for `WHERE …` over `lead`. Throws `SearchSyntaxError` for bad search syntax.
    public func whereClause(_ db: Database) throws -> (String, StatementArguments) {
        let clauses = try clauses(db)
        return (clauses.whereSQL, clauses.arguments)
    }

    /// The leads `viewer` may see at all, deleted or not, as `LeadPolicy` decides it.
    static func visibility(_ viewer: User) -> LeadCondition? {
        LeadPolicy.visibility(for: viewer).ownerId.map { LeadCondition(lead: "lead.ownerId = ?", tally: "ownerKey = ?", arguments: [$0]) }
    }

    /// What one filter field adds to the query, or nil when it adds nothing.
    func condition(for field: LeadFilterField, _ db: Database) throws -> LeadCondition? {
        switch field {
        case .deleted:
            // The tally holds live leads only; `n > 0` is its form of "not deleted".
            return filter.deleted && LeadPolicy.canSeeDeleted(viewer)
                ? LeadCondition(lead: "lead.deletedAt IS NOT NULL", tally: nil)
                : LeadCondition(lead: "lead.deletedAt IS NULL", tally: "n > 0")
        case .owner:
            switch filter.owner {
            case .any: return nil
            case .me: return LeadCondition(lead: "lead.ownerId = ?", tally: "ownerKey = ?", arguments: [viewer.id])
            case .none: return LeadCondition(lead: "lead.ownerId IS NULL", tally: "ownerKey = 0")
            case .user(let id): return LeadCondition(lead: "lead.ownerId = ?", tally: "ownerKey = ?", arguments: [id])
            }
        case .stageId:
            return filter.stageId.map { LeadCondition(lead: "lead.stageId = ?", tally: "stageId = ?", arguments: [$0]) }
        case .sourceId:
            return filter.sourceId.map { LeadCondition(lead: "lead.sourceId = ?", tally: nil, arguments: [$0]) }
        case .category:
            return filter.category.map {
                LeadCondition(
                    lead: "lead.stageId IN (SELECT id FROM stage WHERE category = ?)", tally: "stageId IN (SELECT id FROM stage WHERE category = ?)",
                    arguments: [$0.rawValue])
            }
        case .createdFrom:
            return filter.createdFrom.flatMap(Day.start(of:)).map { LeadCondition(lead: "lead.createdAt >= ?", tally: nil, arguments: [$0]) }
        case .createdTo:
            return filter.createdTo.flatMap(Day.start(of:)).map {
                LeadCondition(lead: "lead.createdAt < ?", tally: nil, arguments: [$0.addingTimeInterval(86400)])
            }
        case .q:
            guard !filter.q.isEmpty else { return nil }
            guard let pattern = try Self.searchPattern(filter.q, db) else {
                return LeadCondition(lead: "0", tally: nil)  // only punctuation: nothing can match
            }
            return LeadCondition(lead: "lead.id IN (SELECT rowid FROM leadFts WHERE leadFts MATCH ?)", tally: nil, arguments: [pattern])
        case .customFields:
            return customFieldsCondition()
        case .rating:
            return filter.rating.map { LeadCondition(lead: ScoringModel.ratingCondition($0), tally: nil) }
        }
    }

    /// Plain words match as prefixes ("acm corp" finds "Acme Corporation"). Text using FTS5 syntax
    /// (quotes, `*`, parentheses, AND/OR/NOT/NEAR, `col:`) is passed through after SQLite checks it.
    static func searchPattern(_ text: String, _ db: Database) throws -> FTS5Pattern? {
        guard !text.isEmpty else { return nil }
        let syntaxMarkers = CharacterSet(charactersIn: "\"*()^:+")
        let words = text.split(separator: " ")
        let usesSyntax = text.unicodeScalars.contains(where: syntaxMarkers.contains)
            || words.contains { ["AND", "OR", "NOT", "NEAR"].contains($0) }
        if usesSyntax {
            do {
                return try db.makeFTS5Pattern(rawPattern: text, forTable: "leadFts")
            } catch {
                throw SearchSyntaxError()
            }
        }
        return FTS5Pattern(matchingAllPrefixesIn: text)
    }

    public var orderClause: String {
        if let custom = customOrderClause { return custom }
        let direction = filter.descending ? "DESC" : "ASC"
        return "ORDER BY \(filter.sort.column) \(direction), lead.id \(direction)"
    }
}
