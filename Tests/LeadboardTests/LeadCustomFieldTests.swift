import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// Custom lead fields on the lead form, the lead page, the list (filters, columns, sort), the board,
/// the export's filters and search. Definitions are inserted directly (`insertCustomField`); the
/// admin page that defines them has its own tests.
@Suite struct LeadCustomFieldTests {
    /// One field of every type, in this order on the form.
    static func defineEveryType(_ app: TestApp) async throws -> [String: CustomField] {
        var fields: [String: CustomField] = [:]
        fields["nickname"] = try await app.insertCustomField(
            "nickname", type: .text, rules: FieldRules(maxLength: 12), helpText: "What they like to be called", placeholder: "e.g. Bob")
        fields["notes"] = try await app.insertCustomField("notes", type: .longText, rules: FieldRules(maxLength: 300))
        fields["seats"] = try await app.insertCustomField("seats", type: .integer, rules: FieldRules(min: 1, max: 500))
        fields["budget"] = try await app.insertCustomField("budget", type: .decimal, rules: FieldRules(min: 0), showOnCard: true)
        fields["newsletter"] = try await app.insertCustomField("newsletter", type: .boolean)
        fields["kickoff"] = try await app.insertCustomField("kickoff", type: .date)
        fields["demo_at"] = try await app.insertCustomField("demo_at", label: "Demo at", type: .datetime)
        fields["size"] = try await app.insertCustomField(
            "size", type: .select, rules: FieldRules(options: ["Small", "Medium", "Large"]), defaultValue: "Medium", showOnCard: true)
        fields["products"] = try await app.insertCustomField("products", type: .multiSelect, rules: FieldRules(options: ["CRM", "Billing", "Chat"]))
        fields["billing_email"] = try await app.insertCustomField("billing_email", type: .email)
        fields["website"] = try await app.insertCustomField("website", type: .url)
        fields["switchboard"] = try await app.insertCustomField("switchboard", type: .phone)
        return fields
    }

    static func newLead(_ name: String, _ custom: [(String, String)] = []) -> [(String, String)] {
        [("name", name), ("stage_id", String(StageID.newLead))] + custom
    }

    func leadCount(_ app: TestApp) async throws -> Int {
        try await app.database.pool.read { db in try Lead.fetchCount(db) }
    }

    // MARK: - The form

    @Test func theFormShowsTheRightInputForEachTypeWithDefaultsHelpAndRequiredMarker() async throws {
        let app = try await TestApp.make()
        _ = try await Self.defineEveryType(app)
        try await app.insertCustomField("region", type: .text, required: true)
        try await app.insertCustomField("retired", type: .text, active: false)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let form = try await mia.get("/leads/new")
            #expect(form.status == .ok)
            let html = form.body
            #expect(html.contains(#"<input id="cf_nickname" name="cf_nickname" type="text" maxlength="12" placeholder="e.g. Bob" value="" aria-describedby="cf_nickname-help">"#))
            #expect(html.contains(#"<p class="hint" id="cf_nickname-help">What they like to be called</p>"#))
            #expect(html.contains(#"<textarea id="cf_notes" name="cf_notes" maxlength="300">"#))
            #expect(html.contains(#"<input id="cf_seats" name="cf_seats" type="text" inputmode="numeric" value="">"#))
            #expect(html.contains(#"<input id="cf_budget" name="cf_budget" type="text" inputmode="decimal" value="">"#))
            #expect(html.contains(#"<select id="cf_newsletter" name="cf_newsletter"><option value="" selected>—</option><option value="true">Yes</option><option value="false">No</option></select>"#))
            #expect(html.contains(#"<input id="cf_kickoff" name="cf_kickoff" type="date" value="">"#))
            #expect(html.contains(#"<input id="cf_demo_at" name="cf_demo_at" type="datetime-local" value="">"#))
            // A new lead starts with each field's default.
            #expect(html.contains(#"<select id="cf_size" name="cf_size"><option value="">—</option><option value="Small">Small</option><option value="Medium" selected>Medium</option>"#))
            #expect(html.contains("<legend>Products</legend>"))
            #expect(html.contains(#"<input type="checkbox" id="cf_products" name="cf_products" value="CRM">"#))
            #expect(html.contains(#"<input type="checkbox" id="cf_products-2" name="cf_products" value="Billing">"#))
            #expect(html.contains(#"name="cf_billing_email" type="email" maxlength="254""#))
            #expect(html.contains(#"name="cf_website" type="url" maxlength="2000""#))
            #expect(html.contains(#"name="cf_switchboard" type="tel" maxlength="50""#))
            #expect(html.contains(#"<label for="cf_region">Region <span class="hint">required</span></label>"#))
            // Inactive fields are not on the form.
            #expect(!html.contains("cf_retired"))
            // In position order.
            let order = ["cf_nickname", "cf_notes", "cf_seats", "cf_budget", "cf_newsletter", "cf_kickoff", "cf_demo_at", "cf_size", "cf_products"]
            let positions = order.compactMap { form.position(of: "name=\"\($0)\"") }
            #expect(positions.count == order.count && positions == positions.sorted())
        }
    }

    @Test func aRequiredFieldBlocksSavingWithAMessageAndNothingIsWritten() async throws {
        let app = try await TestApp.make()
        try await app.insertCustomField("region", type: .text, required: true)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let before = try await leadCount(app)
            let page = try await mia.post("/leads", Self.newLead("Needs Region", [("cf_region", "   ")]))
            #expect(page.status == .unprocessableContent)
            #expect(page.contains("Region is required."))
            #expect(page.contains(##"<a href="#cf_region">Region is required.</a>"##))  // the error summary links to it
            #expect(page.contains(#"aria-invalid="true" aria-describedby="cf_region-error""#))
            #expect(page.contains(#"<p class="field-error" id="cf_region-error">Region is required.</p>"#))
            #expect(page.inputValue("name") == "Needs Region")
            #expect(try await leadCount(app) == before)

            // Built-in and custom errors are reported together.
            let both = try await mia.post("/leads", [("name", ""), ("stage_id", "1")])
            #expect(both.status == .unprocessableContent)
            #expect(both.contains("Region is required."))
            #expect(both.contains(##"href="#name""##))
            #expect(try await leadCount(app) == before)

            let saved = try await mia.post("/leads", Self.newLead("Has Region", [("cf_region", "EMEA")]))
            #expect(saved.status == .seeOther)
            let id = try #require(saved.redirectedLeadId)
            #expect(try await app.customValues(of: id) == ["region": .text("EMEA")])
        }
    }

    @Test(arguments: [
        ("cf_seats", "lots", "Seats must be a whole number, like 42."),
        ("cf_seats", "900", "Seats must be at most 500."),
        ("cf_budget", "-3", "Budget must be at least 0."),
        ("cf_budget", "12abc", "Budget must be a number, like 12.5."),
        ("cf_size", "Huge", "Choose one of the options for Size."),
        ("cf_products", "Fax", "“Fax” is not an option for Products."),
        ("cf_nickname", "Bartholomew the Great", "Nickname must be at most 12 characters."),
        ("cf_kickoff", "2026-02-30", "Kickoff must be a real date like 2026-03-31."),
        ("cf_demo_at", "2026-02-10T25:00", "Demo at must be a date and time like 2026-03-31T14:30."),
        ("cf_newsletter", "perhaps", "Newsletter must be yes or no."),
        ("cf_billing_email", "not-an-address", "Billing Email must be an email address, like name@example.com."),
        ("cf_website", "javascript:alert(1)", "Website must be a web address starting with http:// or https://."),
        ("cf_switchboard", "call me", "Switchboard must be a phone number (digits, spaces and + - ( ) only)."),
    ])
    func badInputGetsAMessageOnTheFieldNeverAnErrorPage(field: String, typed: String, message: String) async throws {
        let app = try await TestApp.make()
        _ = try await Self.defineEveryType(app)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let before = try await leadCount(app)
            let page = try await mia.post("/leads", Self.newLead("Typo Corp", [(field, typed)]))
            #expect(page.status == .unprocessableContent)
            #expect(page.contains(message), "\(field)=\(typed)")
            #expect(page.contains(#"<p class="field-error" id="\#(field)-error">"#))
            // What was typed is shown again, exactly (a yes / no select cannot show another word).
            if field != "cf_newsletter" {
                #expect(page.contains("value=\"\(typed)\""), "\(field) keeps \(typed)")
            }
            #expect(try await leadCount(app) == before)
        }
    }

    // MARK: - Saving, the lead page and activity

    @Test func valuesAreSavedTypedAndShownOnTheLeadPageInPositionOrder() async throws {
        let app = try await TestApp.make()
        _ = try await Self.defineEveryType(app)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let created = try await mia.post(
                "/leads",
                Self.newLead(
                    "Typed Ltd",
                    [
                        ("cf_nickname", "Ty"), ("cf_notes", "Line one\nline two"), ("cf_seats", "120"),
                        ("cf_budget", "2,500.50"), ("cf_newsletter", "true"), ("cf_kickoff", "2026-03-31"), ("cf_demo_at", "2026-04-02T09:15"),
                        ("cf_size", "Large"), ("cf_products", "CRM"), ("cf_products", "Chat"), ("cf_billing_email", "ap@typed.example"),
                        ("cf_website", "https://typed.example"), ("cf_switchboard", "+44 20 7946 0000"),
                    ]))
            #expect(created.status == .seeOther)
            let id = try #require(created.redirectedLeadId)
            let stored = try await app.customValues(of: id)
            #expect(stored["seats"] == .integer(120))
            #expect(stored["budget"] == .decimal(2500.5))
            #expect(stored["newsletter"] == .boolean(true))
            #expect(stored["kickoff"] == .text("2026-03-31"))
            #expect(stored["demo_at"] == .text("2026-04-02T09:15"))
            #expect(stored["products"] == .list(["CRM", "Chat"]))
            #expect(stored.count == 12)

            let page = try await mia.get("/leads/\(id)")
            #expect(page.contains("<dt>Seats</dt><dd class=\"custom-value\">120</dd>"))
            #expect(page.contains("<dt>Budget</dt><dd class=\"custom-value\">2500.5</dd>"))
            #expect(page.contains("<dt>Newsletter</dt><dd class=\"custom-value\">Yes</dd>"))
            #expect(page.contains("<dt>Kickoff</dt><dd class=\"custom-value\">31 Mar 2026</dd>"))
            #expect(page.contains("<dt>Demo at</dt><dd class=\"custom-value\">2 Apr 2026, 09:15</dd>"))
            #expect(page.contains("<dt>Products</dt><dd class=\"custom-value\">CRM, Chat</dd>"))
            #expect(try #require(page.position(of: "<dt>Nickname</dt>")) < (try #require(page.position(of: "<dt>Switchboard</dt>"))))

            // The edit form starts from the stored values.
            let edit = try await mia.get("/leads/\(id)/edit")
            #expect(edit.inputValue("cf_budget") == "2500.5")
            #expect(edit.contains(#"<option value="Large" selected>Large</option>"#))
            #expect(edit.contains(#"value="Chat" checked>"#))
            #expect(!edit.contains(#"value="Billing" checked>"#))
        }
    }

    @Test func anEmptyFieldShowsADashOnTheLeadPageAndDeactivatedFieldsAreHidden() async throws {
        let app = try await TestApp.make()
        let size = try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["S", "L"]))
        let old = try await app.insertCustomField("legacy_code", type: .text)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let miaUser = try await app.user("mia@example.com")
            let lead = try await app.createLead("Blank Co", owner: miaUser)
            try await app.setCustomValues(of: lead.uid, ["legacy_code": .text("X-1")])
            try await app.database.pool.write { db in try db.execute(sql: "UPDATE customField SET isActive = 0 WHERE id = ?", arguments: [old.uid]) }
            let page = try await mia.get("/leads/\(lead.uid)")
            #expect(page.contains("<dt>\(size.label)</dt><dd class=\"custom-value muted\">—</dd>"))
            #expect(!page.contains("Legacy Code"))
            // Saving the form keeps the hidden field's value.
            let stored = try await app.storedLead(lead.uid)
            #expect(try await mia.post("/leads/\(lead.uid)", editForm(stored, ["cf_size": "L"])).status == .seeOther)
            #expect(try await app.customValues(of: lead.uid) == ["size": .text("L"), "legacy_code": .text("X-1")])
        }
    }

    @Test func editingRecordsEachChangeOldToNewAndTheVersionStillGuardsConflicts() async throws {
        let app = try await TestApp.make()
        _ = try await Self.defineEveryType(app)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let miaUser = try await app.user("mia@example.com")
            let lead = try await app.createLead("Changing Ltd", owner: miaUser)
            try await app.setCustomValues(of: lead.uid, ["seats": .integer(10), "size": .text("Small")])
            let stored = try await app.storedLead(lead.uid)

            let saved = try await mia.post("/leads/\(lead.uid)", editForm(stored, ["cf_seats": "20", "cf_size": "Small", "cf_newsletter": "false"]))
            #expect(saved.status == .seeOther)
            #expect(try await app.customValues(of: lead.uid) == ["seats": .integer(20), "size": .text("Small"), "newsletter": .boolean(false)])
            let page = try await mia.get("/leads/\(lead.uid)")
            #expect(page.contains("Seats: 10 → 20"))
            #expect(page.contains("Newsletter: — → No"))
            #expect(!page.contains("Size: Small → Small"))
            let updated = try await app.activities(of: lead.uid).filter { $0.kind == .updated }
            #expect(updated.count == 1)

            // A stale version is a 409 that keeps what was typed and shows the saved value.
            let conflict = try await mia.post("/leads/\(lead.uid)", editForm(stored, ["cf_seats": "30", "cf_size": "Small"]))
            #expect(conflict.status == .conflict)
            #expect(conflict.inputValue("cf_seats") == "30")
            #expect(conflict.contains("Saved value: 20"))
            #expect(try await app.customValues(of: lead.uid)["seats"] == .integer(20))

            // Clearing a value is a change too.
            let current = try await app.storedLead(lead.uid)
            #expect(try await mia.post("/leads/\(lead.uid)", editForm(current, ["cf_seats": "", "cf_size": "Small", "cf_newsletter": "false"])).status == .seeOther)
            #expect(try await app.customValues(of: lead.uid)["seats"] == nil)
            #expect(try await mia.get("/leads/\(lead.uid)").contains("Seats: 20 → —"))
        }
    }

    // MARK: - The list

    /// Four leads of Mia's and one of Sam's with sizes, flags and budgets.
    struct ListSeed {
        var mia: User, sam: User
        var alpha: Lead, bravo: Lead, charlie: Lead, delta: Lead, samLead: Lead
    }

    static func seedList(_ app: TestApp) async throws -> ListSeed {
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["Small", "Large"]))
        try await app.insertCustomField("hot", type: .boolean)
        try await app.insertCustomField("budget", type: .decimal)
        try await app.insertCustomField("nickname", type: .text)
        let alpha = try await app.createLead("Alpha", owner: mia)
        let bravo = try await app.createLead("Bravo", owner: mia)
        let charlie = try await app.createLead("Charlie", owner: mia)
        let delta = try await app.createLead("Delta", owner: mia)
        let samLead = try await app.createLead("Sierra", owner: sam)
        try await app.setCustomValues(of: alpha.uid, ["size": .text("Large"), "hot": .boolean(true), "budget": .decimal(900), "nickname": .text("zed")])
        try await app.setCustomValues(of: bravo.uid, ["size": .text("Small"), "hot": .boolean(false), "budget": .decimal(50), "nickname": .text("Amy")])
        try await app.setCustomValues(of: charlie.uid, ["size": .text("Large"), "budget": .decimal(1200.5)])
        try await app.setCustomValues(of: samLead.uid, ["size": .text("Large"), "hot": .boolean(true), "budget": .decimal(5)])
        return ListSeed(mia: mia, sam: sam, alpha: alpha, bravo: bravo, charlie: charlie, delta: delta, samLead: samLead)
    }

    func names(_ page: Browser.Page, among all: [String]) -> [String] {
        all.compactMap { name in page.position(of: ">\(name)</a></td>").map { (name, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    static let allNames = ["Alpha", "Bravo", "Charlie", "Delta", "Sierra"]

    @Test func theListFiltersBySelectAndBooleanFieldsAndExecutivesStillSeeOnlyTheirOwn() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seedList(app)
        try await app.run { client in
            let mia = Browser(client)
            #expect(try await mia.login(seed.mia.email).status == .seeOther)
            #expect(names(try await mia.get("/leads?cf_size=Large&sort=name"), among: Self.allNames) == ["Alpha", "Charlie", "Sierra"])
            #expect(names(try await mia.get("/leads?cf_hot=yes&sort=name"), among: Self.allNames) == ["Alpha", "Sierra"])
            #expect(names(try await mia.get("/leads?cf_hot=false&sort=name"), among: Self.allNames) == ["Bravo"])
            #expect(names(try await mia.get("/leads?cf_hot=true&cf_size=Large&sort=name"), among: Self.allNames) == ["Alpha", "Sierra"])

            // The filter form offers them as selects, with the current choice selected.
            let page = try await mia.get("/leads?cf_size=Large")
            #expect(page.contains(#"<select id="cf_size" name="cf_size"><option value="">Any</option><option value="Small">Small</option><option value="Large" selected>Large</option></select>"#))
            #expect(page.contains(#"<select id="cf_hot" name="cf_hot">"#))
            #expect(!page.contains(#"<select id="cf_budget""#))  // decimals are not filters
            // Links keep the filter: paging, sorting, the CSV download and the board's "show all".
            #expect(page.contains("cf_size=Large&amp;sort=name") || page.contains("cf_size=Large&amp;sort=-name") || page.contains("sort=name&amp;cf_size=Large"))
            #expect(page.contains("/leads.csv?cf_size=Large"))

            // Bad values and unknown fields are messages next to the filters, never errors.
            let bad = try await mia.get("/leads?cf_hot=maybe&cf_size=Huge&cf_colour=red&cf_budget=5")
            #expect(bad.status == .ok)
            #expect(bad.contains("Hot must be yes or no."))
            #expect(bad.contains("Choose one of the options for Size."))
            #expect(bad.contains("There is no field “colour” to filter by."))
            #expect(bad.contains("Budget cannot be used as a filter"))
            #expect(bad.contains("Showing 1–5 of 5 leads"))

            // An executive filtering sees their own leads only.
            let sam = Browser(client)
            #expect(try await sam.login(seed.sam.email).status == .seeOther)
            #expect(names(try await sam.get("/leads?cf_size=Large"), among: Self.allNames) == ["Sierra"])
            #expect(names(try await sam.get("/leads?cf_hot=no"), among: Self.allNames) == [])
            #expect(names(try await sam.get("/leads?sort=-cf_budget&columns=cf_budget"), among: Self.allNames) == ["Sierra"])
        }
    }

    @Test func theListSortsByACustomFieldBothWaysWithLeadsWithoutAValueLast() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seedList(app)
        try await app.run { client in
            let mia = Browser(client)
            #expect(try await mia.login(seed.mia.email).status == .seeOther)
            #expect(names(try await mia.get("/leads?sort=cf_budget"), among: Self.allNames) == ["Sierra", "Bravo", "Alpha", "Charlie", "Delta"])
            #expect(names(try await mia.get("/leads?sort=-cf_budget"), among: Self.allNames) == ["Charlie", "Alpha", "Bravo", "Sierra", "Delta"])
            // Text sorts ignoring case; leads without a nickname come last either way.
            let ascending = names(try await mia.get("/leads?sort=cf_nickname"), among: Self.allNames)
            #expect(Array(ascending.prefix(2)) == ["Bravo", "Alpha"])
            #expect(Set(ascending.suffix(3)) == ["Charlie", "Delta", "Sierra"])
            let descending = names(try await mia.get("/leads?sort=-cf_nickname"), among: Self.allNames)
            #expect(Array(descending.prefix(2)) == ["Alpha", "Bravo"])
            // The export sorts the same way, in batches, nulls last.
            let query = LeadQuery(filter: LeadFilter(query: FormData([("sort", "-cf_budget")]), fields: try await app.database.activeLeadFields()), viewer: seed.mia)
            var exported: [String] = []
            var cursor: ExportCursor?
            repeat {
                let batch = try await app.database.exportBatch(query, after: cursor, limit: 2)
                exported += batch.rows.map(\.name)
                cursor = batch.next
            } while cursor != nil
            #expect(exported == ["Charlie", "Alpha", "Bravo", "Sierra", "Delta"])
        }
    }

    @Test func anyActiveFieldCanBeAnExtraColumnWithSortLinksThatKeepTheColumns() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seedList(app)
        try await app.run { client in
            let mia = Browser(client)
            #expect(try await mia.login(seed.mia.email).status == .seeOther)
            let page = try await mia.get("/leads?columns=cf_budget,cf_size&sort=name")
            #expect(page.status == .ok)
            #expect(page.contains(#"<th class="col-custom"><a href="/leads?columns=cf_budget%2Ccf_size&amp;sort=-cf_budget" class="sort">Budget </a></th>"#))
            #expect(page.contains(#"<a href="/leads?columns=cf_budget%2Ccf_size&amp;sort=cf_size" class="sort">Size </a></th>"#))
            #expect(page.contains(#"class="sort">Size </a></th>"#))
            #expect(page.contains(#"<span class="col-label">Budget: </span>1200.5</td>"#))
            #expect(page.contains(#"<span class="col-label">Size: </span>Large</td>"#))
            #expect(page.contains(#"<td class="wrap col-custom muted"><span class="col-label">Budget: </span>—</td>"#))
            // The column chooser shows them ticked; the checkbox form's repeated parameter works too.
            #expect(page.contains(#"<input type="checkbox" id="column-cf_budget" name="columns" value="cf_budget" checked>"#))
            #expect(page.contains(#"<input type="checkbox" id="column-cf_nickname" name="columns" value="cf_nickname">"#))
            let repeated = try await mia.get("/leads?columns=cf_nickname&columns=cf_hot")
            #expect(repeated.contains(#"class="sort">Nickname </a></th>"#))
            #expect(repeated.contains(#"<span class="col-label">Hot: </span>Yes</td>"#))
            // Sorted by a custom column: its header shows the direction.
            let sorted = try await mia.get("/leads?columns=cf_budget&sort=-cf_budget")
            #expect(sorted.contains(#"class="sort">Budget ▼</a></th>"#))
            #expect(!sorted.contains(#"class="sort">Updated ▼</a>"#))
            // An unknown column is a message.
            let unknown = try await mia.get("/leads?columns=cf_nope")
            #expect(unknown.status == .ok)
            #expect(unknown.contains("Unknown column: cf_nope."))
        }
    }

    @Test func theListReadsCustomValuesWithoutAQueryPerRow() async throws {
        let log = StatementLog()
        let app = try await TestApp.make(trace: { log.record($0) })
        try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["Small", "Large"]), showOnCard: true)
        try await app.insertCustomField("budget", type: .decimal, showOnCard: true)
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let mia = try await app.user("mia@example.com")
            func addLeads(_ range: Range<Int>) async throws {
                for i in range {
                    let lead = try await app.createLead("Lead \(i)", owner: mia)
                    try await app.setCustomValues(of: lead.uid, ["size": .text(i % 2 == 0 ? "Large" : "Small"), "budget": .decimal(Double(i))])
                }
            }
            func measure(_ path: String) async throws -> [String] {
                #expect(try await browser.get(path).status == .ok)
                return try await log.during {
                    let page = try await browser.get(path)
                    #expect(page.status == .ok)
                }
            }
            let paths = ["/leads?columns=cf_size,cf_budget&sort=-cf_budget", "/leads?cf_size=Large&columns=cf_budget", "/board", "/board?cf_size=Large"]
            try await addLeads(0..<4)
            let small = try await paths.asyncMap(measure)
            try await addLeads(4..<80)
            let large = try await paths.asyncMap(measure)
            #expect(try await browser.get(paths[0]).contains("Showing 1–50 of 80 leads"))
            for (path, (few, many)) in zip(paths, zip(small, large)) {
                #expect(few.count == many.count, "\(path): 4 leads \(few.count), 80 leads \(many.count)\n\(many)")
                let valueReads = many.filter { $0.contains("FROM leadFieldValue WHERE leadId IN") }
                #expect(valueReads.count == 1, "\(path): \(valueReads)")
            }
        }
    }

    @Test func aCustomFilterIsAnsweredFromTheFieldValueIndex() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seedList(app)
        let fields = try await app.database.activeLeadFields()
        for (viewer, query) in [(seed.mia, "cf_size=Large&sort=-cf_budget"), (seed.sam, "cf_hot=yes")] {
            let filter = LeadFilter(query: try FormData(urlEncoded: Substring(query)), fields: fields)
            #expect(filter.errors.isEmpty)
            let leadQuery = LeadQuery(filter: filter, viewer: viewer)
            let plan = try await app.database.pool.read { db in
                let (whereSQL, arguments) = try leadQuery.whereClause(db)
                return try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN SELECT lead.id FROM lead \(leadQuery.sortJoin) \(whereSQL) \(leadQuery.orderClause) LIMIT 50",
                    arguments: arguments
                ).map { $0["detail"] as String }.joined(separator: "\n")
            }
            #expect(plan.contains("leadFieldValue_field"), "\(query): \(plan)")
            #expect(!plan.contains("SCAN leadFieldValue"), "\(query): \(plan)")
        }
    }

    // MARK: - Board, export and search

    @Test func boardCardsShowTheShowOnCardValuesAndTheBoardFiltersByCustomFields() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seedList(app)
        try await app.database.pool.write { db in
            try db.execute(sql: "UPDATE customField SET showOnCard = 1 WHERE key IN ('size', 'budget')")
        }
        try await app.run { client in
            let mia = Browser(client)
            #expect(try await mia.login(seed.mia.email).status == .seeOther)
            let board = try await mia.get("/board")
            #expect(board.contains("<div><dt>Size</dt><dd>Large</dd></div><div><dt>Budget</dt><dd>900</dd></div>"))
            #expect(!board.contains("<dt>Nickname</dt>"))
            let filtered = try await mia.get("/board?cf_size=Small")
            #expect(filtered.contains(">Bravo</a>"))
            #expect(!filtered.contains(">Alpha</a>"))
            #expect(filtered.contains(#"<option value="Small" selected>Small</option>"#))

            // The move answer keeps the board's custom filter and renders the card's values.
            let answer = try await mia.post(
                "/leads/\(seed.bravo.uid)/move", [("stage_id", String(StageID.contacted)), ("override", "1"), ("comment", "Set-up"), ("return_to", "/board?cf_size=Small")],
                headers: [.accept: "application/json"])
            #expect(answer.status == .ok, "\(answer.body)")
            func card(_ page: Browser.Page) throws -> String? {
                let json = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
                return json["card"] as? String
            }
            #expect(try card(answer)?.contains("<dt>Size</dt><dd>Small</dd>") == true)
            // Alpha is Large: after the move it no longer matches the board's filter, so no card comes back.
            let other = try await mia.post(
                "/leads/\(seed.alpha.uid)/move", [("stage_id", String(StageID.contacted)), ("override", "1"), ("comment", "Set-up"), ("return_to", "/board?cf_size=Small")],
                headers: [.accept: "application/json"])
            #expect(other.status == .ok)
            #expect(try card(other) == nil)
        }
    }

    @Test func theExportTakesTheSameCustomFilters() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seedList(app)
        try await app.run { client in
            let mia = Browser(client)
            #expect(try await mia.login(seed.mia.email).status == .seeOther)
            let csv = String(decoding: try await mia.download("/leads.csv?cf_hot=yes").bytes, as: UTF8.self)
            #expect(csv.contains("Alpha"))
            #expect(csv.contains("Sierra"))
            #expect(!csv.contains("Bravo"))
            #expect(!csv.contains("Charlie"))
        }
    }

    @Test func searchFindsALeadByACustomTextValue() async throws {
        let app = try await TestApp.make()
        try await app.insertCustomField("nickname", type: .text)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let created = try await mia.post("/leads", Self.newLead("Plain Name", [("cf_nickname", "Quetzalcoatl")]))
            #expect(created.status == .seeOther)
            let found = try await mia.get("/leads?q=quetzal")
            #expect(found.contains(">Plain Name</a>"))
            #expect(found.contains("Showing 1–1 of 1 leads"))
            #expect(!(try await mia.get("/leads?q=zzzunmatched").contains(">Plain Name</a>")))
        }
    }
}

extension LeadCustomFieldTests {
    /// A deactivated field is hidden from search as from the pages; reactivating finds the lead again.
    /// Only that field's words go: the lead's other custom text stays searchable.
    @Test func deactivatingAFieldHidesItsTextFromSearchUntilReactivated() async throws {
        let app = try await TestApp.make()
        let nickname = try await app.insertCustomField("nickname", type: .text)
        try await app.insertCustomField("tier", type: .select, rules: FieldRules(options: ["Gold", "Silver"]))
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let created = try await mia.post("/leads", Self.newLead("Plain Name", [("cf_nickname", "Quetzalcoatl"), ("cf_tier", "Gold")]))
            #expect(created.status == .seeOther)
            func finds(_ q: String) async throws -> Bool { try await mia.get("/leads?q=\(q)").contains(">Plain Name</a>") }
            #expect(try await finds("quetzal"))
            func setActive(_ active: Bool) async throws {
                try await app.database.updateCustomField(
                    id: nickname.uid, CustomFieldInput(key: "nickname", label: nickname.label, type: .text, isActive: active))
            }
            try await setActive(false)
            #expect(try await !finds("quetzal"))
            #expect(try await finds("gold"))
            try await setActive(true)
            #expect(try await finds("quetzal"))
            #expect(try await finds("gold"))
        }
    }
}

extension LeadCustomFieldTests {
    /// A field activated after the edit form was loaded is not in that form: saving the form keeps the
    /// field's values (the form says which fields it showed, `custom_fields`).
    @Test func savingAFormThatDidNotShowAFieldKeepsItsValue() async throws {
        let app = try await TestApp.make()
        try await app.insertCustomField("budget_note", type: .text)
        let hidden = try await app.insertCustomField("vip", type: .boolean, active: false)
        try await app.run { client in
            let mia = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let lead = try await app.createLead("Kept Value", owner: try await app.user("mia@example.com"))
            try await app.setCustomValues(of: lead.uid, ["vip": .boolean(true)])
            let form = try await mia.get("/leads/\(lead.uid)/edit")
            #expect(form.contains("name=\"custom_fields\" value=\"budget_note\""))
            #expect(!form.contains("name=\"custom_fields\" value=\"vip\""))
            // The field comes back while the form is open; the form is then saved as it was shown.
            try await app.database.updateCustomField(id: hidden.uid, CustomFieldInput(key: "vip", label: hidden.label, type: .boolean, isActive: true))
            let saved = try await mia.post(
                "/leads/\(lead.uid)",
                [("name", "Kept Value"), ("stage_id", String(lead.stageId)), ("owner_id", String(lead.ownerId ?? 0)), ("version", String(lead.version)),
                 ("custom_fields", ""), ("custom_fields", "budget_note"), ("cf_budget_note", "Large")])
            #expect(saved.status == .seeOther)
            let values = try await app.customValues(of: lead.uid)
            #expect(values["vip"] == .boolean(true))
            #expect(values["budget_note"] == .text("Large"))
        }
    }

    /// Very small and very large decimals are written with an exponent; the form and the CSV import
    /// read that back, so re-saving a lead or importing an export keeps them.
    @Test func decimalsWithExponentsRoundTrip() {
        let spec = FieldSpec(label: "Ratio", type: .decimal)
        for value in [0.0000001, 1e20, -2.5e-9, 12.5] {
            let text = FieldValue.decimal(value).plain
            #expect(spec.parse([text]) == .success(.decimal(value)), "\(text)")
        }
        #expect(spec.parse(["12,5e"]) != .success(.decimal(125)))
        #expect(spec.parse(["abc"]) == .failure(FieldError("Ratio must be a number, like 12.5.")))
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
