import Foundation

/// Everything the server needs to know at start-up; the command line fills it from flags and
/// `LEADBOARD_*` environment variables.
public struct AppConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Holds `leadboard.sqlite` and `uploads/`.
    public var dataDirectory: String = "./data"
    /// The folder that holds `Templates/` and `Public/` (the package root by default).
    public var resourcesDirectory: String = "."
    /// Adds `Secure` to cookies: turn on when served over HTTPS.
    public var secureCookies: Bool = false
    /// Take the client address from the last `X-Forwarded-For` entry (only behind one proxy you run).
    public var trustProxyHeaders: Bool = false
    public var sessionIdleTimeout: TimeInterval = 12 * 3600
    public var sessionAbsoluteLifetime: TimeInterval = 7 * 24 * 3600
    public var loginFailureLimit: Int = 10
    public var loginFailureWindow: TimeInterval = 600
    public var maxUploadBytes: Int = 10 * 1024 * 1024
    public var maxImportBytes: Int = 50 * 1024 * 1024
    /// Attachment bytes one user may keep (`--user-quota-mb`) and all users together (`--total-quota-mb`).
    public var userQuotaBytes: Int64 = 1024 * 1024 * 1024
    public var totalQuotaBytes: Int64 = 10 * 1024 * 1024 * 1024
    public var uploadQuota: UploadQuota { UploadQuota(perUserBytes: userQuotaBytes, totalBytes: totalQuotaBytes) }
    public var passwordHasher: PasswordHasher = .standard
    /// How long a write waits for another connection's write lock before giving up (then a 503).
    public var busyTimeout: TimeInterval = 10
    /// Serve `GET /metrics` (`--metrics`): to loopback clients, and to `Authorization: Bearer <metricsToken>`.
    public var metricsEnabled: Bool = false
    public var metricsToken: String?

    public init() {}

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("leadboard.sqlite") }
    public var uploadsDirectory: String { (dataDirectory as NSString).appendingPathComponent("uploads") }
    /// Where `--demo` records the demo logins it created (readable by the owner only).
    public var demoCredentialsPath: String { (dataDirectory as NSString).appendingPathComponent("demo-logins.txt") }
    public var templatesDirectory: String { (resourcesDirectory as NSString).appendingPathComponent("Templates") }
    public var publicDirectory: String { (resourcesDirectory as NSString).appendingPathComponent("Public") }

    /// Creates the data and upload folders when missing.
    public func prepareDataDirectory() throws {
        try FileManager.default.createDirectory(atPath: uploadsDirectory, withIntermediateDirectories: true)
    }
}
