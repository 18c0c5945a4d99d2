import Foundation
import GRDB

/// One exported lead, with names instead of ids.
public struct ExportRow: FetchableRecord, Sendable {
    public var id: Int64
    public var reference: String
    public var name: String
    public var email: String
    public var phone: String
    public var company: String
    public var sourceName: String?
    public var stageName: String
    /// The reason of the lead's current stay when it is in a lost stage (nil otherwise).
    public var lostReason: String?
    public var ownerEmail: String?
    public var valueCents: Int64
    public var expectedCloseDate: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var sortKey: DatabaseValue
    /// The stored score and its rating by the thresholds (`ScoreColumns`).
    public var score: Int
    public var rating: Rating
    /// The lead's values of the export's custom fields (read per batch, with the rows).
    public var custom: FieldValues = [:]

    public init(row: Row) throws {
        id = row["id"]
        reference = row["reference"]
        name = row["name"]
        email = row["email"]
        phone = row["phone"]
        company = row["company"]
        sourceName = row["sourceName"]
        stageName = row["stageName"]
        lostReason = row["lostReason"]
        ownerEmail = row["ownerEmail"]
        valueCents = row["valueCents"]
        expectedCloseDate = row["expectedCloseDate"]
        createdAt = row["createdAt"]
        updatedAt = row["updatedAt"]
        sortKey = row["sortKey"]
        score = row["score"]
        rating = Rating.of(score: score, hot: row["hotThreshold"], warm: row["warmThreshold"])
    }
}

/// Where the next export batch starts (keyset pagination: constant cost per batch at any depth).
public struct ExportCursor: Sendable {
    var sortKey: DatabaseValue
    var id: Int64
}

public enum LeadCSV {
    /// `lost_reason` is the reason of a lost lead's current stay (empty for other leads), so that an
    /// export imports back with its lost leads. `score` and `rating` are computed by the scoring
    /// rules: the import knows them as columns and ignores them.
    public static let columns = [
        "reference", "name", "email", "phone", "company", "source", "stage", "lost_reason", "owner_email", "value", "expected_close_date",
        "created_at", "updated_at", "score", "rating",
    ]
    /// `value` is a number the app writes itself: it is not neutralised.
    static let numericColumns: Set<Int> = [columns.firstIndex(of: "value")!, columns.firstIndex(of: "score")!]

    static func fields(_ row: ExportRow) -> [String] {
        let created = Timestamp.iso8601(row.createdAt)
        let updated = Timestamp.iso8601(row.updatedAt)
        return [
            row.reference, row.name, row.email, row.phone, row.company, row.sourceName ?? "", row.stageName, row.lostReason ?? "",
            row.ownerEmail ?? "", Money.plain(row.valueCents), row.expectedCloseDate ?? "", created, updated, String(row.score),
            row.rating.rawValue,
        ]
    }

    /// The header: the built-in columns, then one column per active lead custom field, named by its key.
    public static func header(fields custom: [CustomField] = []) throws -> String {
        try CSVText.encode([columns + custom.map(\.key)], numericColumns: [])
    }

    /// Custom cells hold `FieldValue.plain` (what the import reads back); whole and decimal numbers
    /// are written by the app itself and stay numbers, like `value`; every other cell is neutralised.
    public static func encode(_ rows: [ExportRow], fields custom: [CustomField] = []) throws -> String {
        var numeric = numericColumns
        for (i, field) in custom.enumerated() where field.type.isNumeric { numeric.insert(columns.count + i) }
        return try CSVText.encode(rows.map { row in fields(row) + custom.map { row.custom[$0.uid]?.plain ?? "" } }, numericColumns: numeric)
    }

    /// Writes the header and every batch of the export of `query` through `emit`, one batch in
    /// memory at a time (the web download and `leadboard export`).
    public static func stream(_ query: LeadQuery, database: AppDatabase, emit: (String) async throws -> Void) async throws {
        // Read once, so that the header and every batch have the same columns.
        let custom = try await database.exportFields()
        try await emit(try header(fields: custom))
        var cursor: ExportCursor?
        repeat {
            let batch = try await database.exportBatch(query, after: cursor, fields: custom)
            if !batch.rows.isEmpty { try await emit(try encode(batch.rows, fields: custom)) }
            cursor = batch.next
        } while cursor != nil
    }
}

extension AppDatabase {
    public static let exportBatchSize = 2000

    /// The custom columns of an export: the active lead fields, in form order.
    public func exportFields() async throws -> [CustomField] {
        try await pool.read { db in try db.customFields(.lead, activeOnly: true) }
    }

    /// The next batch of the export of `query` (same filters, search, sort and visibility as the list),
    /// with the values of `fields` read for the whole batch at once.
    public func exportBatch(
        _ query: LeadQuery, after cursor: ExportCursor?, limit: Int = exportBatchSize, fields: [CustomField] = []
    ) async throws -> (rows: [ExportRow], next: ExportCursor?) {
        try await pool.read { db in
            var (whereSQL, arguments) = try query.whereClause(db)
            let sortExpression = query.sortExpression
            if let cursor {
                let (after, afterArguments) = query.keysetCondition(after: cursor.sortKey, id: cursor.id)
                whereSQL += " AND " + after
                arguments += afterArguments
            }
            var rows = try ExportRow.fetchAll(
                db,
                sql: """
                    SELECT lead.id, lead.reference, lead.name, lead.email, lead.phone, lead.company, source.name AS sourceName,
                           stage.name AS stageName,
                           CASE WHEN stage.category = 'lost' THEN
                             (SELECT stay.lostReason FROM stageHistory AS stay WHERE stay.leadId = lead.id AND stay.exitedAt IS NULL)
                           END AS lostReason,
                           owner.email AS ownerEmail, lead.valueCents, lead.expectedCloseDate, lead.createdAt,
                           lead.updatedAt, \(ScoreColumns.sql), \(sortExpression) AS sortKey
                    FROM lead
                    JOIN stage ON stage.id = lead.stageId
                    LEFT JOIN source ON source.id = lead.sourceId
                    LEFT JOIN user AS owner ON owner.id = lead.ownerId
                    \(query.sortJoin)
                    \(whereSQL)
                    \(query.orderClause)
                    LIMIT \(limit)
                    """, arguments: arguments)
            if !fields.isEmpty {
                let values = try db.leadFieldValues(leadIds: rows.map(\.id), fields: fields)
                for i in rows.indices { rows[i].custom = values[rows[i].id] ?? [:] }
            }
            let next = rows.count == limit ? rows.last.map { ExportCursor(sortKey: $0.sortKey, id: $0.id) } : nil
            return (rows, next)
        }
    }
}
