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

    public var hasher: PasswordHasher { configuration.passwordHasher }
}

/// Builds the services: opens and migrates the database, loads templates and static files.
public func buildServices(
    configuration: AppConfiguration, clock: AppClock = .system, trace: (@Sendable (String) -> Void)? = nil
) async throws -> AppServices {
    try configuration.prepareDataDirectory()
    MultipartUpload.sweepPartialFiles(in: configuration.uploadsDirectory)
    MultipartUpload.sweepPartialFiles(in: (configuration.dataDirectory as NSString).appendingPathComponent("imports"))
    let database = try AppDatabase.open(path: configuration.databasePath, clock: clock, trace: trace)
    let views = try await Views(directory: configuration.templatesDirectory)
    let staticFiles = try StaticFiles(directory: configuration.publicDirectory)
    let dummy = try await configuration.passwordHasher.hash(Secrets.token())
    return AppServices(
        database: database, configuration: configuration, views: views,
        cookies: CookieJar(secure: configuration.secureCookies), staticFiles: staticFiles, dummyPasswordHash: dummy)
}

/// The router with the whole middleware stack, exactly as production runs it.
public func buildRouter(services: AppServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    // Catches failures of the session layer itself (rendered without a user).
    router.add(middleware: ErrorPageMiddleware(views: services.views))
    router.add(middleware: SessionMiddleware(database: services.database, configuration: services.configuration, cookies: services.cookies))
    // Catches everything below with the signed-in user known, so the layout shows their menu.
    router.add(middleware: ErrorPageMiddleware(views: services.views))
    // Inside the session layer so each line names the user; errors are pages by now, so it sees the status.
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: CSRFMiddleware())

    router.get("/static/**") { request, context in
        let path = context.parameters.getCatchAll().joined(separator: "/")
        return try services.staticFiles.response(for: path, request: request)
    }
    HealthController(services: services).addRoutes(to: router)
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

    let admin = router.group("/admin").add(middleware: RequireLogin()).add(middleware: RequireRole(roles: [.admin]))
    UsersController(services: services).addRoutes(to: admin)
    AdminPipelineController(services: services).addRoutes(to: admin)
    return router
}

/// The whole application: the router served on the configured address.
public func buildApplication(services: AppServices, logger: Logger? = nil) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "leadboard")
    if logger.logLevel > .info { logger.logLevel = .info }
    let config = services.configuration
    return Application(
        router: buildRouter(services: services),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        logger: logger)
}
