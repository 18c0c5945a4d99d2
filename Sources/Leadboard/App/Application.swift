import Foundation
import Hummingbird
import Logging

/// Shared, immutable services handed to every controller.
public struct AppServices: Sendable {
    public let database: AppDatabase
    public let configuration: AppConfiguration
    let views: Views
    let cookies: CookieJar
    let staticFiles: StaticFiles
    /// A real argon2id hash of a random secret: verified against when an email is unknown, so that an
    /// unknown email and a wrong password take the same time.
    let dummyPasswordHash: String
    let reportCache = ReportCache()
    /// Rescores all leads in the background after the scoring rules change.
    let rescoreJob = RescoreJob()
    /// The Prometheus registry, only with `--metrics`.
    var metrics: AppMetrics? = nil

    public var hasher: PasswordHasher { configuration.passwordHasher }
}

/// Builds the services: opens and migrates the database, loads templates and static files.
public func buildServices(
    configuration: AppConfiguration, clock: AppClock = .system, trace: (@Sendable (String) -> Void)? = nil
) async throws -> AppServices {
    let metrics = configuration.metricsEnabled ? AppMetrics() : nil
    var profile: (@Sendable (String, TimeInterval) -> Void)? = nil
    if let metrics { profile = { sql, seconds in metrics.recordStatement(sql: sql, seconds: seconds) } }
    // Refuses an empty or non-SQLite file, announces a new database, and says what is wrong in one line.
    let database = try DataFolder.openDatabase(configuration: configuration) { (path: String) throws -> AppDatabase in
        try AppDatabase.open(path: path, clock: clock, trace: trace, busyTimeout: configuration.busyTimeout, profile: profile)
    }
    MultipartUpload.sweepPartialFiles(in: configuration.uploadsDirectory)
    MultipartUpload.sweepPartialFiles(in: (configuration.dataDirectory as NSString).appendingPathComponent("imports"))
    // Files moved into place by uploads whose row never committed (the process was killed).
    try await DataFolder.sweepUnreferencedUploads(configuration: configuration, database: database)
    let views = try await Views(directory: configuration.templatesDirectory, pages: PageRegistry.all)
    let staticFiles = try StaticFiles(directory: configuration.publicDirectory)
    let serverKey = try ServerKey.loadOrCreate(inDirectory: configuration.dataDirectory)
    let dummy = try await configuration.passwordHasher.hash(Secrets.token())
    return AppServices(
        database: database, configuration: configuration, views: views,
        cookies: CookieJar(secure: configuration.secureCookies, signingKey: serverKey.bytes), staticFiles: staticFiles, dummyPasswordHash: dummy,
        metrics: metrics)
}

/// The router with the whole middleware stack, exactly as production runs it.
public func buildRouter(services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Outermost, so it counts the status the client gets, error pages included.
    if let metrics = services.metrics { router.add(middleware: MetricsMiddleware(metrics: metrics)) }
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: services.configuration.secureCookies))
    // Catches failures of the session layer itself (rendered without a user).
    router.add(middleware: ErrorPageMiddleware(views: services.views))
    router.add(middleware: SessionMiddleware(database: services.database, configuration: services.configuration, cookies: services.cookies))
    // Catches everything below with the signed-in user known, so the layout shows their menu.
    router.add(middleware: ErrorPageMiddleware(views: services.views))
    // Inside the session layer so each line names the user; errors are pages by now, so it sees the status.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: BodylessRequestGuard())
    router.add(middleware: CSRFMiddleware())

    router.get(RouterPath(Routes.Pattern.staticFiles)) { request, context in
        let path = context.parameters.getCatchAll().joined(separator: "/")
        return try services.staticFiles.response(for: path, request: request)
    }
    HealthController(services: services).addRoutes(to: router)
    if let metrics = services.metrics { MetricsController(services: services, metrics: metrics).addRoutes(to: router) }
    AuthController(services: services).addRoutes(to: router)

    let signedIn = router.group().add(middleware: RequireLogin())
    DashboardController(services: services).addRoutes(to: signedIn)
    AccountController(services: services).addRoutes(to: signedIn)
    let leads = LeadsController(services: services)
    leads.addRoutes(to: signedIn)
    NotesController(services: services, leads: leads).addRoutes(to: signedIn)
    AttachmentsController(services: services, leads: leads).addRoutes(to: signedIn)
    ActivityController(services: services).addRoutes(to: signedIn)
    MoveController(services: services).addRoutes(to: signedIn)
    BoardController(services: services).addRoutes(to: signedIn)
    ReportsController(services: services).addRoutes(to: signedIn)
    ExportController(services: services).addRoutes(to: signedIn)
    ImportController(services: services).addRoutes(to: signedIn)

    let admin = router.group().add(middleware: RequireLogin()).add(middleware: RequireAdmin())
    UsersController(services: services).addRoutes(to: admin)
    AdminPipelineController(services: services).addRoutes(to: admin)
    CustomFieldsController(services: services).addRoutes(to: admin)
    ScoringController(services: services).addRoutes(to: admin)
    return router
}

/// The whole application: the router served on the configured address.
/// `backgroundJobs: false` leaves out the services that run on their own schedule (route tests that
/// count statements must not see a start-up check land in their window).
public func buildApplication(services: AppServices, logger: Logger? = nil, backgroundJobs: Bool = true) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "leadboard")
    if logger.logLevel > .info { logger.logLevel = .info }
    let config = services.configuration
    return Application(
        router: buildRouter(services: services),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        // Re-measures time-based scoring rules once a day.
        services: backgroundJobs ? [DailyRescoreService(database: services.database, job: services.rescoreJob)] : [],
        logger: logger)
}
