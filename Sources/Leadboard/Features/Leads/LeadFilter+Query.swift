import Foundation

/// The query-string form of `LeadFilter`, shared by the list, board, CSV export and the links that
/// lead to them (`?q=&stage=&owner=&source=&category=&created_from=&created_to=&deleted=1&sort=&page=`).
extension LeadFilter {
    /// `fields`: the active lead custom fields, which `cf_<key>` filters, `sort=cf_<key>` and
    /// `columns=` are read with (see `LeadFilter+CustomFields.swift`).
    public init(query: FormData, fields: [CustomField] = []) {
        self.init()
        q = String(query.trimmed("q").prefix(200))
        stageId = Int64(query.trimmed("stage"))
        owner = OwnerFilter(queryValue: query.trimmed("owner"))
        sourceId = Int64(query.trimmed("source"))
        category = StageCategory(rawValue: query.trimmed("category"))
        rating = Rating(rawValue: query.trimmed("rating"))
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
        readCustomFields(query, fields: fields)
        page = min(max(Int(query.trimmed("page")) ?? 1, 1), 100_000)
        deleted = query.trimmed("deleted") == "1"
    }

    public var sortParameter: String { (descending ? "-" : "") + (sortField?.formName ?? sort.rawValue) }

    /// The query items that reproduce this filter (without page), for links and forms. Empty values
    /// are left out by `URLQuery.build`.
    public func queryItems(includeSort: Bool = true) -> [(String, String)] {
        var items = LeadFilterField.allCases.flatMap(queryItems(for:))
        if includeSort, sortParameter != "-updated" { items.append(("sort", sortParameter)) }
        if !columns.isEmpty { items.append(("columns", columns.map(\.formName).joined(separator: ","))) }
        return items
    }

    /// One field's keys and values; exhaustive, so a new field cannot be dropped from links.
    private func queryItems(for field: LeadFilterField) -> [(String, String)] {
        if field == .customFields { return customFields.map { ($0.field.formName, $0.value.plain) } }
        return queryItem(field).map { [$0] } ?? []
    }

    private func queryItem(_ field: LeadFilterField) -> (String, String)? {
        switch field {
        case .customFields: nil  // several items: `queryItems(for:)`
        case .q: ("q", q)
        case .stageId: ("stage", stageId.map(String.init) ?? "")
        case .owner: ("owner", owner.queryValue)
        case .sourceId: ("source", sourceId.map(String.init) ?? "")
        case .category: ("category", category?.rawValue ?? "")
        case .createdFrom: ("created_from", createdFrom ?? "")
        case .createdTo: ("created_to", createdTo ?? "")
        case .deleted: deleted ? ("deleted", "1") : nil
        case .rating: ("rating", rating?.rawValue ?? "")
        }
    }
}

extension OwnerFilter {
    /// `me`, `none` or a user id; anything else is "any owner".
    init(queryValue text: String) {
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
