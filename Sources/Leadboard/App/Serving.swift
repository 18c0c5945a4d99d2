import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// The version `leadboard --version` prints (with the git commit the executable was built from).
public enum LeadboardVersion {
    public static let number = "0.8.0"
}

/// Runs `app` until SIGTERM or SIGINT. Then the server stops accepting connections and lets the
/// requests in flight finish for up to `gracePeriod`; requests still running after that are cut off.
/// Either way this returns normally, so the process exits 0.
///
/// Hummingbird's own `runService()` shuts down the same way but waits for in-flight requests without
/// any limit (a client sending a body slowly could keep the process alive for ever); the cap is the
/// ServiceGroup's `maximumGracefulShutdownDuration`, after which the group cancels the server.
public func runUntilStopped(
    _ app: some ApplicationProtocol, gracePeriod: Duration = .seconds(10), logger: Logger = Logger(label: "leadboard")
) async throws {
    // Services stop in reverse order, so the notice hears the signal before the server does.
    var configuration = ServiceGroupConfiguration(
        services: [app, ShutdownNotice(logger: logger, gracePeriod: gracePeriod)], gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    configuration.maximumGracefulShutdownDuration = gracePeriod
    do {
        try await ServiceGroup(configuration: configuration).run()
    } catch is CancellationError {
        // Cancelled after the grace period: still a requested stop.
    }
    logger.notice("Stopped")
}

/// Logs when a graceful shutdown begins, so the log shows the stop was requested (and how long
/// requests in flight have).
private struct ShutdownNotice: Service {
    let logger: Logger
    let gracePeriod: Duration

    func run() async throws {
        // Throws when the group is cancelled instead (the server failed): nothing to announce then.
        guard (try? await gracefulShutdown()) != nil else { return }
        logger.notice("Stopping: no new connections; requests in flight have \(gracePeriod.components.seconds) s to finish")
    }
}
