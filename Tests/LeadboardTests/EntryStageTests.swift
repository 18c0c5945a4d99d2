import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// New leads start in an entry stage; any other stage is a move under the same rules as
/// `POST /leads/{id}/move` (issue 8).
@Suite struct EntryStageTests {
    /// Rows in every table a lead creation writes to, and the reference counters.
    static func counts(_ app: TestApp) async throws -> [String: Int] {
        var counts = try await app.writeCounts()
        counts["referenceCounter"] = try await app.database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(lastNumber), 0) FROM referenceCounter")!
        }
        return counts
    }

    /// The field error printed right after the stage select of the lead form, if any.
    static func stageError(_ page: Browser.Page) -> String? {
        guard let select = page.body.range(of: "id=\"stage_id\"") else { return nil }
        let rest = page.body[select.upperBound...]
        // Up to the next field (the owner, for managers) or the buttons.
        let ends = ["<label", "<div class=\"form-actions\""].compactMap { rest.range(of: $0)?.lowerBound }
        guard let end = ends.min() else { return nil }
        return HTMLText.between(String(rest[..<end]), "<p class=\"field-error\" id=\"stage_id-error\">", "</p>").map(HTMLText.unescape)
    }

    @Test(arguments: [Role.executive, .manager])
    func aNewLeadCannotStartInWonWithAHugeValue(role: Role) async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "someone@example.com", role: role)
            let before = try await Self.counts(app)
            let page = try await browser.post(
                "/leads", [("name", "Instant Win"), ("value", "999,999,999"), ("stage_id", String(StageID.won))])
            #expect(page.status == .unprocessableContent)
            #expect(
                Self.stageError(page)
                    == "New leads start in New Lead. A lead in New Lead cannot move to Won. Allowed next: Contacted. Nothing was saved.")
            #expect(page.inputValue("value") == "999,999,999")
            #expect(page.inputValue("name") == "Instant Win")
            #expect(try await Self.counts(app) == before, "nothing is written")
            #expect(try await app.liveLeadCount() == 0)
        }
    }

    @Test func everyMoveRuleIsAppliedToTheStageOfANewLead() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let before = try await Self.counts(app)
            // New Lead → Contacted is allowed, but New Lead's required task would still be open.
            let tasks = try await sam.post("/leads", [("name", "Keen"), ("stage_id", String(StageID.contacted))])
            #expect(tasks.status == .unprocessableContent)
            #expect(
                Self.stageError(tasks)
                    == "New leads start in New Lead. Required tasks of New Lead are still open: Initial contact. Complete them first. Nothing was saved.")
            // Even for a manager, who may override on a real lead.
            let managerTasks = try await mia.post("/leads", [("name", "Keen"), ("stage_id", String(StageID.contacted))])
            #expect(managerTasks.status == .unprocessableContent)
            #expect(Self.stageError(managerTasks)?.contains("Complete them first.") == true)
            // Lost needs a reason, which the form has no field for.
            try await app.openUpNewLead()
            let lost = try await mia.post("/leads", [("name", "Gone"), ("stage_id", String(StageID.lost))])
            #expect(lost.status == .unprocessableContent)
            #expect(Self.stageError(lost) == "New leads start in New Lead. Give a reason for moving the lead to Lost. Nothing was saved.")
            #expect(try await Self.counts(app) == before)
        }
    }

    @Test func aLeadCreatedInAnEntryStageStartsThere() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let me = try await app.user("sam@example.com")
            let created = try await sam.post("/leads", [("name", "Fresh"), ("value", "1,000"), ("stage_id", String(StageID.newLead))])
            #expect(created.status == .seeOther)
            let lead = try await app.storedLead(try #require(created.redirectedLeadId))
            #expect(lead.stageId == StageID.newLead)
            #expect(lead.ownerId == me.id)
            #expect(lead.valueCents == 100_000)
            #expect(try await app.history(of: lead.uid).map(\.stageId) == [StageID.newLead])
            #expect(try await app.activities(of: lead.uid).map(\.kind) == [.created])
            #expect(try await app.tasks(of: lead.uid).map(\.name) == ["Initial contact"])

            // A second entry stage: a lead asked for there starts there, without a move.
            try await app.markEntryStages(StageID.qualified)
            let second = try await sam.post("/leads", [("name", "Warm"), ("stage_id", String(StageID.qualified))])
            #expect(second.status == .seeOther)
            let warm = try await app.storedLead(try #require(second.redirectedLeadId))
            #expect(warm.stageId == StageID.qualified)
            #expect(try await app.history(of: warm.uid).map(\.stageId) == [StageID.qualified])
            #expect(try await app.activities(of: warm.uid).map(\.kind) == [.created])
        }
    }

    @Test func aLeadCreatedInAStageTheRulesAllowIsMovedThereFromTheEntryStage() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
            // The admin drops New Lead's required task, so New Lead → Contacted needs nothing first.
            let template = try #require(try await app.database.pipeline().templates[StageID.newLead]?.first)
            #expect(try await admin.post("/admin/pipeline/stages/\(StageID.newLead)/tasks/\(template.id!)/delete").status == .seeOther)

            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let created = try await sam.post("/leads", [("name", "Called Already"), ("value", "250"), ("stage_id", String(StageID.contacted))])
            #expect(created.status == .seeOther)
            let lead = try await app.storedLead(try #require(created.redirectedLeadId))
            #expect(lead.stageId == StageID.contacted)
            #expect(lead.valueCents == 25_000)
            let history = try await app.history(of: lead.uid)
            #expect(history.map(\.stageId) == [StageID.newLead, StageID.contacted])
            #expect(history.first?.exitedAt != nil)
            #expect(history.last?.exitedAt == nil)
            #expect(try await app.activities(of: lead.uid).map(\.kind) == [.created, .stageChanged])
            #expect(try await app.tasks(of: lead.uid).filter { $0.status == .open }.map(\.name) == ["Qualification call"])
            // The lead page shows both stays.
            let page = try await sam.get("/leads/\(lead.uid)")
            #expect(page.contains("Contacted") && page.contains("New Lead"))

            // Further than the rules allow from New Lead is still refused.
            let far = try await sam.post("/leads", [("name", "Too Far"), ("stage_id", String(StageID.qualified))])
            #expect(far.status == .unprocessableContent)
            #expect(Self.stageError(far)?.contains("A lead in New Lead cannot move to Qualified. Allowed next: Contacted.") == true)
        }
    }

    @Test func editingAnExistingLeadIntoWonIsStillAMoveUnderTheRules() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Mine", owner: try await app.user("sam@example.com"))
            let page = try await sam.post("/leads/\(lead.uid)", editForm(lead, ["stage_id": String(StageID.won), "value": "999,999,999"]))
            #expect(page.status == .unprocessableContent)
            #expect(Self.stageError(page)?.hasPrefix("A lead in New Lead cannot move to Won.") == true)
            let stored = try await app.storedLead(lead.uid)
            #expect(stored.stageId == StageID.newLead && stored.valueCents == 0 && stored.version == lead.version)
        }
    }

    @Test func theNewLeadFormOffersTheEntryStagesFirst() async throws {
        let app = try await TestApp.make()
        try await app.markEntryStages(StageID.qualified)
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let form = try await sam.get("/leads/new")
            let select = try #require(HTMLText.between(form.body, "<select id=\"stage_id\"", "</select>"))
            let start = try #require(HTMLText.between(select, "<optgroup label=\"Start in\">", "</optgroup>"))
            #expect(start == "<option value=\"1\" selected>New Lead</option><option value=\"3\">Qualified</option>")
            let rest = try #require(HTMLText.between(select, "<optgroup label=\"Move on to (the pipeline rules apply)\">", "</optgroup>"))
            #expect(HTMLText.all(rest, "\">", "</option>") == ["Contacted", "Proposal Sent", "Won", "Lost"])
        }
    }
}

@Suite struct EntryStageAdminTests {
    static func stageFields(_ stage: Stage, next: [Int64] = [], _ changes: [String: String?] = [:]) -> [(String, String)] {
        var fields: [String: String?] = [
            "name": stage.name, "color": stage.color, "category": stage.category.rawValue, "active": stage.isActive ? "1" : nil,
            "final": stage.isFinal ? "1" : nil, "entry": stage.isEntry ? "1" : nil,
        ]
        for (key, value) in changes { fields[key] = value }
        return fields.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.0 < $1.0 } + next.map { ("next", String($0)) }
    }

    /// The field error printed right after the entry checkbox of a stage's form, if any.
    static func entryError(_ page: Browser.Page, stage: Int64) -> String? {
        guard let section = HTMLText.between(page.body, "id=\"stage-\(stage)\"", "</section>"),
            let after = section.range(of: "name=\"entry\"")
        else { return nil }
        let rest = String(section[after.upperBound...])
        guard let fieldset = rest.range(of: "<label") else { return nil }
        return HTMLText.between(String(rest[..<fieldset.lowerBound]), "<p class=\"field-error\" id=\"entry-\(stage)-error\">", "</p>").map(HTMLText.unescape)
    }

    @Test func adminsMarkAndUnmarkEntryStagesButTheLastOneStays() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
            let page = try await admin.get("/admin/pipeline")
            #expect(page.contains("name=\"entry\" value=\"1\" checked> Entry stage"))
            let newLead = try await app.storedStage(StageID.newLead)
            let contacted = try await app.storedStage(StageID.contacted)

            // Contacted becomes an entry stage; then New Lead stops being one.
            let mark = try await admin.post(
                "/admin/pipeline/stages/\(StageID.contacted)", Self.stageFields(contacted, next: [StageID.qualified, StageID.lost], ["entry": "1"]))
            #expect(mark.status == .seeOther)
            #expect(try await app.storedStage(StageID.contacted).isEntry)
            let unmark = try await admin.post("/admin/pipeline/stages/\(StageID.newLead)", Self.stageFields(newLead, next: [StageID.contacted], ["entry": nil]))
            #expect(unmark.status == .seeOther)
            #expect(try await app.storedStage(StageID.newLead).isEntry == false)
            #expect(try await app.database.pipeline().entryStages.map(\.id) == [StageID.contacted])
            // The new-lead form now starts leads in Contacted.
            let form = try await admin.get("/leads/new")
            #expect(form.contains("<optgroup label=\"Start in\"><option value=\"\(StageID.contacted)\" selected>Contacted</option></optgroup>"))

            // The last entry stage can be neither unticked nor deactivated.
            let marked = try await app.storedStage(StageID.contacted)
            let untick = try await admin.post("/admin/pipeline/stages/\(StageID.contacted)", Self.stageFields(marked, ["entry": nil]))
            #expect(untick.status == .unprocessableContent)
            #expect(Self.entryError(untick, stage: StageID.contacted) == "This is the only entry stage, where new leads start: make another open stage an entry stage first.")
            let deactivate = try await admin.post(
                "/admin/pipeline/stages/\(StageID.contacted)", Self.stageFields(marked, ["active": nil, "move_to": String(StageID.qualified)]))
            #expect(deactivate.status == .unprocessableContent)
            // Deactivating while still ticked as entry: the message is on the active box.
            #expect(deactivate.contains("<p class=\"field-error\" id=\"active-\(StageID.contacted)-error\">This is the only entry stage, where new leads start"))
            let kept = try await app.storedStage(StageID.contacted)
            #expect(kept.isEntry && kept.isActive)

            // Only open stages can be entry stages.
            let won = try await app.storedStage(StageID.won)
            let wonEntry = try await admin.post("/admin/pipeline/stages/\(StageID.won)", Self.stageFields(won, ["entry": "1"]))
            #expect(wonEntry.status == .unprocessableContent)
            #expect(Self.entryError(wonEntry, stage: StageID.won)?.hasPrefix("Only open stages can be entry stages") == true)
            let toWon = try await admin.post("/admin/pipeline/stages/\(StageID.contacted)", Self.stageFields(marked, ["category": "won"]))
            #expect(toWon.status == .unprocessableContent)
            #expect(try await app.storedStage(StageID.won).isEntry == false)
            #expect(try await app.storedStage(StageID.contacted).category == .open)

            // Managers cannot change it.
            let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            #expect(try await manager.post("/admin/pipeline/stages/\(StageID.won)", Self.stageFields(won, ["entry": "1"])).status == .forbidden)
        }
    }

    @Test func theSchemaKeepsOneActiveOpenEntryStage() async throws {
        let app = try await TestApp.make()
        await #expect(throws: DatabaseError.self) {
            try await app.database.pool.write { db in try db.execute(sql: "UPDATE stage SET isEntry = 0") }
        }
        await #expect(throws: DatabaseError.self) {
            try await app.database.pool.write { db in try db.execute(sql: "UPDATE stage SET isActive = 0 WHERE isEntry = 1") }
        }
        await #expect(throws: DatabaseError.self) {
            try await app.database.pool.write { db in try db.execute(sql: "UPDATE stage SET isEntry = 1 WHERE id = ?", arguments: [StageID.lost]) }
        }
        await #expect(throws: DatabaseError.self) {
            try await app.database.pool.write { db in
                try db.execute(sql: "INSERT INTO stage (name, color, position, category, isEntry) VALUES ('Signed', '#000000', 9, 'won', 1)")
            }
        }
        #expect(try await app.database.pipeline().entryStages.map(\.id) == [StageID.newLead])
    }
}

@Suite struct EntryStageImportTests {
    @Test func aNewRowInAStageTheRulesRefuseIsReportedWithItsLineAndLeftOut() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let file = TestCSV.file([
                "name,email,stage,value",
                "Plain,plain@example.com,New Lead,10",  // 2
                "Instant Win,twice@example.com,Won,999999999",  // 3: refused, so…
                "Second Try,twice@example.com,New Lead,5",  // 4: …this one creates twice@ (not a duplicate)
                "No Stage,,,",  // 5: the entry stage
            ])
            let before = try await app.writeCounts()
            let (token, preview) = try await browser.previewImport(file)
            let reason = "Stage refused: New leads start in New Lead. A lead in New Lead cannot move to Won. Allowed next: Contacted."
            #expect(preview.text(ofId: "preview-create") == "3")
            #expect(preview.text(ofId: "preview-matching") == "0")
            #expect(preview.text(ofId: "preview-invalid") == "1")
            #expect(preview.contains("<tr><td>3</td><td class=\"wrap\">\(reason)</td></tr>"))
            let errors = TestCSV.parse(try await browser.csv("/leads/import/\(token)/errors.csv").text)
            #expect(errors.dropFirst().map { Array($0.suffix(2)) } == [["3", reason]])
            #expect(try await app.writeCounts() == before)

            #expect(try await browser.confirmImport(token).status == .seeOther)
            let result = try await browser.get("/leads/import/\(token)")
            #expect(result.text(ofId: "result-created") == "3")
            #expect(try await app.lead(named: "Instant Win") == nil)
            let second = try #require(try await app.lead(named: "Second Try"))
            #expect(second.email == "twice@example.com" && second.stageId == StageID.newLead)
            #expect(try await app.lead(named: "No Stage")?.stageId == StageID.newLead)
            let job = try #require(try await app.importJobs().first)
            #expect((job.created, job.updated, job.skipped, job.invalid) == (3, 0, 0, 1))
        }
    }

    @Test func aNewRowInAStageTheRulesAllowIsImportedThroughAMove() async throws {
        let app = try await TestApp.make()
        try await app.openUpNewLead()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let path = try app.temporaryCSV(TestCSV.file(["name,stage,value", "Signed,Won,999999999"]))
        let result = try await LeadImporter.run(path: path, database: app.database, actor: mia, options: ImportOptions(), fileLabel: "won.csv")
        #expect(result == ImportResult(created: 1, updated: 0, skipped: 0, invalid: 0))
        let lead = try #require(try await app.lead(named: "Signed"))
        #expect(lead.stageId == StageID.won)
        #expect(lead.valueCents == 99_999_999_900)
        #expect(try await app.history(of: lead.uid).map(\.stageId) == [StageID.newLead, StageID.won])
        #expect(try await app.activities(of: lead.uid).map(\.kind) == [.imported, .stageChanged])
    }
}

@Suite struct EntryStageMigrationTests {
    /// A database migrated up to v6, then a pipeline whose first open stage is Qualified.
    @Test func theMigrationMarksTheFirstOpenStageOfAnExistingDatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("entry-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "v6-lead-tally")
        try queue.write { db in
            // Won first, then an inactive open stage, then Qualified; New Lead last.
            for (id, position) in [(StageID.won, 0), (StageID.contacted, 1), (StageID.qualified, 2), (StageID.newLead, 9)] {
                try db.execute(sql: "UPDATE stage SET position = ? WHERE id = ?", arguments: [position, id])
            }
            try db.execute(sql: "UPDATE stage SET isActive = 0 WHERE id = ?", arguments: [StageID.contacted])
        }
        try Migrations.migrator.migrate(queue)
        let entries = try queue.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM stage WHERE isEntry = 1") }
        #expect(entries == [StageID.qualified])
    }

    @Test func aFreshDatabaseStartsNewLeadsInNewLead() async throws {
        let app = try await TestApp.make()
        let stages = try await app.database.pipeline().stages
        #expect(stages.filter(\.isEntry).map(\.name) == ["New Lead"])
    }
}
