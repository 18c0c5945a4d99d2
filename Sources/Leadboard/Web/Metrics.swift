import Foundation
import Hummingbird
import Prometheus

/// The Prometheus registry of one running app (only built with `--metrics`) and the instruments that
/// the request middleware and the database connections feed. Every app has its own registry, so tests
/// running side by side do not see each other's numbers.
public final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Request latency buckets: from a cached page (a few ms) to a cold report (seconds).
    static let requestBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Database buckets start lower (most statements take microseconds) and end past the 10 s busy timeout.
    static let databaseBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
        .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30),
    ]

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "leadboard", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "HTTP requests answered, by matched route pattern, method and status.")
    }
    static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "leadboard", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "Time from a request entering the router until its response is ready (a streamed body such as a CSV export is not included), by route pattern and method.")
    }
    static var statementDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "leadboard", subsystem: "db", metricName: "statement_duration", unitName: "seconds",
            helpText: "Time SQLite spent running each SQL statement (its profile trace, millisecond resolution), including any wait for the write lock inside it.")
    }
    static var writeLockWait: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "leadboard", subsystem: "db", metricName: "write_lock_wait", unitName: "seconds",
            helpText: "Time each write transaction waited for SQLite's write lock: the duration of its BEGIN IMMEDIATE, which includes the busy-timeout wait. Waiting behind another write of this process (GRDB's writer queue) is not included.")
    }

    let statements: DurationHistogram
    let lockWaits: DurationHistogram
    let sessions: Gauge
    let leads: Gauge
    let uploadBytes: Gauge

    public init() {
        statements = registry.makeDurationHistogram(descriptor: Self.statementDuration, labels: [], buckets: Self.databaseBuckets)
        lockWaits = registry.makeDurationHistogram(descriptor: Self.writeLockWait, labels: [], buckets: Self.databaseBuckets)
        sessions = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "leadboard", metricName: "live_sessions", unitName: "",
            helpText: "Sessions within their idle and absolute limits whose user is active (read at scrape time)."))
        leads = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "leadboard", metricName: "leads", unitName: "",
            helpText: "Live (not deleted) leads, from leadTally (read at scrape time)."))
        uploadBytes = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "leadboard", metricName: "upload", unitName: "bytes",
            helpText: "Total size of all stored attachments (read at scrape time)."))
    }

    static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]

    /// Counts one answered request and records its latency. `route` must be a route pattern (or
    /// `NotFound`), never a raw path, so the number of series stays bounded by the router.
    func recordRequest(method: HTTPRequest.Method, route: String, status: HTTPResponse.Status, duration: Duration) {
        // Methods are free-form tokens: anything unusual shares one label value.
        let methodName = Self.knownMethods.contains(method) ? method.rawValue : "other"
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("method", methodName), ("status", String(status.code))])
            .increment()
        registry.makeDurationHistogram(descriptor: Self.requestDuration, labels: [("route", route), ("method", methodName)], buckets: Self.requestBuckets)
            .record(duration)
    }

    /// Fed by SQLite's profile trace on every pooled connection (see `AppDatabase.open(profile:)`).
    @Sendable func recordStatement(sql: String, seconds: TimeInterval) {
        let duration = Duration.nanoseconds(Int64(seconds * 1e9))
        statements.record(duration)
        if sql.hasPrefix("BEGIN IMMEDIATE") { lockWaits.record(duration) }
    }

    /// Sets the gauges from the database and renders every family in Prometheus text format.
    func exposition(counts: OperationalCounts) -> String {
        sessions.set(Double(counts.liveSessions))
        leads.set(Double(counts.leads))
        uploadBytes.set(Double(counts.uploadBytes))
        return registry.emitToString()
    }
}

/// Records every request's matched route pattern, status and latency. Added first, so it sees the
/// status the client gets (after error pages have been rendered).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, response.status, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            record(request, context, status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        // The router stores the matched pattern (`/leads/{id}`) in the context before running the chain;
        // unmatched requests get "NotFound" from Hummingbird's not-found responder.
        let route = context.endpointPath ?? "NotFound"
        metrics.recordRequest(method: request.method, route: route, status: status, duration: ContinuousClock.now - start)
    }
}
