import Foundation
import GRDB

extension AppDatabase {
    /// The user's sessions that are still live (within the idle and absolute limits), most recently
    /// seen first.
    public func liveSessions(userId: Int64, idleTimeout: TimeInterval, absoluteLifetime: TimeInterval) async throws -> [Session] {
        let now = self.now
        return try await pool.read { db in
            try Session
                .filter(Column("userId") == userId)
                .filter(Column("lastSeenAt") >= now.addingTimeInterval(-idleTimeout))
                .filter(Column("createdAt") >= now.addingTimeInterval(-absoluteLifetime))
                .order(Column("lastSeenAt").desc, Column("id").desc)
                .fetchAll(db)
        }
    }

    /// Ends every session of the user except `keeping`; returns how many ended.
    @discardableResult
    public func endSessions(userId: Int64, keeping sessionId: Int64) async throws -> Int {
        try await write { db in
            try Session.filter(Column("userId") == userId && Column("id") != sessionId).deleteAll(db)
        }
    }

    /// Ends one session when it belongs to `userId`; false when there is no such session of theirs.
    public func endSession(id: Int64, userId: Int64) async throws -> Bool {
        try await write { db in
            try Session.filter(Column("id") == id && Column("userId") == userId).deleteAll(db) > 0
        }
    }
}
