import Foundation
import GRDB

public struct BoardCard: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var name: String
    public var company: String
    public var valueCents: Int64
    public var stageId: Int64
    public var ownerName: String?
    public var stageEnteredAt: Date
    public var openTasks: Int
    public var version: Int
    /// The stored score and the thresholds it is rated by (`ScoreColumns`).
    public var score: Int
    public var hotThreshold: Int
    public var warmThreshold: Int
    public var rating: Rating { Rating.of(score: score, hot: hotThreshold, warm: warmThreshold) }
}

public struct BoardColumn: Sendable {
    public var stage: Stage
    /// Exact, over every matching lead in the stage (not just the cards shown).
    public var count: Int
    public var sumCents: Int64
    public var cards: [BoardCard]
}

public struct Board: Sendable {
    public var columns: [BoardColumn]
    public var searchSyntaxError: Bool
    public var pipeline: PipelineConfig
    /// The custom fields cards show ("show on card", active) and the cards' values of them.
    public var cardFields: [CustomField] = []
    public var cardValues: [Int64: FieldValues] = [:]
}

extension AppDatabase {
    public static let cardsPerColumn = 50

    /// The board in three queries whatever the number of leads: the pipeline, exact per-stage totals
    /// (one GROUP BY), and the 50 most recently updated cards of every column (one UNION ALL of
    /// per-stage index range scans).
    public func board(filter: LeadFilter, viewer: User) async throws -> Board {
        try await pool.read { db in
            let pipeline = try db.pipelineConfig()
            let stages = pipeline.stages.filter(\.isActive)
            guard let clauses = try Self.boardClauses(db, filter: filter, viewer: viewer) else {
                return Board(columns: stages.map { BoardColumn(stage: $0, count: 0, sumCents: 0, cards: []) }, searchSyntaxError: true, pipeline: pipeline)
            }
            let (whereSQL, arguments) = (clauses.whereSQL, clauses.arguments)
            let totals = try Self.boardTotals(db, clauses)
            var cardsByStage: [Int64: [BoardCard]] = [:]
            let nonEmpty = stages.filter { (totals[$0.uid]?.0 ?? 0) > 0 }
            if !nonEmpty.isEmpty {
                var parts: [String] = []
                var allArguments: StatementArguments = []
                for stage in nonEmpty {
                    parts.append(
                        """
                        SELECT * FROM (
                          \(Self.boardCardSelect)
                          \(whereSQL) AND lead.stageId = ?
                          ORDER BY lead.updatedAt DESC, lead.id DESC LIMIT \(Self.cardsPerColumn))
                        """)
                    allArguments += arguments
                    allArguments += [stage.id]
                }
                for card in try BoardCard.fetchAll(db, sql: parts.joined(separator: "\nUNION ALL\n"), arguments: allArguments) {
                    cardsByStage[card.stageId, default: []].append(card)
                }
            }
            let columns = stages.map { stage in
                BoardColumn(
                    stage: stage, count: totals[stage.uid]?.0 ?? 0, sumCents: totals[stage.uid]?.1 ?? 0, cards: cardsByStage[stage.uid] ?? [])
            }
            let card = try db.cardFieldValues(leadIds: columns.flatMap { $0.cards.map(\.id) })
            return Board(columns: columns, searchSyntaxError: false, pipeline: pipeline, cardFields: card.fields, cardValues: card.values)
        }
    }
}

/// What a move changes on the board: the exact totals of the stages it left and entered, and the
/// moved lead's card, under the board's filter (the card is nil when the lead no longer matches it).
public struct BoardMoveUpdate: Sendable {
    public var columns: [BoardColumn]
    public var card: BoardCard?
    public var pipeline: PipelineConfig
    public var cardFields: [CustomField] = []
    public var cardValues: [Int64: FieldValues] = [:]
}

extension AppDatabase {
    /// The card columns both `board` and `boardAfterMove` read.
    static let boardCardSelect = """
        SELECT lead.id, lead.name, lead.company, lead.valueCents, lead.stageId, owner.name AS ownerName,
               lead.stageEnteredAt, lead.version, \(ScoreColumns.sql),
               (SELECT COUNT(*) FROM leadTask WHERE leadTask.leadId = lead.id AND leadTask.status = 'open') AS openTasks
        FROM lead LEFT JOIN user AS owner ON owner.id = lead.ownerId
        """

    /// The board's conditions: the filter over live leads of every stage, as `viewer` may see them;
    /// nil when the search text is not valid FTS5 syntax.
    static func boardClauses(_ db: Database, filter: LeadFilter, viewer: User) throws -> LeadClauses? {
        var boardFilter = filter
        boardFilter.deleted = false
        boardFilter.stageId = nil
        do {
            return try LeadQuery(filter: boardFilter, viewer: viewer).clauses(db)
        } catch is SearchSyntaxError {
            return nil
        }
    }

    /// Exact count and value of every stage under the filter (from the trigger-kept `leadTally` when
    /// the filter allows it).
    static func boardTotals(_ db: Database, _ clauses: LeadClauses) throws -> [Int64: (Int, Int64)] {
        var totals: [Int64: (Int, Int64)] = [:]
        for row in try Row.fetchAll(db, sql: clauses.stageTotalsSQL, arguments: clauses.arguments) {
            totals[row["stageId"]] = (row["n"], row["total"])
        }
        return totals
    }

    /// After a move from the board: the exact totals of `stageIds` and the card of `leadId`, with the
    /// same filter, visibility and queries as `board`, so the script can swap in what a reload shows.
    public func boardAfterMove(filter: LeadFilter, leadId: Int64, stageIds: [Int64], viewer: User) async throws -> BoardMoveUpdate {
        try await pool.read { db in
            let pipeline = try db.pipelineConfig()
            let stages = stageIds.compactMap { pipeline.stage($0) }
            guard let clauses = try Self.boardClauses(db, filter: filter, viewer: viewer) else {
                // The board showed the search error and no cards; there is nothing to update.
                return BoardMoveUpdate(
                    columns: stages.map { BoardColumn(stage: $0, count: 0, sumCents: 0, cards: []) }, card: nil, pipeline: pipeline)
            }
            let totals = try Self.boardTotals(db, clauses)
            let card = try BoardCard.fetchOne(
                db, sql: "\(Self.boardCardSelect) \(clauses.whereSQL) AND lead.id = ?", arguments: clauses.arguments + [leadId])
            let columns = stages.map { stage in
                BoardColumn(stage: stage, count: totals[stage.uid]?.0 ?? 0, sumCents: totals[stage.uid]?.1 ?? 0, cards: [])
            }
            let custom = try db.cardFieldValues(leadIds: card.map { [$0.id] } ?? [])
            return BoardMoveUpdate(columns: columns, card: card, pipeline: pipeline, cardFields: custom.fields, cardValues: custom.values)
        }
    }
}
