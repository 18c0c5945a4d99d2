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
    }
}

/// Where the next export batch starts (keyset pagination: constant cost per batch at any depth).
public struct ExportCursor: Sendable {
    var sortKey: DatabaseValue
    var id: Int64
}

public enum LeadCSV {
    /// `lost_reason` is the reason of a lost lead's current stay (empty for other leads), so that an
    /// export imports back with its lost leads.
    public static let columns = [
        "reference", "name", "email", "phone", "company", "source", "stage", "lost_reason", "owner_email", "value", "expected_close_date",
        "created_at", "updated_at",
    ]
    /// `value` is a number the app writes itself: it is not neutralised.
    static let numericColumns: Set<Int> = [columns.firstIndex(of: "value")!]

    static func fields(_ row: ExportRow) -> [String] {
        let created = Timestamp.iso8601(row.createdAt)
        let updated = Timestamp.iso8601(row.updatedAt)
        return [
            row.reference, row.name, row.email, row.phone, row.company, row.sourceName ?? "", row.stageName, row.lostReason ?? "",
            row.ownerEmail ?? "", Money.plain(row.valueCents), row.expectedCloseDate ?? "", created, updated,
        ]
    }

    public static func header() throws -> String { try CSVText.encode([columns], numericColumns: []) }

    public static func encode(_ rows: [ExportRow]) throws -> String {
        try CSVText.encode(rows.map(fields), numericColumns: numericColumns)
    }

    /// Writes the header and every batch of the export of `query` through `emit`, one batch in
    /// memory at a time (the web download and `leadboard export`).
    public static func stream(_ query: LeadQuery, database: AppDatabase, emit: (String) async throws -> Void) async throws {
        try await emit(try header())
        var cursor: ExportCursor?
        repeat {
            let batch = try await database.exportBatch(query, after: cursor)
            if !batch.rows.isEmpty { try await emit(try encode(batch.rows)) }
            cursor = batch.next
        } while cursor != nil
    }
}

extension AppDatabase {
    public static let exportBatchSize = 2000

    /// The next batch of the export of `query` (same filters, search, sort and visibility as the list).
    public func exportBatch(_ query: LeadQuery, after cursor: ExportCursor?, limit: Int = exportBatchSize) async throws -> (rows: [ExportRow], next: ExportCursor?) {
        try await pool.read { db in
            var (whereSQL, arguments) = try query.whereClause(db)
            let sortExpression = query.filter.sort.column
            let comparison = query.filter.descending ? "<" : ">"
            if let cursor {
                whereSQL += " AND (\(sortExpression) \(comparison) ? OR (\(sortExpression) = ? AND lead.id \(comparison) ?))"
                arguments += [cursor.sortKey, cursor.sortKey, cursor.id]
            }
            let rows = try ExportRow.fetchAll(
                db,
                sql: """
                    SELECT lead.id, lead.reference, lead.name, lead.email, lead.phone, lead.company, source.name AS sourceName,
                           stage.name AS stageName,
                           CASE WHEN stage.category = 'lost' THEN
                             (SELECT stay.lostReason FROM stageHistory AS stay WHERE stay.leadId = lead.id AND stay.exitedAt IS NULL)
                           END AS lostReason,
                           owner.email AS ownerEmail, lead.valueCents, lead.expectedCloseDate, lead.createdAt,
                           lead.updatedAt, \(sortExpression) AS sortKey
                    FROM lead
                    JOIN stage ON stage.id = lead.stageId
                    LEFT JOIN source ON source.id = lead.sourceId
                    LEFT JOIN user AS owner ON owner.id = lead.ownerId
                    \(whereSQL)
                    \(query.orderClause)
                    LIMIT \(limit)
                    """, arguments: arguments)
            let next = rows.count == limit ? rows.last.map { ExportCursor(sortKey: $0.sortKey, id: $0.id) } : nil
            return (rows, next)
        }
    }
}
