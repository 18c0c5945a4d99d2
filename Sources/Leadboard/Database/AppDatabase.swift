import Foundation
import GRDB

/// A source of "now", injected so tests can move time (session expiry, reference months).
public struct AppClock: Sendable {
    public var now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = AppClock { Date() }
}

/// Owns the SQLite connection pool; every read and write of the app goes through a named method
/// on this type (see the `AppDatabase+*.swift` files).
public struct AppDatabase: Sendable {
    /// The connection pool. Internal, and used only by the files in `Database/` (a test scans the
    /// other folders): everything else calls a named method, so all SQL stays in this layer. (Swift's
    /// `private` would hide it from the `AppDatabase+*.swift` extensions too.)
    let pool: DatabasePool
    public let clock: AppClock

    /// Opens (creating if needed) the database file in WAL mode and applies pending migrations.
    /// `trace` sees the SQL of every statement on every connection (tests count queries with it);
    /// `profile` gets each statement's SQL and the seconds SQLite spent running it (for metrics).
    /// A write waits up to `busyTimeout` seconds for another connection's write lock, then throws SQLITE_BUSY.
    public static func open(
        path: String, clock: AppClock = .system, trace: (@Sendable (String) -> Void)? = nil, busyTimeout: TimeInterval = 10,
        profile: (@Sendable (_ sql: String, _ seconds: TimeInterval) -> Void)? = nil
    ) throws -> AppDatabase {
        var config = Configuration()
        config.prepareDatabase { db in
            // A 16 MiB page cache per connection instead of SQLite's 2,000 pages: fewer read() calls on
            // big scans. (A memory map was 10–30 % faster still, but with one map per pooled connection
            // the process showed 14 GiB resident for a 1.9 GB file, which would alarm any operator.)
            try db.execute(sql: "PRAGMA cache_size = -16384")
            // One trace callback per connection (SQLite keeps one), so statements and profiles share it.
            var tracing: Database.TracingOptions = []
            if trace != nil { tracing.insert(.statement) }
            if profile != nil { tracing.insert(.profile) }
            if !tracing.isEmpty {
                db.trace(options: tracing) { event in
                    switch event {
                    case .statement: trace?(event.description)
                    case .profile(let statement, let duration): profile?(statement.sql, duration)
                    }
                }
            }
        }
        config.foreignKeysEnabled = true
        // Writers wait for each other instead of failing with "database is locked".
        config.busyMode = .timeout(busyTimeout)
        config.maximumReaderCount = 8
        let pool = try DatabasePool(path: path, configuration: config)
        // DatabasePool sets synchronous = NORMAL on its writer after opening; every write that a user
        // saw succeed must survive a power cut, so FULL is set afterwards, here.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let database = AppDatabase(pool: pool, clock: clock)
        try Migrations.migrator.migrate(pool)
        try database.refreshStatistics(force: false)
        return database
    }

    public init(pool: DatabasePool, clock: AppClock) {
        self.pool = pool
        self.clock = clock
    }

    /// Keeps the query planner's statistics current: without them SQLite picked non-covering indexes
    /// for the per-stage totals (1.4 s instead of 0.1 s on a million leads). `force` runs a full
    /// ANALYZE (after bulk loads); otherwise `PRAGMA optimize` re-analyses tables that grew a lot.
    public func refreshStatistics(force: Bool) throws {
        try pool.writeWithoutTransaction { db in
            let analysed = try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'sqlite_stat1'") ?? false
            if force || !analysed {
                try db.execute(sql: "ANALYZE")
            } else {
                try db.execute(sql: "PRAGMA optimize")
            }
        }
    }

    /// True when the database answers a trivial query (used by /healthz).
    public func ping() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// The `synchronous` pragma of the writer connection (2 = FULL).
    public func writerSynchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    var now: Date { clock.now() }

    /// Closes every connection (after a restore, before the files are handed back).
    public func close() throws {
        try pool.close()
    }
}
