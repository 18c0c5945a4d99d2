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
        case "href": Routes.lead(card.id)
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
        case "moveAction": Routes.leadMove(card.id)
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
                + (LeadPolicy.seesAllLeads(viewer)
                    ? [Option(value: "none", label: "Unassigned", selected: filter.owner == .none)]
                        + reference.users.map { Option(value: String($0.uid), label: $0.name, selected: filter.owner == .user($0.uid)) } : [])
        case "sourceOptions":
            [Option(value: "", label: "Any source", selected: filter.sourceId == nil)]
                + reference.sources.map { Option(value: String($0.uid), label: $0.name, selected: filter.sourceId == $0.id) }
        case "isFiltered": filter.isFiltered
        case "canOverride": LeadPolicy.canOverrideGates(viewer)
        default: nil
        }
    }

    var columns: [BoardColumnView] {
        let views = BoardViews(filter: filter, pipeline: board.pipeline, now: now)
        return board.columns.map { views.column($0, shownCards: $0.cards.count) }
    }
}

/// Builds the card and column view models the same way for the page and for the fragments a move
/// answers the board script with, so both print the same money, counts, labels and links.
struct BoardViews: Sendable {
    let filter: LeadFilter
    let pipeline: PipelineConfig
    let now: Date

    /// Where the cards' "Move to…" forms come back to: the board with its filters.
    var returnTo: String { URLQuery.build(Routes.board, filter.queryItems(includeSort: false)) }

    func card(_ card: BoardCard) -> BoardCardView {
        BoardCardView(card: card, now: now, targets: pipeline.allowedTargets(from: card.stageId), returnTo: returnTo)
    }

    /// `shownCards`: how many of the column's leads are on the board; "Show all N" appears when fewer
    /// than all of them are.
    func column(_ column: BoardColumn, shownCards: Int) -> BoardColumnView {
        var listFilter = filter
        listFilter.stageId = column.stage.id
        let more = column.count > shownCards ? URLQuery.build(Routes.leads, listFilter.queryItems(includeSort: false)) : nil
        return BoardColumnView(column: column, cards: column.cards.map(card), showAllHref: more)
    }
}

/// `GET /board`: one column per active stage with exact totals and the 50 freshest cards.
struct BoardController {
    let services: AppServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(RouterPath(Routes.Pattern.board), use: show)
    }

    /// The board's filters from a query string: owner, source and search (stage, deleted and created
    /// range do not apply to the board). The move answer reads the same filters from `return_to`.
    static func filter(_ query: FormData) -> LeadFilter {
        var filter = LeadFilter(query: query)
        filter.stageId = nil
        filter.deleted = false
        filter.createdFrom = nil
        filter.createdTo = nil
        return filter
    }

    /// The filters of the board a request came from, read from its `return_to` (the board's own URL,
    /// which the board script sends like the "Move to…" form does); the unfiltered board otherwise.
    static func filter(returnTo: String?) -> LeadFilter {
        guard let target = LocalRedirect.sanitize(returnTo) else { return filter(FormData()) }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0] == Routes.board, parts.count == 2 else { return filter(FormData()) }
        let query = parts[1].split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return filter((try? FormData(urlEncoded: query)) ?? FormData())
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let filter = Self.filter(try request.query())
        async let board = services.database.board(filter: filter, viewer: user)
        async let reference = services.database.leadReferenceData()
        let page = BoardPage(board: try await board, filter: filter, reference: try await reference, viewer: user, now: services.database.clock.now())
        return services.views.render(page, request: request, context: context)
    }
}
