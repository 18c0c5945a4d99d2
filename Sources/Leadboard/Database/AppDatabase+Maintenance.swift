import Foundation
import GRDB

/// One attachment row as the maintenance commands see it: enough to name it in a report.
public struct StoredAttachment: Sendable, Hashable, FetchableRecord, Decodable {
    public var id: Int64
    public var leadId: Int64
    public var storedName: String
    public var originalName: String
    public var size: Int64
}

/// What SQLite says about one database file, plus the upload files its rows reference.
public struct DatabaseHealth: Sendable {
    /// Lines of `PRAGMA integrity_check` other than the single "ok".
    public var integrityProblems: [String]
    /// One line per row of `PRAGMA foreign_key_check`.
    public var foreignKeyProblems: [String]
    public var attachments: [StoredAttachment]
    public var leadCount: Int
    public var userCount: Int

    public var isHealthy: Bool { integrityProblems.isEmpty && foreignKeyProblems.isEmpty }
}

extension AppDatabase {
    /// Runs the integrity and foreign-key checks and lists the attachment rows, all in one read
    /// transaction (so on a live database they describe one moment). When the integrity check finds
    /// damage, the later reads may fail on it: they then count as empty, and the damage is reported.
    public static func health(of reader: some DatabaseReader) throws -> DatabaseHealth {
        try reader.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let damaged = integrity != ["ok"]
            func read<T>(_ fallback: T, _ body: () throws -> T) throws -> T {
                do { return try body() } catch where damaged { return fallback }
            }
            let foreignKeys = try read([]) {
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row -> String in
                    let table: String = row[0] ?? "?"
                    let rowid: Int64? = row[1]
                    let parent: String = row[2] ?? "?"
                    return "\(table) row \(rowid.map(String.init) ?? "?") points to a missing \(parent) row"
                }
            }
            return DatabaseHealth(
                integrityProblems: damaged ? integrity : [],
                foreignKeyProblems: foreignKeys,
                attachments: try read([]) { try storedAttachments(db) },
                leadCount: try read(0) { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lead") ?? 0 },
                userCount: try read(0) { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user") ?? 0 })
        }
    }

    /// `health(of:)` on this database.
    public func health() throws -> DatabaseHealth { try Self.health(of: pool) }

    /// The file name under `uploads/` of every attachment row.
    public func attachmentStoredNames() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT storedName FROM attachment")) }
    }

    static func storedAttachments(_ db: Database) throws -> [StoredAttachment] {
        try StoredAttachment.fetchAll(db, sql: "SELECT id, leadId, storedName, originalName, size FROM attachment ORDER BY id")
    }

    /// Copies a (live) database into a new file at `path` with SQLite's online backup API, then checks
    /// the copy and returns its health. The copy is taken inside one read transaction of `source`, so it
    /// is one consistent moment even while another connection or process writes (WAL: writers are not
    /// blocked), and it includes what is still in the -wal file.
    public static func copy(from source: some DatabaseReader, toFile path: String) throws -> DatabaseHealth {
        let copy = try DatabaseQueue(path: path)
        do {
            try source.backup(to: copy)
            // The copy keeps the source's WAL flag; a single-file copy is easier to move around.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            let health = try Self.health(of: copy)
            try copy.close()
            return health
        } catch {
            try? copy.close()
            throw error
        }
    }

    /// Opens an existing database file read-only, without migrating it (to check or restore a backup).
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: path, configuration: config)
    }
}
