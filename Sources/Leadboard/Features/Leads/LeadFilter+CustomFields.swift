import Foundation

/// The custom-field parts of the list's query string, read with the active lead field definitions:
/// `cf_<key>=value` filters (select and boolean fields; boolean values `true`/`false`/`yes`/`no`),
/// `sort=cf_<key>` / `-cf_<key>` and `columns=cf_a,cf_b` (or `columns` repeated, as the checkboxes of
/// the filter form send it). Values that cannot be used leave the filter out and put a message under
/// the parameter's name in `errors`, like the date filters.
extension LeadFilter {
    static let columnsKey = "columns"

    mutating func readCustomFields(_ query: FormData, fields: [CustomField]) {
        let active = fields.filter(\.isActive)
        let byName = Dictionary(active.map { ($0.formName, $0) }, uniquingKeysWith: { first, _ in first })
        for key in query.values.keys.sorted() where key.hasPrefix("cf_") {
            let raw = query.trimmed(key)
            guard !raw.isEmpty else { continue }
            guard let field = byName[key] else {
                errors[key] = "There is no field “\(String(key.dropFirst(3)).prefix(60))” to filter by."
                continue
            }
            guard field.type.isFilterable else {
                errors[key] = "\(field.label) cannot be used as a filter (only choice and yes / no fields can)."
                continue
            }
            // The field's own parser (not required here): an unknown option or a word other than
            // yes / no is a message, never an error page.
            switch FieldSpec(label: field.label, type: field.type, rules: field.fieldRules).parse([raw]) {
            case .success(let value?): customFields.append(CustomFieldFilter(field: field, value: value))
            case .success(nil): break
            case .failure(let error): errors[key] = error.message
            }
        }
        let sortText = query.trimmed("sort")
        let sortName = sortText.hasPrefix("-") ? String(sortText.dropFirst()) : sortText
        if sortName.hasPrefix("cf_"), let field = byName[sortName] {
            sortField = field
            descending = sortText.hasPrefix("-")
        }
        var unknown: [String] = []
        for name in query.all(Self.columnsKey).flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) })
        where !name.isEmpty {
            if let field = byName[name] {
                if !columns.contains(field) { columns.append(field) }
            } else {
                unknown.append(String(name.prefix(60)))
            }
        }
        if !unknown.isEmpty { errors[Self.columnsKey] = "Unknown column: \(unknown.joined(separator: ", "))." }
    }

    /// The filter's value of a custom field, if it filters by it.
    func customValue(_ field: CustomField) -> FieldValue? {
        customFields.first { $0.field.id == field.id }?.value
    }
}
