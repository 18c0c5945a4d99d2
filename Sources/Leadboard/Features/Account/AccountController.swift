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
    /// Sessions and upload usage, filled in by `AccountController.render`.
    var overview = AccountOverview()

    var formErrors: FormErrors {
        FormErrors(errors, fields: [FormField("current_password", label: "Current password"), FormField("new_password", label: "New password")])
    }

    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "email": email
        case "role": role
        case "lastLogin": lastLogin
        case "errors": formErrors
        case "errorSummary": errors.isEmpty ? nil : formErrors
        case "sessions": overview.sessions
        case "hasOtherSessions": overview.hasOtherSessions
        case "uploadUsage": overview.uploadUsage
        default: nil
        }
    }
}

/// Every user's own account: details, upload usage, live sessions and password change. Changing the
/// password ends the user's other sessions; a wrong current password counts against the login throttle.
struct AccountController {
    let services: AppServices

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get(RouterPath(Routes.Pattern.account), use: show)
        router.post(RouterPath(Routes.Pattern.accountPassword), use: changePassword)
        AccountSessionsController(services: services).addRoutes(to: router)
    }

    /// Renders the account page with the user's sessions and upload usage.
    func render(_ page: AccountPage, request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        var page = page
        page.overview = try await AccountOverview.load(for: try context.user, context: context, services: services)
        return services.views.render(page, request: request, context: context, status: status)
    }

    func page(for user: User, errors: [String: String] = [:]) -> AccountPage {
        AccountPage(
            name: user.name, email: user.email, role: user.role.label, lastLogin: Format.dateTime(user.lastLoginAt),
            errors: errors)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        try await render(page(for: try context.user), request: request, context: context)
    }

    @Sendable func changePassword(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        // The sign-in throttle and its counters: a session is no licence to guess the password faster.
        let throttle = LoginThrottle(services: services)
        if let blocked = try await throttle.check(email: user.email, clientAddress: context.clientAddress) {
            var response = try await render(
                page(for: user, errors: ["current_password": blocked.message]), request: request, context: context, status: .tooManyRequests)
            blocked.apply(to: &response)
            return response
        }
        let current = context.form["current_password"] ?? ""
        let new = context.form["new_password"] ?? ""
        var errors: [String: String] = [:]
        var guessedWrong = false
        if let problem = PasswordHasher.problem(with: new) { errors["new_password"] = problem }
        if current.isEmpty {
            // Nothing was guessed, so nothing counts against the throttle.
            errors["current_password"] = "Enter your current password."
        } else if !(await services.hasher.verify(current, against: user.passwordHash)) {
            throttle.recordFailure()
            guessedWrong = true
            errors["current_password"] = "That is not your current password."
        }
        if !errors.isEmpty {
            // A wrong current password stays counted; an empty or a right one does not count.
            if !guessedWrong { try await throttle.release() }
            return try await render(page(for: user, errors: errors), request: request, context: context, status: .unprocessableContent)
        }
        let hash = try await services.hasher.hash(new)
        try await services.database.setPassword(userId: user.uid, passwordHash: hash, keepingSession: context.auth?.session.id)
        try await throttle.recordSuccess(email: user.email)
        return Redirect.to(
            Routes.account, flash: Flash(kind: .success, message: "Password changed. Your other sessions have been signed out."),
            cookies: services.cookies)
    }
}
