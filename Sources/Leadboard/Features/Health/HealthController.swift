import Hummingbird

/// `GET /healthz`: 200 `ok` when the database answers; no login needed.
struct HealthController {
    let services: AppServices

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(RouterPath(Routes.Pattern.healthz)) { _, _ -> Response in
            let healthy = await services.database.ping()
            var buffer = ByteBuffer()
            buffer.writeString(healthy ? "ok" : "database unavailable")
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
    }
}
