import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// Custom fields in the CSV export (one column per active lead field, named by its key) and the
/// import (columns matched by key, each cell checked by the field's `FieldSpec`).
@Suite struct CustomFieldCSVTests {
    /// Lead fields of every shape the file must carry, plus an inactive one and a task field (no columns).
    static func defineFields(_ app: TestApp) async throws {
        try await app.insertCustomField("budget", type: .integer, rules: FieldRules(min: -1000))
        try await app.insertCustomField("ratio", type: .decimal)
        try await app.insertCustomField("plan", type: .select, rules: FieldRules(options: ["Basic", "Pro", "Pro, Plus"]))
        try await app.insertCustomField("tags", type: .multiSelect, rules: FieldRules(options: ["red", "green", "blue, dark"]))
        try await app.insertCustomField("vip", label: "VIP", type: .boolean)
        try await app.insertCustomField("motto", type: .text)
        try await app.insertCustomField("story", type: .longText)
        try await app.insertCustomField("start", type: .date)
        try await app.insertCustomField("call_at", type: .datetime)
        try await app.insertCustomField("billing", type: .email)
        try await app.insertCustomField("site", type: .url)
        try await app.insertCustomField("mobile", type: .phone)
        try await app.insertCustomField("retired", type: .text, active: false)
        let template = try await app.database.pool.read { db in
            try #require(try TaskTemplate.filter(Column("stageId") == StageID.newLead).fetchOne(db))
        }
        try await app.insertCustomField("contact_method", type: .select, entity: .task, taskTemplateId: template.id, rules: FieldRules(options: ["Phone"]))
    }

    static let customColumns = ["budget", "ratio", "plan", "tags", "vip", "motto", "story", "start", "call_at", "billing", "site", "mobile"]

    static let fullValues: [String: FieldValue?] = [
        "budget": .integer(-5), "ratio": .decimal(12.5), "plan": .text("Pro, Plus"), "tags": .list(["red", "blue, dark"]),
        "vip": .boolean(true), "motto": .text("=HYPERLINK(\"http://evil.example\",\"x\")"), "story": .text("Line one, \"quoted\"\nLine two"),
        "start": .text("2026-03-31"), "call_at": .text("2026-04-01T09:30"), "billing": .text("ap@example.com"),
        "site": .text("https://example.com/a?b=c"), "mobile": .text("+44 20 7946 0958"),
    ]

    @Test func theExportHasAColumnPerActiveLeadFieldWithPlainNeutralisedValues() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        try await Self.defineFields(app)
        let full = try await app.createLead("Full", owner: mia, email: "full@example.com")
        try await app.setCustomValues(of: full.uid, Self.fullValues)
        try await app.setCustomValues(of: full.uid, ["retired": .text("hidden")])
        app.clock.advance(60)
        let sparse = try await app.createLead("Sparse", owner: mia)
        try await app.setCustomValues(of: sparse.uid, ["vip": .boolean(false), "motto": .text("-not a formula"), "budget": .integer(7)])
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let response = try await browser.csv("/leads.csv?sort=created")
            #expect(response.status == .ok)
            let (header, rows) = TestCSV.records(response.text)
            #expect(header == LeadCSV.columns + Self.customColumns)
            #expect(rows.count == 2)
            let first = try #require(rows.first)
            #expect(first["budget"] == "-5")  // a number the app wrote: stays a number, like value
            #expect(first["ratio"] == "12.5")
            #expect(first["plan"] == "Pro, Plus")
            #expect(first["tags"] == "red; blue, dark")
            #expect(first["vip"] == "true")
            #expect(first["motto"] == "'=HYPERLINK(\"http://evil.example\",\"x\")")
            #expect(first["story"] == "Line one, \"quoted\"\nLine two")
            #expect(first["start"] == "2026-03-31")
            #expect(first["call_at"] == "2026-04-01T09:30")
            #expect(first["billing"] == "ap@example.com")
            #expect(first["site"] == "https://example.com/a?b=c")
            #expect(first["mobile"] == "'+44 20 7946 0958")
            #expect(response.text.contains(",-5,12.5,"))
            let second = try #require(rows.last)
            #expect(second["vip"] == "false")
            #expect(second["motto"] == "'-not a formula")
            #expect(second["budget"] == "7")
            #expect(second["plan"] == "" && second["tags"] == "" && second["start"] == "")
            #expect(!response.text.contains("hidden"))
            // No text cell starts with a formula character (numbers are the app's own).
            for row in rows {
                for column in header where !["value", "budget", "ratio"].contains(column) {
                    let cell = row[column] ?? ""
                    #expect(!(cell.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false), "\(column): \(cell.debugDescription)")
                }
            }
        }
    }

    @Test func theExportReadsCustomValuesOncePerBatchNotPerRow() async throws {
        let log = StatementLog()
        let app = try await TestApp.make(trace: { log.record($0) })
        let mia = try await app.createUser("mia@example.com", role: .manager)
        try await app.insertCustomField("budget", type: .integer)
        try await app.insertCustomField("plan", type: .select, rules: FieldRules(options: ["Basic", "Pro"]))
        for i in 0..<25 {
            let lead = try await app.createLead("Lead \(i)", owner: mia)
            try await app.setCustomValues(of: lead.uid, ["budget": .integer(Int64(i)), "plan": .text(i % 2 == 0 ? "Basic" : "Pro")])
        }
        let query = LeadQuery(filter: LeadFilter(), viewer: mia)
        var text = ""
        let streamed = try await log.during {
            try await LeadCSV.stream(query, database: app.database) { text += $0 }
        }
        let valueReads = streamed.filter { $0.contains("FROM leadFieldValue") }
        #expect(valueReads.count == 1, "\(valueReads)")
        let (_, rows) = TestCSV.records(text)
        #expect(rows.count == 25)
        #expect(Set(rows.compactMap { $0["budget"] }) == Set((0..<25).map(String.init)))

        // Batches of 10: one read of values per batch, and every batch has the same columns.
        var cursor: ExportCursor?
        var seen = 0
        let fields = try await app.database.exportFields()
        let batched = try await log.during {
            repeat {
                let batch = try await app.database.exportBatch(query, after: cursor, limit: 10, fields: fields)
                #expect(batch.rows.allSatisfy { $0.custom.count == 2 })
                seen += batch.rows.count
                cursor = batch.next
            } while cursor != nil
        }
        #expect(seen == 25)
        #expect(batched.filter { $0.contains("FROM leadFieldValue") }.count == 3)
    }

    @Test func importedCustomCellsAreCheckedByTheirFieldAndBadOnesReportedPerRow() async throws {
        let app = try await TestApp.make()
        try await Self.defineFields(app)
        let file = TestCSV.file([
            "name,email,BUDGET,Plan,tags,vip,start,favourite_colour,retired",
            TestCSV.line(["Good", "good@example.com", "1,200", "Pro", "red; blue, dark", "yes", "2026-02-28", "teal", "x"]),
            TestCSV.line(["Bad Number", "n@example.com", "lots", "", "", "", "", "", ""]),
            TestCSV.line(["Bad Option", "o@example.com", "", "Gold", "red; purple", "", "", "", ""]),
            TestCSV.line(["Bad Date", "d@example.com", "-2000", "", "", "maybe", "2026-02-30", "", ""]),
            TestCSV.line(["Bad Email Too", "not-an-email", "5", "", "", "", "", "", ""]),
        ])
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (token, preview) = try await browser.previewImport(file)
            #expect(preview.contains("Custom field columns: <code>budget, plan, tags, vip, start</code>"))
            // Unknown and inactive fields' columns are ignored, as before.
            #expect(preview.contains("Ignored columns: <code>favourite_colour, retired</code>"))
            #expect(preview.text(ofId: "preview-create") == "1")
            #expect(preview.text(ofId: "preview-invalid") == "4")
            let reasons = HTMLText.all(preview.section("id=\"invalid-rows\""), "<td class=\"wrap\">", "</td>").map(HTMLText.unescape)
            try #require(reasons.count == 4, "\(reasons)")
            #expect(reasons[0] == "budget: Budget must be a whole number, like 42.")
            #expect(reasons[1] == "plan: Choose one of the options for Plan. tags: “purple” is not an option for Tags.")
            #expect(reasons[2] == "budget: Budget must be at least -1000. vip: VIP must be yes or no. start: Start must be a real date like 2026-03-31.")
            #expect(reasons[3].hasPrefix("email: "))

            // The errors CSV carries the same messages.
            let errors = try await browser.csv("/leads/import/\(token)/errors.csv")
            let invalid = TestCSV.parse(errors.text).dropFirst()
            #expect(invalid.map { $0[$0.count - 1] } == reasons)
            #expect(invalid.map { $0[$0.count - 2] } == ["3", "4", "5", "6"])

            #expect(try await browser.confirmImport(token).status == .seeOther)
            let good = try #require(try await app.lead(named: "Good"))
            #expect(try await app.customValues(of: good.uid) == [
                "budget": .integer(1200), "plan": .text("Pro"), "tags": .list(["red", "blue, dark"]), "vip": .boolean(true), "start": .text("2026-02-28"),
            ])
            #expect(try await app.liveLeadCount() == 1)
        }
    }

    @Test func aNewLeadNeedsItsRequiredValuesAndGetsDefaultsForAbsentOrEmptyColumns() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        try await app.insertCustomField("region", type: .select, required: true, rules: FieldRules(options: ["North", "South"]))
        try await app.insertCustomField("tier", type: .select, required: true, rules: FieldRules(options: ["Gold", "Silver"]), defaultValue: "Silver")
        try await app.insertCustomField("seats", type: .integer, defaultValue: "5")
        try await app.insertCustomField("memo", type: .text)

        let withRegion = TestCSV.file([
            "name,email,region,seats",
            "North One,n1@example.com,North,12",
            "No Region,n2@example.com,,",
            "South Two,n3@example.com,south,",
        ])
        let path = try app.temporaryCSV(withRegion)
        let preview = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: ImportOptions())
        #expect(preview.customColumns == ["region", "seats"])
        #expect(preview.toCreate == 1)
        #expect(preview.issues.map(\.line) == [3, 4])
        #expect(preview.issues.first?.reason == "region: Region is required.")
        #expect(preview.issues.last?.reason == "region: Choose one of the options for Region.")  // options match exactly
        let result = try await LeadImporter.run(path: path, database: app.database, actor: mia, options: ImportOptions(), fileLabel: "a.csv")
        #expect(result == ImportResult(created: 1, updated: 0, skipped: 0, invalid: 2))
        let north = try #require(try await app.lead(named: "North One"))
        // tier's column is absent: its default; memo has neither value nor default.
        #expect(try await app.customValues(of: north.uid) == ["region": .text("North"), "tier": .text("Silver"), "seats": .integer(12)])

        // Without a region column no new lead can be created; an empty seats cell takes the default.
        let withoutRegion = try app.temporaryCSV(TestCSV.file(["name,email,seats", "Lost Region,lr@example.com,"]))
        let refused = try await LeadImporter.preview(path: withoutRegion, database: app.database, actor: mia, options: ImportOptions())
        #expect(refused.toCreate == 0)
        #expect(refused.issues.map(\.reason) == ["region: Region is required."])
        let emptySeats = try app.temporaryCSV(TestCSV.file(["name,region,seats,tier", "Defaults,South,,"]))
        #expect(try await LeadImporter.run(path: emptySeats, database: app.database, actor: mia, options: ImportOptions(), fileLabel: "b.csv").created == 1)
        let defaults = try #require(try await app.lead(named: "Defaults"))
        #expect(try await app.customValues(of: defaults.uid) == ["region": .text("South"), "tier": .text("Silver"), "seats": .integer(5)])
    }

    @Test func anUpdateChangesOnlyTheFilesCustomColumnsAndCannotClearARequiredOne() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        try await app.insertCustomField("budget", type: .integer)
        try await app.insertCustomField("plan", type: .select, rules: FieldRules(options: ["Basic", "Pro"]))
        try await app.insertCustomField("region", type: .select, required: true, rules: FieldRules(options: ["North", "South"]))
        let ada = try await app.createLead("Ada", owner: mia, email: "ada@example.com")
        try await app.setCustomValues(of: ada.uid, ["budget": .integer(100), "plan": .text("Pro"), "region": .text("North")])
        let update = ImportOptions(updateExisting: true)

        // Only plan is in the file: budget and region keep their values; the change is in the activity.
        let planOnly = try app.temporaryCSV(TestCSV.file(["name,email,Plan", "Ada,ADA@example.com,Basic"]))
        #expect(try await LeadImporter.run(path: planOnly, database: app.database, actor: mia, options: update, fileLabel: "p.csv").updated == 1)
        #expect(try await app.customValues(of: ada.uid) == ["budget": .integer(100), "plan": .text("Basic"), "region": .text("North")])
        let edit = try #require(try await app.activities(of: ada.uid).last { $0.kind == .updated })
        #expect(ActivityDetail.decode(edit.detail).changes == [ActivityDetail.Change(field: "Plan", from: "Pro", to: "Basic")])

        // An empty cell clears an optional field…
        let clearBudget = try app.temporaryCSV(TestCSV.file(["name,email,budget", "Ada,ada@example.com,"]))
        #expect(try await LeadImporter.run(path: clearBudget, database: app.database, actor: mia, options: update, fileLabel: "c.csv").updated == 1)
        #expect(try await app.customValues(of: ada.uid) == ["plan": .text("Basic"), "region": .text("North")])

        // …but not a required one: the row is invalid and the lead unchanged.
        let clearRegion = try app.temporaryCSV(TestCSV.file(["name,email,region,plan", "Ada,ada@example.com,,Pro"]))
        let preview = try await LeadImporter.preview(path: clearRegion, database: app.database, actor: mia, options: update)
        #expect(preview.issues.map(\.reason) == ["region: Region is required."])
        let result = try await LeadImporter.run(path: clearRegion, database: app.database, actor: mia, options: update, fileLabel: "r.csv")
        #expect(result.invalid == 1 && result.updated == 0)
        #expect(try await app.customValues(of: ada.uid) == ["plan": .text("Basic"), "region": .text("North")])
    }

    @Test func anExportWithCustomValuesImportsIntoAFreshAppWithTheSameValues() async throws {
        let source = try await TestApp.make()
        let mia = try await source.createUser("mia@example.com", role: .manager)
        try await Self.defineFields(source)
        let full = try await source.createLead("Full", owner: mia, email: "full@example.com")
        try await source.setCustomValues(of: full.uid, Self.fullValues)
        let partial = try await source.createLead("Partial", owner: mia, email: "partial@example.com")
        try await source.setCustomValues(of: partial.uid, [
            "vip": .boolean(false), "tags": .list(["green"]), "motto": .text("'already quoted"), "ratio": .decimal(-0.25), "story": .text("+plus"),
        ])
        try await source.createLead("Empty", owner: mia, email: "empty@example.com")
        let download = Captured("")
        try await source.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            download.value = try await browser.csv("/leads.csv").text
        }
        let original = try await Self.valuesByName(source)
        #expect(original["Full"]?.count == Self.customColumns.count)

        // The target defines the same keys in another order (ids and positions differ).
        let target = try await TestApp.make()
        try await target.createUser("mia@example.com", role: .manager)
        try await target.insertCustomField("unrelated", type: .text)
        try await Self.defineFields(target)
        try await target.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let (token, preview) = try await browser.previewImport(Array(download.value.utf8))
            #expect(preview.text(ofId: "preview-create") == "3")
            #expect(preview.text(ofId: "preview-invalid") == "0")
            #expect(preview.contains("Custom field columns: <code>\(Self.customColumns.joined(separator: ", "))</code>"))
            #expect(try await browser.confirmImport(token).status == .seeOther)
            #expect(try await Self.valuesByName(target) == original)
        }

        // Importing the file over the source's own leads, updating, changes nothing.
        let path = try source.temporaryCSV(Array(download.value.utf8))
        let again = try await LeadImporter.run(
            path: path, database: source.database, actor: mia, options: ImportOptions(updateExisting: true), fileLabel: "again.csv")
        #expect(again.updated == 3)
        #expect(try await Self.valuesByName(source) == original)
        let edits = try await source.activities(of: full.uid).filter { $0.kind == .updated }
        #expect(edits.isEmpty, "\(edits.map(\.detail))")
    }

    /// Every live lead's custom values by key, by lead name.
    static func valuesByName(_ app: TestApp) async throws -> [String: [String: FieldValue]] {
        let leads = try await app.database.pool.read { db in try Lead.filter(Column("deletedAt") == nil).fetchAll(db) }
        var result: [String: [String: FieldValue]] = [:]
        for lead in leads { result[lead.name] = try await app.customValues(of: lead.uid) }
        return result
    }
}
