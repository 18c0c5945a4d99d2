import Foundation
import Hummingbird
import Logging

/// Loads the session named by the cookie (with its user, re-read every request), or gives an
/// anonymous visitor a pre-login CSRF cookie. Also moves a flash message from its cookie onto the
/// context and clears it once a page has shown it.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let database: AppDatabase
    let configuration: AppConfiguration
    let cookies: CookieJar

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if configuration.trustProxyHeaders, let forwarded = request.headers[Header.xForwardedFor] {
            // The right-most entry is the one our proxy added; entries to its left are client-supplied.
            let last = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: CharacterSet.whitespaces) } ?? ""
            if !last.isEmpty { context.clientAddress = String(last.prefix(64)) }
        }
        var issuedPreLoginToken: String?
        if let token = request.cookies[CookieJar.session]?.value, !token.isEmpty,
            let live = try await database.liveSession(
                tokenHash: SHA256Hasher.hex(token), idleTimeout: configuration.sessionIdleTimeout,
                absoluteLifetime: configuration.sessionAbsoluteLifetime)
        {
            context.auth = Authenticated(user: live.user, session: live.session)
            context.csrfToken = live.session.csrfToken
            try await database.touch(session: live.session)
        } else if let token = request.cookies[CookieJar.preLoginCSRF]?.value, token.count >= 32 {
            context.csrfToken = token
        } else {
            let token = Secrets.token()
            issuedPreLoginToken = token
            context.csrfToken = token
        }
        let flashCookie = request.cookies[CookieJar.flash]?.value
        if let flashCookie { context.flash = cookies.decodeFlash(flashCookie) }

        var response = try await next(request, context)
        // Only pages carry forms; health checks and static files need no token.
        if let issuedPreLoginToken, response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.setCookie(cookies.preLoginCSRF(issuedPreLoginToken))
        }
        // A page that was rendered has shown the flash; a redirect carries it on.
        if flashCookie != nil, response.status == .ok, response.headers[values: .setCookie].allSatisfy({ !$0.hasPrefix(CookieJar.flash + "=") }) {
            response.setCookie(cookies.expired(CookieJar.flash))
        }
        return response
    }
}

/// Sends visitors who are not signed in to the login page, keeping where they wanted to go.
struct RequireLogin: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.auth != nil else {
            if request.method == .get || request.method == .head {
                var target = request.uri.path
                if let query = request.uri.query, !query.isEmpty { target += "?" + query }
                return Redirect.to(URLQuery.build(Routes.login, [("next", target)]))
            }
            return Redirect.to(Routes.login)
        }
        return try await next(request, context)
    }
}

/// Admin-only areas answer 403 to everyone else (`AdminPolicy` decides).
struct RequireAdmin: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let user = context.auth?.user else { throw HTTPError(.unauthorized) }
        guard AdminPolicy.canAdminister(user) else { throw HTTPError(.forbidden) }
        return try await next(request, context)
    }
}
