import Foundation
import Hummingbird

struct AccountPage: Page {
    static let template = "account"
    var title: String { "Your account" }
    let name: String
    let email: String
    let role: String
    let lastLogin: String
    var errors: [String: String] = [:]

    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "email": email
        case "role": role
        case "lastLogin": lastLogin
        case "errors": errors
        default: nil
        }
    }
}

/// Every user's own account: details and password change. Changing the password ends the user's
/// other sessions.
struct AccountController {
    let services: AppServices

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get("/account", use: show)
        router.post("/account/password", use: changePassword)
    }

    func page(for user: User, errors: [String: String] = [:]) -> AccountPage {
        AccountPage(
            name: user.name, email: user.email, role: user.role.label, lastLogin: Format.dateTime(user.lastLoginAt),
            errors: errors)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        services.views.render(page(for: try context.user), request: request, context: context)
    }

    @Sendable func changePassword(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let current = context.form["current_password"] ?? ""
        let new = context.form["new_password"] ?? ""
        var errors: [String: String] = [:]
        if let problem = PasswordHasher.problem(with: new) { errors["new_password"] = problem }
        if !(await services.hasher.verify(current, against: user.passwordHash)) {
            errors["current_password"] = "That is not your current password."
        }
        if !errors.isEmpty {
            return services.views.render(page(for: user, errors: errors), request: request, context: context, status: .unprocessableContent)
        }
        let hash = try await services.hasher.hash(new)
        try await services.database.setPassword(userId: user.uid, passwordHash: hash, keepingSession: context.auth?.session.id)
        return Redirect.to(
            "/account", flash: Flash(kind: .success, message: "Password changed. Your other sessions have been signed out."),
            cookies: services.cookies)
    }
}
