import Foundation
import GRDB

/// A list filter on a custom field (`cf_<key>=…`): leads whose stored value of `field` equals
/// `value`. Offered for `select` and `boolean` fields (`FieldType.isFilterable`).
public struct CustomFieldFilter: Sendable, Equatable {
    public var field: CustomField
    public var value: FieldValue

    public init(field: CustomField, value: FieldValue) {
        self.field = field
        self.value = value
    }
}

extension LeadQuery {
    /// `lead.id IN (…)` per custom filter, answered from the `leadFieldValue_field` index
    /// (fieldId, value). The tally knows nothing of custom values.
    func customFieldsCondition() -> LeadCondition? {
        guard !filter.customFields.isEmpty else { return nil }
        var arguments = StatementArguments()
        let parts = filter.customFields.map { custom -> String in
            arguments += [custom.field.uid, custom.value.databaseValue]
            return "lead.id IN (SELECT leadId FROM leadFieldValue WHERE fieldId = ? AND value = ?)"
        }
        return LeadCondition(lead: parts.joined(separator: " AND "), tally: nil, arguments: arguments)
    }

    /// The join a custom-field sort needs (`sortValue`), "" otherwise. Goes right after `FROM lead`
    /// and its joins, before `WHERE`. The field id is an integer from the database, printed as a
    /// literal so that the statement's arguments stay those of the WHERE clause.
    public var sortJoin: String {
        guard let field = filter.sortField else { return "" }
        return "LEFT JOIN leadFieldValue AS sortValue ON sortValue.leadId = lead.id AND sortValue.fieldId = \(field.uid)"
    }

    /// The expression the rows are ordered by (with `lead.id` as the tie-break).
    public var sortExpression: String {
        guard let field = filter.sortField else { return filter.sort.column }
        switch field.type {
        case .integer, .decimal, .boolean: return "sortValue.value"
        default: return "sortValue.value COLLATE NOCASE"
        }
    }

    /// `ORDER BY …`: a custom field sorts leads without a value last in both directions.
    var customOrderClause: String? {
        guard filter.sortField != nil else { return nil }
        let direction = filter.descending ? "DESC" : "ASC"
        return "ORDER BY sortValue.value IS NULL, \(sortExpression) \(direction), lead.id \(direction)"
    }

    /// The keyset condition for the rows after (`sortKey`, `id`) in this query's order (the export's
    /// batches). A custom-field sort puts NULL keys last.
    public func keysetCondition(after sortKey: DatabaseValue, id: Int64) -> (String, StatementArguments) {
        let comparison = filter.descending ? "<" : ">"
        let expression = sortExpression
        guard filter.sortField != nil else {
            return ("(\(expression) \(comparison) ? OR (\(expression) = ? AND lead.id \(comparison) ?))", [sortKey, sortKey, id])
        }
        if sortKey.isNull {
            return ("(sortValue.value IS NULL AND lead.id \(comparison) ?)", [id])
        }
        return (
            "(sortValue.value IS NULL OR \(expression) \(comparison) ? OR (\(expression) = ? AND lead.id \(comparison) ?))",
            [sortKey, sortKey, id]
        )
    }
}
