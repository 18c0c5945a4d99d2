import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Leadboard

/// Log records kept in memory, to check what an operator would read.
final class CapturedLog: @unchecked Sendable {
    struct Record { let level: Logger.Level; let message: String; let metadata: Logger.Metadata }
    private let lock = NSLock()
    private var stored: [Record] = []
    var records: [Record] { lock.withLock { stored } }
    func append(_ record: Record) { lock.withLock { stored.append(record) } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append(Record(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}

/// A second connection to the app's database file that holds SQLite's write lock, as another process
/// (a backup, a CLI import, an operator's sqlite3 shell) would.
struct WriteLockHolder {
    let queue: DatabaseQueue

    init(path: String) throws {
        var config = Configuration()
        config.allowsUnsafeTransactions = true  // the transaction deliberately outlives one closure
        queue = try DatabaseQueue(path: path, configuration: config)
    }

    func lock() throws { try queue.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") } }
    func release() throws { try queue.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") } }
}

@Suite struct BusyDatabaseTests {
    @Test func aWriteThatOutwaitsTheBusyTimeoutIsA503WithRetryAfterAndIsLoggedAsBusy() async throws {
        let app = try await TestApp.make { $0.busyTimeout = 0.2 }
        let log = CapturedLog()
        try await buildApplication(services: app.services, logger: log.logger).test(.router) { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let holder = try WriteLockHolder(path: app.services.configuration.databasePath)
            try holder.lock()

            let refused = try await manager.post("/leads", [("name", "Waits too long"), ("stage_id", "1")])
            // Reads are not blocked by a writer in WAL mode.
            let list = try await manager.get("/leads")
            try holder.release()

            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "5")
            #expect(refused.contains("try again"))
            #expect(!refused.contains("SQLITE") && !refused.contains("locked"))
            #expect(list.status == .ok)
            let busy = log.records.filter { $0.message.contains("database busy") }
            #expect(busy.count == 1)
            #expect(busy.first?.level == .warning)
            #expect(busy.first?.metadata["status"] == "503")
            #expect(!log.records.contains { $0.level == .error })

            // Once the lock is gone, the same form goes through.
            let saved = try await manager.post("/leads", [("name", "Waits too long"), ("stage_id", "1")])
            #expect(saved.status == .seeOther)
        }
        try? FileManager.default.removeItem(at: app.directory)
    }

    @Test func aBusyDatabaseIsServiceUnavailableLockedAndOthersStay500() {
        let busy = DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
        let locked = DatabaseError(resultCode: .SQLITE_LOCKED, message: "database table is locked")
        let constraint = DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "NOT NULL constraint failed")
        #expect(ErrorPageMiddleware.describe(busy).0 == .serviceUnavailable)
        #expect(ErrorPageMiddleware.describe(locked).0 == .internalServerError)
        #expect(ErrorPageMiddleware.describe(constraint).0 == .internalServerError)
    }

    @Test func theBusyTimeoutReachesTheConnection() async throws {
        let app = try await TestApp.make { $0.busyTimeout = 0.25 }
        // The writer's: GRDB gives pool readers their own 10 s (in WAL they only wait on rare recoveries).
        let timeout = try await app.database.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout") }
        #expect(timeout == 250)
        try? FileManager.default.removeItem(at: app.directory)
    }
}

@Suite struct BodylessRequestTests {
    @Test func aGetWithASmallBodyIsServedAndALargeOneIs413() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            var small = ByteBuffer()
            small.writeString("ignored=1")
            let served = try await client.execute(uri: "/login", method: .get, headers: [.contentType: "text/plain"], body: small) { $0.status }
            let large = ByteBuffer(repeating: UInt8(ascii: "x"), count: BodylessRequestGuard.limit + 1)
            let refused = try await client.execute(uri: "/login", method: .get, headers: [.contentType: "text/plain"], body: large) { $0.status }
            #expect(served == .ok)
            #expect(refused == .contentTooLarge)
        }
    }
}

@Suite struct StrictTransportTests {
    @Test func secureCookiesDeploymentsSendHSTS() async throws {
        let app = try await TestApp.make { $0.secureCookies = true }
        try await app.run { client in
            let browser = Browser(client)
            let page = try await browser.get("/login")
            let missing = try await browser.get("/no-such-page")
            #expect(page.headers[.strictTransportSecurity] == "max-age=31536000")
            #expect(missing.headers[.strictTransportSecurity] == "max-age=31536000")
        }
    }

    @Test func plainHTTPDeploymentsDoNotSendHSTS() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let page = try await Browser(client).get("/login")
            #expect(page.headers[.strictTransportSecurity] == nil)
            #expect(page.headers[.contentSecurityPolicy] != nil)
        }
    }
}

@Suite struct MetricsEndpointTests {
    static let remote: HTTPFields = [Header.xForwardedFor: "203.0.113.9"]
    static let local: HTTPFields = [Header.xForwardedFor: "127.0.0.1"]

    @Test func metricsAreOffByDefault() async throws {
        let app = try await TestApp.make { $0.trustProxyHeaders = true }
        #expect(app.services.metrics == nil)
        try await app.run { client in
            let page = try await Browser(client).get("/metrics", headers: Self.local)
            #expect(page.status == .notFound)
        }
    }

    @Test func onlyLoopbackClientsMayScrapeWithoutAToken() async throws {
        let app = try await TestApp.make { $0.metricsEnabled = true; $0.trustProxyHeaders = true }
        try await app.run { client in
            let browser = Browser(client)
            let local = try await browser.get("/metrics", headers: Self.local)
            #expect(local.status == .ok)
            #expect(local.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(try await browser.get("/metrics", headers: Self.remote).status == .notFound)
            var guessed = Self.remote
            guessed[.authorization] = "Bearer guess"
            #expect(try await browser.get("/metrics", headers: guessed).status == .notFound)
        }
    }

    @Test func aLocalProxyDoesNotMakeEveryVisitorLocal() {
        var config = AppConfiguration()
        config.metricsEnabled = true
        func request(_ headers: HTTPFields = [:]) -> Request {
            Request(head: .init(method: .get, scheme: "http", authority: "x", path: "/metrics", headerFields: headers), body: .init(buffer: ByteBuffer()))
        }
        #expect(MetricsController.mayScrape(request(), clientAddress: "127.0.0.1", configuration: config))
        #expect(MetricsController.mayScrape(request(), clientAddress: "::1", configuration: config))
        #expect(!MetricsController.mayScrape(request(), clientAddress: "10.1.2.3", configuration: config))
        #expect(!MetricsController.mayScrape(request(), clientAddress: "1270.0.0.1", configuration: config))
        #expect(!MetricsController.mayScrape(request(Self.remote), clientAddress: "127.0.0.1", configuration: config))
        config.trustProxyHeaders = true  // then the address already is the one the proxy added
        #expect(MetricsController.mayScrape(request(Self.remote), clientAddress: "127.0.0.1", configuration: config))
    }

    @Test func aBearerTokenOpensMetricsToOtherAddresses() async throws {
        let app = try await TestApp.make { $0.metricsEnabled = true; $0.metricsToken = "s3cret-token"; $0.trustProxyHeaders = true }
        try await app.run { client in
            let browser = Browser(client)
            var good = Self.remote
            good[.authorization] = "Bearer s3cret-token"
            var bad = Self.remote
            bad[.authorization] = "Bearer s3cret-tokem"
            let withToken = try await browser.get("/metrics", headers: good)
            let wrongToken = try await browser.get("/metrics", headers: bad)
            let noToken = try await browser.get("/metrics", headers: Self.remote)
            #expect(withToken.status == .ok)
            #expect(wrongToken.status == .notFound)
            #expect(noToken.status == .notFound)
        }
    }

    @Test func aRealLoopbackConnectionMayScrape() async throws {
        let app = try await TestApp.make { $0.metricsEnabled = true; $0.port = 0 }
        try await buildApplication(services: app.services).test(.live) { client in
            let ok = try await client.execute(uri: "/metrics", method: .get) { $0.status }
            #expect(ok == .ok)
            // Not trusting proxy headers, a forwarded request is not taken as local.
            let forwarded = try await client.execute(uri: "/metrics", method: .get, headers: Self.remote) { $0.status }
            #expect(forwarded == .notFound)
        }
        try? FileManager.default.removeItem(at: app.directory)
    }

    @Test func theExpositionHoldsEveryFamilyWithRoutePatternsNotPaths() async throws {
        let app = try await TestApp.make { $0.metricsEnabled = true; $0.metricsToken = "tok" }
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Metered", owner: try await app.user("sam@example.com"))
            _ = try await app.createLead("Second", owner: try await app.user("sam@example.com"))
            #expect(try await sam.get("/leads/\(lead.uid)").status == .ok)
            #expect(try await sam.upload(toLead: lead.uid, filename: "a.txt", contentType: "text/plain", bytes: sampleBytes(1234)).status == .seeOther)
            #expect(try await sam.get("/no-such-page-123").status == .notFound)

            let page = try await Browser(client).get("/metrics", headers: [.authorization: "Bearer tok"])
            #expect(page.status == .ok)
            let text = page.body
            #expect(text.contains("# TYPE leadboard_http_requests_total counter"))
            #expect(text.contains(#"leadboard_http_requests_total{route="/login",method="GET",status="200"} 1"#))
            #expect(text.contains(#"leadboard_http_requests_total{route="/login",method="POST",status="303"} 1"#))
            #expect(text.contains(#"leadboard_http_requests_total{route="/leads/{id}",method="GET",status="200"} 1"#))
            #expect(text.contains(#"leadboard_http_requests_total{route="NotFound",method="GET",status="404"} 1"#))
            #expect(!text.contains("/leads/\(lead.uid)\"") && !text.contains("no-such-page"))
            #expect(text.contains("# TYPE leadboard_http_request_duration_seconds histogram"))
            #expect(text.contains(#"leadboard_http_request_duration_seconds_count{route="/leads/{id}",method="GET"} 1"#))
            #expect(text.contains("# TYPE leadboard_db_statement_duration_seconds histogram"))
            #expect(text.contains("# TYPE leadboard_db_write_lock_wait_seconds histogram"))
            #expect(Self.value(of: "leadboard_db_statement_duration_seconds_count", in: text).map { $0 > 0 } == true)
            #expect(Self.value(of: "leadboard_db_write_lock_wait_seconds_count", in: text).map { $0 > 0 } == true)
            #expect(Self.value(of: "leadboard_live_sessions", in: text) == 1)
            #expect(Self.value(of: "leadboard_leads", in: text) == 2)
            #expect(Self.value(of: "leadboard_upload_bytes", in: text) == 1234)
        }
    }

    @Test func gaugeCountsComeFromTheDatabase() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock) { $0.sessionIdleTimeout = 3600 }
        try await app.run { client in
            _ = try await app.signedIn(client, as: "ann@example.com", role: .manager)
            _ = try await app.signedIn(client, as: "bob@example.com", role: .manager)
            let owner = try await app.user("ann@example.com")
            let deleted = try await app.createLead("Gone", owner: owner)
            _ = try await app.createLead("Kept", owner: owner)
            try await app.database.deleteLead(id: deleted.uid, actor: owner)
            let counts = try await app.database.operationalCounts(idleTimeout: 3600, absoluteLifetime: 7 * 86400)
            #expect(counts == OperationalCounts(liveSessions: 2, leads: 1, uploadBytes: 0))
            clock.advance(7200)  // both sessions are now past the idle limit
            #expect(try await app.database.operationalCounts(idleTimeout: 3600, absoluteLifetime: 7 * 86400).liveSessions == 0)
        }
    }

    /// The value of an unlabeled sample line `name value`.
    static func value(of name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}
