import Hummingbird

/// GET, HEAD and OPTIONS handlers never read a body, so a broken one (a malformed chunk) would go
/// unnoticed until after a 200 had been sent. Reading such a body first lets the HTTP parser's error
/// surface here, inside `ErrorPageMiddleware`, as a 400 like on every other request; a well-formed
/// body is discarded. Requests without a body (nearly all of them) pass straight through.
struct BodylessRequestGuard: RouterMiddleware {
    typealias Context = AppRequestContext
    /// A body this large on a GET is not a mistake worth reading: 413.
    static let limit = 64 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options:
            let declaresBody = request.headers[.transferEncoding] != nil || (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0
            guard declaresBody else { return try await next(request, context) }
            var request = request
            _ = try await request.collectBody(upTo: Self.limit)
            return try await next(request, context)
        default:
            return try await next(request, context)
        }
    }
}
