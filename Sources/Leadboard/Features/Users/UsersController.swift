import Foundation
import Hummingbird
import Mustache

struct UserRow: MustacheParent, Sendable {
    let id: Int64
    let name: String
    let email: String
    let role: String
    let active: Bool
    let lastLogin: String
    var files = ""

    func child(named name: String) -> Any? {
        switch name {
        case "files": files
        case "id": id
        case "name": self.name
        case "email": email
        case "role": role
        case "active": active
        case "lastLogin": lastLogin
        case "editURL": Routes.adminUserEdit(id)
        default: nil
        }
    }
}

struct UsersIndexPage: Page {
    static let template = "admin/users/index"
    var title: String { "Users" }
    let users: [UserRow]
    var totalFiles = ""
    func child(named name: String) -> Any? {
        switch name {
        case "users": users
        case "totalFiles": totalFiles
        default: nil
        }
    }
}

/// The create and edit form for a user (one template, two modes).
struct UserFormPage: Page {
    static let template = "admin/users/form"
    var userId: Int64?
    var email = ""
    var name = ""
    var role = Role.executive.rawValue
    var active = true
    var errors: [String: String] = [:]
    var passwordErrors: [String: String] = [:]
    var title: String { userId == nil ? "New user" : "Edit \(name)" }

    var formErrors: FormErrors {
        var fields = userId == nil ? [FormField("email", label: "Email")] : []
        fields += [FormField("name", label: "Name"), FormField("role", label: "Role")]
        fields.append(userId == nil ? FormField("password", label: "Password") : FormField("active", label: "Active"))
        return FormErrors(errors, fields: fields)
    }

    var passwordFormErrors: FormErrors { FormErrors(passwordErrors, fields: [FormField("password", id: "new-password", label: "New password")]) }

    func child(named name: String) -> Any? {
        switch name {
        case "errorSummary": !errors.isEmpty ? formErrors : !passwordErrors.isEmpty ? passwordFormErrors : nil
        case "isNew": userId == nil
        case "email": email
        case "name": self.name
        case "roles": Role.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == role) }
        case "active": active
        case "errors": formErrors
        case "passwordErrors": passwordFormErrors
        case "action": userId.map(Routes.adminUser) ?? Routes.adminUsers
        case "passwordAction": userId.map(Routes.adminUserPassword)
        case "deactivateConfirm": userId.map { Confirmation.deactivateUser(id: $0, name: self.name, email: email) }
        default: nil
        }
    }
}

/// Admin user management. Every change is validated with inline errors; the last active admin can
/// be neither demoted nor deactivated.
struct UsersController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.adminUsers), use: index)
        group.get(RouterPath(Routes.Pattern.adminUsersNew), use: new)
        group.post(RouterPath(Routes.Pattern.adminUsers), use: create)
        group.get(RouterPath(Routes.Pattern.adminUserEdit), use: edit)
        group.post(RouterPath(Routes.Pattern.adminUser), use: update)
        group.post(RouterPath(Routes.Pattern.adminUserPassword), use: setPassword)
    }

    @Sendable func index(request: Request, context: AppRequestContext) async throws -> Response {
        let config = services.configuration
        let usage = try await services.database.uploadUsageByUser()
        let rows = try await services.database.users().map {
            UserRow(
                id: $0.uid, name: $0.name, email: $0.email, role: $0.role.label, active: $0.isActive, lastLogin: Format.dateTime($0.lastLoginAt),
                files: "\(UploadQuota.describe(usage[$0.uid] ?? 0)) of \(UploadQuota.describe(config.userQuotaBytes))")
        }
        let total = try await services.database.totalUploadBytes()
        let page = UsersIndexPage(
            users: rows, totalFiles: "\(UploadQuota.describe(total)) of the \(UploadQuota.describe(config.totalQuotaBytes)) total quota")
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func new(request: Request, context: AppRequestContext) async throws -> Response {
        services.views.render(UserFormPage(), request: request, context: context)
    }

    @Sendable func create(request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        var page = UserFormPage(email: form.trimmed("email"), name: form.trimmed("name"), role: form.trimmed("role"))
        let password = form["password"] ?? ""
        page.errors["email"] = Validate.email(page.email, required: true)
        page.errors["name"] = Validate.text(page.name, label: "Name", required: true, max: 200)
        if Role(rawValue: page.role) == nil { page.errors["role"] = "Choose a role." }
        page.errors["password"] = PasswordHasher.problem(with: password)
        if page.errors.isEmpty, let role = Role(rawValue: page.role) {
            do {
                let hash = try await services.hasher.hash(password)
                let user = try await services.database.createUser(email: page.email, name: page.name, role: role, passwordHash: hash)
                return Redirect.to(
                    Routes.adminUsers, flash: Flash(kind: .success, message: "Created \(user.name) (\(user.email))."), cookies: services.cookies)
            } catch UserChangeError.emailTaken {
                page.errors["email"] = "A user with this email already exists."
            }
        }
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }

    private func loadUser(_ context: AppRequestContext) async throws -> User {
        guard let id = context.parameters.get("id", as: Int64.self), let user = try await services.database.user(id: id) else {
            throw HTTPError(.notFound)
        }
        return user
    }

    @Sendable func edit(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await loadUser(context)
        let page = UserFormPage(userId: user.id, email: user.email, name: user.name, role: user.role.rawValue, active: user.isActive)
        return services.views.render(page, request: request, context: context)
    }

    @Sendable func update(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await loadUser(context)
        let form = context.form
        var page = UserFormPage(
            userId: user.id, email: user.email, name: form.trimmed("name"), role: form.trimmed("role"), active: form.has("active"))
        page.errors["name"] = Validate.text(page.name, label: "Name", required: true, max: 200)
        if Role(rawValue: page.role) == nil { page.errors["role"] = "Choose a role." }
        if page.errors.isEmpty, let role = Role(rawValue: page.role) {
            do {
                // Deactivating from the edit form asks first (a page here; confirm.js asks in a dialog
                // and sends confirm=1), once the change is known to be accepted.
                if user.isActive && !page.active && form.wantsConfirmation {
                    _ = try await services.database.updateUser(id: user.uid, name: page.name, role: role, isActive: false, checkOnly: true)
                    let confirmation = Confirmation.deactivateUser(id: user.uid, name: user.name, email: user.email, fields: HiddenField.resubmitting(form))
                    return services.views.render(ConfirmPage(confirmation: confirmation), request: request, context: context)
                }
                _ = try await services.database.updateUser(id: user.uid, name: page.name, role: role, isActive: page.active)
                return Redirect.to(
                    Routes.adminUsers, flash: Flash(kind: .success, message: "Saved \(page.name)."), cookies: services.cookies)
            } catch UserChangeError.lastAdmin {
                let message = "At least one active admin must remain: make another user admin first."
                page.errors[role != .admin ? "role" : "active"] = message
            } catch UserChangeError.notFound {
                throw HTTPError(.notFound)
            }
        }
        return services.views.render(page, request: request, context: context, status: .unprocessableContent)
    }

    @Sendable func setPassword(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try await loadUser(context)
        let password = context.form["password"] ?? ""
        if let problem = PasswordHasher.problem(with: password) {
            var page = UserFormPage(userId: user.id, email: user.email, name: user.name, role: user.role.rawValue, active: user.isActive)
            page.passwordErrors["password"] = problem
            return services.views.render(page, request: request, context: context, status: .unprocessableContent)
        }
        let hash = try await services.hasher.hash(password)
        // An admin resetting their own password keeps the session they are using.
        let keep = user.id == context.auth?.user.id ? context.auth?.session.id : nil
        try await services.database.setPassword(userId: user.uid, passwordHash: hash, keepingSession: keep)
        return Redirect.to(
            Routes.adminUserEdit(user.uid), flash: Flash(kind: .success, message: "Password set for \(user.name); their sessions were ended."),
            cookies: services.cookies)
    }
}
