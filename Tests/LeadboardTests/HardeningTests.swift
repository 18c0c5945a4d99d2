import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// Inputs found in review that once crashed the server, lost data or slipped past validation.
@Suite struct HardeningTests {
    @Test func moneyThatWouldOverflowIsRefusedNotATrap() async throws {
        #expect(Money.parse("92233720368547758.99") == nil)
        #expect(Money.parse("99999999999999999999") == nil)
        #expect(Money.parse("999999999.99") == 99_999_999_999)
        #expect(Money.parse("1000000000") == nil)
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let page = try await manager.post("/leads", [("name", "Overflow"), ("value", "92233720368547758.99"), ("stage_id", "1")])
            #expect(page.status == .unprocessableContent)
            #expect(page.contains("Enter an amount like"))
            #expect(try await manager.get("/healthz").status == .ok)
        }
    }

    @Test func datesMustBeDigitsAndAreStoredNormalised() {
        #expect(Day.parse("2026-+1-+5") == nil)
        #expect(Day.parse("2026-01-05") == "2026-01-05")
        #expect(Day.parse("２０２６-01-05") == nil)
    }

    @Test func anUploadCutOffInsideItsFilePartLeavesNoFile() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Cut", owner: try await app.user("sam@example.com"))
            var body = ByteBuffer()
            body.writeString("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n")
            body.writeString("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\r\n")
            body.writeString(String(repeating: "x", count: 50_000))
            let page = try await sam.postBytes(
                "/leads/\(lead.uid)/attachments?_csrf=\(try #require(sam.csrf))", body: body, contentType: "multipart/form-data; boundary=B")
            #expect(page.status == .badRequest)
            #expect(try app.uploadedFiles().isEmpty)
            #expect(try await app.attachmentCount() == 0)
        }
    }

    @Test func throttlingBehindAProxyUsesTheAddressTheProxyAdded() async throws {
        let app = try await TestApp.make { $0.trustProxyHeaders = true }
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let attacker = Browser(client)
            try await attacker.get("/login", headers: [Header.xForwardedFor: "203.0.113.9"])
            for i in 0..<10 {
                // The client forges the left part; the proxy appends the real address on the right.
                let headers: HTTPFields = [Header.xForwardedFor: "10.0.0.\(i), 203.0.113.9"]
                _ = try await attacker.post("/login", [("email", "user\(i)@example.com"), ("password", "guess guess guess")], headers: headers)
            }
            let page = try await attacker.post(
                "/login", [("email", "ann@example.com"), ("password", Fixtures.password)], headers: [Header.xForwardedFor: "10.9.9.9, 203.0.113.9"])
            #expect(page.status == .tooManyRequests)
        }
    }

    @Test func editingALeadOfADeactivatedOwnerKeepsTheOwner() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let gone = try await app.createUser("gone@example.com", role: .executive)
            let lead = try await app.createLead("Kept", owner: gone, actor: try await app.user("m@example.com"))
            _ = try await app.database.updateUser(id: gone.uid, name: gone.name, role: .executive, isActive: false)
            let form = try await manager.get("/leads/\(lead.uid)/edit")
            #expect(form.contains("(inactive)"))
            #expect(form.contains("<option value=\"\(gone.uid)\" selected>"))
            let saved = try await manager.post("/leads/\(lead.uid)", editForm(lead, ["phone": "+1 555 0100"]))
            #expect(saved.status == .seeOther)
            let stored = try await app.storedLead(lead.uid)
            #expect(stored.ownerId == gone.id)
            #expect(stored.phone == "+1 555 0100")
            #expect(!(try await app.activities(of: lead.uid).contains { $0.kind == .assigned }))
        }
    }

    @Test func importRowsWithControlCharactersAreInvalid() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let path = try app.temporaryCSV(TestCSV.file(["name,company", "\u{0}Nul,Acme", "Good,Acme\u{1}Ltd", "Fine,Acme"]))
        let preview = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: ImportOptions())
        #expect(preview.toCreate == 1)
        #expect(preview.invalid == 2)
        #expect(preview.issues.allSatisfy { $0.reason.contains("control characters") })
        let result = try await LeadImporter.run(path: path, database: app.database, actor: mia, options: ImportOptions(), fileLabel: "c.csv")
        #expect(result.created == 1)
    }

    @Test func stageColoursMustBeASCIIHex() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
            let page = try await admin.post("/admin/pipeline/stages", [("name", "Wide"), ("color", "#ａｂｃｄｅｆ"), ("category", "open")])
            #expect(page.status == .unprocessableContent)
            #expect(page.contains("Use a colour like #3b82f6."))
        }
    }

    @Test func emailLinksCannotCarryExtraHeaders() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let lead = try await app.createLead("Mail", owner: try await app.user("m@example.com"), email: "a?bcc=spy@evil.example")
            let page = try await manager.get("/leads/\(lead.uid)")
            #expect(!page.contains("mailto:a?bcc"))
            #expect(page.contains("mailto:a%3Fbcc%3Dspy@evil.example"))
        }
    }

    @Test func tasksOfAnEarlierStayCannotBeReopened() async throws {
        let app = try await TestApp.make()
        let manager = try await app.createUser("m@example.com", role: .manager)
        let lead = try await app.createLead("Loop", owner: manager, stage: StageID.contacted)
        let first = try #require(try await app.tasks(of: lead.uid).first)
        try await app.database.completeTask(leadId: lead.uid, taskId: first.id!, note: "", actor: manager)
        // Contacted → Qualified, then back into Contacted through an "any stage" rule.
        try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.qualified), actor: manager)
        try await app.database.pool.write { db in try db.execute(sql: "DELETE FROM stageTransition WHERE fromStageId = ?", arguments: [StageID.qualified]) }
        app.clock.advance(60)
        try await app.database.moveLead(id: lead.uid, request: MoveRequest(toStageId: StageID.contacted), actor: manager)
        await #expect(throws: TaskError.notDone) {
            try await app.database.reopenTask(leadId: lead.uid, taskId: first.id!, actor: manager)
        }
    }

    @Test func importUpdatesRecordTheirChangesAndAssignments() async throws {
        let app = try await TestApp.make()
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let lead = try await app.createLead("Dup", owner: mia, email: "dup@example.com", valueCents: 100)
        let path = try app.temporaryCSV(TestCSV.file(["name,email,value,owner_email", "Dup,dup@example.com,250.00,sam@example.com"]))
        let result = try await LeadImporter.run(path: path, database: app.database, actor: mia, options: ImportOptions(updateExisting: true), fileLabel: "u.csv")
        #expect(result.updated == 1)
        let activities = try await app.activities(of: lead.uid)
        let updated = try #require(activities.first { $0.kind == .updated })
        #expect(ActivityDetail.decode(updated.detail).changes == [.init(field: "Value", from: "1.00", to: "250.00")])
        let assigned = try #require(activities.first { $0.kind == .assigned })
        #expect(ActivityDetail.decode(assigned.detail).changes?.first?.to == sam.name)
        #expect(activities.contains { $0.kind == .imported })
    }

    @Test func onlyRequiredOpenTasksCarryTheRequiredMarkOnTheDashboard() async throws {
        let app = try await TestApp.make()
        try await app.database.addTaskTemplate(stageId: StageID.newLead, name: "Optional research", description: "", isRequired: false)
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            try await app.createLead("Tasked", owner: try await app.user("sam@example.com"))
            let page = try await sam.get("/")
            #expect(page.contains("Initial contact") && page.contains("Optional research"))
            #expect(page.body.components(separatedBy: "<span class=\"pill\">required</span>").count - 1 == 1)
            #expect(!page.contains("<span class=\"pill\"></span>"))
        }
    }
}
