import Foundation
import Hummingbird
import Logging

/// The signed-in user and their session, re-read from the database on every request so that a
/// demotion or deactivation applies at once.
public struct Authenticated: Sendable {
    public var user: User
    public var session: Session
}

/// A message shown once, on the page after a redirect.
public struct Flash: Sendable, Equatable {
    public enum Kind: String, Sendable { case success, error }
    public var kind: Kind
    public var message: String
}

/// Per-request state built up by the middleware chain.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `SessionMiddleware` when a live session cookie came with the request.
    public var auth: Authenticated?
    /// The token forms must echo: the session's, or the pre-login cookie's.
    public var csrfToken: String = ""
    /// The decoded `application/x-www-form-urlencoded` body of a POST, parsed once by `CSRFMiddleware`.
    public var form: FormData = FormData()
    public var flash: Flash?
    /// The peer address (or the first X-Forwarded-For hop when the proxy is trusted).
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies are collected explicitly with their own limits; this one guards Hummingbird's decoders.
    public var maxUploadSize: Int { 1 << 20 }

    /// The signed-in user. Only call behind `RequireLogin`, which guarantees one.
    public var user: User {
        get throws {
            guard let auth else { throw HTTPError(.unauthorized) }
            return auth.user
        }
    }

    public var requestId: String { (logger[metadataKey: "hb.request.id"]?.description) ?? "-" }
}
