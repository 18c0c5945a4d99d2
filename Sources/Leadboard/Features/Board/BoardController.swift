import Foundation
import Hummingbird
import Mustache

struct BoardCardView: MustacheParent, Sendable {
    let card: BoardCard
    let now: Date
    let targets: [Stage]
    let returnTo: String
    /// The "show on card" custom fields that have a value on this lead.
    var custom: [LabelValueView] = []

    var daysInStage: Int { max(0, Int(now.timeIntervalSince(card.stageEnteredAt) / 86400)) }

    func child(named name: String) -> Any? {
        switch name {
        case "id": card.id
        case "href": Routes.lead(card.id)
        case "name": card.name
        case "company": card.company
        case "value": Money.display(card.valueCents)
        case "valueCents": card.valueCents
        case "rating": card.rating.rawValue
        case "ratingLabel": card.rating.label
        case "score": card.score
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
        case "custom": custom
        case "hasCustom": !custom.isEmpty
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
    /// The active lead custom fields (select and boolean ones are filters here too).
    var fields: [CustomField] = []

    func child(named name: String) -> Any? {
        switch name {
        case "columns": columns
        case "customFilters": fields.filter(\.type.isFilterable).map { CustomFilterView(field: $0, filter: filter, namedAny: true) }
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
        let views = BoardViews(filter: filter, pipeline: board.pipeline, now: now, cardFields: board.cardFields, cardValues: board.cardValues)
        return board.columns.map { views.column($0, shownCards: $0.cards.count) }
    }
}

/// Builds the card and column view models the same way for the page and for the fragments a move
/// answers the board script with, so both print the same money, counts, labels and links.
struct BoardViews: Sendable {
    let filter: LeadFilter
    let pipeline: PipelineConfig
    let now: Date
    /// The "show on card" fields and the cards' values of them (`Board.cardFields`).
    var cardFields: [CustomField] = []
    var cardValues: [Int64: FieldValues] = [:]

    /// Where the cards' "Move to…" forms come back to: the board with its filters.
    var returnTo: String { URLQuery.build(Routes.board, filter.queryItems(includeSort: false)) }

    func card(_ card: BoardCard) -> BoardCardView {
        let values = cardValues[card.id] ?? [:]
        let custom = cardFields.compactMap { field in
            CustomFieldDisplay.text(field, values[field.uid]).map { LabelValueView(label: field.label, value: $0) }
        }
        return BoardCardView(card: card, now: now, targets: pipeline.allowedTargets(from: card.stageId), returnTo: returnTo, custom: custom)
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
    static func filter(_ query: FormData, fields: [CustomField]) -> LeadFilter {
        var filter = LeadFilter(query: query, fields: fields)
        filter.stageId = nil
        filter.deleted = false
        filter.createdFrom = nil
        filter.createdTo = nil
        return filter
    }

    /// The filters of the board a request came from, read from its `return_to` (the board's own URL,
    /// which the board script sends like the "Move to…" form does); the unfiltered board otherwise.
    static func filter(returnTo: String?, fields: [CustomField]) -> LeadFilter {
        guard let target = LocalRedirect.sanitize(returnTo) else { return filter(FormData(), fields: fields) }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0] == Routes.board, parts.count == 2 else { return filter(FormData(), fields: fields) }
        let query = parts[1].split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return filter((try? FormData(urlEncoded: query)) ?? FormData(), fields: fields)
    }

    @Sendable func show(request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.user
        let fields = try await services.database.activeLeadFields()
        let filter = Self.filter(try request.query(), fields: fields)
        async let board = services.database.board(filter: filter, viewer: user)
        async let reference = services.database.leadReferenceData()
        let page = BoardPage(
            board: try await board, filter: filter, reference: try await reference, viewer: user, now: services.database.clock.now(), fields: fields)
        return services.views.render(page, request: request, context: context)
    }
}
