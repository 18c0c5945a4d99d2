import Foundation
import Hummingbird
import Mustache

struct BoardCardView: MustacheParent, Sendable {
    let card: BoardCard
    let now: Date
    let targets: [Stage]
    let returnTo: String

    var daysInStage: Int { max(0, Int(now.timeIntervalSince(card.stageEnteredAt) / 86400)) }

    func child(named name: String) -> Any? {
        switch name {
        case "id": card.id
        case "href": "/leads/\(card.id)"
        case "name": card.name
        case "company": card.company
        case "value": Money.display(card.valueCents)
        case "valueCents": card.valueCents
        case "initials": card.ownerName.map(User.initials(of:)) ?? "—"
        case "ownerName": card.ownerName ?? "Unassigned"
        case "openTasks": card.openTasks
        case "hasOpenTasks": card.openTasks > 0
        case "openTasksLabel": card.openTasks == 1 ? "1 open task" : "\(card.openTasks) open tasks"
        case "days": daysInStage == 1 ? "1 day" : "\(daysInStage) days"
        case "moveAction": "/leads/\(card.id)/move"
        case "targets": targets.map { Option(value: String($0.uid), label: $0.name, selected: false) }
        case "hasTargets": !targets.isEmpty
        case "allowed": targets.map { String($0.uid) }.joined(separator: " ")
        case "returnTo": returnTo
        default: nil
        }
    }
}

struct BoardColumnView: MustacheParent, Sendable {
    let column: BoardColumn
    let cards: [BoardCardView]
    let showAllHref: String?

    func child(named name: String) -> Any? {
        switch name {
        case "stageId": column.stage.uid
        case "stageName": column.stage.name
        case "stageClass": "stage-\(column.stage.uid)"
        case "category": column.stage.category.rawValue
        case "count": column.count.formatted()
        case "rawCount": column.count
        case "sum": Money.display(column.sumCents)
        case "sumCents": column.sumCents
        case "cards": cards
        case "showAllHref": showAllHref
        case "showAllLabel": "Show all \(column.count.formatted())"
        case "empty": column.count == 0
        default: nil
        }
    }
}

struct BoardPage: Page {
    static let template = "board/index"
    var title: String { "Board" }
    let board: Board
    let filter: LeadFilter
    let reference: LeadReferenceData
    let viewer: User
    let now: Date

    func child(named name: String) -> Any? {
        switch name {
        case "columns": columns
        case "q": filter.q
        case "searchError": board.searchSyntaxError ? "The search could not be understood. Use plain words, or balance your quotes and brackets." : nil
        case "ownerOptions":
            [Option(value: "", label: "Anyone", selected: filter.owner == .any), Option(value: "me", label: "Me", selected: filter.owner == .me)]
                + (viewer.role.seesAllLeads
                    ? [Option(value: "none", label: "Unassigned", selected: filter.owner == .none)]
                        + reference.users.map { Option(value: String($0.uid), label: $0.name, selected: filter.owner == .user($0.uid)) } : [])
        case "sourceOptions":
            [Option(value: "", label: "Any source", selected: filter.sourceId == nil)]
                + reference.sources.map { Option(value: String($0.uid), label: $0.name, selected: filter.sourceId == $0.id) }
        case "isFiltered": filter.isFiltered
        case "canOverride": viewer.role.seesAllLeads
        default: nil
        }
    }

    var returnTo: String { URLQuery.build("/board", filter.queryItems(includeSort: false)) }

    var columns: [BoardColumnView] {
        board.columns.map { column in
            var listFilter = filter
            listFilter.stageId = column.stage.id
            let more = column.count > column.cards.count ? URLQuery.build("/leads", listFilter.queryItems(includeSort: false)) : nil
            let targets = board.pipeline.allowedTargets(from: column.stage.uid)
            return BoardColumnView(
                column: column, cards: column.cards.map { BoardCardView(card: $0, now: now, targets: targets, returnTo: returnTo) },
                showAllHref: more)
        }
    }
}

/// `GET /board`: one column per active stage with exact totals and the 50 freshest cards.
struct BoardController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("/board", use: show)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        var filter = LeadFilter(query: try request.query())
        filter.stageId = nil
        filter.deleted = false
        filter.createdFrom = nil
        filter.createdTo = nil
        async let board = services.database.board(filter: filter, viewer: user)
        async let reference = services.database.leadReferenceData()
        let page = BoardPage(board: try await board, filter: filter, reference: try await reference, viewer: user, now: services.database.clock.now())
        return services.views.render(page, request: request, context: context)
    }
}
