import Foundation
import Hummingbird

struct DashboardPage: Page {
    static let template = "dashboard"
    var title: String { "Dashboard" }
    let userName: String
    let role: String
    let lastLogin: String
    let isAdmin: Bool

    func child(named name: String) -> Any? {
        switch name {
        case "greetingName": userName
        case "role": role
        case "lastLogin": lastLogin
        case "isAdmin": isAdmin
        default: nil
        }
    }
}

/// `GET /`: the landing page after login.
struct DashboardController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("/", use: show)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let page = DashboardPage(
            userName: user.name, role: user.role.label, lastLogin: Format.dateTime(user.lastLoginAt), isAdmin: user.role == .admin)
        return services.views.render(page, request: request, context: context)
    }
}
