import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

extension TestApp {
    func history(of leadId: Int64) async throws -> [StageHistory] {
        try await database.pool.read { db in try StageHistory.filter(Column("leadId") == leadId).order(Column("id")).fetchAll(db) }
    }

    func tasks(of leadId: Int64) async throws -> [LeadTask] {
        try await database.pool.read { db in try LeadTask.filter(Column("leadId") == leadId).order(Column("id")).fetchAll(db) }
    }

    /// Completes every open required task of the lead's current stage.
    func completeOpenTasks(_ leadId: Int64, as user: User) async throws {
        for task in try await tasks(of: leadId) where task.status == .open {
            try await database.completeTask(leadId: leadId, taskId: task.id!, note: "", actor: user)
        }
    }
}

@Suite struct MoveRuleTests {
    @Test func theDefaultPipelineIsCreatedByTheMigrations() async throws {
        let app = try await TestApp.make()
        let config = try await app.database.pipeline()
        #expect(config.stages.map(\.name) == ["New Lead", "Contacted", "Qualified", "Proposal Sent", "Won", "Lost"])
        #expect(config.allowedTargets(from: StageID.newLead).map(\.name) == ["Contacted"])
        #expect(config.allowedTargets(from: StageID.contacted).map(\.name) == ["Qualified", "Lost"])
        #expect(config.allowedTargets(from: StageID.qualified).map(\.name) == ["Proposal Sent", "Lost"])
        #expect(config.allowedTargets(from: StageID.proposalSent).map(\.name) == ["Won", "Lost"])
        #expect(config.allowedTargets(from: StageID.won).isEmpty)
        #expect(config.allowedTargets(from: StageID.lost).isEmpty)
        #expect(config.templates[StageID.newLead]?.map(\.name) == ["Initial contact"])
        #expect(config.templates[StageID.contacted]?.map { "\($0.name) \($0.isRequired)" } == ["Qualification call true"])
    }

    @Test func everyRefusalNamesItsReasonAndWritesNothing() async throws {
        let app = try await TestApp.make()
        let manager = try await app.createUser("m@example.com", role: .manager)
        let lead = try await app.createLead("Rule Tester", owner: manager)
        let before = try await app.storedLead(lead.uid)

        await #expect(throws: MoveRefusal.notAllowed(from: "New Lead", to: "Qualified", allowed: ["Contacted"])) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.qualified), actor: manager)
        }
        await #expect(throws: MoveRefusal.openTasks(stage: "New Lead", tasks: ["Initial contact"], canOverride: true)) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted), actor: manager)
        }
        await #expect(throws: MoveRefusal.overrideNeedsComment) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted, override: true), actor: manager)
        }
        await #expect(throws: MoveRefusal.sameStage(stage: "New Lead")) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.newLead), actor: manager)
        }
        await #expect(throws: MoveRefusal.unknownStage) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: 999), actor: manager)
        }
        #expect(try await app.storedLead(lead.uid).version == before.version)
        #expect(try await app.history(of: lead.uid).count == 1)

        // Lost needs a reason; from a final stage nothing moves.
        try await app.completeOpenTasks(lead.uid, as: manager)
        try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted), actor: manager)
        await #expect(throws: MoveRefusal.lostReasonRequired(stage: "Lost")) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.lost, lostReason: "  "), actor: manager)
        }
        try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.lost, lostReason: "Chose a competitor"), actor: manager)
        await #expect(throws: MoveRefusal.finalStage(stage: "Lost")) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted), actor: manager)
        }
        #expect(MoveRefusal.openTasks(stage: "New Lead", tasks: ["Initial contact"], canOverride: false).message.contains("Initial contact"))
    }

    @Test func aSuccessfulMoveClosesHistoryOpensTheNextStayAndCreatesTasks() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let exec = try await app.createUser("e@example.com", role: .executive)
        let lead = try await app.createLead("Mover", owner: exec)
        #expect(try await app.tasks(of: lead.uid).map(\.name) == ["Initial contact"])
        clock.advance(3600)
        try await app.completeOpenTasks(lead.uid, as: exec)
        clock.advance(86400)
        let result = try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted, comment: "Spoke on the phone"), actor: exec)
        #expect(result.to.name == "Contacted")
        #expect(result.lead.version > lead.version)

        let history = try await app.history(of: lead.uid)
        #expect(history.count == 2)
        #expect(history[0].stageId == StageID.newLead)
        #expect(history[0].exitedAt == clock.now)
        #expect(history[0].exitedById == exec.id)
        #expect(history[1].stageId == StageID.contacted)
        #expect(history[1].exitedAt == nil)
        #expect(history[1].comment == "Spoke on the phone")
        let tasks = try await app.tasks(of: lead.uid)
        #expect(tasks.map { "\($0.name):\($0.status.rawValue)" } == ["Initial contact:done", "Qualification call:open"])
        let stored = try await app.storedLead(lead.uid)
        #expect(stored.stageId == StageID.contacted)
        #expect(stored.stageEnteredAt == clock.now)
        let activity = try #require(try await app.activities(of: lead.uid).last)
        #expect(activity.kind == .stageChanged)
        let detail = ActivityDetail.decode(activity.detail)
        #expect(detail.changes == [.init(field: "Stage", from: "New Lead", to: "Contacted")])
        #expect(detail.comment == "Spoke on the phone")
        #expect(try await app.activities(of: lead.uid).contains { $0.kind == .taskCompleted })
    }

    @Test func managersMayOverrideOpenTasksWithACommentAndItIsRecorded() async throws {
        let app = try await TestApp.make()
        let manager = try await app.createUser("m@example.com", role: .manager)
        let exec = try await app.createUser("e@example.com", role: .executive)
        let lead = try await app.createLead("Override", owner: exec)
        // An executive cannot override.
        await #expect(throws: MoveRefusal.openTasks(stage: "New Lead", tasks: ["Initial contact"], canOverride: false)) {
            try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted, comment: "please", override: true), actor: exec)
        }
        try await app.database.moveLead(
            id: lead.uid, request: MoveRequest(toStageId: StageID.contacted, comment: "Customer called us", override: true), actor: manager)
        let history = try await app.history(of: lead.uid)
        #expect(history.last?.override == true)
        #expect(history.last?.comment == "Customer called us")
        #expect(try await app.tasks(of: lead.uid).first?.status == .skipped)
        let detail = ActivityDetail.decode(try #require(try await app.activities(of: lead.uid).last).detail)
        #expect(detail.override == true)
    }

    @Test func openTasksNeverBlockLosingALeadAndAreMarkedSkipped() async throws {
        let app = try await TestApp.make()
        let exec = try await app.createUser("e@example.com", role: .executive)
        let lead = try await app.createLead("To lose", owner: exec, stage: StageID.contacted)
        #expect(try await app.tasks(of: lead.uid).map(\.status) == [.open])
        try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.lost, lostReason: "No budget"), actor: exec)
        #expect(try await app.tasks(of: lead.uid).map(\.status) == [.skipped])
        #expect(try await app.history(of: lead.uid).last?.lostReason == "No budget")
        #expect(ActivityDetail.decode(try #require(try await app.activities(of: lead.uid).last).detail).comment?.contains("No budget") == true)
    }

    @Test func editingTheStageGoesThroughTheSameRules() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let me = try await app.user("m@example.com")
            let lead = try await app.createLead("Edited", owner: me)
            let refused = try await manager.post("/leads/\(lead.uid)", editForm(lead, ["stage_id": String(StageID.qualified), "name": "Renamed"]))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains("cannot move to Qualified"))
            let stored = try await app.storedLead(lead.uid)
            #expect(stored.name == "Edited")  // the whole save rolled back
            #expect(stored.stageId == StageID.newLead)
        }
    }
}

@Suite struct MoveRouteTests {
    @Test func executivesCannotMoveOthersLeads() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let riya = try await app.user(try await app.createUser("riya@example.com", role: .executive).email)
            let lead = try await app.createLead("Riya's", owner: riya, stage: StageID.qualified)
            let page = try await sam.post("/leads/\(lead.uid)/move", [("stage_id", String(StageID.proposalSent))])
            #expect(page.status == .notFound)
            let json = try await sam.post("/leads/\(lead.uid)/move", [("stage_id", String(StageID.proposalSent))], headers: [.accept: "application/json"])
            #expect(json.status == .notFound)
            #expect(try await app.storedLead(lead.uid).stageId == StageID.qualified)
            #expect(try await sam.post("/leads/\(lead.uid)/tasks/1/complete").status == .notFound)
            #expect(try await sam.post("/leads/\(lead.uid)/move", [("stage_id", "not a number")]).status == .notFound)
        }
    }

    @Test func refusalsShowTheMoveFormAndJSONCarriesWhatIsNeeded() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let lead = try await app.createLead("JSON", owner: try await app.user("m@example.com"), stage: StageID.contacted)
            let html = try await manager.post("/leads/\(lead.uid)/move", [("stage_id", String(StageID.lost)), ("return_to", "/board")])
            #expect(html.status == .unprocessableContent)
            #expect(html.contains("Give a reason for moving the lead to Lost."))
            #expect(html.contains("name=\"lost_reason\""))
            let json = try await manager.post("/leads/\(lead.uid)/move", [("stage_id", String(StageID.lost))], headers: [.accept: "application/json"])
            #expect(json.status == .unprocessableContent)
            #expect(json.body.contains("\"needs\":\"lost_reason\""))
            let tasks = try await manager.post("/leads/\(lead.uid)/move", [("stage_id", String(StageID.qualified))], headers: [.accept: "application/json"])
            #expect(tasks.body.contains("\"needs\":\"override\""))
            #expect(tasks.body.contains("Qualification call"))
            let ok = try await manager.post(
                "/leads/\(lead.uid)/move", [("stage_id", String(StageID.lost)), ("lost_reason", "Went silent"), ("return_to", "/board?owner=me")])
            #expect(ok.status == .seeOther)
            #expect(ok.location == "/board?owner=me")
            let unsafe = try await app.createLead("Unsafe return", owner: try await app.user("m@example.com"), stage: StageID.qualified)
            let redirect = try await manager.post("/leads/\(unsafe.uid)/move", [("stage_id", String(StageID.lost)), ("lost_reason", "x"), ("return_to", "//evil.example")])
            #expect(redirect.location == "/leads/\(unsafe.uid)")
        }
    }

    @Test func completingAndReopeningTasksThroughTheLeadPage() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Tasks", owner: try await app.user("sam@example.com"))
            let task = try #require(try await app.tasks(of: lead.uid).first)
            #expect(try await sam.post("/leads/\(lead.uid)/tasks/\(task.id!)/complete", [("note", "Left a voicemail")]).status == .seeOther)
            var stored = try #require(try await app.tasks(of: lead.uid).first)
            #expect(stored.status == .done)
            #expect(stored.note == "Left a voicemail")
            #expect(try await sam.post("/leads/\(lead.uid)/tasks/\(task.id!)/complete").status == .conflict)
            #expect(try await sam.post("/leads/\(lead.uid)/tasks/\(task.id!)/reopen").status == .seeOther)
            stored = try #require(try await app.tasks(of: lead.uid).first)
            #expect(stored.status == .open)
            let kinds = try await app.activities(of: lead.uid).map(\.kind)
            #expect(kinds.contains(.taskCompleted) && kinds.contains(.taskReopened))
            let page = try await sam.get("/leads/\(lead.uid)")
            #expect(page.contains("Initial contact"))
            #expect(page.contains("Stage history"))
        }
    }
}

@Suite struct StageAdminTests {
    @Test func removingAStageThatHoldsLeadsRequiresATargetAndMovesThemInOneGo() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
            let owner = try await app.user("a@example.com")
            let leads = [
                try await app.createLead("One", owner: owner, stage: StageID.qualified),
                try await app.createLead("Two", owner: owner, stage: StageID.qualified),
            ]
            try await app.database.deleteLead(id: leads[1].uid, actor: owner)
            let fields = [("name", "Qualified"), ("color", "#0ea5e9"), ("category", "open")]
            let refused = try await admin.post("/admin/pipeline/stages/\(StageID.qualified)", fields)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains("This stage holds 2 leads"))
            #expect(try await app.database.pipeline().stage(StageID.qualified)?.isActive == true)

            let ok = try await admin.post("/admin/pipeline/stages/\(StageID.qualified)", fields + [("move_to", String(StageID.proposalSent))])
            #expect(ok.status == .seeOther)
            #expect(try await app.database.pipeline().stage(StageID.qualified)?.isActive == false)
            for lead in leads {
                #expect(try await app.storedLead(lead.uid).stageId == StageID.proposalSent)
                let history = try await app.history(of: lead.uid)
                #expect(history.map(\.stageId) == [StageID.qualified, StageID.proposalSent])
                #expect(history.first?.exitedAt != nil)
            }
            let orphans = try await app.database.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lead WHERE stageId NOT IN (SELECT id FROM stage WHERE isActive = 1)")
            }
            #expect(orphans == 0)
            // The removed stage is no longer a target anywhere.
            #expect(!(try await app.database.pipeline().allowedTargets(from: StageID.contacted).contains { $0.id == StageID.qualified }))
        }
    }

    @Test func adminsAddRenameAndDeactivateSources() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
            #expect(try await admin.post("/admin/pipeline/sources", [("name", "Trade Show")]).status == .seeOther)
            let duplicate = try await admin.post("/admin/pipeline/sources", [("name", "trade show")])
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.contains("A source called trade show exists already."))
            let source = try #require(try await app.database.leadReferenceData().sources.first { $0.name == "Trade Show" })
            #expect(try await admin.post("/admin/pipeline/sources/\(source.uid)", [("name", "Trade Fair")]).status == .seeOther)
            let saved = try #require(try await app.database.leadReferenceData().sources.first { $0.id == source.id })
            #expect(saved.name == "Trade Fair" && !saved.isActive)
            #expect(try await admin.post("/admin/pipeline/sources/\(source.uid)", [("name", "")]).status == .unprocessableContent)
            // An inactive source is not offered for new leads.
            #expect(!(try await admin.get("/leads/new").contains(">Trade Fair<")))
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            #expect(try await manager.post("/admin/pipeline/sources", [("name", "Sneaky")]).status == .forbidden)
        }
    }

    @Test func atLeastOneOpenStageAlwaysRemains() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
            try await app.markEntryStages(StageID.proposalSent)  // so New Lead, the first entry stage, may go
            for id in [StageID.newLead, StageID.contacted, StageID.qualified] {
                #expect(try await admin.post("/admin/pipeline/stages/\(id)", [("name", "S\(id)"), ("color", "#111111"), ("category", "open")]).status == .seeOther)
            }
            let last = try await admin.post("/admin/pipeline/stages/\(StageID.proposalSent)", [("name", "Proposal Sent"), ("color", "#111111"), ("category", "won"), ("active", "1")])
            #expect(last.status == .unprocessableContent)
            #expect(last.contains("At least one active open stage must remain."))
        }
    }

    @Test func adminsCreateReorderAndConfigureStages() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
            let bad = try await admin.post("/admin/pipeline/stages", [("name", ""), ("color", "red"), ("category", "maybe")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.contains("Name is required."))
            #expect(bad.contains("Use a colour like #3b82f6."))
            #expect(try await admin.post("/admin/pipeline/stages", [("name", "Negotiation"), ("color", "#AA00ff"), ("category", "open")]).status == .seeOther)
            let dup = try await admin.post("/admin/pipeline/stages", [("name", "negotiation"), ("color", "#aa00ff"), ("category", "open")])
            #expect(dup.contains("Another stage is already called negotiation."))
            let created = try #require(try await app.database.pipeline().stages.first { $0.name == "Negotiation" })
            #expect(try await app.database.pipeline().stages.last?.id == created.id)
            #expect(try await admin.post("/admin/pipeline/reorder", [("stage_id", String(created.uid)), ("direction", "up")]).status == .seeOther)
            let names = try await app.database.pipeline().stages.map(\.name)
            #expect(names.suffix(2) == ["Negotiation", "Lost"])
            // Proposal Sent → Negotiation only, with a required task.
            let rules = [("name", "Proposal Sent"), ("color", "#f59e0b"), ("category", "open"), ("active", "1"), ("next", String(created.uid))]
            #expect(try await admin.post("/admin/pipeline/stages/\(StageID.proposalSent)", rules).status == .seeOther)
            #expect(try await app.database.pipeline().allowedTargets(from: StageID.proposalSent).map(\.name) == ["Negotiation"])
            #expect(try await admin.post("/admin/pipeline/stages/\(created.uid)/tasks", [("name", "Send contract"), ("required", "1")]).status == .seeOther)
            #expect(try await app.database.pipeline().templates[created.uid]?.map(\.isRequired) == [true])
            let template = try #require(try await app.database.pipeline().templates[created.uid]?.first)
            let edit = "/admin/pipeline/stages/\(created.uid)/tasks/\(template.id!)"
            #expect(try await admin.post(edit, [("name", ""), ("required", "1")]).status == .unprocessableContent)
            #expect(try await admin.post(edit, [("name", "Send signed contract"), ("description", "PDF")]).status == .seeOther)
            let saved = try #require(try await app.database.pipeline().templates[created.uid]?.first)
            #expect(saved.name == "Send signed contract" && saved.description == "PDF" && !saved.isRequired)
            #expect(try await admin.post("/admin/pipeline/stages/\(StageID.won)/tasks/\(template.id!)", [("name", "x")]).status == .notFound)
            // Executives and managers cannot reach the pipeline settings.
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            #expect(try await manager.get("/admin/pipeline").status == .forbidden)
            #expect(try await manager.post("/admin/pipeline/reorder", [("stage_id", "1"), ("direction", "down")]).status == .forbidden)
        }
    }
}

@Suite struct BoardTests {
    /// Seeds 130 leads (more than 50 in New Lead) across owners, sources and stages.
    func seed(_ app: TestApp) async throws -> (sam: User, riya: User) {
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)
        for i in 0..<130 {
            let owner = i % 3 == 0 ? riya : sam
            let stage = i < 80 ? StageID.newLead : (i < 110 ? StageID.contacted : StageID.proposalSent)
            try await app.createLead(
                "Board lead \(i)", owner: i % 10 == 9 ? nil : owner, actor: owner, company: i % 2 == 0 ? "Acme Corp" : "Globex",
                source: i % 4 == 0 ? SourceID.referral : SourceID.website, valueCents: Int64(1000 + i * 137), stage: stage)
        }
        return (sam, riya)
    }

    func expectTotalsMatchSQL(_ app: TestApp, viewer: User, filter: LeadFilter, extraSQL: String, arguments: StatementArguments) async throws {
        let board = try await app.database.board(filter: filter, viewer: viewer)
        for column in board.columns {
            let row = try await app.database.pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(valueCents), 0) AS total FROM lead WHERE deletedAt IS NULL AND stageId = ? \(extraSQL)",
                    arguments: [column.stage.id] + arguments)!
            }
            #expect(column.count == row["n"], "count of \(column.stage.name)")
            #expect(column.sumCents == row["total"], "sum of \(column.stage.name)")
            #expect(column.cards.count == min(50, column.count))
            #expect(column.cards.allSatisfy { $0.stageId == column.stage.id })
        }
    }

    @Test func columnTotalsEqualDirectSQLWithAndWithoutFilters() async throws {
        let app = try await TestApp.make()
        let (sam, riya) = try await seed(app)
        let manager = try await app.createUser("m@example.com", role: .manager)
        try await expectTotalsMatchSQL(app, viewer: manager, filter: LeadFilter(), extraSQL: "", arguments: [])
        var byOwner = LeadFilter()
        byOwner.owner = .user(riya.uid)
        try await expectTotalsMatchSQL(app, viewer: manager, filter: byOwner, extraSQL: "AND ownerId = ?", arguments: [riya.id])
        var unassigned = LeadFilter()
        unassigned.owner = .none
        try await expectTotalsMatchSQL(app, viewer: manager, filter: unassigned, extraSQL: "AND ownerId IS NULL", arguments: [])
        var bySource = LeadFilter()
        bySource.sourceId = SourceID.referral
        try await expectTotalsMatchSQL(app, viewer: manager, filter: bySource, extraSQL: "AND sourceId = ?", arguments: [SourceID.referral])
        var search = LeadFilter()
        search.q = "acm"
        try await expectTotalsMatchSQL(app, viewer: manager, filter: search, extraSQL: "AND company = 'Acme Corp'", arguments: [])
        // An executive's board holds only their own leads.
        try await expectTotalsMatchSQL(app, viewer: sam, filter: LeadFilter(), extraSQL: "AND ownerId = ?", arguments: [sam.id])
    }

    @Test func theBoardPageShowsTotalsCardsAndShowAllLinks() async throws {
        let app = try await TestApp.make()
        _ = try await seed(app)
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let page = try await manager.get("/board")
            #expect(page.status == .ok)
            #expect(page.contains("Show all 80"))
            #expect(page.contains("href=\"/leads?stage=\(StageID.newLead)\""))
            #expect(page.body.components(separatedBy: "class=\"card lead-card\"").count - 1 == 50 + 30 + 20)
            #expect(page.contains("<script src=\"/static/js/board.js\" defer></script>"))
            let filtered = try await manager.get("/board?owner=none&q=acm")
            #expect(filtered.status == .ok)
            let sam = try await Browser(client).login("sam@example.com")
            #expect(sam.status == .seeOther)
        }
    }

    /// The trigger-kept tally must always equal a direct count over the lead table.
    func expectTallyMatchesLeads(_ app: TestApp, _ note: Comment) async throws {
        let (tally, direct) = try await app.database.pool.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT ownerKey, stageId, n, valueCents FROM leadTally WHERE n <> 0 ORDER BY 1, 2").map { "\($0[0] as Int64)/\($0[1] as Int64): \($0[2] as Int) \($0[3] as Int64)" },
                try Row.fetchAll(db, sql: "SELECT COALESCE(ownerId, 0), stageId, COUNT(*), SUM(valueCents) FROM lead WHERE deletedAt IS NULL GROUP BY 1, 2 ORDER BY 1, 2").map { "\($0[0] as Int64)/\($0[1] as Int64): \($0[2] as Int) \($0[3] as Int64)" }
            )
        }
        #expect(tally == direct, note)
    }

    @Test func theTallyFollowsEveryKindOfLeadWrite() async throws {
        let app = try await TestApp.make()
        let admin = try await app.createUser("a@example.com", role: .admin)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        var leads: [Lead] = []
        for i in 0..<6 {
            leads.append(try await app.createLead("T\(i)", owner: i % 2 == 0 ? sam : nil, actor: admin, valueCents: Int64(100 * (i + 1)), stage: StageID.contacted))
        }
        try await expectTallyMatchesLeads(app, "after create")
        var edited = try await app.storedLead(leads[0].uid)
        edited.valueCents = 99_999
        _ = try await app.database.updateLead(
            id: edited.uid, expectedVersion: edited.version,
            input: LeadInput(name: "T0", valueCents: 99_999, stageId: edited.stageId, ownerId: admin.id), actor: admin)
        try await expectTallyMatchesLeads(app, "after edit of value and owner")
        try await app.database.assignLead(id: leads[1].uid, ownerId: sam.id, actor: admin)
        try await app.database.moveLead(id: leads[2].uid, request: MoveRequest(toStageId: StageID.lost, lostReason: "x"), actor: admin)
        try await app.database.deleteLead(id: leads[3].uid, actor: admin)
        try await expectTallyMatchesLeads(app, "after assign, move, delete")
        try await app.database.restoreLead(id: leads[3].uid, actor: admin)
        try await app.database.updateStage(
            id: StageID.contacted, input: StageInput(name: "Contacted", color: "#8b5cf6", category: .open, isActive: false, moveLeadsTo: StageID.qualified),
            actor: admin)
        try await expectTallyMatchesLeads(app, "after restore and stage removal")
        // The list count and the board use the tally when they can; both agree with the rows.
        let list = try await app.database.leadList(LeadQuery(filter: LeadFilter(), viewer: sam))
        #expect(list.total == list.rows.count)
        #expect(list.rows.allSatisfy { $0.ownerId == sam.id })
    }

    @Test func theBoardRunsAFixedNumberOfQueriesWhateverTheNumberOfLeads() async throws {
        func boardQueries(leads: Int) async throws -> Int {
            let log = StatementLog()
            let app = try await TestApp.make(trace: { log.record($0) })
            let owner = try await app.createUser("m@example.com", role: .manager)
            for i in 0..<leads {
                try await app.createLead("Q\(i)", owner: owner, stage: [StageID.newLead, StageID.contacted, StageID.qualified][i % 3])
            }
            let counted = StatementLog()
            try await app.run { client in
                let browser = Browser(client)
                try await browser.login("m@example.com")
                let statements = try await log.during { _ = try await browser.get("/board") }
                for sql in statements where sql.lowercased().hasPrefix("select") { counted.record(sql) }
            }
            return counted.count
        }
        let few = try await boardQueries(leads: 6)
        let many = try await boardQueries(leads: 180)
        #expect(few == many)
        #expect(many <= 14)
    }
}
