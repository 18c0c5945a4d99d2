import Foundation
import Hummingbird
import Mustache

/// The board script's answer to a move it made (`Accept: application/json`, success only; refusals
/// keep `MoveJSON`): the HTML of the moved card and of both columns' head (count and value) and
/// foot ("Show all N", "No leads"), rendered from the partials the board page uses, with the same
/// view models. The script swaps them in and formats nothing itself.
struct BoardMoveAnswer: Encodable {
    var ok = true
    var leadId: Int64
    var fromStageId: Int64
    var toStageId: Int64
    var toStageName: String
    /// The card's `<li>`; nil when the lead no longer matches the board's filters (the script then
    /// removes the card).
    var card: String?
    var columns: [Column]

    struct Column: Encodable {
        var stageId: Int64
        var head: String
        var foot: String
    }

    static let cardTemplate = "board/_card"
    static let columnHeadTemplate = "board/_column-head"
    static let columnFootTemplate = "board/_column-foot"

    /// Reads the board after `result` under the filters of the board the move came from (its
    /// `return_to`) and renders the fragments.
    static func make(result: MoveResult, returnTo: String?, viewer: User, csrf: String, services: AppServices) async throws -> BoardMoveAnswer {
        let filter = BoardController.filter(returnTo: returnTo, fields: try await services.database.activeLeadFields())
        let stageIds = result.from.uid == result.to.uid ? [result.to.uid] : [result.from.uid, result.to.uid]
        let update = try await services.database.boardAfterMove(filter: filter, leadId: result.lead.uid, stageIds: stageIds, viewer: viewer)
        let views = BoardViews(
            filter: filter, pipeline: update.pipeline, now: services.database.clock.now(), cardFields: update.cardFields, cardValues: update.cardValues)
        let render = { (model: any MustacheParent, template: String) throws -> String in
            guard let html = services.views.renderFragment(model, template: template, csrf: csrf) else {
                throw HTTPError(.internalServerError)  // checked at start-up (Views.required)
            }
            return html
        }
        // The script keeps the cards it shows and moves one: the page showed min(count, 50) cards of
        // each column, now the source shows one fewer and the target one more. "Show all N" follows
        // the page's rule over what the board then shows (so a 51st lead stays reachable).
        let moved = update.card == nil ? 0 : 1
        let columns = try update.columns.map { column in
            let delta = column.stage.uid == result.to.uid ? moved : -moved
            let shown = min(column.count - delta, AppDatabase.cardsPerColumn) + delta
            let view = views.column(column, shownCards: max(shown, 0))
            return Column(stageId: column.stage.uid, head: try render(view, columnHeadTemplate), foot: try render(view, columnFootTemplate))
        }
        return BoardMoveAnswer(
            leadId: result.lead.uid, fromStageId: result.from.uid, toStageId: result.to.uid, toStageName: result.to.name,
            card: try update.card.map { try render(views.card($0), cardTemplate) }, columns: columns)
    }
}
