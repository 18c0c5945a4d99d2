import Foundation
import Hummingbird

/// Security headers on every response; `no-store` on everything but static files; HSTS when the
/// deployment is TLS (`--secure-cookies`), so browsers never fall back to plain HTTP for a year.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    var strictTransportSecurity: Bool = false
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[Header.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Header.referrerPolicy] = "same-origin"
        response.headers[Header.crossOriginOpenerPolicy] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        response.headers[.server] = nil
        if strictTransportSecurity { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}
