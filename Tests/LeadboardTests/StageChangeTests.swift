import Foundation
import GRDB
import Testing

@testable import Leadboard

/// "Leave the stage, skip its tasks, enter the next with its tasks, record the activity" has one home,
/// `Database.changeStages`, used by moves, stage deactivation and the demo generator.
@Suite struct StageChangeTests {
    /// What a stage change leaves behind for one lead that was in `from` and is now in `to` since `at`.
    func expectChanged(_ app: TestApp, _ leadId: Int64, from: Int64, to: Int64, at: Date, version: Int, by actor: User) async throws {
        let lead = try await app.storedLead(leadId)
        #expect(lead.stageId == to)
        #expect(lead.stageEnteredAt == at && lead.updatedAt == at)
        #expect(lead.version == version)
        let history = try await app.history(of: leadId)
        #expect(history.map(\.stageId).suffix(2) == [from, to])
        #expect(history.dropLast().allSatisfy { $0.exitedAt != nil })
        #expect(history.dropLast().last?.exitedAt == at && history.dropLast().last?.exitedById == actor.id)
        #expect(history.last?.enteredAt == at && history.last?.exitedAt == nil && history.last?.enteredById == actor.id)
        let tasks = try await app.tasks(of: leadId)
        #expect(tasks.filter { $0.stageId == from }.map(\.status) == [.skipped])
        #expect(tasks.filter { $0.stageId == to }.map { "\($0.name) \($0.status.rawValue)" } == ["Send proposal open", "Book demo open"])
        let activity = try #require(try await app.activities(of: leadId).last)
        #expect(activity.kind == .stageChanged && activity.createdAt == at && activity.actorId == actor.id)
        #expect(ActivityDetail.decode(activity.detail).changes == [.init(field: "Stage", from: "Contacted", to: "Qualified")])
    }

    @Test func aMoveAndAStageDeactivationLeaveAndEnterStagesTheSameWay() async throws {
        let app = try await TestApp.make()
        let admin = try await app.createUser("admin@example.com", role: .admin)
        try await app.database.addTaskTemplate(stageId: StageID.qualified, name: "Send proposal", description: "", isRequired: true)
        try await app.database.addTaskTemplate(stageId: StageID.qualified, name: "Book demo", description: "", isRequired: false)
        let moved = try await app.createLead("Moved", owner: admin, stage: StageID.contacted)
        let relocated = try await app.createLead("Relocated", owner: admin, stage: StageID.contacted)

        app.clock.advance(60)
        let movedAt = app.clock.now
        try await app.database.moveLead(
            id: moved.uid, request: MoveRequest(toStageId: StageID.qualified, comment: "Qualified at the fair", override: true), actor: admin)
        app.clock.advance(60)
        let relocatedAt = app.clock.now
        try await app.database.updateStage(
            id: StageID.contacted, input: StageInput(name: "Contacted", color: "#8b5cf6", category: .open, isActive: false, moveLeadsTo: StageID.qualified),
            actor: admin)

        try await expectChanged(app, moved.uid, from: StageID.contacted, to: StageID.qualified, at: movedAt, version: moved.version + 1, by: admin)
        try await expectChanged(
            app, relocated.uid, from: StageID.contacted, to: StageID.qualified, at: relocatedAt, version: relocated.version + 1, by: admin)
        // What differs is what each path says about itself.
        let movedStay = try #require(try await app.history(of: moved.uid).last)
        let relocatedStay = try #require(try await app.history(of: relocated.uid).last)
        #expect(movedStay.comment == "Qualified at the fair" && movedStay.override)
        #expect(relocatedStay.comment == "Stage Contacted was removed" && !relocatedStay.override)
    }

    @Test func aStageDeactivationRunsTheSameStatementsForOneLeadOrMany() async throws {
        func statements(leads: Int) async throws -> [String] {
            let log = StatementLog()
            let app = try await TestApp.make(trace: { log.record($0) })
            let admin = try await app.createUser("admin@example.com", role: .admin)
            for i in 0..<leads { try await app.createLead("L\(i)", owner: admin, stage: StageID.contacted) }
            return try await log.during {
                try await app.database.updateStage(
                    id: StageID.contacted,
                    input: StageInput(name: "Contacted", color: "#8b5cf6", category: .open, isActive: false, moveLeadsTo: StageID.qualified), actor: admin)
            }
        }
        let one = try await statements(leads: 1)
        let many = try await statements(leads: 40)
        #expect(one.count == many.count)
        #expect(many.count(where: { $0.contains("pendingStageChange") }) >= StageChangeSQL.applied.count)
    }

    @Test func everyStatementOfTheOperationReachesRowsThroughAnIndex() async throws {
        let app = try await TestApp.make()
        let plans = try await app.database.pool.write { db in
            try db.createStagingTable()
            return try StageChangeSQL.applied.map { sql in
                let rows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: sql.contains("?") ? [ActivityKind.stageChanged] : [])
                return (sql, rows.map { $0["detail"] as String })
            }
        }
        for (sql, plan) in plans {
            for table in ["lead", "stageHistory", "leadTask", "taskTemplate", "activity"] {
                #expect(!plan.contains { $0 == "SCAN \(table)" || $0.hasPrefix("SCAN \(table) ") }, "\(sql)\n\(plan)")
            }
        }
    }

    @Test func demoLeadsGoThroughThePipelineByTheSameOperation() async throws {
        let app = try await TestApp.make()
        _ = try await app.createUser("manager@example.com", role: .manager)
        _ = try await app.createUser("sam@example.com", role: .executive)
        let demo = DemoData(database: app.database, hasher: PasswordHasher.standard)
        #expect(try await demo.seedLeads(count: 300, seed: 7, batchSize: 120) == 300)

        let (leads, history, tasks, changes, templates) = try await app.database.pool.read { db in
            (
                try Lead.fetchAll(db), try StageHistory.order(Column("id")).fetchAll(db), try LeadTask.fetchAll(db),
                try Activity.filter(Column("kind") == ActivityKind.stageChanged.rawValue).fetchAll(db), try db.pipelineConfig().templates
            )
        }
        #expect(leads.count == 300)
        let stays = Dictionary(grouping: history, by: \.leadId)
        for lead in leads {
            let mine = stays[lead.uid] ?? []
            // One stay per step; each ends when the next begins; the last is open and is the lead's stage.
            #expect(mine.count == lead.version)
            #expect(zip(mine, mine.dropFirst()).allSatisfy { $0.exitedAt == $1.enteredAt })
            #expect(mine.last?.exitedAt == nil && mine.last?.stageId == lead.stageId && mine.last?.enteredAt == lead.stageEnteredAt)
            #expect(lead.updatedAt >= lead.stageEnteredAt)
            // The current stay's tasks are open, the earlier stays' tasks were skipped when the lead moved on.
            let leadTasks = tasks.filter { $0.leadId == lead.uid }
            #expect(leadTasks.filter { $0.status == .open }.count == (templates[lead.stageId] ?? []).count)
            #expect(leadTasks.filter { $0.status != .open }.allSatisfy { $0.status == .skipped && $0.createdAt < lead.stageEnteredAt })
        }
        #expect(changes.count == history.count - leads.count)
        #expect(history.contains { $0.exitedAt != nil }, "some demo leads moved on")
        #expect(history.filter { $0.lostReason != "" }.allSatisfy { stay in leads.contains { $0.uid == stay.leadId && $0.stageId == StageID.lost } })
    }
}
