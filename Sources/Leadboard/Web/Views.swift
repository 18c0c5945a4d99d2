import Foundation
import Hummingbird
import Mustache

/// One page = one view model + one template of the same name. Templates print fields; every
/// string, flag and URL is computed in Swift.
public protocol Page: MustacheParent, Sendable {
    static var template: String { get }
    var title: String { get }
}

/// Loads every template once at start-up and renders pages inside the layout.
public struct Views: Sendable {
    let library: MustacheLibrary

    /// Templates the app cannot run without; start-up fails when one is missing or does not parse.
    static let required = [
        "layout", "error", "login", "dashboard", "account", "admin/users/index", "admin/users/form",
        "leads/index", "leads/show", "leads/form", "leads/move", "activity/index", "board/index", "admin/pipeline", "reports/index", "leads/import", "leads/import-preview", "partials/bar-chart", "partials/column-chart",
    ]

    public init(directory: String) async throws {
        library = try await MustacheLibrary(directory: directory)
        for name in Self.required where library.getTemplate(named: name) == nil {
            throw StartupError("Template \(name).mustache is missing from \(directory)")
        }
    }

    /// Renders `page` within the layout for the current user.
    public func render(_ page: some Page, request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok) -> Response {
        let layout = Layout(title: page.title, request: request, context: context)
        let model = PageWithLayout(page: page, layout: layout)
        guard let body = library.render(model, withTemplate: type(of: page).template) else {
            // Checked at start-up; reaching this means a template vanished at runtime.
            return Response(status: .internalServerError)
        }
        var buffer = ByteBuffer()
        buffer.writeString(body)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: buffer))
    }
}

public struct StartupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Looks a name up in the page first, then in the layout.
struct PageWithLayout: MustacheParent {
    let page: any Page
    let layout: Layout
    func child(named name: String) -> Any? { page.child(named: name) ?? layout.child(named: name) }
}

/// An `<option>` of a select.
struct Option: MustacheParent, Sendable {
    let value: String
    let label: String
    let selected: Bool
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

/// A link in the top navigation.
struct NavItem: MustacheParent, Sendable {
    let label: String
    let href: String
    let current: Bool
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "current": current
        default: nil
        }
    }
}

/// What every page shows around its content.
struct Layout: MustacheParent, Sendable {
    let title: String
    let csrf: String
    let userName: String?
    let userRole: String?
    let nav: [NavItem]
    let flash: Flash?
    let requestId: String

    init(title: String, request: Request, context: AppRequestContext) {
        self.title = title
        self.csrf = context.csrfToken
        self.userName = context.auth?.user.name
        self.userRole = context.auth?.user.role.label
        self.flash = context.flash
        self.requestId = context.requestId
        self.nav = Navigation.items(for: context.auth?.user, path: request.uri.path)
    }

    func child(named name: String) -> Any? {
        switch name {
        case "pageTitle": title
        case "csrf": csrf
        case "signedIn": userName != nil
        case "userName": userName
        case "userRole": userRole
        case "nav": nav
        case "flash": flash.map { ["kind": $0.kind.rawValue, "message": $0.message] }
        case "requestId": requestId
        default: nil
        }
    }
}

/// The sections a user can reach, in menu order.
enum Navigation {
    static func items(for user: User?, path: String) -> [NavItem] {
        guard let user else { return [] }
        var entries: [(String, String)] = [("Dashboard", "/"), ("Leads", "/leads"), ("Board", "/board"), ("Reports", "/reports"), ("Activity", "/activity")]
        entries.append(("Account", "/account"))
        if user.role == .admin {
            entries.append(("Users", "/admin/users"))
            entries.append(("Pipeline", "/admin/pipeline"))
        }
        return entries.map { label, href in
            let current = href == "/" ? path == "/" : (path == href || path.hasPrefix(href + "/"))
            return NavItem(label: label, href: href, current: current)
        }
    }
}
