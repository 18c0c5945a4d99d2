import Foundation
import GRDB

/// A session joined with its (current) user.
public struct SessionWithUser: Sendable {
    public var session: Session
    public var user: User
}

extension AppDatabase {
    /// Starts a new session for `userId` (a fresh token, never the pre-login one), deletes the session
    /// that `replacingTokenHash` names if any, and stamps the last-login time.
    public func startSession(
        userId: Int64, tokenHash: String, csrfToken: String, userAgent: String?, clientAddress: String?,
        replacingTokenHash: String?
    ) async throws -> Session {
        let now = self.now
        return try await write { db in
            if let replacingTokenHash {
                try Session.filter(Column("tokenHash") == replacingTokenHash).deleteAll(db)
            }
            var session = Session(
                id: nil, tokenHash: tokenHash, userId: userId, csrfToken: csrfToken, createdAt: now, lastSeenAt: now,
                userAgent: userAgent.map { String($0.prefix(300)) }, clientAddress: clientAddress)
            try session.insert(db)
            try db.execute(sql: "UPDATE user SET lastLoginAt = ? WHERE id = ?", arguments: [now, userId])
            return session
        }
    }

    /// The live session for a token digest with its user, or nil when unknown, expired or the user is
    /// inactive. Expired sessions are deleted on sight.
    public func liveSession(tokenHash: String, idleTimeout: TimeInterval, absoluteLifetime: TimeInterval) async throws -> SessionWithUser? {
        let now = self.now
        let found = try await pool.read { db -> SessionWithUser? in
            guard let session = try Session.filter(Column("tokenHash") == tokenHash).fetchOne(db),
                let user = try User.fetchOne(db, key: session.userId)
            else { return nil }
            return SessionWithUser(session: session, user: user)
        }
        guard let found else { return nil }
        let expired = now.timeIntervalSince(found.session.lastSeenAt) > idleTimeout
            || now.timeIntervalSince(found.session.createdAt) > absoluteLifetime
        if expired || !found.user.isActive {
            try await deleteSession(tokenHash: tokenHash)
            return nil
        }
        return found
    }

    /// Records activity on a session, at most once a minute to keep reads read-only. Best effort:
    /// while another process holds the write lock it gives up at once instead of waiting out the busy
    /// timeout, so a page that only reads never answers 503 for it (the next request tries again).
    public func touch(session: Session) async throws {
        let now = self.now
        guard now.timeIntervalSince(session.lastSeenAt) > 60, let id = session.id else { return }
        try await pool.writeWithoutTransaction { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA busy_timeout") ?? 0
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(previous)") }
            do {
                try db.execute(sql: "UPDATE session SET lastSeenAt = ? WHERE id = ?", arguments: [now, id])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                return
            }
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await write { db in
            try Session.filter(Column("tokenHash") == tokenHash).deleteAll(db)
        }
    }

    /// Removes sessions past their idle or absolute limit and login failures older than `failureWindow`.
    public func pruneExpired(idleTimeout: TimeInterval, absoluteLifetime: TimeInterval, failureWindow: TimeInterval) async throws {
        let now = self.now
        try await write { db in
            try db.execute(
                sql: "DELETE FROM session WHERE lastSeenAt < ? OR createdAt < ?",
                arguments: [now.addingTimeInterval(-idleTimeout), now.addingTimeInterval(-absoluteLifetime)])
            try db.execute(sql: "DELETE FROM loginFailure WHERE failedAt < ?", arguments: [now.addingTimeInterval(-failureWindow)])
        }
    }

    // MARK: Login throttling

    /// Counts the failures in the window and, when both counts are under `limit`, records this attempt
    /// as a failure in the same write transaction, so concurrent attempts cannot all pass the check
    /// before any of them is counted. Returns the reserved row (nil when over the limit) and the counts.
    public func reserveLoginAttempt(email: String, clientAddress: String, window: TimeInterval, limit: Int) async throws
        -> (reservation: Int64?, forAccount: Int, forClient: Int, accountFreesAt: Date?, clientFreesAt: Date?)
    {
        let now = self.now
        let since = now.addingTimeInterval(-window)
        return try await write { db in
            let account = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), MIN(failedAt) FROM loginFailure WHERE email = ? COLLATE NOCASE AND failedAt > ?",
                arguments: [email, since])!
            let client = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), MIN(failedAt) FROM loginFailure WHERE clientAddress = ? AND failedAt > ?",
                arguments: [clientAddress, since])!
            let accountOldest: Date? = account[1]
            let clientOldest: Date? = client[1]
            let forAccount: Int = account[0], forClient: Int = client[0]
            var reservation: Int64?
            if forAccount < limit && forClient < limit {
                try db.execute(
                    sql: "INSERT INTO loginFailure (email, clientAddress, failedAt) VALUES (?, ?, ?)",
                    arguments: [String(email.prefix(320)), clientAddress, now])
                reservation = db.lastInsertedRowID
            }
            return (reservation, forAccount, forClient, accountOldest?.addingTimeInterval(window), clientOldest?.addingTimeInterval(window))
        }
    }

    /// Takes back a reserved attempt that turned out to guess nothing (or to be right).
    public func releaseLoginAttempt(_ reservation: Int64) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM loginFailure WHERE id = ?", arguments: [reservation])
        }
    }

    public func clearLoginFailures(email: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM loginFailure WHERE email = ? COLLATE NOCASE", arguments: [email])
        }
    }
}
