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
    var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    configuration.maximumGracefulShutdownDuration = gracePeriod
    do {
        try await ServiceGroup(configuration: configuration).run()
    } catch is CancellationError {
        // The grace period ran out and the remaining requests were cancelled: still a requested stop.
        logger.notice("Stopped after the \(gracePeriod) grace period; requests still running were cut off")
        return
    }
    logger.notice("Stopped")
}
