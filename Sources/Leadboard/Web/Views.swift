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

    /// Loads every template under `directory` and fails start-up unless the layout, the template of
    /// each of `pages`, and every partial or parent those templates name (recursively) are there: a
    /// page can never meet a missing template at runtime.
    public init(directory: String, pages: [any Page.Type]) async throws {
        library = try await MustacheLibrary(directory: directory)
        let roots = ["layout"] + pages.map { $0.template }
        _ = try Self.requiredTemplates(from: roots, directory: directory) { self.library.getTemplate(named: $0) != nil }
    }

    /// The templates `roots` need, following `{{> partial}}` and `{{< parent}}` references through the
    /// template files; throws naming the first one that is missing and who needs it.
    static func requiredTemplates(from roots: [String], directory: String, exists: (String) -> Bool) throws -> Set<String> {
        var seen = Set<String>()
        var pending = roots.map { (name: $0, neededBy: "the app") }
        while let (name, neededBy) = pending.popLast() {
            guard seen.insert(name).inserted else { continue }
            guard exists(name) else { throw StartupError("Template \(name).mustache, needed by \(neededBy), is missing from \(directory)") }
            let path = (directory as NSString).appendingPathComponent(name + ".mustache")
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            pending += references(in: text).map { (name: $0, neededBy: name + ".mustache") }
        }
        return seen
    }

    /// Names after `{{>` and `{{<` in a template's text.
    static func references(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            let trimmed = rest.drop(while: { $0 == " " })
            guard let sigil = trimmed.first, sigil == ">" || sigil == "<", let close = trimmed.range(of: "}}") else { continue }
            let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { names.append(name) }
            rest = trimmed[close.upperBound...]
        }
        return names
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

extension Views {
    /// Renders one partial on its own, without the layout: the HTML fragments a script swaps into a
    /// page rendered earlier. `csrf` stands in for the layout's token that the partial's forms print.
    func renderFragment(_ model: any MustacheParent, template: String, csrf: String) -> String? {
        library.render(FragmentContext(model: model, csrf: csrf), withTemplate: template)
    }
}

/// A fragment's view model with the one layout name a fragment's forms need.
struct FragmentContext: MustacheParent {
    let model: any MustacheParent
    let csrf: String
    func child(named name: String) -> Any? { model.child(named: name) ?? (name == "csrf" ? csrf : nil) }
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
        case "paths": FixedPaths()
        default: nil
        }
    }
}

/// The sections a user can reach, in menu order.
enum Navigation {
    static func items(for user: User?, path: String) -> [NavItem] {
        guard let user else { return [] }
        var entries: [(String, String)] = [
            ("Dashboard", Routes.dashboard), ("Leads", Routes.leads), ("Board", Routes.board), ("Reports", Routes.reports),
            ("Activity", Routes.activity), ("Account", Routes.account),
        ]
        if AdminPolicy.canAdminister(user) {
            entries.append(("Users", Routes.adminUsers))
            entries.append(("Pipeline", Routes.adminPipeline))
            entries.append(("Scoring", Routes.adminScoring))
            entries.append(("Custom fields", Routes.adminFields()))
        }
        return entries.map { label, href in
            let current = href == Routes.dashboard ? path == Routes.dashboard : (path == href || path.hasPrefix(href + "/"))
            return NavItem(label: label, href: href, current: current)
        }
    }
}
