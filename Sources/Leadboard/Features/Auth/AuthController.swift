import Foundation
import Hummingbird

struct LoginPage: Page {
    static let template = "login"
    var title: String { "Sign in" }
    var email = ""
    var next = ""
    /// A message about the sign-in as a whole (wrong credentials, throttled).
    var error: String?
    /// Messages for an empty email or password.
    var fieldErrors: [String: String] = [:]

    var formErrors: FormErrors {
        var messages = fieldErrors
        messages[FormErrors.formKey] = error
        return FormErrors(messages, fields: [FormField("email", label: "Email"), FormField("password", label: "Password")])
    }

    func child(named name: String) -> Any? {
        switch name {
        case "email": email
        case "next": next
        case "errors": formErrors
        case "errorSummary": formErrors.isEmpty ? nil : formErrors
        default: nil
        }
    }
}

/// Sign-in and sign-out. A new session (new token, new CSRF token) is created at every login, so a
/// session id planted before login is never authenticated.
struct AuthController {
    let services: AppServices

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(RouterPath(Routes.Pattern.login), use: show)
        router.post(RouterPath(Routes.Pattern.login), use: login)
        router.post(RouterPath(Routes.Pattern.logout), use: logout)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let next = LocalRedirect.sanitize(try request.query()["next"]) ?? ""
        if context.auth != nil { return Redirect.to(next.isEmpty ? Routes.dashboard : next) }
        return services.views.render(LoginPage(next: next), request: request, context: context)
    }

    @Sendable func login(request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        let email = form.trimmed("email")
        let password = form["password"] ?? ""
        let next = LocalRedirect.sanitize(form["next"]) ?? ""
        let config = services.configuration
        let database = services.database

        let throttle = LoginThrottle(services: services)
        if let blocked = try await throttle.check(email: email, clientAddress: context.clientAddress) {
            let page = LoginPage(email: email, next: next, error: blocked.message)
            var response = services.views.render(page, request: request, context: context, status: .tooManyRequests)
            blocked.apply(to: &response)
            return response
        }

        // The browser is not trusted to have checked these: the form has `novalidate`.
        var missing: [String: String] = [:]
        if email.isEmpty { missing["email"] = "Enter your email address." }
        if password.isEmpty { missing["password"] = "Enter your password." }
        if !missing.isEmpty {
            try await throttle.release()  // nothing was guessed
            let page = LoginPage(email: email, next: next, fieldErrors: missing)
            return services.views.render(page, request: request, context: context, status: .unprocessableContent)
        }

        let user = try await database.user(email: email)
        // Always run one argon2 verification, so unknown emails cost the same time as wrong passwords.
        let valid = await services.hasher.verify(String(password.prefix(PasswordHasher.maximumLength * 4)), against: user?.passwordHash ?? services.dummyPasswordHash)
        guard let user, valid, user.isActive else {
            throttle.recordFailure()
            let page = LoginPage(email: email, next: next, error: "Email or password is incorrect.")
            return services.views.render(page, request: request, context: context, status: .unprocessableContent)
        }

        if services.hasher.needsRehash(user.passwordHash) {
            try await database.upgradePasswordHash(userId: user.uid, passwordHash: try await services.hasher.hash(password))
        }
        try await throttle.recordSuccess(email: email)
        try await database.pruneExpired(
            idleTimeout: config.sessionIdleTimeout, absoluteLifetime: config.sessionAbsoluteLifetime,
            failureWindow: config.loginFailureWindow)
        let token = Secrets.token()
        _ = try await database.startSession(
            userId: user.uid, tokenHash: SHA256Hasher.hex(token), csrfToken: Secrets.token(),
            userAgent: request.headers[.userAgent], clientAddress: context.clientAddress,
            replacingTokenHash: request.cookies[CookieJar.session].map { SHA256Hasher.hex($0.value) })
        var response = Redirect.to(next.isEmpty ? Routes.dashboard : next)
        response.setCookie(services.cookies.session(token))
        response.setCookie(services.cookies.expired(CookieJar.preLoginCSRF))
        return response
    }

    @Sendable func logout(request: Request, context: AppRequestContext) async throws -> Response {
        if let token = request.cookies[CookieJar.session]?.value {
            try await services.database.deleteSession(tokenHash: SHA256Hasher.hex(token))
        }
        var response = Redirect.to(Routes.login, flash: Flash(kind: .success, message: "You have signed out."), cookies: services.cookies)
        response.setCookie(services.cookies.expired(CookieJar.session))
        return response
    }
}
