import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

// Route and database tests for the leads feature: visibility, forms, references, list/search,
// notes, attachments, activity and the list's query count. Helpers live in Support/LeadFixtures.swift.
// Every suite is nested in `LeadRouteTests`, so `swift test --filter LeadRouteTests` runs them all.
@Suite struct LeadRouteTests {}

extension LeadRouteTests {
    @Suite struct Visibility {
        @Test func anExecutiveGets404EverywhereOnAnotherExecutivesLeadAndNeverFindsIt() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                // Given Bob's lead, with a note and a file of his.
                let bob = try await app.signedIn(client, as: "bob@example.com", role: .executive)
                let bobUser = try await app.user("bob@example.com")
                let lead = try await app.createLead("Zephyr Holdings", owner: bobUser, email: "ceo@zephyr.example", company: "Zephyr")
                let leadId = lead.uid
                #expect(try await bob.post("/leads/\(leadId)/notes", [("body", "Bob's private note")]).status == .seeOther)
                #expect(try await bob.upload(toLead: leadId, filename: "quote.pdf", bytes: sampleBytes(64)).status == .seeOther)
                let note = try #require(try await app.notes(of: leadId).first)
                let file = try #require(try await app.attachments(of: leadId).first)
                let before = try await app.storedLead(leadId)

                // When Alice, another executive, tries every route on it
                let alice = try await app.signedIn(client, as: "alice@example.com", role: .executive)
                let aliceUser = try await app.user("alice@example.com")
                #expect(try await alice.get("/leads/\(leadId)").status == .notFound)
                #expect(try await alice.get("/leads/\(leadId)/edit").status == .notFound)
                #expect(try await alice.post("/leads/\(leadId)", editForm(before, ["name": "Hijacked"])).status == .notFound)
                #expect(try await alice.post("/leads/\(leadId)/notes", [("body", "sneaky")]).status == .notFound)
                #expect(try await alice.post("/leads/\(leadId)/notes/\(note.id!)/delete").status == .notFound)
                #expect(try await alice.upload(toLead: leadId, filename: "sneaky.txt", bytes: [1, 2, 3]).status == .notFound)
                #expect(try await alice.download("/attachments/\(file.id!)").status == .notFound)
                #expect(try await alice.post("/attachments/\(file.id!)/delete").status == .notFound)
                #expect(try await alice.post("/leads/\(leadId)/assign", [("owner_id", String(aliceUser.uid))]).status == .notFound)
                #expect(try await alice.post("/leads/\(leadId)/delete").status == .notFound)

                // Then neither the list nor any search shows it
                for path in [
                    "/leads", "/leads?q=zephyr", "/leads?q=zep", "/leads?q=\(URLQuery.escape(lead.reference))", "/leads?q=ceo%40zephyr.example",
                    "/leads?owner=\(bobUser.uid)", "/leads?owner=none", "/leads?sort=name", "/activity",
                ] {
                    let page = try await alice.get(path)
                    #expect(page.status == .ok, "\(path)")
                    #expect(!page.contains("Zephyr"), "\(path) shows Bob's lead")
                    #expect(!page.contains("href=\"/leads/\(leadId)\""), "\(path) links Bob's lead")
                    #expect(!page.contains("<td><a href=\"/leads/"), "\(path) lists a lead")
                }

                // And nothing changed
                let after = try await app.storedLead(leadId)
                #expect(after.name == "Zephyr Holdings")
                #expect(after.version == before.version)
                #expect(after.ownerId == bobUser.id)
                #expect(after.deletedAt == nil)
                #expect(try await app.notes(of: leadId).map(\.body) == ["Bob's private note"])
                #expect(try await app.attachments(of: leadId).count == 1)
                #expect(try app.uploadedFiles() == [file.storedName])
                // Bob still has everything.
                #expect(try await bob.get("/leads/\(leadId)").status == .ok)
                #expect(try await bob.download("/attachments/\(file.id!)").bytes == sampleBytes(64))
            }
        }

        @Test func aManagerSeesSearchesEditsAndNotesEveryLead() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let bobUser = try await app.createUser("bob@example.com", role: .executive)
                let lead = try await app.createLead("Zephyr Holdings", owner: bobUser, email: "ceo@zephyr.example", company: "Zephyr")
                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)

                #expect(try await manager.get("/leads").contains("Zephyr Holdings"))
                #expect(try await manager.get("/leads?q=zeph").contains("Zephyr Holdings"))
                #expect(try await manager.get("/leads?owner=\(bobUser.uid)").contains("Zephyr Holdings"))
                let show = try await manager.get("/leads/\(lead.uid)")
                #expect(show.status == .ok)
                #expect(show.contains(lead.reference))
                #expect(try await manager.get("/leads/\(lead.uid)/edit").status == .ok)
                let saved = try await manager.post("/leads/\(lead.uid)", editForm(lead, ["company": "Zephyr Group"]))
                #expect(saved.status == .seeOther)
                #expect(try await app.storedLead(lead.uid).company == "Zephyr Group")
                #expect(try await app.storedLead(lead.uid).ownerId == bobUser.id)  // the edit kept the owner
                #expect(try await manager.post("/leads/\(lead.uid)/notes", [("body", "Called them")]).status == .seeOther)
                #expect(try await manager.upload(toLead: lead.uid, filename: "brief.txt", bytes: Array("hello".utf8)).status == .seeOther)
                let file = try #require(try await app.attachments(of: lead.uid).first)
                #expect(try await manager.download("/attachments/\(file.id!)").bytes == Array("hello".utf8))
                #expect(try await manager.get("/activity").contains("Zephyr Holdings"))
            }
        }

        @Test func aDeletedLeadLeavesListsAndSearchUntilAnAdminRestoresIt() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let ownerUser = try await app.createUser("bob@example.com", role: .executive)
                let lead = try await app.createLead("Zephyr Holdings", owner: ownerUser, company: "Zephyr")
                try await app.createLead("Keeper Industries", owner: ownerUser)
                let bob = Browser(client)
                try await bob.login("bob@example.com")
                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)

                // An executive may neither delete nor assign, even their own lead.
                #expect(try await bob.post("/leads/\(lead.uid)/delete").status == .forbidden)
                #expect(try await bob.post("/leads/\(lead.uid)/assign", [("owner_id", "")]).status == .forbidden)
                #expect(try await app.storedLead(lead.uid).deletedAt == nil)
                #expect(try await app.storedLead(lead.uid).ownerId == ownerUser.id)

                // When the manager deletes it
                let deleted = try await manager.post("/leads/\(lead.uid)/delete")
                #expect(deleted.status == .seeOther)
                #expect(deleted.location == "/leads")
                #expect(try await app.storedLead(lead.uid).deletedAt != nil)

                // Then it is gone for everyone, from every list and search
                for browser in [bob, manager, admin] {
                    for path in ["/leads", "/leads?q=zephyr", "/leads?q=\(URLQuery.escape(lead.reference))", "/leads?owner=\(ownerUser.uid)"] {
                        let page = try await browser.get(path)
                        #expect(page.status == .ok)
                        #expect(!page.contains("Zephyr Holdings"), "\(path) still lists the deleted lead")
                    }
                    #expect(try await browser.get("/leads").contains("Keeper Industries"))
                    #expect(!(try await browser.get("/activity").contains("Zephyr Holdings")))
                }
                #expect(try await bob.get("/leads/\(lead.uid)").status == .notFound)
                #expect(try await manager.get("/leads/\(lead.uid)").status == .notFound)
                #expect(try await manager.get("/leads/\(lead.uid)/edit").status == .notFound)
                #expect(try await manager.post("/leads/\(lead.uid)/notes", [("body", "late")]).status == .notFound)
                // Only admins see the deleted list; for a manager ?deleted=1 is the live list.
                let managerDeleted = try await manager.get("/leads?deleted=1")
                #expect(managerDeleted.status == .ok)
                #expect(!managerDeleted.contains("Zephyr Holdings"))
                #expect(managerDeleted.contains("Keeper Industries"))
                #expect(try await manager.post("/leads/\(lead.uid)/restore").status == .notFound)
                #expect(try await bob.post("/leads/\(lead.uid)/restore").status == .notFound)

                let adminDeleted = try await admin.get("/leads?deleted=1")
                #expect(adminDeleted.status == .ok)
                #expect(adminDeleted.contains("Zephyr Holdings"))
                #expect(!adminDeleted.contains("Keeper Industries"))
                #expect(try await admin.get("/leads?deleted=1&q=zeph").contains("Zephyr Holdings"))
                let adminShow = try await admin.get("/leads/\(lead.uid)")
                #expect(adminShow.status == .ok)
                #expect(adminShow.contains("This lead was deleted"))

                // When the admin restores it, it is back everywhere
                let restored = try await admin.post("/leads/\(lead.uid)/restore")
                #expect(restored.status == .seeOther)
                #expect(restored.location == "/leads/\(lead.uid)")
                #expect(try await app.storedLead(lead.uid).deletedAt == nil)
                #expect(try await bob.get("/leads?q=zephyr").contains("Zephyr Holdings"))
                #expect(try await manager.get("/leads").contains("Zephyr Holdings"))
                #expect(!(try await admin.get("/leads?deleted=1").contains("Zephyr Holdings")))
                // Restoring a live lead is a 404.
                #expect(try await admin.post("/leads/\(lead.uid)/restore").status == .notFound)
            }
        }

        @Test func anExecutivePostingAnOwnerChangesNothing() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let other = try await app.createUser("bob@example.com", role: .executive)
                let ann = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let annUser = try await app.user("ann@example.com")

                // Creating with someone else as owner: the lead is Ann's.
                let created = try await ann.post("/leads", [("name", "Own Lead"), ("stage_id", "1"), ("owner_id", String(other.uid))])
                #expect(created.status == .seeOther)
                let id = try #require(created.redirectedLeadId)
                let lead = try await app.storedLead(id)
                #expect(lead.ownerId == annUser.id)
                #expect(lead.createdById == annUser.id)
                // Creating with no owner: still Ann's.
                let unowned = try await ann.post("/leads", [("name", "Second Lead"), ("stage_id", "1"), ("owner_id", "")])
                #expect(try await app.storedLead(try #require(unowned.redirectedLeadId)).ownerId == annUser.id)

                // Editing with another owner (or none) keeps Ann as owner and writes no assignment.
                #expect(try await ann.post("/leads/\(id)", editForm(lead, ["owner_id": String(other.uid), "company": "Initech"])).status == .seeOther)
                var stored = try await app.storedLead(id)
                #expect(stored.ownerId == annUser.id)
                #expect(stored.company == "Initech")
                #expect(try await ann.post("/leads/\(id)", editForm(stored, ["owner_id": ""])).status == .seeOther)
                stored = try await app.storedLead(id)
                #expect(stored.ownerId == annUser.id)
                #expect(!(try await app.activities(of: id).contains { $0.kind == .assigned }))
                #expect(try await ann.get("/leads/\(id)").status == .ok)
                // The executive's form offers no owner field.
                #expect(!(try await ann.get("/leads/new").contains("name=\"owner_id\"")))
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct Form {
        @Test func invalidCreateReRendersWithMessagesAndKeepsInput() async throws {
            let app = try await TestApp.make()
            try await app.markEntryStages(StageID.contacted)  // the fixed form creates the lead in Contacted
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let page = try await browser.post(
                    "/leads",
                    [
                        ("name", "   "), ("email", "not-an-email"), ("phone", "call me maybe"), ("company", "Initech Ltd"), ("source", "42"),
                        ("value", "-12.5"), ("expected_close_date", "2026-02-30"), ("stage_id", "99"), ("owner_id", "98765"),
                    ])
                #expect(page.status == .unprocessableContent)
                for message in [
                    "Name is required.", "Enter a valid email address, like name@example.com.", "Use digits, spaces and + - ( ) only.",
                    "Choose a source from the list.", "Enter an amount like 1250 or 1,250.50 (no negatives).", "Enter a date like 2026-03-31.",
                    "Choose a stage.", "Choose an active user as owner.",
                ] {
                    #expect(page.contains(message), "missing \(message)")
                }
                #expect(page.inputValue("email") == "not-an-email")
                #expect(page.inputValue("phone") == "call me maybe")
                #expect(page.inputValue("company") == "Initech Ltd")
                #expect(page.inputValue("value") == "-12.5")
                #expect(page.inputValue("expected_close_date") == "2026-02-30")
                #expect(try await app.database.pool.read { db in try Lead.fetchCount(db) } == 0)

                // Fixing the fields creates the lead.
                let fixed = try await browser.post(
                    "/leads",
                    [
                        ("name", "Initech"), ("email", "bill@initech.example"), ("phone", "+1 (555) 010-0200"), ("company", "Initech Ltd"),
                        ("source", "2"), ("value", "1,250.50"), ("expected_close_date", "2026-03-31"), ("stage_id", "2"), ("owner_id", ""),
                    ])
                #expect(fixed.status == .seeOther)
                let lead = try await app.storedLead(try #require(fixed.redirectedLeadId))
                #expect(lead.valueCents == 125_050)
                #expect(lead.sourceId == SourceID.referral)
                #expect(lead.stageId == StageID.contacted)
                #expect(lead.ownerId == nil)
                #expect(lead.expectedCloseDate == "2026-03-31")
            }
        }

        @Test func invalidEditReRendersWithMessagesKeepsInputAndSavesNothing() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                let lead = try await app.createLead("Globex", owner: mia, company: "Globex Corp")
                let page = try await browser.post("/leads/\(lead.uid)", editForm(lead, ["name": "", "company": "Globex Renamed", "value": "12abc"]))
                #expect(page.status == .unprocessableContent)
                #expect(page.contains("Name is required."))
                #expect(page.contains("Enter an amount like 1250 or 1,250.50 (no negatives)."))
                #expect(page.inputValue("company") == "Globex Renamed")
                #expect(page.inputValue("value") == "12abc")
                #expect(page.inputValue("version") == String(lead.version))
                let stored = try await app.storedLead(lead.uid)
                #expect(stored.name == "Globex")
                #expect(stored.company == "Globex Corp")
                #expect(stored.version == lead.version)
                #expect(try await app.activities(of: lead.uid).map(\.kind) == [.created])
            }
        }

        @Test func aStaleEditGets409OverwritesNothingAndShowsTheSavedValue() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let first = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let second = try await app.signedIn(client, as: "max@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                let lead = try await app.createLead("Globex", owner: mia, company: "Globex Corp")
                // Both load the edit form at version 1.
                #expect(try await first.get("/leads/\(lead.uid)/edit").inputValue("version") == "1")
                #expect(try await second.get("/leads/\(lead.uid)/edit").inputValue("version") == "1")

                // The first save wins
                #expect(try await first.post("/leads/\(lead.uid)", editForm(lead, ["name": "Globex Renamed"])).status == .seeOther)
                let afterFirst = try await app.storedLead(lead.uid)
                #expect(afterFirst.version == 2)

                // The second, from the same version, is refused
                let conflict = try await second.post("/leads/\(lead.uid)", editForm(lead, ["company": "Umbrella"]))
                #expect(conflict.status == .conflict)
                #expect(conflict.contains("Someone else saved this lead while you were editing."))
                #expect(conflict.contains("Saved value: Globex Renamed"))
                #expect(conflict.contains("Saved value: Globex Corp"))
                #expect(conflict.inputValue("company") == "Umbrella")  // the user's input stays
                #expect(conflict.inputValue("name") == "Globex")
                let newVersion = try #require(conflict.inputValue("version"))
                #expect(newVersion == "2")
                var stored = try await app.storedLead(lead.uid)
                #expect(stored.name == "Globex Renamed")
                #expect(stored.company == "Globex Corp")
                #expect(stored.version == 2)

                // Saving the 409 form again (with its new version) is deliberate and succeeds.
                let resubmit = try await second.post("/leads/\(lead.uid)", editForm(lead, ["company": "Umbrella", "version": newVersion]))
                #expect(resubmit.status == .seeOther)
                stored = try await app.storedLead(lead.uid)
                #expect(stored.company == "Umbrella")
                #expect(stored.name == "Globex")
                #expect(stored.version == 3)
                // A third post from the very first version is still refused.
                #expect(try await first.post("/leads/\(lead.uid)", editForm(lead, ["phone": "123"])).status == .conflict)
                #expect(try await app.storedLead(lead.uid).phone == "")
            }
        }

        @Test func aStageChangeThePipelineRefusesIsA422AndSavesNoOtherField() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                // A new lead has the required task "Initial contact" open, so it may not move on yet.
                let lead = try await app.createLead("Globex", owner: mia, company: "Globex Corp")
                let page = try await browser.post(
                    "/leads/\(lead.uid)", editForm(lead, ["company": "Globex Renamed", "stage_id": String(StageID.contacted)]))
                #expect(page.status == .unprocessableContent)
                #expect(page.contains("Nothing was saved."))
                #expect(page.inputValue("company") == "Globex Renamed")
                let stored = try await app.storedLead(lead.uid)
                #expect(stored.company == "Globex Corp")
                #expect(stored.stageId == StageID.newLead)
                #expect(stored.version == lead.version)
                #expect(try await app.activities(of: lead.uid).map(\.kind) == [.created])
            }
        }

        @Test func anEditWithoutChangesWritesNothing() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                let lead = try await app.createLead("Globex", owner: mia, company: "Globex Corp", valueCents: 1000)
                #expect(try await browser.post("/leads/\(lead.uid)", editForm(lead)).status == .seeOther)
                #expect(try await app.storedLead(lead.uid).version == lead.version)
                #expect(try await app.activities(of: lead.uid).map(\.kind) == [.created])
                // A post without a version is refused rather than saved blindly.
                let noVersion = editForm(lead, ["name": "Blind"]).filter { $0.0 != "version" }
                #expect(try await browser.post("/leads/\(lead.uid)", noVersion).status == .badRequest)
                #expect(try await app.storedLead(lead.uid).name == "Globex")
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct References {
        @Test func referencesNumberPerMonthUsingTheInjectedClockAndAreNeverReused() async throws {
            let clock = TestClock(lastMinuteOfJanuary2026)
            let app = try await TestApp.make(clock: clock)
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                func create(_ name: String) async throws -> Lead {
                    let page = try await browser.post("/leads", [("name", name), ("stage_id", "1")])
                    #expect(page.status == .seeOther)
                    return try await app.storedLead(try #require(page.redirectedLeadId))
                }
                let a = try await create("January A")
                let b = try await create("January B")
                #expect(a.reference == "LEAD-202601-00001")
                #expect(b.reference == "LEAD-202601-00002")
                #expect(try await browser.get("/leads/\(b.uid)").contains("LEAD-202601-00002"))

                clock.advance(120)  // 2026-02-01 00:01 UTC
                let c = try await create("February A")
                #expect(c.reference == "LEAD-202602-00001")

                // Deleting the newest of a month does not free its number.
                #expect(try await browser.post("/leads/\(c.uid)/delete").status == .seeOther)
                let d = try await create("February B")
                #expect(d.reference == "LEAD-202602-00002")
                #expect(try await browser.post("/leads/\(b.uid)/delete").status == .seeOther)
                clock.set(lastMinuteOfJanuary2026.addingTimeInterval(30))  // back in January (clock skew)
                let e = try await create("January C")
                #expect(e.reference == "LEAD-202601-00003")
                let references = try await app.database.pool.read { db in try String.fetchAll(db, sql: "SELECT reference FROM lead ORDER BY id") }
                #expect(Set(references).count == references.count)
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct ListAndSearch {
        /// Three leads created a minute apart (so "updated" order is the reverse of creation).
        static func seed(_ app: TestApp) async throws -> (owner: User, leads: [Lead]) {
            let owner = try await app.createUser("olga@example.com", role: .executive, name: "Olga Owner")
            var leads: [Lead] = []
            leads.append(try await app.createLead("Charlie Co", owner: owner, source: SourceID.website, valueCents: 5_000, stage: StageID.qualified))
            app.clock.advance(60)
            leads.append(try await app.createLead("alpha inc", owner: nil, actor: owner, source: SourceID.referral, valueCents: 90_000, stage: StageID.newLead))
            app.clock.advance(60)
            leads.append(try await app.createLead("Bravo Ltd", owner: owner, source: SourceID.website, valueCents: 100, stage: StageID.contacted))
            return (owner, leads)
        }

        static func order(_ page: Browser.Page, _ names: [String]) -> [String] {
            names.compactMap { name in page.position(of: name).map { (name, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
        }

        @Test func sortIsAnAllowListAndUnknownValuesFallBackToUpdated() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                _ = try await Self.seed(app)
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let names = ["Charlie Co", "alpha inc", "Bravo Ltd"]
                let expectations: [(String, [String])] = [
                    ("/leads", ["Bravo Ltd", "alpha inc", "Charlie Co"]),
                    ("/leads?sort=name", ["alpha inc", "Bravo Ltd", "Charlie Co"]),
                    ("/leads?sort=-name", ["Charlie Co", "Bravo Ltd", "alpha inc"]),
                    ("/leads?sort=-value", ["alpha inc", "Charlie Co", "Bravo Ltd"]),
                    ("/leads?sort=value", ["Bravo Ltd", "Charlie Co", "alpha inc"]),
                    ("/leads?sort=created", ["Charlie Co", "alpha inc", "Bravo Ltd"]),
                    ("/leads?sort=stage", ["alpha inc", "Bravo Ltd", "Charlie Co"]),
                    ("/leads?sort=-stage", ["Charlie Co", "Bravo Ltd", "alpha inc"]),
                    // Unknown sorts fall back to the default (newest update first).
                    ("/leads?sort=bogus", ["Bravo Ltd", "alpha inc", "Charlie Co"]),
                    ("/leads?sort=--name", ["Bravo Ltd", "alpha inc", "Charlie Co"]),
                    ("/leads?sort=\(URLQuery.escape("name; DROP TABLE lead"))", ["Bravo Ltd", "alpha inc", "Charlie Co"]),
                    ("/leads?sort=\(URLQuery.escape("lead.name"))", ["Bravo Ltd", "alpha inc", "Charlie Co"]),
                    ("/leads?sort=", ["Bravo Ltd", "alpha inc", "Charlie Co"]),
                ]
                for (path, expected) in expectations {
                    let page = try await browser.get(path)
                    #expect(page.status == .ok, "\(path)")
                    #expect(Self.order(page, names) == expected, "\(path)")
                }
                #expect(try await app.database.pool.read { db in try Lead.fetchCount(db) } == 3)
            }
        }

        @Test func filtersNarrowTheListAndBogusValuesNeverError() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let (owner, _) = try await Self.seed(app)
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let all = ["Charlie Co", "alpha inc", "Bravo Ltd"]
                let today = Day.string(app.clock.now)
                let tomorrow = Day.string(app.clock.now.addingTimeInterval(86400))
                let expectations: [(String, [String])] = [
                    ("/leads?stage=\(StageID.contacted)", ["Bravo Ltd"]),
                    ("/leads?stage=\(StageID.won)", []),
                    ("/leads?stage=999", []),
                    ("/leads?stage=abc", all),
                    ("/leads?stage=", all),
                    ("/leads?owner=none", ["alpha inc"]),
                    ("/leads?owner=\(owner.uid)", ["Charlie Co", "Bravo Ltd"]),
                    ("/leads?owner=me", []),
                    ("/leads?owner=987654", []),
                    ("/leads?owner=nobody", all),
                    ("/leads?owner=\(URLQuery.escape("1 OR 1=1"))", all),
                    ("/leads?source=\(SourceID.referral)", ["alpha inc"]),
                    ("/leads?source=xyz", all),
                    ("/leads?created_from=\(today)&created_to=\(today)", all),
                    ("/leads?created_from=\(tomorrow)", []),
                    ("/leads?created_to=2000-01-01", []),
                    ("/leads?stage=\(StageID.qualified)&owner=\(owner.uid)&source=\(SourceID.website)", ["Charlie Co"]),
                    ("/leads?page=0", all),
                    ("/leads?page=-3", all),
                    ("/leads?page=abc", all),
                    ("/leads?page=99999999999999999999", all),  // not an Int: page 1
                    ("/leads?page=100001", []),
                    ("/leads?page=2", []),
                ]
                for (path, expected) in expectations {
                    let page = try await browser.get(path)
                    #expect(page.status == .ok, "\(path)")
                    #expect(Set(Self.order(page, all)) == Set(expected), "\(path)")
                }

                // An impossible date is reported next to its field and otherwise ignored.
                let badFrom = try await browser.get("/leads?created_from=2026-02-30")
                #expect(badFrom.status == .ok)
                #expect(badFrom.contains("From must be a date like 2026-01-31."))
                #expect(Set(Self.order(badFrom, all)) == Set(all))
                let badTo = try await browser.get("/leads?created_to=yesterday")
                #expect(badTo.status == .ok)
                #expect(badTo.contains("To must be a date like 2026-01-31."))
                #expect(badTo.inputValue("created_to") == "")
            }
        }

        @Test func searchSyntaxErrorsShowAFriendlyMessageNeverAnErrorPage() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                _ = try await Self.seed(app)
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                for q in ["\"unbalanced", "AND", "alpha AND", "OR alpha", "(alpha", "alpha)", "NEAR(", "*", "nosuchcolumn:alpha", "^", "\"\"\""] {
                    let page = try await browser.get("/leads?q=\(URLQuery.escape(q))")
                    #expect(page.status == .ok, "q=\(q)")
                    #expect(page.contains("The search could not be understood"), "q=\(q)")
                    #expect(!page.contains("Something went wrong"), "q=\(q)")
                    #expect(!page.contains("Bravo Ltd"), "q=\(q)")
                }
                // Valid FTS syntax still works, and punctuation alone just matches nothing.
                let either = try await browser.get("/leads?q=\(URLQuery.escape("alpha OR bravo"))")
                #expect(!either.contains("The search could not be understood"))
                #expect(Set(Self.order(either, ["Charlie Co", "alpha inc", "Bravo Ltd"])) == ["alpha inc", "Bravo Ltd"])
                let phrase = try await browser.get("/leads?q=\(URLQuery.escape("\"charlie co\""))")
                #expect(phrase.contains("Charlie Co"))
                #expect(!phrase.contains("Bravo Ltd"))
                let punctuation = try await browser.get("/leads?q=\(URLQuery.escape("!!! ---"))")
                #expect(punctuation.status == .ok)
                #expect(!punctuation.contains("The search could not be understood"))
                #expect(punctuation.contains("No leads match these filters."))
            }
        }

        @Test func searchMatchesPrefixesEmailsAndReferences() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                let acme = try await app.createLead("Acme Corporation", owner: mia, email: "buyer@acme.example", company: "Acme")
                let globex = try await app.createLead("Globex", owner: mia, email: "jane.doe@globex.example", phone: "+1 555 0100", company: "Globex Corp")
                let initech = try await app.createLead("Initech", owner: nil, actor: mia, company: "Initech Ltd")
                let names = ["Acme Corporation", "Globex", "Initech"]
                let expectations: [(String, [String])] = [
                    ("acm", ["Acme Corporation"]),
                    ("ACM", ["Acme Corporation"]),
                    ("acme corp", ["Acme Corporation"]),
                    ("corp", ["Acme Corporation", "Globex"]),  // name "Corporation" and company "Globex Corp"
                    ("jane.doe@globex.example", ["Globex"]),
                    ("jane", ["Globex"]),
                    ("buyer@acme", ["Acme Corporation"]),
                    (globex.reference, ["Globex"]),
                    (initech.reference, ["Initech"]),
                    (String(acme.reference.suffix(5)), ["Acme Corporation"]),
                    ("5550100", []),
                    ("555", ["Globex"]),
                    ("initech ltd", ["Initech"]),
                    ("zzz", []),
                ]
                for (q, expected) in expectations {
                    let page = try await browser.get("/leads?q=\(URLQuery.escape(q))")
                    #expect(page.status == .ok, "q=\(q)")
                    #expect(Set(Self.order(page, names)) == Set(expected), "q=\(q)")
                    #expect(page.inputValue("q") == q.replacingOccurrences(of: "\"", with: "&quot;"), "the search box keeps q=\(q)")
                }
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct Notes {
        @Test func notesAreEscapedKeepLineBreaksAndMustNotBeEmpty() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                let body = "<script>alert('x')</script> & <b>bold</b>\nsecond line\n\nthird line"
                let added = try await browser.post("/leads/\(lead.uid)/notes", [("body", "  \(body)\n  ")])
                #expect(added.status == .seeOther)
                #expect(added.location == "/leads/\(lead.uid)#notes")
                #expect(try await app.notes(of: lead.uid).map(\.body) == [body])  // trimmed, line breaks kept

                let page = try await browser.get("/leads/\(lead.uid)")
                #expect(!page.contains("<script>alert"))
                #expect(!page.contains("<b>bold</b>"))
                #expect(page.contains("&lt;script&gt;"))
                #expect(page.contains("&lt;b&gt;bold&lt;/b&gt;"))
                #expect(page.contains("\nsecond line\n\nthird line"))

                for empty in ["", "   ", "\n\n\t"] {
                    let refused = try await browser.post("/leads/\(lead.uid)/notes", [("body", empty)])
                    #expect(refused.status == .unprocessableContent)
                    #expect(refused.contains("Write something first."))
                }
                let tooLong = String(repeating: "x", count: 10_001)
                let long = try await browser.post("/leads/\(lead.uid)/notes", [("body", tooLong)])
                #expect(long.status == .unprocessableContent)
                #expect(long.contains("Notes can be at most 10,000 characters."))
                #expect(long.contains(tooLong))  // the text is kept in the form
                #expect(try await app.notes(of: lead.uid).count == 1)
            }
        }

        @Test func onlyTheAuthorOrAnAdminDeletesANote() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let author = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                #expect(try await author.post("/leads/\(lead.uid)/notes", [("body", "first")]).status == .seeOther)
                #expect(try await author.post("/leads/\(lead.uid)/notes", [("body", "second")]).status == .seeOther)
                let notes = try await app.notes(of: lead.uid)
                let first = try #require(notes.first?.id), second = try #require(notes.last?.id)

                // Another executive cannot even see it.
                let ben = try await app.signedIn(client, as: "ben@example.com", role: .executive)
                #expect(try await ben.post("/leads/\(lead.uid)/notes/\(first)/delete").status == .notFound)
                // A manager who is not the author is refused.
                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let managerPage = try await manager.get("/leads/\(lead.uid)")
                #expect(!managerPage.contains("/notes/\(first)/delete"))  // no delete button offered
                let refused = try await manager.post("/leads/\(lead.uid)/notes/\(first)/delete")
                #expect(refused.status == .forbidden)
                #expect(try await app.notes(of: lead.uid).count == 2)
                // A note id under the wrong lead is a 404.
                let otherLead = try await app.createLead("Other", owner: ann)
                #expect(try await author.post("/leads/\(otherLead.uid)/notes/\(first)/delete").status == .notFound)

                // The author can.
                let own = try await author.post("/leads/\(lead.uid)/notes/\(second)/delete")
                #expect(own.status == .seeOther)
                #expect(try await app.notes(of: lead.uid).map(\.id) == [first])
                // An admin can.
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
                #expect(try await admin.get("/leads/\(lead.uid)").contains("/notes/\(first)/delete"))
                #expect(try await admin.post("/leads/\(lead.uid)/notes/\(first)/delete").status == .seeOther)
                #expect(try await app.notes(of: lead.uid).isEmpty)
                #expect(try await admin.post("/leads/\(lead.uid)/notes/\(first)/delete").status == .notFound)
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct Attachments {
        @Test func anUploadDownloadsAsTheIdenticalBytesWithSafeHeaders() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                let bytes = sampleBytes(70_000)
                let uploaded = try await browser.upload(toLead: lead.uid, filename: "proposal.pdf", contentType: "application/pdf", bytes: bytes)
                #expect(uploaded.status == .seeOther)
                #expect(uploaded.location == "/leads/\(lead.uid)#files")

                let row = try #require(try await app.attachments(of: lead.uid).first)
                #expect(row.originalName == "proposal.pdf")
                #expect(row.size == Int64(bytes.count))
                #expect(row.sha256 == SHA256Hasher.hex(bytes))
                #expect(row.contentType == "application/pdf")
                #expect(row.uploaderId == ann.id)
                #expect(try await browser.get("/leads/\(lead.uid)").contains("proposal.pdf"))

                let download = try await browser.download("/attachments/\(row.id!)")
                #expect(download.status == .ok)
                #expect(download.bytes == bytes)
                #expect(download.headers[.contentType] == "application/pdf")
                #expect(download.headers[.contentDisposition] == "attachment; filename=\"proposal.pdf\"; filename*=UTF-8''proposal.pdf")
                #expect(download.headers[.xContentTypeOptions] == "nosniff")
                #expect(download.headers[.contentLength] == String(bytes.count))
                #expect(try await browser.download("/attachments/999999").status == .notFound)
            }
        }

        @Test func htmlAndUnknownTypesDownloadAsOctetStreamAndNamesAreEncoded() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                let html = Array("<html><script>alert(1)</script></html>".utf8)
                #expect(try await browser.upload(toLead: lead.uid, filename: "page.html", contentType: "text/html", bytes: html).status == .seeOther)
                #expect(try await browser.upload(toLead: lead.uid, filename: "Angebot Müller.pdf", contentType: "application/pdf", bytes: [1]).status == .seeOther)
                #expect(try await browser.upload(toLead: lead.uid, filename: "image.svg", contentType: "image/svg+xml", bytes: [2]).status == .seeOther)
                let rows = try await app.attachments(of: lead.uid)
                #expect(rows.map(\.originalName) == ["page.html", "Angebot Müller.pdf", "image.svg"])

                let page = try await browser.download("/attachments/\(rows[0].id!)")
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "application/octet-stream")
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                #expect(page.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
                #expect(page.headers[.contentDisposition]?.contains("filename*=UTF-8''page.html") == true)
                #expect(page.bytes == html)

                let unicode = try await browser.download("/attachments/\(rows[1].id!)")
                #expect(unicode.headers[.contentType] == "application/pdf")
                #expect(unicode.headers[.contentDisposition] == "attachment; filename=\"Angebot M_ller.pdf\"; filename*=UTF-8''Angebot%20M%C3%BCller.pdf")

                let svg = try await browser.download("/attachments/\(rows[2].id!)")
                #expect(svg.headers[.contentType] == "application/octet-stream")
                // The lead page lists the names as text.
                #expect(try await browser.get("/leads/\(lead.uid)").contains("Angebot Müller.pdf"))
            }
        }

        @Test func anUploadOverTheLimitIs413AndStoresNothing() async throws {
            let app = try await TestApp.make(configure: { $0.maxUploadBytes = 1024 })
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)

                // Just over the limit (the body itself is under the envelope allowance).
                let over = try await browser.upload(toLead: lead.uid, filename: "big.pdf", bytes: sampleBytes(1025))
                #expect(over.status == .contentTooLarge)
                #expect(over.contains("larger than"))
                #expect(try app.uploadedFiles().isEmpty)
                #expect(try await app.attachmentCount() == 0)

                // Far over the limit (refused from Content-Length / while streaming).
                let huge = try await browser.upload(toLead: lead.uid, filename: "huge.pdf", bytes: sampleBytes(200_000))
                #expect(huge.status == .contentTooLarge)
                #expect(huge.contains("larger than"))
                #expect(try app.uploadedFiles().isEmpty)
                #expect(try await app.attachmentCount() == 0)
                #expect(!(try await app.activities(of: lead.uid).contains { $0.kind == .fileAdded }))

                // Exactly at the limit is fine.
                let fits = try await browser.upload(toLead: lead.uid, filename: "fits.pdf", bytes: sampleBytes(1024))
                #expect(fits.status == .seeOther)
                #expect(try await app.attachmentCount() == 1)
                #expect(try app.uploadedFiles().count == 1)

                // A form without a file is a 422 and stores nothing either.
                var empty = ByteBuffer()
                empty.writeString("--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--\(MultipartBody.boundary)--\r\n")
                let missing = try await browser.postBytes(
                    "/leads/\(lead.uid)/attachments?_csrf=\(browser.csrf!)", body: empty, contentType: MultipartBody.contentType)
                #expect(missing.status == .unprocessableContent)
                #expect(missing.contains("Choose a file to upload."))
                #expect(try app.uploadedFiles().count == 1)
                // Neither is an empty file input (browsers send filename="" then); its temporary file is removed.
                let noFile = try await browser.upload(toLead: lead.uid, filename: "", bytes: [])
                #expect(noFile.status == .unprocessableContent)
                #expect(noFile.contains("Choose a file to upload."))
                #expect(try app.uploadedFiles().count == 1)
                // Without the CSRF token nothing is accepted.
                let forged = try await browser.postBytes(
                    "/leads/\(lead.uid)/attachments", body: MultipartBody.file(filename: "x.pdf", bytes: [1]), contentType: MultipartBody.contentType)
                #expect(forged.status == .forbidden)
                #expect(try await app.attachmentCount() == 1)
            }
        }

        @Test func theStoredNameIsGeneratedAndTraversalNamesAreHarmless() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                let payload = Array("#!/bin/sh\necho pwned\n".utf8)
                #expect(try await browser.upload(toLead: lead.uid, filename: "../../evil.sh", contentType: "text/x-sh", bytes: payload).status == .seeOther)
                #expect(try await browser.upload(toLead: lead.uid, filename: "..\\..\\evil.bat", bytes: payload).status == .seeOther)
                #expect(try await browser.upload(toLead: lead.uid, filename: "notes.txt", contentType: "text/plain", bytes: payload).status == .seeOther)

                let rows = try await app.attachments(of: lead.uid)
                #expect(rows.map(\.originalName) == ["evil.sh", "evil.bat", "notes.txt"])
                let hex = try Regex("^[0-9a-f]{32}$")
                for row in rows {
                    #expect(row.storedName.wholeMatch(of: hex) != nil, "stored as \(row.storedName)")
                    #expect(row.storedName != row.originalName)
                    #expect(!row.storedName.contains("evil") && !row.storedName.contains("notes"))
                }
                #expect(try app.uploadedFiles() == rows.map(\.storedName).sorted())
                #expect(!app.allFilesInDataDirectory().contains { $0.contains("evil") || $0.contains("notes.txt") })
                let outside = app.directory.deletingLastPathComponent()
                #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("evil.sh").path))
                #expect(!FileManager.default.fileExists(atPath: outside.deletingLastPathComponent().appendingPathComponent("evil.sh").path))

                let download = try await browser.download("/attachments/\(rows[0].id!)")
                #expect(download.bytes == payload)
                #expect(download.headers[.contentType] == "application/octet-stream")
                #expect(download.headers[.contentDisposition] == "attachment; filename=\"evil.sh\"; filename*=UTF-8''evil.sh")
                #expect(try await browser.download("/attachments/\(rows[2].id!)").headers[.contentType] == "text/plain")
            }
        }

        @Test func aFilenameWithASemicolonKeepsItsName() async throws {
            // Browsers send `filename="Q1; final.pdf"` with the semicolon inside the quotes.
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                #expect(try await browser.upload(toLead: lead.uid, filename: "Q1; final.pdf", contentType: "application/pdf", bytes: [1, 2]).status == .seeOther)
                let row = try #require(try await app.attachments(of: lead.uid).first)
                #expect(row.originalName == "Q1; final.pdf")
                #expect(row.contentType == "application/pdf")
            }
        }

        @Test func deletingAFileRemovesRowAndFileForTheUploaderOrAManagerOnly() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let ann = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let annUser = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: annUser)
                #expect(try await ann.upload(toLead: lead.uid, filename: "a.txt", bytes: [1]).status == .seeOther)
                #expect(try await ann.upload(toLead: lead.uid, filename: "b.txt", bytes: [2]).status == .seeOther)
                let rows = try await app.attachments(of: lead.uid)

                let ben = try await app.signedIn(client, as: "ben@example.com", role: .executive)
                #expect(try await ben.post("/attachments/\(rows[0].id!)/delete").status == .notFound)
                #expect(try app.uploadedFiles().count == 2)

                let removed = try await ann.post("/attachments/\(rows[0].id!)/delete")
                #expect(removed.status == .seeOther)
                #expect(removed.location == "/leads/\(lead.uid)#files")
                #expect(try app.uploadedFiles() == [rows[1].storedName])
                #expect(try await ann.download("/attachments/\(rows[0].id!)").status == .notFound)

                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                #expect(try await manager.post("/attachments/\(rows[1].id!)/delete").status == .seeOther)
                #expect(try app.uploadedFiles().isEmpty)
                #expect(try await app.attachmentCount() == 0)
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct ActivityLog {
        @Test func everyKindOfChangeRecordsAnActivityRow() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
                let ada = try await app.user("ada@example.com")
                let max = try await app.createUser("max@example.com", role: .manager, name: "Max Manager")

                // Qualified has no required tasks and may move on to Proposal Sent (the default pipeline); new
                // leads may start there once it is an entry stage.
                try await app.markEntryStages(StageID.qualified)
                let created = try await admin.post("/leads", [("name", "Old Name"), ("stage_id", String(StageID.qualified)), ("owner_id", String(ada.uid))])
                let id = try #require(created.redirectedLeadId)
                var lead = try await app.storedLead(id)
                #expect(try await admin.post("/leads/\(id)", editForm(lead, ["name": "New Name", "value": "1500"])).status == .seeOther)
                #expect(try await admin.post("/leads/\(id)/assign", [("owner_id", String(max.uid))]).status == .seeOther)
                lead = try await app.storedLead(id)
                #expect(lead.ownerId == max.id)
                #expect(try await admin.post("/leads/\(id)", editForm(lead, ["stage_id": String(StageID.proposalSent)])).status == .seeOther)
                #expect(try await app.storedLead(id).stageId == StageID.proposalSent)
                #expect(try await admin.post("/leads/\(id)/notes", [("body", "Spoke to the buyer")]).status == .seeOther)
                let noteId = try #require(try await app.notes(of: id).first?.id)
                #expect(try await admin.post("/leads/\(id)/notes/\(noteId)/delete").status == .seeOther)
                #expect(try await admin.upload(toLead: id, filename: "terms.pdf", bytes: [1, 2, 3]).status == .seeOther)
                let fileId = try #require(try await app.attachments(of: id).first?.id)
                #expect(try await admin.post("/attachments/\(fileId)/delete").status == .seeOther)
                #expect(try await admin.post("/leads/\(id)/delete").status == .seeOther)
                #expect(try await admin.post("/leads/\(id)/restore").status == .seeOther)

                let rows = try await app.activities(of: id)
                #expect(
                    rows.map(\.kind.rawValue) == [
                        "created", "updated", "assigned", "stage_changed", "note_added", "note_deleted", "file_added", "file_deleted", "deleted",
                        "restored",
                    ])
                #expect(rows.allSatisfy { $0.actorId == ada.id })
                func detail(_ kind: ActivityKind) throws -> ActivityDetail {
                    ActivityDetail.decode(try #require(rows.first { $0.kind == kind }).detail)
                }
                #expect(try detail(.created).text == lead.reference)
                #expect(
                    try detail(.updated).changes == [
                        .init(field: "Name", from: "Old Name", to: "New Name"), .init(field: "Value", from: "0.00", to: "1500.00"),
                    ])
                #expect(try detail(.assigned).changes == [.init(field: "Owner", from: "Ada", to: "Max Manager")])
                #expect(try detail(.stageChanged).changes == [.init(field: "Stage", from: "Qualified", to: "Proposal Sent")])
                #expect(try detail(.noteAdded).text == "Spoke to the buyer")
                #expect(try detail(.noteDeleted).text == "Spoke to the buyer")
                #expect(try detail(.fileAdded).text == "terms.pdf")
                #expect(try detail(.fileDeleted).text == "terms.pdf")
                // The raw JSON carries the old and new value.
                let updatedJSON = try #require(rows.first { $0.kind == .updated }?.detail)
                #expect(updatedJSON.contains("\"from\":\"Old Name\"") && updatedJSON.contains("\"to\":\"New Name\""))

                // The lead page tells the story.
                let page = try await admin.get("/leads/\(id)")
                #expect(page.contains("Ada created the lead"))
                #expect(page.contains("Name: Old Name → New Name"))
                #expect(page.contains("Ada assigned the lead to Max Manager"))
                #expect(page.contains("Ada moved the lead from Qualified to Proposal Sent"))
                #expect(page.contains("Ada attached terms.pdf"))
                #expect(page.contains("Ada restored the lead"))
            }
        }

        @Test func theActivityPageShowsAnExecutiveOnlyTheirLeads() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let ann = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let annUser = try await app.user("ann@example.com")
                let ben = try await app.signedIn(client, as: "ben@example.com", role: .executive)
                let benUser = try await app.user("ben@example.com")
                let annLead = try await app.createLead("Annex Partners", owner: annUser)
                let benLead = try await app.createLead("Benelux Trading", owner: benUser)
                #expect(try await ben.post("/leads/\(benLead.uid)/notes", [("body", "Ben's secret plan")]).status == .seeOther)
                #expect(try await ann.post("/leads/\(annLead.uid)/notes", [("body", "Ann's visible note")]).status == .seeOther)

                let annFeed = try await ann.get("/activity")
                #expect(annFeed.status == .ok)
                #expect(annFeed.contains("Annex Partners"))
                #expect(annFeed.contains("Ann&#39;s visible note") || annFeed.contains("Ann's visible note"))
                #expect(!annFeed.contains("Benelux Trading"))
                #expect(!annFeed.contains(benLead.reference))
                #expect(!annFeed.contains("secret plan"))

                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let managerFeed = try await manager.get("/activity")
                #expect(managerFeed.contains("Annex Partners"))
                #expect(managerFeed.contains("Benelux Trading"))

                // Reassigning Ben's lead to Ann shows it to her.
                #expect(try await manager.post("/leads/\(benLead.uid)/assign", [("owner_id", String(annUser.uid))]).status == .seeOther)
                #expect(try await ann.get("/activity").contains("Benelux Trading"))
                #expect(!(try await ben.get("/activity").contains("Benelux Trading")))
            }
        }
    }
}

extension LeadRouteTests {
    @Suite struct QueryCount {
        @Test func theListRunsTheSameStatementsWhateverTheNumberOfLeads() async throws {
            let log = StatementLog()
            let app = try await TestApp.make(trace: { log.record($0) })
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                let others = [
                    try await app.createUser("ann@example.com", role: .executive), try await app.createUser("ben@example.com", role: .executive),
                ]
                func measure(_ path: String) async throws -> [String] {
                    #expect(try await browser.get(path).status == .ok)  // warm up connections and caches
                    return try await log.during {
                        let page = try await browser.get(path)
                        #expect(page.status == .ok)
                    }
                }
                for index in 0..<3 {
                    try await app.createLead("Lead \(index)", owner: [mia, others[0], others[1]][index % 3], source: SourceID.website)
                }
                let small = try await measure("/leads")
                let smallPage2 = try await measure("/leads?page=2")
                let smallSearch = try await measure("/leads?q=lead&sort=name")
                for index in 3..<120 {
                    try await app.createLead("Lead \(index)", owner: index % 4 == 0 ? nil : [mia, others[0], others[1]][index % 3], actor: mia,
                        source: SourceID.website)
                }
                let large = try await measure("/leads")
                let largePage2 = try await measure("/leads?page=2")
                let largeSearch = try await measure("/leads?q=lead&sort=name")
                #expect(try await browser.get("/leads").contains("Showing 1–50 of 120 leads"))
                #expect(try await browser.get("/leads?page=2").contains("Showing 51–100 of 120 leads"))

                #expect(small.count == large.count, "3 leads: \(small)\n120 leads: \(large)")
                #expect(smallPage2.count == largePage2.count, "3 leads: \(smallPage2)\n120 leads: \(largePage2)")
                #expect(smallSearch.count == largeSearch.count, "3 leads: \(smallSearch)\n120 leads: \(largeSearch)")
                #expect(large.count == largePage2.count)
                // The lead table is read twice (count + page), not once per row.
                let leadReads = large.filter { $0.contains("FROM lead") }
                #expect(leadReads.count == 2, "\(leadReads)")
                #expect(large.count < 20, "\(large)")
            }
        }
    }
}
