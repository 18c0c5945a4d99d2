import Foundation
import GRDB

/// A generated demo lead (see `DemoData.seedLeads`): its fields, the stages it went through with
/// the time it entered each (the first is where it was created), and its notes.
struct DemoLead: Sendable {
    struct Step: Sendable {
        var stage: Stage
        var at: Date
    }

    var name: String
    var email: String
    var phone: String
    var company: String
    var sourceId: Int64?
    var valueCents: Int64
    var expectedClose: String?
    var ownerId: Int64?
    var createdAt: Date
    var updatedAt: Date
    var path: [Step]
    var lostReason: String?
    var notes: [(text: String, at: Date)]
}

extension AppDatabase {
    /// True when the database holds any lead, deleted ones included.
    public func hasLeads() async throws -> Bool {
        try await pool.read { db in try Lead.fetchCount(db) > 0 }
    }

    /// What demo leads are made from: the active stages in pipeline order, the sources and the active users.
    func demoReferences() async throws -> (stages: [Stage], sources: [Source], users: [User]) {
        try await pool.read { db in
            (
                try Stage.filter(Column("isActive") == true).order(Column("position")).fetchAll(db),
                try Source.order(Column("position")).fetchAll(db),
                try User.filter(Column("isActive") == true).fetchAll(db)
            )
        }
    }

    /// Writes generated leads in one transaction: each lead with its reference and `created` activity,
    /// its notes, and its way through the pipeline by the one stage-change operation (`changeStages`),
    /// applied set-based one step at a time for the whole batch.
    func insertDemoLeads(_ leads: [DemoLead], creatorId: Int64?) async throws {
        try await write { db in
            var counters: [String: Int] = [:]
            let leadInsert = try db.makeStatement(
                sql: """
                    INSERT INTO lead (reference, name, email, phone, company, sourceId, valueCents, expectedCloseDate, stageId,
                      ownerId, createdById, createdAt, updatedAt, stageEnteredAt, version, deletedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL)
                    """)
            let activityInsert = try db.makeStatement(sql: "INSERT INTO activity (leadId, actorId, kind, detail, createdAt) VALUES (?, ?, ?, ?, ?)")
            let noteInsert = try db.makeStatement(sql: "INSERT INTO note (leadId, authorId, body, createdAt) VALUES (?, ?, ?, ?)")
            var ids: [Int64] = []
            ids.reserveCapacity(leads.count)
            for lead in leads {
                let month = Day.month(lead.createdAt)
                if counters[month] == nil {
                    counters[month] = try Int.fetchOne(db, sql: "SELECT lastNumber FROM referenceCounter WHERE month = ?", arguments: [month]) ?? 0
                }
                counters[month]! += 1
                let reference = "LEAD-\(month)-" + String(format: "%05d", counters[month]!)
                let first = lead.path[0]
                try leadInsert.execute(arguments: [
                    reference, lead.name, lead.email, lead.phone, lead.company, lead.sourceId, lead.valueCents, lead.expectedClose,
                    first.stage.id, lead.ownerId, creatorId, lead.createdAt, lead.updatedAt, first.at,
                ])
                let leadId = db.lastInsertedRowID
                ids.append(leadId)
                try activityInsert.execute(arguments: [leadId, creatorId, ActivityKind.created, ActivityDetail(text: reference).json, lead.createdAt])
                for note in lead.notes {
                    try noteInsert.execute(arguments: [leadId, lead.ownerId, note.text, note.at])
                    try activityInsert.execute(arguments: [leadId, lead.ownerId, ActivityKind.noteAdded, ActivityDetail(text: note.text).json, note.at])
                }
            }
            for (month, number) in counters {
                try db.execute(
                    sql: "INSERT INTO referenceCounter (month, lastNumber) VALUES (?, ?) ON CONFLICT(month) DO UPDATE SET lastNumber = excluded.lastNumber",
                    arguments: [month, number])
            }
            try db.enterFirstStages(
                zip(ids, leads).map { id, lead in StageChange(leadId: id, toStageId: lead.path[0].stage.uid, at: lead.path[0].at, actorId: lead.ownerId) })
            let steps = leads.map(\.path.count).max() ?? 0
            for step in stride(from: 1, to: steps, by: 1) {
                try db.changeStages(
                    zip(ids, leads).compactMap { id, lead in
                        guard lead.path.count > step else { return nil }
                        let (previous, next) = (lead.path[step - 1], lead.path[step])
                        let lostReason = next.stage.category == .lost ? lead.lostReason : nil
                        return StageChange(
                            leadId: id, toStageId: next.stage.uid, at: next.at, actorId: lead.ownerId, lostReason: lostReason ?? "",
                            activity: ActivityDetail(changes: [.init(field: "Stage", from: previous.stage.name, to: next.stage.name)], comment: lostReason))
                    })
            }
            // A stage change sets `updatedAt` to its time; a later note is the lead's latest update.
            let touch = try db.makeStatement(sql: "UPDATE lead SET updatedAt = ? WHERE id = ?")
            for (id, lead) in zip(ids, leads) where lead.path.count > 1 && lead.updatedAt != lead.path[lead.path.count - 1].at {
                try touch.execute(arguments: [lead.updatedAt, id])
            }
        }
    }
}
