import Foundation
import Hummingbird

/// `GET /metrics` in Prometheus text format; only registered with `--metrics`. Answered to loopback
/// clients and, when `--metrics-token` is set, to `Authorization: Bearer <token>`; anyone else gets the
/// same 404 as an unknown path, so the endpoint's existence is not advertised.
struct MetricsController {
    let services: AppServices
    let metrics: AppMetrics

    static let forwarded = HeaderName("Forwarded")!

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(RouterPath(Routes.Pattern.metrics)) { request, context -> Response in
            guard Self.mayScrape(request, clientAddress: context.clientAddress, configuration: services.configuration) else {
                throw HTTPError(.notFound)
            }
            let configuration = services.configuration
            let counts = try await services.database.operationalCounts(
                idleTimeout: configuration.sessionIdleTimeout, absoluteLifetime: configuration.sessionAbsoluteLifetime)
            var buffer = ByteBuffer()
            buffer.writeString(metrics.exposition(counts: counts))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: buffer))
        }
    }

    /// A matching bearer token, or a loopback client. Without `--trust-proxy`, a request carrying
    /// proxy headers is not taken as local: behind a reverse proxy on the same machine every visitor
    /// would otherwise arrive from 127.0.0.1.
    static func mayScrape(_ request: Request, clientAddress: String, configuration: AppConfiguration) -> Bool {
        if let token = configuration.metricsToken, !token.isEmpty, let authorization = request.headers[.authorization],
            Secrets.constantTimeEquals(authorization, "Bearer \(token)")
        {
            return true
        }
        if !configuration.trustProxyHeaders, request.headers[Header.xForwardedFor] != nil || request.headers[forwarded] != nil {
            return false
        }
        return isLoopback(clientAddress)
    }

    static func isLoopback(_ address: String) -> Bool {
        let address = address.lowercased()
        if address == "::1" { return true }
        let v4 = address.hasPrefix("::ffff:") ? String(address.dropFirst(7)) : address
        return v4.hasPrefix("127.") && v4.split(separator: ".").count == 4
    }
}
