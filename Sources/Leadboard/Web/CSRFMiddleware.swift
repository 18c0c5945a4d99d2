import Foundation
import Hummingbird

/// Refuses every state-changing request that does not carry this session's CSRF token (form field
/// `_csrf`, header `X-CSRF-Token`, or for multipart uploads the `_csrf` query item) or that comes
/// from another origin. URL-encoded bodies are parsed here once and handed on in the context.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Largest URL-encoded form accepted.
    static let formLimit = 1 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        switch request.method {
        case .get, .head, .options:
            return try await next(request, context)
        default:
            break
        }
        if !sameOrigin(request) { throw HTTPError(.forbidden, message: "Cross-site request refused.") }

        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: Self.formLimit)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                throw HTTPError(.contentTooLarge, message: "The form is too large.")
            }
            context.form = try FormData(bytes: body)
        }
        var provided = request.headers[Header.csrfToken] ?? context.form["_csrf"]
        if provided == nil, contentType.hasPrefix("multipart/form-data") { provided = try request.query()["_csrf"] }
        guard let provided, !context.csrfToken.isEmpty, Secrets.constantTimeEquals(provided, context.csrfToken) else {
            throw HTTPError(.forbidden, message: "The form has expired or did not come from this site. Reload the page and try again.")
        }
        return try await next(request, context)
    }

    /// An `Origin` (or, failing that, `Sec-Fetch-Site`) from another site means a cross-site request.
    private func sameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[Header.secFetchSite], site == "cross-site" { return false }
        guard let origin = request.headers[Header.origin] else { return true }
        if origin == "null" { return false }
        guard let host = request.head.authority else { return false }
        guard let url = URL(string: origin), let originHost = url.host else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }
}
