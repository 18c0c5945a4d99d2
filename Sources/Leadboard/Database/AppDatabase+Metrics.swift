import Foundation
import GRDB

/// The figures `/metrics` reports as gauges, read in one transaction at scrape time.
public struct OperationalCounts: Sendable, Equatable {
    /// Sessions within their idle and absolute limits whose user is active.
    public var liveSessions: Int
    /// Live (not deleted) leads, from `leadTally`.
    public var leads: Int
    /// Total size of every stored attachment, in bytes.
    public var uploadBytes: Int64
}

extension AppDatabase {
    /// Counts for the metrics gauges. Three aggregate reads in one snapshot: `leadTally` has a row per
    /// (owner, stage), so the lead count does not scan leads; sessions and attachments are scanned
    /// (both are small next to leads).
    public func operationalCounts(idleTimeout: TimeInterval, absoluteLifetime: TimeInterval) async throws -> OperationalCounts {
        let now = self.now
        return try await pool.read { db in
            let sessions = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM session JOIN user ON user.id = session.userId
                    WHERE user.isActive AND session.lastSeenAt >= ? AND session.createdAt >= ?
                    """,
                arguments: [now.addingTimeInterval(-idleTimeout), now.addingTimeInterval(-absoluteLifetime)]) ?? 0
            let leads = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(n), 0) FROM leadTally") ?? 0
            let bytes = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM attachment") ?? 0
            return OperationalCounts(liveSessions: sessions, leads: leads, uploadBytes: bytes)
        }
    }
}
