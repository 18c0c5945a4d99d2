import Foundation
import Hummingbird
import Mustache

/// The report tables, each with its chart and its CSV download.
enum ReportKind: String, CaseIterable, Sendable {
    case funnel, sources, owners, weekly, stageTimes = "stage_times"
}

/// Report filters from the query string: a date range (default the last 90 days) and, for
/// managers and admins, an owner.
struct ReportFilter: Sendable {
    var range: ReportRange
    var ownerId: Int64?
    var errors: [String: String] = [:]

    init(query: FormData, now: Date, viewer: User) {
        let defaultTo = Day.string(now)
        let defaultFrom = Day.string(now.addingTimeInterval(-89 * 86400))
        var from = defaultFrom, to = defaultTo
        let rawFrom = query.trimmed("from"), rawTo = query.trimmed("to")
        if !rawFrom.isEmpty {
            if let day = Day.parse(rawFrom) { from = day } else { errors["from"] = "From must be a date like 2026-01-31." }
        }
        if !rawTo.isEmpty {
            if let day = Day.parse(rawTo) { to = day } else { errors["to"] = "To must be a date like 2026-01-31." }
        }
        if from > to {
            errors["to"] = "To must not be before From."
            (from, to) = (defaultFrom, defaultTo)
        }
        range = ReportRange(from: from, to: to)
        ownerId = LeadPolicy.canReportByOwner(viewer) ? Int64(query.trimmed("owner")) : nil
    }

    func queryItems() -> [(String, String)] {
        [("from", range.from), ("to", range.to), ("owner", ownerId.map(String.init) ?? "")]
    }
}

struct ReportsPage: Page {
    static let template = "reports/index"
    var title: String { "Reports" }
    let reports: Reports
    let filter: ReportFilter
    let viewer: User
    let users: [User]

    func csvHref(_ kind: ReportKind) -> String { URLQuery.build(Routes.reportsCSV, [("report", kind.rawValue)] + filter.queryItems()) }

    func child(named name: String) -> Any? {
        let r = reports
        return switch name {
        case "from": filter.range.from
        case "to": filter.range.to
        // The date inputs keep ISO days; the text shows them like every other page.
        case "fromLabel": Format.day(filter.range.from)
        case "toLabel": Format.day(filter.range.to)
        case "errors": filter.errors
        case "canFilterOwner": LeadPolicy.canReportByOwner(viewer)
        case "ownerOptions":
            [Option(value: "", label: "Everyone", selected: filter.ownerId == nil)]
                + users.map { Option(value: String($0.uid), label: $0.name, selected: $0.id == filter.ownerId) }
        case "totalCreated": r.totalCreated.formatted()
        case "funnelChart":
            BarChart(
                id: "funnel", title: "Funnel: leads created \(Format.day(filter.range.from)) to \(Format.day(filter.range.to)) that reached each stage",
                summary: r.funnel.map { "\($0.stage.name) \($0.reached)" }.joined(separator: ", "),
                bars: r.funnel.map { .init(label: $0.stage.name, value: Double($0.reached), valueLabel: $0.reached.formatted(), cssClass: "stage-\($0.stage.uid)") })
        case "funnelRows":
            r.funnel.map { row -> [String: String] in
                ["stage": row.stage.name, "reached": row.reached.formatted(), "share": Percent.format(row.reached, r.totalCreated)]
            }
        case "sourceChart":
            BarChart(
                id: "sources", title: "Conversion rate by source", summary: r.sources.map { "\($0.name) \(Percent.format($0.won, $0.won + $0.lost))" }.joined(separator: ", "),
                bars: r.sources.map {
                    .init(label: $0.name, value: $0.won + $0.lost == 0 ? 0 : Double($0.won) / Double($0.won + $0.lost) * 100,
                          valueLabel: "\(Percent.format($0.won, $0.won + $0.lost)) of \($0.won + $0.lost) closed")
                })
        case "sourceRows":
            r.sources.map { row -> [String: String] in
                ["name": row.name, "leads": row.leads.formatted(), "won": row.won.formatted(), "lost": row.lost.formatted(), "rate": Percent.format(row.won, row.won + row.lost)]
            }
        case "showOwners": LeadPolicy.canReportByOwner(viewer)
        case "ownerChart":
            BarChart(
                id: "owners", title: "Won value by owner", summary: r.owners.map { "\($0.name) \(Money.display($0.wonValueCents))" }.joined(separator: ", "),
                bars: r.owners.map { .init(label: $0.name, value: Double($0.wonValueCents), valueLabel: Money.display($0.wonValueCents)) })
        case "ownerRows":
            r.owners.map { row -> [String: String] in
                ["name": row.name, "leads": row.leads.formatted(), "won": row.won.formatted(), "lost": row.lost.formatted(), "wonValue": Money.display(row.wonValueCents)]
            }
        case "weeklyChart":
            ColumnChart(
                id: "weekly", title: "Leads created per week", summary: r.weeks.map { "\(Format.day($0.weekStart)) \($0.created)" }.joined(separator: ", "),
                columns: r.weeks.map { .init(label: Format.day($0.weekStart), value: Double($0.created), valueLabel: $0.created.formatted()) })
        case "weekRows": r.weeks.map { ["week": Format.day($0.weekStart), "created": $0.created.formatted()] }
        case "stageTimeChart":
            BarChart(
                id: "stage-times", title: "Median time spent in each stage",
                summary: r.stageTimes.map { "\($0.stage.name) \(ElapsedTime.format($0.medianSeconds))" }.joined(separator: ", "),
                bars: r.stageTimes.map { .init(label: $0.stage.name, value: $0.medianSeconds ?? 0, valueLabel: ElapsedTime.format($0.medianSeconds), cssClass: "stage-\($0.stage.uid)") })
        case "stageTimeRows":
            r.stageTimes.map { row -> [String: String] in
                ["stage": row.stage.name, "stays": row.stays.formatted(), "average": ElapsedTime.format(row.averageSeconds), "median": ElapsedTime.format(row.medianSeconds)]
            }
        case "funnelCSV": csvHref(.funnel)
        case "sourcesCSV": csvHref(.sources)
        case "ownersCSV": csvHref(.owners)
        case "weeklyCSV": csvHref(.weekly)
        case "stageTimesCSV": csvHref(.stageTimes)
        default: nil
        }
    }
}

/// `GET /reports` and `GET /reports.csv?report=…`.
struct ReportsController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.reports), use: show)
        group.get(RouterPath(Routes.Pattern.reportsCSV), use: csv)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let filter = ReportFilter(query: try request.query(), now: services.database.clock.now(), viewer: user)
        async let reports = services.reportCache.reports(database: services.database, viewer: user, range: filter.range, ownerId: filter.ownerId)
        async let users = services.database.leadReferenceData().users
        let page = ReportsPage(reports: try await reports, filter: filter, viewer: user, users: try await users)
        return services.views.render(page, request: request, context: context)
    }

    /// The rows of one report table as CSV lines (header first). Numbers stay plain.
    static func table(_ kind: ReportKind, _ r: Reports) -> [[String]] {
        switch kind {
        case .funnel:
            [["stage", "reached"]] + r.funnel.map { [$0.stage.name, String($0.reached)] }
        case .sources:
            [["source", "leads", "won", "lost", "conversion_rate"]]
                + r.sources.map { [$0.name, String($0.leads), String($0.won), String($0.lost), $0.won + $0.lost == 0 ? "" : String(format: "%.4f", Double($0.won) / Double($0.won + $0.lost))] }
        case .owners:
            [["owner", "leads", "won", "lost", "won_value"]]
                + r.owners.map { [$0.name, String($0.leads), String($0.won), String($0.lost), Money.plain($0.wonValueCents)] }
        case .weekly:
            [["week_start", "created"]] + r.weeks.map { [$0.weekStart, String($0.created)] }
        case .stageTimes:
            [["stage", "stays", "average_hours", "median_hours"]]
                + r.stageTimes.map {
                    [$0.stage.name, String($0.stays), $0.averageSeconds.map { String(format: "%.2f", $0 / 3600) } ?? "", $0.medianSeconds.map { String(format: "%.2f", $0 / 3600) } ?? ""]
                }
        }
    }

    @Sendable func csv(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let query = try request.query()
        guard let kind = ReportKind(rawValue: query.trimmed("report")) else {
            throw PageError(.badRequest, "Choose a report: funnel, sources, owners, weekly or stage_times.")
        }
        if kind == .owners && !LeadPolicy.canReportByOwner(user) { throw HTTPError(.forbidden) }
        let filter = ReportFilter(query: query, now: services.database.clock.now(), viewer: user)
        let reports = try await services.reportCache.reports(database: services.database, viewer: user, range: filter.range, ownerId: filter.ownerId)
        let body = try CSVText.encode(Self.table(kind, reports), numericColumns: [])
        var buffer = ByteBuffer()
        buffer.writeString(body)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"report-\(kind.rawValue)-\(filter.range.from)-\(filter.range.to).csv\"",
            ],
            body: .init(byteBuffer: buffer))
    }
}
