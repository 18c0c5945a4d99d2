import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// A clock tests can move.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
    func set(_ date: Date) { lock.withLock { current = date } }
    var appClock: AppClock { AppClock { [self] in self.now } }
}

enum Fixtures {
    static let password = "correct horse battery staple"
    /// One real argon2id hash (production parameters), computed once per test run.
    static let passwordHash: String = try! PasswordHasher.standard.hashBlocking(password)
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

/// The production application on a fresh SQLite file in a temporary folder.
struct TestApp {
    let services: AppServices
    let clock: TestClock
    let directory: URL

    var database: AppDatabase { services.database }

    static func make(
        clock: TestClock = TestClock(), configure: (inout AppConfiguration) -> Void = { _ in }, trace: (@Sendable (String) -> Void)? = nil
    ) async throws -> TestApp {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leadboard-test-\(UUID().uuidString)")
        var config = AppConfiguration()
        config.dataDirectory = directory.path
        config.resourcesDirectory = Fixtures.packageRoot
        configure(&config)
        let services = try await buildServices(configuration: config, clock: clock.appClock, trace: trace)
        return TestApp(services: services, clock: clock, directory: directory)
    }

    /// Creates a user whose password is `Fixtures.password`.
    @discardableResult
    func createUser(_ email: String, role: Role, name: String? = nil) async throws -> User {
        try await database.createUser(email: email, name: name ?? email.components(separatedBy: "@")[0].capitalized, role: role, passwordHash: Fixtures.passwordHash)
    }

    /// Runs `body` with a client that goes through the real router and middleware stack.
    func run(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = buildApplication(services: services, backgroundJobs: false)
        try await app.test(.router) { client in try await body(client) }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A minimal browser over the test client: keeps cookies and the page's CSRF token.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf: String?

    init(_ client: any TestClientProtocol) { self.client = client }

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        var location: String? { headers[.location] }
        func contains(_ text: String) -> Bool { body.contains(text) }
    }

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    @discardableResult
    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        return try await client.execute(uri: path, method: .get, headers: headers, body: nil) { response in
            self.absorb(response)
        }
    }

    /// Posts a URL-encoded form, adding this browser's CSRF token unless `csrf` overrides it.
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)] = [], csrf override: String? = nil, includeCSRF: Bool = true, headers extra: HTTPFields = [:]) async throws -> Page {
        var fields = fields
        if includeCSRF, let token = override ?? csrf { fields.append(("_csrf", token)) }
        let body = fields.map { "\(URLQuery.escape($0.0))=\(URLQuery.escape($0.1))" }.joined(separator: "&")
        return try await postRaw(path, body: body, headers: extra)
    }

    @discardableResult
    func postRaw(_ path: String, body: String, contentType: String = "application/x-www-form-urlencoded", headers extra: HTTPFields = [:]) async throws -> Page {
        var buffer = ByteBuffer()
        buffer.writeString(body)
        return try await postBytes(path, body: buffer, contentType: contentType, headers: extra)
    }

    @discardableResult
    func postBytes(_ path: String, body: ByteBuffer, contentType: String, headers extra: HTTPFields = [:]) async throws -> Page {
        var headers = extra
        headers[.contentType] = contentType
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        return try await client.execute(uri: path, method: .post, headers: headers, body: body) { response in
            self.absorb(response)
        }
    }

    private func absorb(_ response: TestResponse) -> Page {
        for header in response.headers[values: .setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]), value = String(pair[1])
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let body = String(buffer: response.body)
        if let token = Browser.extractCSRF(body) { csrf = token }
        return Page(status: response.status, headers: response.headers, body: body)
    }

    static func extractCSRF(_ html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// Signs in through the login form and returns the response to the POST.
    @discardableResult
    func login(_ email: String, password: String = Fixtures.password, next: String? = nil) async throws -> Page {
        try await get("/login")
        var fields = [("email", email), ("password", password)]
        if let next { fields.append(("next", next)) }
        let page = try await post("/login", fields)
        if page.status == .seeOther { try await get("/account") }  // picks up the session's CSRF token
        return page
    }
}

extension TestApp {
    /// A browser signed in as a new user with `role`.
    func signedIn(_ client: any TestClientProtocol, as email: String, role: Role) async throws -> Browser {
        try await createUser(email, role: role)
        let browser = Browser(client)
        let page = try await browser.login(email)
        #expect(page.status == .seeOther)
        return browser
    }
}
