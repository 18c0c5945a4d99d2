import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// A lead as the export describes it (names instead of ids), read straight from the tables.
struct PortableLead: Equatable, CustomStringConvertible {
    var name: String
    var email: String
    var phone: String
    var company: String
    var source: String
    var stage: String
    /// The reason of the current stay (empty unless lost).
    var lostReason: String
    var ownerEmail: String
    var valueCents: Int64
    var expectedCloseDate: String

    var description: String {
        "\(name.debugDescription) <\(email)> \(phone) \(company.debugDescription) \(source)/\(stage)/\(lostReason.debugDescription)/\(ownerEmail) \(valueCents) \(expectedCloseDate)"
    }

    static func all(_ app: TestApp) async throws -> [PortableLead] {
        try await app.database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT lead.name, lead.email, lead.phone, lead.company, COALESCE(source.name, '') AS source, stage.name AS stage,
                           (SELECT stay.lostReason FROM stageHistory AS stay WHERE stay.leadId = lead.id AND stay.exitedAt IS NULL) AS lostReason,
                           COALESCE(owner.email, '') AS ownerEmail, lead.valueCents, COALESCE(lead.expectedCloseDate, '') AS closeDate
                    FROM lead JOIN stage ON stage.id = lead.stageId LEFT JOIN source ON source.id = lead.sourceId
                    LEFT JOIN user AS owner ON owner.id = lead.ownerId
                    WHERE lead.deletedAt IS NULL ORDER BY lead.name, lead.id
                    """
            ).map {
                PortableLead(
                    name: $0["name"], email: $0["email"], phone: $0["phone"], company: $0["company"], source: $0["source"], stage: $0["stage"],
                    lostReason: $0["lostReason"], ownerEmail: $0["ownerEmail"], valueCents: $0["valueCents"], expectedCloseDate: $0["closeDate"])
            }
        }
    }
}

// MARK: - Export

@Suite struct CSVExportTests {
    struct Seed {
        var mia: User
        var sam: User
        var riya: User
    }

    /// Twelve leads over three owners (and none), every stage, a few companies and sources; one deleted.
    static func seed(_ app: TestApp) async throws -> Seed {
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)
        let rows: [(String, User?, String, Int64?, Int64, Int64)] = [
            ("Acme Anvils", sam, "Acme Corp", SourceID.website, 50_000, StageID.newLead),
            ("Bolt Bikes", riya, "Bolt", SourceID.referral, 120_000, StageID.contacted),
            ("acme rockets", riya, "Acme Corp", SourceID.referral, 50_000, StageID.qualified),
            ("Cobalt Mining", nil, "Cobalt", nil, 7_000, StageID.newLead),
            ("Delta Air", sam, "Delta", SourceID.event, 990_000, StageID.proposalSent),
            ("Echo Audio", sam, "Echo", SourceID.website, 0, StageID.won),
            ("Foxtrot Foods", riya, "Foxtrot", SourceID.partner, 31_000, StageID.lost),
            ("Golf Gear", mia, "Golf", SourceID.website, 45_000, StageID.won),
            ("Hotel Hub", nil, "Acme Corp", SourceID.coldCall, 50_000, StageID.contacted),
            ("India Ink", sam, "India", SourceID.referral, 2_500, StageID.contacted),
            ("juliet jewels", riya, "Juliet", SourceID.website, 12_345, StageID.newLead),
            ("Kilo Kites", sam, "Kilo", SourceID.other, 50_000, StageID.qualified),
        ]
        for (i, row) in rows.enumerated() {
            app.clock.advance(Double(i % 3 == 0 ? 3600 : 60))
            try await app.createLead(
                row.0, owner: row.1, actor: row.1 ?? mia, email: "\(row.0.lowercased().replacingOccurrences(of: " ", with: "."))@example.com",
                company: row.2, source: row.3, valueCents: row.4, stage: row.5)
        }
        let gone = try await app.createLead("Zulu Deleted", owner: sam, company: "Acme Corp")
        try await app.database.deleteLead(id: gone.uid, actor: mia)
        // Touch an old lead so "updated" order differs from creation order.
        app.clock.advance(600)
        let acme = try #require(try await app.lead(named: "Acme Anvils"))
        try await app.completeOpenTasks(acme.uid, as: sam)
        return Seed(mia: mia, sam: sam, riya: riya)
    }

    /// The references of live leads matching `condition`, in `order`.
    static func references(_ app: TestApp, where condition: String = "1", order: String = "lead.id") async throws -> [String] {
        try await app.database.pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT lead.reference FROM lead JOIN stage ON stage.id = lead.stageId WHERE lead.deletedAt IS NULL AND (\(condition)) ORDER BY \(order)")
        }
    }

    static func exported(_ browser: Browser, _ path: String) async throws -> [[String: String]] {
        let response = try await browser.csv(path)
        #expect(response.status == .ok, "\(path)")
        let (header, rows) = TestCSV.records(response.text)
        #expect(header == LeadCSV.columns, "\(path)")
        return rows
    }

    @Test func theExportHoldsWhatTheViewerMaySeeNarrowedByTheListFilters() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seed(app)
        try await app.run { client in
            let manager = Browser(client)
            #expect(try await manager.login("mia@example.com").status == .seeOther)
            let cases: [(String, String)] = [
                ("/leads.csv", "1"),
                ("/leads.csv?q=acme", "lead.company = 'Acme Corp' OR lead.name LIKE 'acme%'"),
                ("/leads.csv?stage=\(StageID.contacted)", "lead.stageId = \(StageID.contacted)"),
                ("/leads.csv?owner=\(seed.riya.uid)", "lead.ownerId = \(seed.riya.uid)"),
                ("/leads.csv?owner=none", "lead.ownerId IS NULL"),
                ("/leads.csv?owner=me", "lead.ownerId = \(seed.mia.uid)"),
                ("/leads.csv?category=won", "stage.category = 'won'"),
                ("/leads.csv?category=open", "stage.category = 'open'"),
                ("/leads.csv?source=\(SourceID.referral)", "lead.sourceId = \(SourceID.referral)"),
                ("/leads.csv?q=acme&category=open&owner=\(seed.riya.uid)", "lead.company = 'Acme Corp' AND lead.ownerId = \(seed.riya.uid)"),
                ("/leads.csv?stage=\(StageID.qualified)&owner=\(seed.sam.uid)", "lead.stageId = \(StageID.qualified) AND lead.ownerId = \(seed.sam.uid)"),
                ("/leads.csv?created_from=2000-01-01&created_to=2000-01-02", "0"),
                ("/leads.csv?page=2", "1"),  // the export is never paged
            ]
            for (path, condition) in cases {
                let rows = try await Self.exported(manager, path)
                let expected = try await Self.references(app, where: condition)
                #expect(Set(rows.compactMap { $0["reference"] }) == Set(expected), "\(path)")
                #expect(rows.count == expected.count, "\(path)")
            }
            #expect(try await Self.exported(manager, "/leads.csv").count == 12)
            #expect(!(try await Self.exported(manager, "/leads.csv")).contains { $0["name"] == "Zulu Deleted" })

            // An executive's export has only their own leads, whatever filter they send.
            let executive = Browser(client)
            #expect(try await executive.login("sam@example.com").status == .seeOther)
            let own = try await Self.exported(executive, "/leads.csv")
            #expect(Set(own.compactMap { $0["reference"] }) == Set(try await Self.references(app, where: "lead.ownerId = \(seed.sam.uid)")))
            #expect(own.allSatisfy { $0["owner_email"] == "sam@example.com" })
            #expect(try await Self.exported(executive, "/leads.csv?owner=\(seed.riya.uid)").isEmpty)
            #expect(try await Self.exported(executive, "/leads.csv?owner=none").isEmpty)
            let samAcme = try await Self.exported(executive, "/leads.csv?q=acme")
            #expect(samAcme.map { $0["name"] } == ["Acme Anvils"])
            #expect(try await Self.exported(executive, "/leads.csv?deleted=1").count == own.count)

            // A search the index cannot parse is a page, not a broken download.
            let bad = try await manager.get("/leads.csv?q=\(URLQuery.escape("\"unbalanced"))")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.contains("The search could not be understood"))
        }
    }

    @Test func theExportFollowsTheListSortOrder() async throws {
        let app = try await TestApp.make()
        _ = try await Self.seed(app)
        try await app.run { client in
            let manager = Browser(client)
            #expect(try await manager.login("mia@example.com").status == .seeOther)
            let cases: [(String, String)] = [
                ("", "lead.updatedAt DESC, lead.id DESC"),
                ("?sort=name", "lead.name COLLATE NOCASE ASC, lead.id ASC"),
                ("?sort=-name", "lead.name COLLATE NOCASE DESC, lead.id DESC"),
                ("?sort=value", "lead.valueCents ASC, lead.id ASC"),
                ("?sort=-value", "lead.valueCents DESC, lead.id DESC"),
                ("?sort=created", "lead.createdAt ASC, lead.id ASC"),
                ("?sort=-created", "lead.createdAt DESC, lead.id DESC"),
                ("?sort=stage", "stage.position ASC, lead.id ASC"),
                ("?sort=-updated", "lead.updatedAt DESC, lead.id DESC"),
                ("?sort=bogus", "lead.updatedAt DESC, lead.id DESC"),
            ]
            for (query, order) in cases {
                let rows = try await Self.exported(manager, "/leads.csv\(query)")
                #expect(rows.compactMap { $0["reference"] } == (try await Self.references(app, order: order)), "sort \(query)")
            }
            let byName = try await Self.exported(manager, "/leads.csv?sort=name")
            #expect(byName.prefix(3).map { $0["name"] } == ["Acme Anvils", "acme rockets", "Bolt Bikes"])
        }
    }

    @Test func everyMatchingLeadIsExportedNotJustOnePage() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let count = 130
        for i in 0..<count {
            if i % 10 == 0 { app.clock.advance(60) }  // ties in created/updated, broken by id
            try await app.createLead(
                i % 7 == 0 ? "lead \(i % 5)" : "Lead \(i % 5)", owner: i % 4 == 0 ? nil : mia, actor: mia, valueCents: Int64((i % 6) * 1_000),
                stage: [StageID.newLead, StageID.contacted, StageID.qualified][i % 3])
        }
        #expect(LeadFilter.pageSize < count)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let response = try await browser.csv("/leads.csv")
            let rows = TestCSV.parse(response.text)
            #expect(rows.count == count + 1)
            #expect(Set(rows.dropFirst().map { $0[0] }).count == count)
            #expect(try await Self.exported(browser, "/leads.csv?page=3").count == count)
            #expect(try await Self.exported(browser, "/leads.csv?stage=\(StageID.newLead)").count == 44)
        }

        // The keyset batches add up to the whole ordered export, ties included, for every sort.
        for sort in ["name", "-name", "value", "-value", "created", "-created", "updated", "-updated", "stage", "-stage"] {
            let filter = LeadFilter(query: FormData([("sort", sort)]))
            let query = LeadQuery(filter: filter, viewer: mia)
            let whole = try await app.database.exportBatch(query, after: nil, limit: 10_000).rows.map(\.id)
            var paged: [Int64] = []
            var cursor: ExportCursor?
            var batches = 0
            repeat {
                let batch = try await app.database.exportBatch(query, after: cursor, limit: 7)
                paged += batch.rows.map(\.id)
                cursor = batch.next
                batches += 1
            } while cursor != nil && batches < 100
            #expect(whole.count == count, "sort \(sort)")
            #expect(paged == whole, "sort \(sort): keyset batches differ from the single query")
        }
    }

    @Test func cellsAreQuotedAndFormulasNeutralisedButValuesStayNumbers() async throws {
        let clock = TestClock(utc("2026-03-05 12:00"))
        let app = try await TestApp.make(clock: clock)
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let awkward = "Smith, \"Junior\"\nSecond line"
        let dangerous = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTabbed", "\rCarriage", "\r\nCRLF first"]
        try await app.createLead(awkward, owner: mia, email: "smith@example.com", phone: "+1 555 0100", company: "=HYPERLINK(\"http://evil.example\",\"x\")", valueCents: 123_450)
        for (i, name) in dangerous.enumerated() {
            clock.advance(1)
            try await app.createLead(name, owner: mia, email: "d\(i)@example.com", company: "Plain, Co", valueCents: Int64(i))
        }
        clock.advance(1)
        try await app.createLead("Harmless = and + inside", owner: mia, company: "O'Brien & Sons")
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let response = try await browser.csv("/leads.csv?sort=created")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"leads-2026-03-05.csv\"")
            #expect(response.headers[.cacheControl] == "private, no-store")
            #expect(response.text.hasPrefix(LeadCSV.columns.joined(separator: ",") + "\r\n"))
            #expect(response.text.hasSuffix("\r\n"))

            let (_, rows) = TestCSV.records(response.text)
            #expect(rows.count == dangerous.count + 2)
            let first = try #require(rows.first)
            #expect(first["name"] == awkward)  // commas, quotes and a newline survive quoting
            #expect(first["company"] == "'=HYPERLINK(\"http://evil.example\",\"x\")")
            #expect(first["phone"] == "'+1 555 0100")
            #expect(first["value"] == "1234.50")
            #expect(first["email"] == "smith@example.com")
            #expect(response.text.contains(",1234.50,"))  // unquoted, unprefixed number
            for (row, name) in zip(rows.dropFirst(), dangerous) {
                #expect(row["name"] == "'" + name, "neutralised \(name.debugDescription)")
                #expect(row["company"] == "Plain, Co")
                #expect(row["value"].map { Double($0) != nil } == true)
            }
            let harmless = try #require(rows.last)
            #expect(harmless["name"] == "Harmless = and + inside")
            #expect(harmless["company"] == "O'Brien & Sons")
            #expect(harmless["value"] == "0.00")
            // created_at / updated_at are ISO 8601 instants.
            #expect(first["created_at"] == "2026-03-05T12:00:00Z")
            // No cell of the file begins with a formula character.
            for row in TestCSV.parse(response.text) {
                for cell in row {
                    #expect(!(cell.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false), "cell \(cell.debugDescription)")
                }
            }
        }
    }

    /// The leads of the round trip: every field set somewhere, awkward text, every stage, no owner.
    static func seedRoundTrip(_ app: TestApp) async throws {
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)
        try await app.createLead(
            "Ada, \"The Countess\"", owner: sam, email: "ada@example.com", phone: "+44 20 7946 0958", company: "Analytical Engines, Ltd",
            source: SourceID.referral, valueCents: 123_450, expectedCloseDate: "2026-12-31", stage: StageID.qualified)
        try await app.createLead("=cmd|' /C calc'!A0", owner: nil, actor: mia, company: "@SUM(1+1)", stage: StageID.newLead)
        try await app.createLead(
            "Grace Hopper", owner: riya, email: "grace@example.com", phone: "(555) 010-0199 x12", company: "First line\nSecond line",
            source: SourceID.event, valueCents: 99, expectedCloseDate: "2027-02-28", stage: StageID.contacted)
        try await app.createLead(
            "-Minus Start", owner: riya, email: "minus@example.com", source: SourceID.website, valueCents: 99_999_900, expectedCloseDate: "2027-01-15",
            stage: StageID.won)
        // Lost through a move, with a reason that needs quoting and neutralising in the file.
        try await app.allowNext(from: StageID.newLead, to: StageID.contacted, StageID.lost)
        let plus = try await app.createLead("+Plus Start", owner: mia, email: "plus@example.com", source: SourceID.coldCall, valueCents: 1)
        try await app.database.moveLead(
            id: plus.uid, request: MoveRequest(toStageId: StageID.lost, lostReason: "-20% elsewhere, \"cheaper\""), actor: mia)
        try await app.createLead("\tTab Start", owner: sam, email: "tab@example.com", stage: StageID.proposalSent)
        try await app.createLead("@At Start", owner: sam, source: SourceID.socialMedia, valueCents: 5_000)
        try await app.createLead("Zoë Ünicode 東京", owner: mia, email: "zoe@example.com", company: "Café \"Crème\"", source: SourceID.partner, valueCents: 100)
        let deleted = try await app.createLead("Deleted Lead", owner: sam, email: "deleted@example.com")
        try await app.database.deleteLead(id: deleted.uid, actor: mia)
    }

    @Test func anExportImportedIntoAFreshAppReproducesTheLeads() async throws {
        let source = try await TestApp.make()
        try await Self.seedRoundTrip(source)
        let download = Captured("")
        try await source.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let response = try await browser.csv("/leads.csv")
            #expect(response.status == .ok)
            download.value = response.text
        }
        let exported = download.value
        let original = try await PortableLead.all(source)
        #expect(original.count == 8)

        let target = try await TestApp.make()
        // New leads go through the pipeline rules: the target lets them start in every open stage and
        // move on from New Lead to any stage; the lost lead moves there with the file's lost_reason.
        try await target.markEntryStages(StageID.contacted, StageID.qualified, StageID.proposalSent)
        try await target.openUpNewLead()
        for (email, role) in [("mia@example.com", Role.manager), ("sam@example.com", .executive), ("riya@example.com", .executive)] {
            try await target.createUser(email, role: role, name: "Other \(email)")
        }
        #expect(original.contains { $0.stage == "Lost" && $0.lostReason == "-20% elsewhere, \"cheaper\"" })
        try await target.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let (token, preview) = try await browser.previewImport(Array(exported.utf8))
            #expect(preview.text(ofId: "preview-create") == "8")
            #expect(preview.text(ofId: "preview-invalid") == "0")
            #expect(!preview.contains("Ignored columns"))
            let done = try await browser.confirmImport(token)
            #expect(done.status == .seeOther)
            let result = try await browser.get(try #require(done.location))
            #expect(result.text(ofId: "result-created") == "8")

            let imported = try await PortableLead.all(target)
            #expect(imported.count == original.count)
            for (a, b) in zip(original, imported) { #expect(b == a) }

            // Exporting again gives the same file apart from references and timestamps.
            let again = try await browser.csv("/leads.csv?sort=name")
            func comparable(_ text: String) -> [[String]] {
                let (header, rows) = TestCSV.records(text)
                let columns = header.filter { !["reference", "created_at", "updated_at"].contains($0) }
                return rows.map { row in columns.map { row[$0] ?? "" } }.sorted { $0.lexicographicallyPrecedes($1) }
            }
            #expect(comparable(again.text) == comparable(exported))
        }
    }

    @Test func aValueThatAlreadyStartsWithAnApostropheSurvivesTheRoundTrip() async throws {
        let source = try await TestApp.make()
        let mia = try await source.createUser("mia@example.com", role: .manager)
        let names = ["'=not a formula", "'-) smiley", "'quoted'"]
        for name in names { try await source.createLead(name, owner: mia) }
        let rows = try await source.database.exportBatch(LeadQuery(filter: LeadFilter(), viewer: mia), after: nil).rows
        let text = try LeadCSV.header() + LeadCSV.encode(rows)

        let target = try await TestApp.make()
        let targetMia = try await target.createUser("mia@example.com", role: .manager)
        let path = try target.temporaryCSV(Array(text.utf8))
        let result = try await LeadImporter.run(path: path, database: target.database, actor: targetMia, options: ImportOptions(), fileLabel: "x.csv")
        #expect(result.created == names.count)
        let imported = try await PortableLead.all(target).map(\.name)
        #expect(Set(imported) == Set(names), "exported as \(TestCSV.parse(text).dropFirst().map { $0[1] }), imported as \(imported)")
    }
}

// MARK: - Import

@Suite struct CSVImportTests {
    static let header = "name,email,phone,company,stage,owner_email,value,expected_close_date"

    /// Every kind of invalid row, a record spanning two lines, and three valid rows.
    static func mixedFile(newline: String) -> [UInt8] {
        let before = [
            header,
            "Valid One,valid1@example.com,+1 555 0100,Acme,New Lead,sam@example.com,\"1,250.50\",2026-12-31",  // 2
            "Bad Email,not-an-email,,,,,,",  // 3
            "Unknown Stage,,,,Negotiation,,,",  // 4
            "Unknown Owner,,,,,ghost@example.com,,",  // 5
            "Bad Number,,,,,,12.345,",  // 6
            "Bad Date,,,,,,,2026-02-30",  // 7
            "Too Few,a@example.com",  // 8
        ]
        var bytes = TestCSV.file(before, newline: newline)
        bytes += Array("Bad ".utf8) + [0xFF, 0xFE] + Array(" Bytes,,,,,,,".utf8) + Array(newline.utf8)  // 9
        bytes += TestCSV.file(
            [
                ",nameless@example.com,,,,,,",  // 10
                "Multi Line,multi@example.com,,\"Line one\(newline)Line two\",,,,",  // 11–12
                "After Multi,also bad,,,,,,",  // 13
                "Valid Two,,,,contacted,SAM@example.com,,",  // 14
            ], newline: newline)
        return bytes
    }

    static let expectedIssues: [(Int, String)] = [
        (3, "email: Enter a valid email address, like name@example.com."),
        (4, "Unknown stage “Negotiation”."),
        (5, "Unknown owner “ghost@example.com”."),
        (6, "value: Enter an amount like 1250 or 1,250.50 (no negatives)."),
        (7, "expected_close_date: Enter a date like 2026-03-31."),
        (8, "Wrong number of columns: expected 8, found 2."),
        (9, "Column name is not valid UTF-8."),
        (10, "name: Name is required."),
        (13, "email: Enter a valid email address, like name@example.com."),
    ]

    @Test(arguments: ["\n", "\r\n"])
    func everyKindOfInvalidRowIsReportedWithItsLineNumber(newline: String) async throws {
        let app = try await TestApp.make()
        try await app.markEntryStages(StageID.contacted)  // "Valid Two" starts in Contacted
        try await app.createUser("sam@example.com", role: .executive)
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (_, preview) = try await browser.previewImport(Self.mixedFile(newline: newline))
            #expect(preview.contains("Nothing has been written yet."))
            #expect(preview.text(ofId: "preview-create") == "3")
            #expect(preview.text(ofId: "preview-matching") == "0")
            #expect(preview.text(ofId: "preview-invalid") == String(Self.expectedIssues.count))
            #expect(preview.contains("<dt>Rows</dt><dd>12</dd>"))
            let table = preview.section("<h2>Invalid rows</h2>")
            let lines = HTMLText.all(table, "<tr><td>", "</td>").compactMap(Int.init)
            #expect(lines == Self.expectedIssues.map(\.0))
            for (line, reason) in Self.expectedIssues {
                #expect(table.contains("<tr><td>\(line)</td><td class=\"wrap\">\(reason)</td></tr>"), "line \(line)")
            }
            #expect(preview.contains("id=\"confirm-import\""))
        }
    }

    @Test func theReaderCountsLinesOfQuotedNewlinesBlankLinesAndAByteOrderMark() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += TestCSV.file([
            "Name,Email",  // 1 (BOM and capitals in the header are fine)
            "\"Three\nline\nname\",bad",  // 2–4
            "",  // 5, blank
            "Good,\"good@example.com\"",  // 6
            "\"Quote \"\"inside\"\"\",worse@",  // 7
        ])
        let path = try app.temporaryCSV(bytes)
        let preview = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: ImportOptions())
        #expect(preview.fileError == nil)
        #expect(preview.issues.map(\.line) == [2, 7])
        #expect(preview.toCreate == 1)
        #expect(preview.rows == 3)
    }

    @Test func unknownColumnsAreListedAndAFileWithoutNamesCannotBeImported() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (_, preview) = try await browser.previewImport(
                TestCSV.file(["name,Favourite Colour,email,notes", "Ann,blue,ann@example.com,likes tea"]))
            #expect(preview.contains("Ignored columns: <code>favourite colour, notes</code>"))
            #expect(preview.text(ofId: "preview-create") == "1")

            let (_, nameless) = try await browser.previewImport(TestCSV.file(["email,company", "x@example.com,X"]))
            #expect(nameless.contains("The header row has no name column."))
            #expect(!nameless.contains("id=\"confirm-import\""))
            #expect(try await app.liveLeadCount() == 0)
        }
    }

    @Test func aFileWithABadRowImportsTheRestAndNothingIsWrittenBeforeConfirmation() async throws {
        let app = try await TestApp.make()
        // "New One" starts in Qualified; "New Two" starts in New Lead and moves on to Won.
        try await app.markEntryStages(StageID.qualified)
        try await app.openUpNewLead()
        let sam = try await app.createUser("sam@example.com", role: .executive)
        try await app.createLead("Existing", owner: sam, email: "existing@example.com")
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let before = try await app.writeCounts()
            let file = TestCSV.file([
                "name,email,stage,owner_email,value,source",
                "New One,one@example.com,Qualified,sam@example.com,250,Referral",
                "Broken,broken@,New Lead,,,",
                "New Two,,Won,,\"$1,000\",",
            ])
            let (token, preview) = try await browser.previewImport(file)
            #expect(preview.text(ofId: "preview-create") == "2")
            #expect(preview.text(ofId: "preview-invalid") == "1")
            #expect(try await browser.get("/leads/import/\(token)?duplicates=update").status == .ok)
            #expect(try await browser.download("/leads/import/\(token)/errors.csv").status == .ok)
            #expect(try await app.writeCounts() == before, "upload and preview write nothing")
            #expect(try await app.importJobs().map(\.status) == ["pending"])

            let confirmed = try await browser.confirmImport(token)
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.location == "/leads/import/\(token)")
            let result = try await browser.get("/leads/import/\(token)")
            #expect(result.text(ofId: "result-created") == "2")
            #expect(result.contains("Imported: 2 created, 0 updated, 0 skipped."))
            #expect(try await app.liveLeadCount() == 3)
            #expect(try await app.lead(named: "Broken") == nil)
            let one = try #require(try await app.lead(named: "New One"))
            #expect(one.stageId == StageID.qualified)
            #expect(one.ownerId == sam.id)
            #expect(one.valueCents == 25_000)
            #expect(one.sourceId == SourceID.referral)
            #expect(try await app.activities(of: one.uid).map(\.kind) == [.imported])
            #expect(try await app.history(of: one.uid).map(\.stageId) == [StageID.qualified])
            let two = try #require(try await app.lead(named: "New Two"))
            #expect(two.valueCents == 100_000)
            #expect(two.stageId == StageID.won)
            let job = try #require(try await app.importJobs().first)
            #expect(job.status == "done")
            #expect((job.created, job.updated, job.skipped, job.invalid) == (2, 0, 0, 1))
            #expect(app.importFiles().isEmpty, "the uploaded file is removed once imported")
        }
    }

    @Test func duplicatesByEmailAreSkippedOrUpdatedAsChosen() async throws {
        let app = try await TestApp.make()
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)
        let ada = try await app.createLead("Ada", owner: sam, email: "ada@example.com", company: "Old Co", valueCents: 100)
        let file = TestCSV.file([
            "name,email,company,value,owner_email,stage",
            "Ada Lovelace,ADA@example.com,New Co,2000,riya@example.com,New Lead",
            "Brand New,new@example.com,Fresh,10,,New Lead",
        ])
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (skipToken, skipPreview) = try await browser.previewImport(file)
            #expect(skipPreview.text(ofId: "preview-create") == "1")
            #expect(skipPreview.text(ofId: "preview-matching") == "1")
            #expect(skipPreview.contains("<strong>skipped</strong>"))
            #expect(try await browser.confirmImport(skipToken, duplicates: "skip").status == .seeOther)
            let skipped = try await browser.get("/leads/import/\(skipToken)")
            #expect(skipped.text(ofId: "result-created") == "1")
            #expect(skipped.text(ofId: "result-skipped") == "1")
            var stored = try await app.storedLead(ada.uid)
            #expect(stored.name == "Ada" && stored.company == "Old Co" && stored.valueCents == 100 && stored.ownerId == sam.id)
            #expect(stored.version == ada.version)
            #expect(try await app.liveLeadCount() == 2)

            // The same file again, updating: both rows now match an existing lead.
            let (updateToken, updatePreview) = try await browser.previewImport(file, duplicates: "update")
            #expect(updatePreview.text(ofId: "preview-matching") == "2")
            #expect(updatePreview.text(ofId: "preview-create") == "0")
            #expect(updatePreview.contains("<strong>updated</strong>"))
            #expect(updatePreview.contains("name=\"duplicates\" value=\"update\""))
            #expect(try await browser.confirmImport(updateToken, duplicates: "update").status == .seeOther)
            let updated = try await browser.get("/leads/import/\(updateToken)")
            #expect(updated.text(ofId: "result-updated") == "2")
            #expect(updated.text(ofId: "result-created") == "0")
            stored = try await app.storedLead(ada.uid)
            #expect(stored.name == "Ada Lovelace")
            #expect(stored.company == "New Co")
            #expect(stored.valueCents == 200_000)
            #expect(stored.ownerId == riya.id)
            #expect(stored.email == "ada@example.com")
            #expect(stored.version > ada.version)
            #expect(try await app.activities(of: ada.uid).last?.kind == .imported)
            #expect(try await app.liveLeadCount() == 2)
        }
    }

    @Test func confirmingTwiceImportsOnce() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (token, _) = try await browser.previewImport(TestCSV.file(["name,email", "Once,once@example.com", "Twice,"]))
            #expect(try await browser.confirmImport(token).status == .seeOther)
            let counts = try await app.writeCounts()
            #expect(try await app.liveLeadCount() == 2)
            let again = try await browser.confirmImport(token)
            #expect(again.status == .conflict)
            #expect(again.contains("already been confirmed"))
            let updateAgain = try await browser.confirmImport(token, duplicates: "update")
            #expect(updateAgain.status == .conflict)
            #expect(try await app.writeCounts() == counts)
            #expect(try await app.liveLeadCount() == 2)
            // The finished job shows its result, and its errors file is gone.
            let result = try await browser.get("/leads/import/\(token)")
            #expect(result.text(ofId: "result-created") == "2")
            #expect(try await browser.get("/leads/import/\(token)/errors.csv").status == .notFound)
        }
    }

    @Test func executivesCannotImportAndJobsArePrivate() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (token, _) = try await manager.previewImport(TestCSV.file(["name", "Someone"]))
            let executive = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            #expect(try await executive.get("/leads/import").status == .forbidden)
            let upload = try await executive.uploadImport(TestCSV.file(["name", "Sneaky"]))
            #expect(upload.status == .forbidden)
            #expect(try await executive.get("/leads/import/\(token)").status == .forbidden)
            #expect(try await executive.get("/leads/import/\(token)?duplicates=update").status == .forbidden)
            #expect(try await executive.confirmImport(token).status == .forbidden)
            #expect(try await executive.get("/leads/import/\(token)/errors.csv").status == .forbidden)
            #expect(try await app.importJobs().count == 1)
            #expect(try await app.liveLeadCount() == 0)
            // Another manager cannot reach someone else's job.
            let other = try await app.signedIn(client, as: "max@example.com", role: .manager)
            #expect(try await other.get("/leads/import/\(token)").status == .notFound)
            #expect(try await other.confirmImport(token).status == .notFound)
            #expect(try await app.liveLeadCount() == 0)
            // The upload form itself is there for managers.
            let form = try await manager.get("/leads/import")
            #expect(form.status == .ok)
            #expect(form.contains("enctype=\"multipart/form-data\""))
        }
    }

    @Test func theErrorsCSVHasTheInvalidRowsWithTheirLineAndError() async throws {
        let app = try await TestApp.make()
        try await app.markEntryStages(StageID.contacted)  // "Valid Two" starts in Contacted
        try await app.createUser("sam@example.com", role: .executive)
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let (token, _) = try await browser.previewImport(Self.mixedFile(newline: "\n"))
            let response = try await browser.csv("/leads/import/\(token)/errors.csv")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            let rows = TestCSV.parse(response.text)
            #expect(rows.first == Self.header.split(separator: ",").map(String.init) + ["line", "error"])
            let invalid = Array(rows.dropFirst())
            #expect(invalid.count == Self.expectedIssues.count)
            #expect(invalid.map { $0[$0.count - 2] } == Self.expectedIssues.map { String($0.0) })
            #expect(invalid.map { $0[$0.count - 1] } == Self.expectedIssues.map(\.1))
            #expect(invalid.first.map { Array($0.prefix(2)) } == ["Bad Email", "not-an-email"])
            #expect(invalid.first { $0.first == "Too Few" } == ["Too Few", "a@example.com", "8", "Wrong number of columns: expected 8, found 2."])
            #expect(invalid.contains { $0.first == "Bad \u{FFFD}\u{FFFD} Bytes" })
            #expect(!invalid.contains { $0.first == "Valid One" || $0.first == "Multi Line" })
            #expect(try await app.liveLeadCount() == 0)
        }
    }

    @Test func aFileOverTheImportLimitIs413AndCreatesNoJob() async throws {
        let app = try await TestApp.make(configure: { $0.maxImportBytes = 2048 })
        @Sendable func file(size: Int) -> [UInt8] {
            // "name\n" + one row of `x`s + "\n": exactly `size` bytes.
            Array("name\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size - 6) + [UInt8(ascii: "\n")]
        }
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let huge = try await browser.uploadImport(file(size: 200_000))
            #expect(huge.status == .contentTooLarge)
            #expect(huge.contains("larger than"))
            #expect(try await app.importJobs().isEmpty)
            #expect(app.importFiles().isEmpty)

            let justOver = try await browser.uploadImport(file(size: 4096))
            #expect(justOver.status == .contentTooLarge, "a 4 KiB file against a 2 KiB limit")
            #expect(try await app.importJobs().isEmpty)
            #expect(app.importFiles().isEmpty)

            let fits = try await browser.uploadImport(file(size: 2048))
            #expect(fits.status == .seeOther)
            #expect(fits.importToken != nil)
            #expect(try await app.importJobs().count == (justOver.status == .seeOther ? 2 : 1))
        }
    }

    /// Grace, in New Lead, moved on to Contacted: refused once New Lead may no longer move there
    /// (`allowNext`). Her open required task does not stop an import, which overrides it.
    static func refusedMoveFile() -> [UInt8] {
        TestCSV.file([
            "name,email,stage",
            "First New,first@example.com,New Lead",  // 2
            "Second New,second@example.com,Qualified",  // 3
            "Grace Hopper,grace@example.com,Contacted",  // 4
            "Third New,third@example.com,New Lead",  // 5
        ])
    }

    /// 150 characters as people count them (what the form and import validate), but 300 Unicode
    /// scalars: more than the `lead.name` CHECK (SQLite's `length`, 200) allows.
    static let decomposedName = String(repeating: "e\u{301}", count: 150)

    static func decomposedNameFile() -> [UInt8] {
        TestCSV.file([
            "name,email",
            "First New,first@example.com",  // 2
            "Second New,second@example.com",  // 3
            "\(decomposedName),long@example.com",  // 4
            "Third New,third@example.com",  // 5
        ])
    }

    /// A file whose third row the database itself refuses while the rows before it are already written.
    static func failingMidwayFile() -> [UInt8] {
        TestCSV.file([
            "name,email",
            "First New,first@example.com",  // 2
            "Second New,second@example.com",  // 3
            "Disk Full,disk@example.com",  // 4: the trigger below makes SQLite fail here
            "Third New,third@example.com",  // 5
        ])
    }

    /// Makes SQLite itself fail when the row named "Disk Full" is inserted: a real failure midway
    /// through the import's transaction, after two leads were already written in it.
    static func installFailure(_ app: TestApp) async throws {
        try await app.database.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER failMidway BEFORE INSERT ON lead WHEN NEW.name = 'Disk Full'
                BEGIN SELECT RAISE(ABORT, 'simulated failure'); END
                """)
        }
    }

    @Test func anImportThatFailsMidwayWritesNothing() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        try await app.createLead("Existing", owner: mia, email: "existing@example.com")
        try await Self.installFailure(app)
        let before = try await app.writeCounts()
        let path = try app.temporaryCSV(Self.failingMidwayFile())
        await #expect(throws: (any Error).self) {
            try await LeadImporter.run(path: path, database: app.database, actor: mia, options: ImportOptions(), fileLabel: "midway.csv")
        }
        #expect(try await app.writeCounts() == before)
        #expect(try await app.lead(named: "First New") == nil)
        #expect(try await app.lead(named: "Second New") == nil)
        #expect(try await app.liveLeadCount() == 1)

        // Through the routes: the failed confirmation leaves the job pending and writes nothing.
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let (token, _) = try await browser.previewImport(Self.failingMidwayFile())
            let counts = try await app.writeCounts()
            let confirmed = try await browser.confirmImport(token)
            #expect(confirmed.status != .seeOther)
            #expect(!confirmed.contains("Imported:"))
            #expect(try await app.writeCounts() == counts)
            #expect(try await app.importJobs().map(\.status) == ["pending"])
            #expect(try await app.liveLeadCount() == 1)
        }
    }

    @Test func aNameTheDatabaseWouldRefuseIsAnInvalidRowInThePreview() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            #expect(Self.decomposedName.count == 150 && Self.decomposedName.unicodeScalars.count == 300)
            let (token, preview) = try await browser.previewImport(Self.decomposedNameFile())
            #expect(preview.text(ofId: "preview-create") == "3")
            #expect(preview.text(ofId: "preview-invalid") == "1")
            #expect(preview.contains("<tr><td>4</td>"))
            // Confirming imports the three others instead of failing.
            let confirmed = try await browser.confirmImport(token)
            #expect(confirmed.status == .seeOther, "confirm answered \(confirmed.status)")
            #expect(try await app.liveLeadCount() == 3)
        }
    }

    @Test func aStageChangeRefusedOnlyAtConfirmTimeIsLeftOutAndTheRestImported() async throws {
        let app = try await TestApp.make()
        try await app.markEntryStages(StageID.qualified)  // "Second New" starts in Qualified
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let grace = try await app.createLead("Grace", owner: mia, email: "grace@example.com")
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let (token, preview) = try await browser.previewImport(Self.refusedMoveFile(), duplicates: "update")
            #expect(preview.text(ofId: "preview-create") == "3")
            #expect(preview.text(ofId: "preview-matching") == "1")
            #expect(preview.text(ofId: "preview-invalid") == "0")

            // Between preview and confirmation an admin changes New Lead's next stages: the move is now refused.
            try await app.allowNext(from: StageID.newLead, to: StageID.qualified)
            let graceBefore = try await app.storedLead(grace.uid)
            let historyBefore = try await app.history(of: grace.uid)
            let confirmed = try await browser.confirmImport(token, duplicates: "update")
            #expect(confirmed.status == .seeOther)
            // Grace is left out entirely (no half-applied update), the others are imported.
            let stored = try await app.storedLead(grace.uid)
            #expect(stored.name == "Grace")
            #expect(stored.stageId == StageID.newLead)
            #expect(stored.version == graceBefore.version)
            #expect(try await app.history(of: grace.uid).count == historyBefore.count)
            #expect(try await app.lead(named: "First New") != nil)
            #expect(try await app.lead(named: "Third New") != nil)
            let job = try #require(try await app.importJobs().first)
            #expect(job.status == "done")
            #expect(job.created == 3 && job.updated == 0 && job.invalid == 1)
        }
    }

    @Test func aRowThePreviewMarkedInvalidIsSkippedAtConfirmInUpdateMode() async throws {
        let app = try await TestApp.make()
        try await app.markEntryStages(StageID.qualified)  // "Second New" starts in Qualified
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let grace = try await app.createLead("Grace", owner: mia, email: "grace@example.com")
        try await app.allowNext(from: StageID.newLead, to: StageID.qualified)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let (token, preview) = try await browser.previewImport(Self.refusedMoveFile(), duplicates: "update")
            // The preview says Grace's row will be left out and the three others imported…
            #expect(preview.text(ofId: "preview-create") == "3")
            #expect(preview.text(ofId: "preview-invalid") == "1")
            #expect(preview.contains("<tr><td>4</td><td class=\"wrap\">Stage change refused:"))
            #expect(preview.contains("These rows will be left out."))
            #expect(preview.contains("id=\"confirm-import\""))
            // …so confirming does exactly that.
            let confirmed = try await browser.confirmImport(token, duplicates: "update")
            #expect(confirmed.status == .seeOther, "confirm answered \(confirmed.status): \(HTMLText.between(confirmed.body, "role=\"alert\">", "<") ?? "")")
            #expect(try await app.liveLeadCount() == 4)
            #expect(try await app.storedLead(grace.uid).name == "Grace")
        }
    }
}
