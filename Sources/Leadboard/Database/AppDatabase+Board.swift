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
            var boardFilter = filter
            boardFilter.deleted = false
            boardFilter.stageId = nil
            let query = LeadQuery(filter: boardFilter, viewer: viewer)
            let whereSQL: String
            let arguments: StatementArguments
            do {
                (whereSQL, arguments) = try query.whereClause(db)
            } catch is SearchSyntaxError {
                return Board(columns: stages.map { BoardColumn(stage: $0, count: 0, sumCents: 0, cards: []) }, searchSyntaxError: true, pipeline: pipeline)
            }
            var totals: [Int64: (Int, Int64)] = [:]
            let totalsSQL: String
            let totalsArguments: StatementArguments
            if let (tallySQL, tallyArguments) = query.tallyClause() {
                (totalsSQL, totalsArguments) = ("SELECT stageId, SUM(n) AS n, SUM(valueCents) AS total FROM leadTally \(tallySQL) GROUP BY stageId", tallyArguments)
            } else {
                (totalsSQL, totalsArguments) = (
                    "SELECT lead.stageId, COUNT(*) AS n, COALESCE(SUM(lead.valueCents), 0) AS total FROM lead \(whereSQL) GROUP BY lead.stageId", arguments
                )
            }
            for row in try Row.fetchAll(db, sql: totalsSQL, arguments: totalsArguments) {
                totals[row["stageId"]] = (row["n"], row["total"])
            }
            var cardsByStage: [Int64: [BoardCard]] = [:]
            let nonEmpty = stages.filter { (totals[$0.uid]?.0 ?? 0) > 0 }
            if !nonEmpty.isEmpty {
                var parts: [String] = []
                var allArguments: StatementArguments = []
                for stage in nonEmpty {
                    parts.append(
                        """
                        SELECT * FROM (
                          SELECT lead.id, lead.name, lead.company, lead.valueCents, lead.stageId, owner.name AS ownerName,
                                 lead.stageEnteredAt, lead.version,
                                 (SELECT COUNT(*) FROM leadTask WHERE leadTask.leadId = lead.id AND leadTask.status = 'open') AS openTasks
                          FROM lead LEFT JOIN user AS owner ON owner.id = lead.ownerId
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
            return Board(columns: columns, searchSyntaxError: false, pipeline: pipeline)
        }
    }
}
