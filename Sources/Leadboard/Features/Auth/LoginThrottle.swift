import Foundation
import Hummingbird

/// The one home of the password-guessing rule: at most `limit` failed password checks per account
/// and per client address within `window`. Sign-in and the account password change both count
/// against (and are blocked by) the same counters in the `loginFailure` table, so a stolen session
/// cannot be used to guess the password faster than the login form allows.
struct LoginThrottle: Sendable {
    let database: AppDatabase
    let limit: Int
    let window: TimeInterval

    init(services: AppServices) {
        database = services.database
        limit = services.configuration.loginFailureLimit
        window = services.configuration.loginFailureWindow
    }

    /// A refusal: how long until the oldest counted failure leaves the window.
    struct Blocked: Sendable, Equatable {
        /// Seconds, for `Retry-After`.
        let retryAfter: Int
        var minutes: Int { max(1, (retryAfter + 59) / 60) }

        /// "Too many failed password attempts. Try again in 3 minutes."
        var message: String { "Too many failed password attempts. Try again in \(minutes) minute\(minutes == 1 ? "" : "s")." }

        /// Adds `Retry-After` to the page that reports the refusal.
        func apply(to response: inout Response) {
            response.headers[.retryAfter] = String(retryAfter)
        }
    }

    /// nil when another password check is allowed for this account and client, else the wait.
    func check(email: String, clientAddress: String) async throws -> Blocked? {
        let failures = try await database.loginFailures(email: email, clientAddress: clientAddress, window: window)
        let accountBlocked = failures.forAccount >= limit
        let clientBlocked = failures.forClient >= limit
        guard accountBlocked || clientBlocked else { return nil }
        let now = database.clock.now()
        let freesAt = [accountBlocked ? failures.accountFreesAt : nil, clientBlocked ? failures.clientFreesAt : nil]
            .compactMap { $0 }.max() ?? now.addingTimeInterval(window)
        return Blocked(retryAfter: max(1, Int(freesAt.timeIntervalSince(now).rounded(.up))))
    }

    /// Counts a wrong password against the account and the client.
    func recordFailure(email: String, clientAddress: String) async throws {
        try await database.recordLoginFailure(email: email, clientAddress: clientAddress)
    }

    /// A right password clears the account's failures.
    func recordSuccess(email: String) async throws {
        try await database.clearLoginFailures(email: email)
    }
}
