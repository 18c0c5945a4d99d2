import Foundation
import GRDB

/// Whose leads a list shows.
public enum OwnerFilter: Sendable, Equatable {
    case any, me, none, user(Int64)

    init(_ text: String) {
        switch text {
        case "me": self = .me
        case "none": self = .none
        default: self = Int64(text).map { .user($0) } ?? .any
        }
    }

    var queryValue: String {
        switch self {
        case .any: ""
        case .me: "me"
        case .none: "none"
        case .user(let id): String(id)
        }
    }
}

/// Sort orders offered by the list (an allow-list; anything else falls back to `-updated`).
public enum LeadSort: String, Sendable, CaseIterable {
    case name, created, updated, value, stage

    var column: String {
        switch self {
        case .name: "lead.name COLLATE NOCASE"
        case .created: "lead.createdAt"
        case .updated: "lead.updatedAt"
        case .value: "lead.valueCents"
        case .stage: "stage.position"
        }
    }
}

/// The filters of the lead list, board and CSV export, decoded from a query string.
public struct LeadFilter: Sendable, Equatable {
    public var q = ""
    public var stageId: Int64?
    public var owner: OwnerFilter = .any
    public var sourceId: Int64?
    /// Leads whose stage is in this category (dashboard links such as "open pipeline").
    public var category: StageCategory?
    public var createdFrom: String?
    public var createdTo: String?
    public var sort: LeadSort = .updated
    public var descending = true
    public var page = 1
    public var deleted = false
    /// Messages for filter values that could not be used (shown next to the field).
    public var errors: [String: String] = [:]

    public static let pageSize = 50

    public init() {}

    public init(query: FormData) {
        q = String(query.trimmed("q").prefix(200))
        stageId = Int64(query.trimmed("stage"))
        owner = OwnerFilter(query.trimmed("owner"))
        sourceId = Int64(query.trimmed("source"))
        category = StageCategory(rawValue: query.trimmed("category"))
        for (key, label) in [("created_from", "From"), ("created_to", "To")] {
            let raw = query.trimmed(key)
            guard !raw.isEmpty else { continue }
            if let day = Day.parse(raw) {
                if key == "created_from" { createdFrom = day } else { createdTo = day }
            } else {
                errors[key] = "\(label) must be a date like 2026-01-31."
            }
        }
        let sortText = query.trimmed("sort")
        if let sort = LeadSort(rawValue: sortText.hasPrefix("-") ? String(sortText.dropFirst()) : sortText) {
            self.sort = sort
            descending = sortText.hasPrefix("-")
        }
        page = min(max(Int(query.trimmed("page")) ?? 1, 1), 100_000)
        deleted = query.trimmed("deleted") == "1"
    }

    public var sortParameter: String { (descending ? "-" : "") + sort.rawValue }

    /// The query items that reproduce this filter (without page), for links and forms.
    public func queryItems(includeSort: Bool = true) -> [(String, String)] {
        var items: [(String, String)] = [
            ("q", q), ("stage", stageId.map(String.init) ?? ""), ("owner", owner.queryValue),
            ("source", sourceId.map(String.init) ?? ""), ("category", category?.rawValue ?? ""), ("created_from", createdFrom ?? ""),
            ("created_to", createdTo ?? ""),
        ]
        if deleted { items.append(("deleted", "1")) }
        if includeSort, sortParameter != "-updated" { items.append(("sort", sortParameter)) }
        return items
    }

    public var isFiltered: Bool {
        !q.isEmpty || stageId != nil || owner != .any || sourceId != nil || category != nil || createdFrom != nil || createdTo != nil
    }
}

/// A search box text that SQLite's FTS5 could not parse.
public struct SearchSyntaxError: Error, Sendable {}

/// Builds the WHERE clause shared by every lead list (list, board, export, reports). Visibility is
/// part of it: an executive's queries always carry `lead.ownerId = <their id>`.
public struct LeadQuery: Sendable {
    public var filter: LeadFilter
    public var viewer: User

    public init(filter: LeadFilter, viewer: User) {
        self.filter = filter
        self.viewer = viewer
    }

    /// `(sql, arguments)` for `WHERE …` over `lead`. Throws `SearchSyntaxError` for bad search syntax.
    public func whereClause(_ db: Database) throws -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if filter.deleted && viewer.role == .admin {
            conditions.append("lead.deletedAt IS NOT NULL")
        } else {
            conditions.append("lead.deletedAt IS NULL")
        }
        if !viewer.role.seesAllLeads {
            conditions.append("lead.ownerId = ?")
            arguments += [viewer.id]
        }
        switch filter.owner {
        case .any: break
        case .me:
            conditions.append("lead.ownerId = ?")
            arguments += [viewer.id]
        case .none: conditions.append("lead.ownerId IS NULL")
        case .user(let id):
            conditions.append("lead.ownerId = ?")
            arguments += [id]
        }
        if let stageId = filter.stageId {
            conditions.append("lead.stageId = ?")
            arguments += [stageId]
        }
        if let sourceId = filter.sourceId {
            conditions.append("lead.sourceId = ?")
            arguments += [sourceId]
        }
        if let category = filter.category {
            conditions.append("lead.stageId IN (SELECT id FROM stage WHERE category = ?)")
            arguments += [category.rawValue]
        }
        if let from = filter.createdFrom.flatMap(Day.start(of:)) {
            conditions.append("lead.createdAt >= ?")
            arguments += [from]
        }
        if let to = filter.createdTo.flatMap(Day.start(of:)) {
            conditions.append("lead.createdAt < ?")
            arguments += [to.addingTimeInterval(86400)]
        }
        if !filter.q.isEmpty {
            if let pattern = try Self.searchPattern(filter.q, db) {
                conditions.append("lead.id IN (SELECT rowid FROM leadFts WHERE leadFts MATCH ?)")
                arguments += [pattern]
            } else {
                conditions.append("0")  // only punctuation: nothing can match
            }
        }
        return ("WHERE " + conditions.joined(separator: " AND "), arguments)
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

    /// When the filter uses only owner, stage and category, the `leadTally` rows that hold its
    /// counts and values: `(sql, arguments)` for `WHERE …` over `leadTally`, or nil.
    public func tallyClause() -> (String, StatementArguments)? {
        guard filter.q.isEmpty, filter.sourceId == nil, filter.createdFrom == nil, filter.createdTo == nil, !filter.deleted else { return nil }
        var conditions = ["n > 0"]
        var arguments: StatementArguments = []
        if !viewer.role.seesAllLeads {
            conditions.append("ownerKey = ?")
            arguments += [viewer.id]
        }
        switch filter.owner {
        case .any: break
        case .me:
            conditions.append("ownerKey = ?")
            arguments += [viewer.id]
        case .none: conditions.append("ownerKey = 0")
        case .user(let id):
            conditions.append("ownerKey = ?")
            arguments += [id]
        }
        if let stageId = filter.stageId {
            conditions.append("stageId = ?")
            arguments += [stageId]
        }
        if let category = filter.category {
            conditions.append("stageId IN (SELECT id FROM stage WHERE category = ?)")
            arguments += [category.rawValue]
        }
        return ("WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    public var orderClause: String {
        let direction = filter.descending ? "DESC" : "ASC"
        return "ORDER BY \(filter.sort.column) \(direction), lead.id \(direction)"
    }
}
