import Foundation
import Hummingbird
import Mustache

struct DashboardPage: Page {
    static let template = "dashboard"
    var title: String { "Dashboard" }
    let user: User
    let figures: DashboardFigures

    func link(_ items: [(String, String)]) -> String { URLQuery.build(Routes.leads, items) }

    func child(named name: String) -> Any? {
        let f = figures
        return switch name {
        case "greetingName": user.name
        case "role": user.role.label
        case "scopeNote": LeadPolicy.seesAllLeads(user) ? "All leads" : "Your leads"
        case "openCount": f.count(.open).formatted()
        case "wonCount": f.count(.won).formatted()
        case "lostCount": f.count(.lost).formatted()
        case "openHref": link([("category", "open")])
        case "wonHref": link([("category", "won")])
        case "lostHref": link([("category", "lost")])
        case "openValue": Money.display(f.openValueCents)
        case "openValueHref": link([("category", "open"), ("sort", "-value")])
        case "newThisWeek": f.newThisWeek.formatted()
        case "newLastWeek": f.newLastWeek.formatted()
        case "thisWeekHref": link([("created_from", Day.string(f.weekStart))])
        case "lastWeekHref":
            link([("created_from", Day.string(f.weekStart.addingTimeInterval(-7 * 86400))), ("created_to", Day.string(f.weekStart.addingTimeInterval(-86400)))])
        case "conversion": f.conversionRate.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
        case "conversionDetail": "\(f.wonLast90) won, \(f.lostLast90) lost in the last 90 days"
        case "stages":
            f.stages.map { figure -> [String: String] in
                [
                    "name": figure.stage.name, "count": figure.count.formatted(), "value": Money.display(figure.valueCents),
                    "href": link([("stage", String(figure.stage.uid))]), "stageClass": "stage-\(figure.stage.uid)",
                ]
            }
        case "recentLeads": f.recentLeads.map(LeadRowView.init)
        case "openTasks":
            f.openTasks.map { task -> [String: any Sendable] in
                [
                    "name": task.name, "leadName": task.leadName, "href": Routes.lead(task.leadId) + "#tasks", "since": Format.date(task.createdAt),
                    "required": task.isRequired,
                ]
            }
        case "activity": f.activity.map { ActivityView(row: $0, showLead: true) }
        default: nil
        }
    }
}

/// `GET /`: where the pipeline stands, for what the user may see; every figure links to its leads.
struct DashboardController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.dashboard), use: show)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let figures = try await services.database.dashboard(viewer: user)
        return services.views.render(DashboardPage(user: user, figures: figures), request: request, context: context)
    }
}
