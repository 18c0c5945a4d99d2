import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

// Destructive actions ask first. Without JavaScript: a Delete/Remove link opens a confirmation page
// (GET, at the POST's own path, changing nothing), and the user and stage edit forms, which carry
// `ask_confirm=1`, answer a deactivation with a confirmation page that repeats the form with
// `confirm=1`. The POST routes themselves are unchanged. `swift test --filter ConfirmationRouteTests`.
@Suite struct ConfirmationRouteTests {}

extension Browser.Page {
    /// The hidden fields of the confirmation form (after the layout's sign-out form), in page order.
    var confirmationFields: [(String, String)] {
        guard let form = body.range(of: "<form method=\"post\" action=\"", options: .backwards) else { return [] }
        var fields: [(String, String)] = []
        var rest = body[form.upperBound...]
        while let input = rest.range(of: "<input type=\"hidden\" name=\"") {
            let afterName = rest[input.upperBound...]
            guard let nameEnd = afterName.firstIndex(of: "\""), let valueStart = afterName.range(of: "value=\"") else { break }
            let value = afterName[valueStart.upperBound...]
            guard let valueEnd = value.firstIndex(of: "\"") else { break }
            fields.append((String(afterName[..<nameEnd]), String(value[..<valueEnd])))
            rest = value[valueEnd...]
        }
        return fields
    }
}

extension ConfirmationRouteTests {
    @Suite struct Deleting {
        @Test func deletingALeadAsksOnAPageThatChangesNothingAndThePostStillDeletes() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                // Given a manager and an executive's lead
                let bob = try await app.createUser("bob@example.com", role: .executive)
                let lead = try await app.createLead("Zephyr Holdings", owner: bob)
                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let activitiesBefore = try await app.activities(of: lead.uid).count

                // The lead page offers Delete as a link to the confirmation page, with the dialog's words
                let show = try await manager.get("/leads/\(lead.uid)")
                #expect(show.contains("<a class=\"button danger\" href=\"/leads/\(lead.uid)/delete\" data-confirm=\"Delete \(lead.reference)?\""))
                #expect(show.contains("data-confirm-action=\"/leads/\(lead.uid)/delete\""))
                #expect(!show.contains("<form method=\"post\" action=\"/leads/\(lead.uid)/delete\""))

                // When the manager opens it
                let page = try await manager.get("/leads/\(lead.uid)/delete")

                // Then it says what will happen, posts to the delete route and cancels back to the lead
                #expect(page.status == .ok)
                #expect(page.contains("<h1 id=\"confirm-question\">Delete \(lead.reference)?</h1>"))
                #expect(page.contains("Zephyr Holdings leaves the lead list, the board and the reports. An admin can restore it."))
                #expect(page.contains("<form method=\"post\" action=\"/leads/\(lead.uid)/delete\""))
                #expect(page.contains("<button type=\"submit\" class=\"danger\">Delete lead</button>"))
                #expect(page.contains("<a class=\"button\" href=\"/leads/\(lead.uid)\">Cancel</a>"))
                #expect(page.confirmationFields.map(\.0) == ["_csrf"])
                // And nothing changed
                #expect(try await app.storedLead(lead.uid).deletedAt == nil)
                #expect(try await app.activities(of: lead.uid).count == activitiesBefore)

                // When the form is sent, the lead is deleted as before
                let deleted = try await manager.post("/leads/\(lead.uid)/delete")
                #expect(deleted.status == .seeOther)
                #expect(deleted.location == "/leads")
                #expect(try await app.storedLead(lead.uid).deletedAt != nil)
                // And a deleted lead has nothing left to confirm
                #expect(try await manager.get("/leads/\(lead.uid)/delete").status == .notFound)
            }
        }

        @Test func theLeadDeleteConfirmationIsA404ForLeadsTheUserCannotSeeAndA403ForExecutives() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let bob = try await app.signedIn(client, as: "bob@example.com", role: .executive)
                let bobUser = try await app.user("bob@example.com")
                let own = try await app.createLead("Bob's own", owner: bobUser)
                let alice = try await app.createUser("alice@example.com", role: .executive)
                let others = try await app.createLead("Alice's", owner: alice)

                #expect(try await bob.get("/leads/\(others.uid)/delete").status == .notFound)
                #expect(try await bob.get("/leads/999999/delete").status == .notFound)
                // Executives may not delete even their own leads: no link, and the page is refused like the POST.
                #expect(!(try await bob.get("/leads/\(own.uid)").contains("/leads/\(own.uid)/delete")))
                #expect(try await bob.get("/leads/\(own.uid)/delete").status == .forbidden)
                #expect(try await app.storedLead(own.uid).deletedAt == nil)
                #expect(try await app.storedLead(others.uid).deletedAt == nil)
            }
        }

        @Test func deletingANoteAsksOnAPageOnlyItsAuthorOrAnAdminCanOpen() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                // Given Ann's note on her lead
                let author = try await app.signedIn(client, as: "ann@example.com", role: .executive)
                let ann = try await app.user("ann@example.com")
                let lead = try await app.createLead("Globex", owner: ann)
                #expect(try await author.post("/leads/\(lead.uid)/notes", [("body", "Call back after the <budget> review")]).status == .seeOther)
                let note = try #require(try await app.notes(of: lead.uid).first?.id)
                let path = "/leads/\(lead.uid)/notes/\(note)/delete"

                // The lead page links the confirmation page
                let show = try await author.get("/leads/\(lead.uid)")
                #expect(show.contains("<a class=\"link\" href=\"\(path)\" data-confirm=\"Delete this note?\""))

                // When Ann opens it
                let page = try await author.get(path)
                #expect(page.status == .ok)
                #expect(page.contains("Delete this note?"))
                #expect(page.contains("“Call back after the &lt;budget&gt; review” is deleted for good."))
                #expect(page.contains("<form method=\"post\" action=\"\(path)\""))
                #expect(page.contains("href=\"/leads/\(lead.uid)#notes\">Cancel</a>"))
                #expect(try await app.notes(of: lead.uid).count == 1)

                // Others: another executive cannot see the lead, a manager is not the author, a note
                // under another lead does not exist there.
                let ben = try await app.signedIn(client, as: "ben@example.com", role: .executive)
                #expect(try await ben.get(path).status == .notFound)
                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                #expect(try await manager.get(path).status == .forbidden)
                let otherLead = try await app.createLead("Other", owner: ann)
                #expect(try await author.get("/leads/\(otherLead.uid)/notes/\(note)/delete").status == .notFound)
                #expect(try await author.get("/leads/\(lead.uid)/notes/999999/delete").status == .notFound)
                #expect(try await app.notes(of: lead.uid).count == 1)

                // The POST deletes as before.
                #expect(try await author.post(path).status == .seeOther)
                #expect(try await app.notes(of: lead.uid).isEmpty)
                #expect(try await author.get(path).status == .notFound)
            }
        }

        @Test func removingAFileAsksOnAPageAndOnlyThePostRemovesIt() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                // Given Bob's file on his lead
                let bob = try await app.signedIn(client, as: "bob@example.com", role: .executive)
                let bobUser = try await app.user("bob@example.com")
                let lead = try await app.createLead("Zephyr Holdings", owner: bobUser)
                #expect(try await bob.upload(toLead: lead.uid, filename: "quote.pdf", bytes: sampleBytes(64)).status == .seeOther)
                let file = try #require(try await app.attachments(of: lead.uid).first)
                let path = "/attachments/\(file.id!)/delete"
                let show = try await bob.get("/leads/\(lead.uid)")
                #expect(show.contains("<a class=\"link\" href=\"\(path)\" data-confirm=\"Remove quote.pdf?\""))

                // When Bob opens the confirmation
                let page = try await bob.get(path)
                #expect(page.status == .ok)
                #expect(page.contains("<h1 id=\"confirm-question\">Remove quote.pdf?</h1>"))
                #expect(page.contains("<form method=\"post\" action=\"\(path)\""))
                #expect(page.contains("<button type=\"submit\" class=\"danger\">Remove file</button>"))
                #expect(page.contains("href=\"/leads/\(lead.uid)#files\">Cancel</a>"))
                // Then the row and the file are still there
                #expect(try await app.attachments(of: lead.uid).count == 1)
                #expect(try app.uploadedFiles().contains(file.storedName))

                // Another executive cannot see it; a deleted lead's file cannot be removed.
                let alice = try await app.signedIn(client, as: "alice@example.com", role: .executive)
                #expect(try await alice.get(path).status == .notFound)
                #expect(try await bob.get("/attachments/999999/delete").status == .notFound)
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
                try await app.database.deleteLead(id: lead.uid, actor: try await app.user("ada@example.com"))
                #expect(try await admin.get(path).status == .notFound)
                try await app.database.restoreLead(id: lead.uid, actor: try await app.user("ada@example.com"))

                // The POST removes it as before.
                #expect(try await bob.post(path).status == .seeOther)
                #expect(try await app.attachments(of: lead.uid).isEmpty)
                #expect(!(try app.uploadedFiles().contains(file.storedName)))
            }
        }
    }

    @Suite struct Deactivating {
        @Test func deactivatingAUserFromTheEditFormAsksFirstAndTheConfirmationApplies() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                // Given a signed-in seller and an admin on the seller's edit form
                let seller = try await app.signedIn(client, as: "sam@example.com", role: .executive)
                let sam = try await app.user("sam@example.com")
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
                let form = try await admin.get("/admin/users/\(sam.uid)/edit")
                #expect(form.contains("<input type=\"hidden\" name=\"ask_confirm\" value=\"1\">"))
                #expect(form.contains("data-confirm-when-unchecked=\"active\" data-confirm=\"Deactivate Sam?\""))

                // When the admin unticks Active and saves (the form's fields, as a browser sends them)
                let asked = try await admin.post("/admin/users/\(sam.uid)", [("ask_confirm", "1"), ("name", "Sam Seller"), ("role", "executive")])

                // Then a confirmation page repeats the form, and nothing changed yet
                #expect(asked.status == .ok)
                #expect(asked.contains("<h1 id=\"confirm-question\">Deactivate Sam?</h1>"))
                #expect(asked.contains("Sam (sam@example.com) can no longer sign in, and their sessions end now."))
                #expect(asked.contains("<form method=\"post\" action=\"/admin/users/\(sam.uid)\""))
                #expect(asked.contains("href=\"/admin/users/\(sam.uid)/edit\">Cancel</a>"))
                let fields = asked.confirmationFields
                #expect(fields.map(\.0) == ["_csrf", "name", "role", "confirm"])
                #expect(fields.dropFirst().map(\.1) == ["Sam Seller", "executive", "1"])
                #expect(try await app.user("sam@example.com").isActive)
                #expect(try await app.user("sam@example.com").name == "Sam")
                #expect(try await seller.get("/leads").status == .ok)

                // When the confirmation is sent
                let confirmed = try await admin.post("/admin/users/\(sam.uid)", Array(fields.dropFirst()))
                #expect(confirmed.status == .seeOther)
                #expect(confirmed.location == "/admin/users")
                let after = try await app.user("sam@example.com")
                #expect(!after.isActive)
                #expect(after.name == "Sam Seller")
                #expect(try await seller.get("/leads").status == .seeOther)  // signed out
            }
        }

        @Test func onlyADeactivationFromTheFormAsks() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
                let sam = try await app.createUser("sam@example.com", role: .executive)
                let tom = try await app.createUser("tom@example.com", role: .executive)

                // Saving an active user from the form applies at once.
                let kept = try await admin.post("/admin/users/\(sam.uid)", [("ask_confirm", "1"), ("name", "Sam"), ("role", "manager"), ("active", "1")])
                #expect(kept.status == .seeOther)
                #expect(try await app.user("sam@example.com").role == .manager)
                // A direct POST without ask_confirm (the route's contract) deactivates as before.
                let direct = try await admin.post("/admin/users/\(tom.uid)", [("name", "Tom"), ("role", "executive")])
                #expect(direct.status == .seeOther)
                #expect(!(try await app.user("tom@example.com").isActive))
                // An inactive user saved inactive again is not asked about.
                let again = try await admin.post("/admin/users/\(tom.uid)", [("ask_confirm", "1"), ("name", "Tom"), ("role", "executive")])
                #expect(again.status == .seeOther)
                // An invalid form shows its errors, not a confirmation.
                let invalid = try await admin.post("/admin/users/\(sam.uid)", [("ask_confirm", "1"), ("name", ""), ("role", "manager")])
                #expect(invalid.status == .unprocessableContent)
                #expect(!invalid.contains("confirm-question"))
                #expect(try await app.user("sam@example.com").isActive)
            }
        }

        @Test func theLastAdminIsRefusedBeforeAnyConfirmation() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "ada@example.com", role: .admin)
                let ada = try await app.user("ada@example.com")
                let page = try await admin.post("/admin/users/\(ada.uid)", [("ask_confirm", "1"), ("name", "Ada"), ("role", "admin")])
                #expect(page.status == .unprocessableContent)
                #expect(page.contains("At least one active admin must remain"))
                #expect(!page.contains("confirm-question"))
                #expect(try await app.user("ada@example.com").isActive)
            }
        }

        @Test func deactivatingAStageFromItsFormAsksNamingWhereItsLeadsGo() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                // Given two leads in Qualified (one deleted) and an admin on the pipeline page
                let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
                let owner = try await app.user("a@example.com")
                let leads = [
                    try await app.createLead("One", owner: owner, stage: StageID.qualified),
                    try await app.createLead("Two", owner: owner, stage: StageID.qualified),
                ]
                try await app.database.deleteLead(id: leads[1].uid, actor: owner)
                let pipeline = try await admin.get("/admin/pipeline")
                #expect(pipeline.contains("data-confirm-when-unchecked=\"active\" data-confirm=\"Deactivate stage Qualified?\""))
                #expect(pipeline.contains("Its leads move to the stage chosen under “When deactivating”"))
                let fields = [("ask_confirm", "1"), ("name", "Qualified"), ("color", "#0ea5e9"), ("category", "open")]

                // Without a target the form's error shows at once (nothing to confirm)
                let refused = try await admin.post("/admin/pipeline/stages/\(StageID.qualified)", fields)
                #expect(refused.status == .unprocessableContent)
                #expect(refused.contains("This stage holds 2 leads"))
                #expect(!refused.contains("confirm-question"))

                // When the admin chooses a target and saves
                let asked = try await admin.post(
                    "/admin/pipeline/stages/\(StageID.qualified)", fields + [("move_to", String(StageID.proposalSent)), ("next", "5"), ("next", "6")])

                // Then the confirmation names the stage, the leads and their new stage, and nothing moved
                #expect(asked.status == .ok)
                #expect(asked.contains("<h1 id=\"confirm-question\">Deactivate stage Qualified?</h1>"))
                #expect(asked.contains("It leaves the board and no lead can enter it. Its 2 leads move to Proposal Sent, with a note in their history."))
                #expect(asked.contains("href=\"/admin/pipeline#stage-\(StageID.qualified)\">Cancel</a>"))
                let repeated = asked.confirmationFields.dropFirst()
                #expect(repeated.map(\.0) == ["category", "color", "move_to", "name", "next", "next", "confirm"])
                #expect(repeated.map(\.1) == ["open", "#0ea5e9", String(StageID.proposalSent), "Qualified", "5", "6", "1"])
                #expect(try await app.database.pipeline().stage(StageID.qualified)?.isActive == true)
                for lead in leads { #expect(try await app.storedLead(lead.uid).stageId == StageID.qualified) }

                // When the confirmation is sent, the stage is deactivated and its leads move
                let confirmed = try await admin.post("/admin/pipeline/stages/\(StageID.qualified)", Array(repeated))
                #expect(confirmed.status == .seeOther)
                #expect(try await app.database.pipeline().stage(StageID.qualified)?.isActive == false)
                for lead in leads { #expect(try await app.storedLead(lead.uid).stageId == StageID.proposalSent) }
            }
        }

        @Test func savingAnActiveStageOrPostingDirectlyDoesNotAsk() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
                let renamed = try await admin.post(
                    "/admin/pipeline/stages/\(StageID.contacted)", [("ask_confirm", "1"), ("name", "Reached"), ("color", "#111111"), ("category", "open"), ("active", "1")])
                #expect(renamed.status == .seeOther)
                #expect(try await app.database.pipeline().stage(StageID.contacted)?.name == "Reached")
                // The route's contract: a POST without ask_confirm deactivates at once.
                let direct = try await admin.post("/admin/pipeline/stages/\(StageID.contacted)", [("name", "Reached"), ("color", "#111111"), ("category", "open")])
                #expect(direct.status == .seeOther)
                #expect(try await app.database.pipeline().stage(StageID.contacted)?.isActive == false)
            }
        }
    }
}
