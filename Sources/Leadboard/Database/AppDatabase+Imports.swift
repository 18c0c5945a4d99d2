import Foundation
import GRDB

/// An uploaded CSV waiting for (or done with) confirmation.
public struct ImportJob: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "importJob"
    public var token: String
    public var userId: Int64
    public var fileName: String
    public var storedName: String
    public var createdAt: Date
    public var status: String
    public var updateExisting: Bool
    public var created: Int
    public var updated: Int
    public var skipped: Int
    public var invalid: Int
    public var finishedAt: Date?
}

extension AppDatabase {
    public func createImportJob(token: String, userId: Int64, fileName: String, storedName: String) async throws {
        let now = self.now
        try await write { db in
            try ImportJob(
                token: token, userId: userId, fileName: fileName, storedName: storedName, createdAt: now, status: "pending",
                updateExisting: false, created: 0, updated: 0, skipped: 0, invalid: 0, finishedAt: nil
            ).insert(db)
        }
    }

    /// The user's own import job (nobody else's).
    public func importJob(token: String, userId: Int64) async throws -> ImportJob? {
        try await pool.read { db in
            try ImportJob.filter(Column("token") == token && Column("userId") == userId).fetchOne(db)
        }
    }

}
