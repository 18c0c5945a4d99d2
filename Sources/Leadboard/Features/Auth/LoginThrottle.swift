import Foundation
import Hummingbird

/// The one home of the password-guessing rule: at most `limit` failed password checks per account
/// and per client address within `window`. Sign-in and the account password change both count
/// against (and are blocked by) the same counters in the `loginFailure` table, so a stolen session
/// cannot be used to guess the password faster than the login form allows.
///
/// Each attempt is reserved before the password is verified: the check and the recording of a
/// (pending) failure happen in one write transaction, so 64 concurrent guesses cannot all pass the
/// check before any of them is counted. A wrong password leaves the reservation as the failure; a
/// right one, or a submission that guessed nothing, takes it back.
final class LoginThrottle: @unchecked Sendable {
    let database: AppDatabase
    let limit: Int
    let window: TimeInterval
    /// The failure row reserved by `check`, while the attempt is being verified. One request, one task.
    private var reservation: Int64?

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

    /// nil when another password check is allowed for this account and client (the attempt is then
    /// reserved as a failure until `recordSuccess` or `release`), else the wait.
    func check(email: String, clientAddress: String) async throws -> Blocked? {
        let result = try await database.reserveLoginAttempt(email: email, clientAddress: clientAddress, window: window, limit: limit)
        if let reserved = result.reservation {
            reservation = reserved
            return nil
        }
        let accountBlocked = result.forAccount >= limit
        let clientBlocked = result.forClient >= limit
        let now = database.clock.now()
        let freesAt = [accountBlocked ? result.accountFreesAt : nil, clientBlocked ? result.clientFreesAt : nil]
            .compactMap { $0 }.max() ?? now.addingTimeInterval(window)
        return Blocked(retryAfter: max(1, Int(freesAt.timeIntervalSince(now).rounded(.up))))
    }

    /// A wrong password: the attempt `check` reserved stays counted against the account and the client.
    func recordFailure() {
        reservation = nil
    }

    /// A right password clears the account's failures (the reservation with them).
    func recordSuccess(email: String) async throws {
        reservation = nil
        try await database.clearLoginFailures(email: email)
    }

    /// The attempt guessed nothing (a field was empty) or was right but went no further: it does not count.
    func release() async throws {
        guard let reserved = reservation else { return }
        reservation = nil
        try await database.releaseLoginAttempt(reserved)
    }
}
