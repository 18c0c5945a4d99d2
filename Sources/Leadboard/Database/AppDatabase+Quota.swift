import Foundation
import GRDB

extension AppDatabase {
    /// Attachment bytes stored by `userId` and by everyone (rows of soft-deleted leads included:
    /// their files are still on disk).
    public func uploadUsage(userId: Int64) async throws -> UploadQuota.Usage {
        try await pool.read { db in try db.uploadUsage(userId: userId) }
    }

    /// Attachment bytes stored per uploader (users without files are absent).
    public func uploadUsageByUser() async throws -> [Int64: Int64] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT uploaderId, SUM(size) FROM attachment WHERE uploaderId IS NOT NULL GROUP BY uploaderId")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as Int64, $0[1] as Int64) })
        }
    }

    /// Total attachment bytes stored by everyone.
    public func totalUploadBytes() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM attachment") ?? 0 }
    }
}

extension Database {
    func uploadUsage(userId: Int64) throws -> UploadQuota.Usage {
        let row = try Row.fetchOne(
            self,
            sql: "SELECT COALESCE(SUM(CASE WHEN uploaderId = ? THEN size END), 0), COALESCE(SUM(size), 0) FROM attachment",
            arguments: [userId])!
        return UploadQuota.Usage(user: row[0], total: row[1])
    }
}
