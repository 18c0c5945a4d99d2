import Foundation
import Hummingbird
import Mustache

/// One row of the session list on `/account`.
struct AccountSessionRow: MustacheParent, Sendable {
    let id: Int64
    let device: String
    let address: String
    let signedIn: String
    let lastSeen: String
    let current: Bool

    init(session: Session, currentId: Int64?) {
        id = session.id ?? 0
        device = DeviceDescription.describe(session.userAgent)
        address = session.clientAddress ?? "unknown"
        signedIn = Format.dateTime(session.createdAt)
        lastSeen = Format.dateTime(session.lastSeenAt)
        current = session.id == currentId
    }

    func child(named name: String) -> Any? {
        switch name {
        case "device": device
        case "address": address
        case "signedIn": signedIn
        case "lastSeen": lastSeen
        case "current": current
        case "endURL": Routes.accountSessionEnd(id)
        default: nil
        }
    }
}

/// What `/account` shows besides the user's details: their live sessions and their upload usage.
struct AccountOverview: Sendable {
    var sessions: [AccountSessionRow] = []
    var uploadUsage = ""

    var hasOtherSessions: Bool { sessions.contains { !$0.current } }

    static func load(for user: User, context: AppRequestContext, services: AppServices) async throws -> AccountOverview {
        let config = services.configuration
        async let sessions = services.database.liveSessions(
            userId: user.uid, idleTimeout: config.sessionIdleTimeout, absoluteLifetime: config.sessionAbsoluteLifetime)
        async let usage = services.database.uploadUsage(userId: user.uid)
        let currentId = context.auth?.session.id
        let used = try await usage.user
        return AccountOverview(
            sessions: try await sessions.map { AccountSessionRow(session: $0, currentId: currentId) },
            uploadUsage: "\(UploadQuota.describe(used)) of your \(UploadQuota.describe(config.userQuotaBytes)) quota")
    }
}

/// Ending the user's own sessions from `/account`. A session id that is not one of the user's own
/// is a 404, whoever it belongs to.
struct AccountSessionsController {
    let services: AppServices

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.post(RouterPath(Routes.Pattern.accountSessionsEndOthers), use: endOthers)
        router.post(RouterPath(Routes.Pattern.accountSessionEnd), use: endOne)
    }

    @Sendable func endOthers(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let current = context.auth?.session.id else { throw HTTPError(.unauthorized) }
        let ended = try await services.database.endSessions(userId: user.uid, keeping: current)
        let message = ended == 0 ? "There were no other sessions." : "Signed out \(ended) other session\(ended == 1 ? "" : "s")."
        return Redirect.to(Routes.account + "#sessions", flash: Flash(kind: .success, message: message), cookies: services.cookies)
    }

    @Sendable func endOne(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        guard let id = context.parameters.get("id", as: Int64.self),
            try await services.database.endSession(id: id, userId: user.uid)
        else { throw HTTPError(.notFound) }
        if id == context.auth?.session.id {
            // Ending the session in use is signing out.
            var response = Redirect.to(Routes.login, flash: Flash(kind: .success, message: "You have signed out."), cookies: services.cookies)
            response.setCookie(services.cookies.expired(CookieJar.session))
            return response
        }
        return Redirect.to(Routes.account + "#sessions", flash: Flash(kind: .success, message: "That session has been signed out."), cookies: services.cookies)
    }
}
