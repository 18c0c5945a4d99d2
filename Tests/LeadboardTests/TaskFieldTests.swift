import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// Fields on stage tasks: the template's active `task` fields are asked for in the task's completion
/// form on the lead page, checked by their `FieldSpec`, stored with the task and shown with it.
@Suite struct TaskFieldTests {
    struct Setup {
        var sam: User
        var lead: Lead
        var task: LeadTask
        var method: CustomField
        var attempts: CustomField
        var channels: CustomField
    }

    /// New Lead's "Initial contact" asks for a required contact method, an optional number of
    /// attempts and the channels tried; sam owns a lead in New Lead.
    static func setUp(_ app: TestApp) async throws -> Setup {
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let template = try await app.database.pool.read { db in
            try #require(try TaskTemplate.filter(Column("stageId") == StageID.newLead && Column("name") == "Initial contact").fetchOne(db))
        }
        let method = try await app.insertCustomField(
            "contact_method", label: "Contact method", type: .select, entity: .task, taskTemplateId: template.id, required: true,
            rules: FieldRules(options: ["Phone", "Email", "Visit"]), helpText: "How you reached them.")
        let attempts = try await app.insertCustomField("attempts", type: .integer, entity: .task, taskTemplateId: template.id, rules: FieldRules(min: 1))
        let channels = try await app.insertCustomField(
            "channels", type: .multiSelect, entity: .task, taskTemplateId: template.id, rules: FieldRules(options: ["Mobile", "Landline"]))
        try await app.insertCustomField("old_question", type: .text, entity: .task, taskTemplateId: template.id, required: true, active: false)
        // A lead field with the same key is no task field.
        try await app.insertCustomField("contact_method", type: .text)
        let lead = try await app.createLead("Task Fields", owner: sam)
        let task = try #require(try await app.tasks(of: lead.uid).first { $0.name == "Initial contact" })
        return Setup(sam: sam, lead: lead, task: task, method: method, attempts: attempts, channels: channels)
    }

    static func completePath(_ setup: Setup) -> String { "/leads/\(setup.lead.uid)/tasks/\(setup.task.id!)/complete" }

    func storedTaskValues(_ app: TestApp, taskId: Int64) async throws -> [Int64: DatabaseValue] {
        try await app.database.pool.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT fieldId, value FROM taskFieldValue WHERE taskId = ?", arguments: [taskId])
                    .map { ($0["fieldId"] as Int64, $0["value"] as DatabaseValue) })
        }
    }

    @Test func theCompletionFormAsksForTheTemplatesActiveFields() async throws {
        let app = try await TestApp.make()
        let setup = try await Self.setUp(app)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("sam@example.com").status == .seeOther)
            let page = try await browser.get("/leads/\(setup.lead.uid)")
            #expect(page.status == .ok)
            let prefix = "task-\(setup.task.id!)-"
            let form = page.section("action=\"\(Self.completePath(setup))\"", until: "</form>")
            #expect(form.contains("<select id=\"\(prefix)cf_contact_method\" name=\"cf_contact_method\" required aria-describedby=\"\(prefix)cf_contact_method-help\">"))
            #expect(form.contains("<option value=\"Phone\">Phone</option>"))
            #expect(form.contains("id=\"\(prefix)cf_contact_method-help\">How you reached them.</p>"))
            #expect(form.contains("id=\"\(prefix)cf_attempts\" name=\"cf_attempts\" type=\"text\" inputmode=\"numeric\""))
            #expect(form.contains("type=\"checkbox\" id=\"\(prefix)cf_channels\" name=\"cf_channels\" value=\"Mobile\""))
            #expect(form.contains("novalidate"))
            #expect(!form.contains("old_question"))  // inactive
            // The other stage's task has no fields: its form stays as it was.
            #expect(!page.body.contains("id=\"cf_contact_method\""))
        }
    }

    @Test func completingWithoutARequiredValueIsRefusedNextToTheInputAndChangesNothing() async throws {
        let app = try await TestApp.make()
        let setup = try await Self.setUp(app)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("sam@example.com").status == .seeOther)
            let before = try await app.writeCounts()
            let refused = try await browser.post(Self.completePath(setup), [("cf_attempts", "2"), ("cf_channels", "Mobile"), ("note", "Tried twice")])
            #expect(refused.status == .unprocessableContent)
            let prefix = "task-\(setup.task.id!)-"
            // The summary links to the input; the input is marked and described by its message.
            #expect(refused.contains("<a href=\"#\(prefix)cf_contact_method\">Contact method is required.</a>"))
            #expect(refused.contains("name=\"cf_contact_method\" required aria-invalid=\"true\" aria-describedby=\"\(prefix)cf_contact_method-help \(prefix)cf_contact_method-error\""))
            #expect(refused.contains("<p class=\"field-error\" id=\"\(prefix)cf_contact_method-error\">Contact method is required.</p>"))
            // What was typed is still there.
            #expect(refused.contains("value=\"2\""))
            #expect(refused.contains("value=\"Mobile\" checked"))
            #expect(refused.contains("value=\"Tried twice\""))

            let task = try #require(try await app.tasks(of: setup.lead.uid).first { $0.id == setup.task.id })
            #expect(task.status == .open)
            #expect(task.note == "")
            #expect(try await storedTaskValues(app, taskId: setup.task.id!).isEmpty)
            #expect(try await app.writeCounts() == before)
            #expect(try await app.storedLead(setup.lead.uid).updatedAt == setup.lead.updatedAt)
        }
    }

    @Test func badValuesAreRefusedWithTheFieldsMessages() async throws {
        let app = try await TestApp.make()
        let setup = try await Self.setUp(app)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("sam@example.com").status == .seeOther)
            let refused = try await browser.post(
                Self.completePath(setup), [("cf_contact_method", "Fax"), ("cf_attempts", "0"), ("cf_channels", "Pager")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains("Choose one of the options for Contact method."))
            #expect(refused.contains("Attempts must be at least 1."))
            #expect(refused.contains(HTMLEscape("“Pager” is not an option for Channels.")))
            // The unknown option stays visible, selected, so the message makes sense.
            #expect(refused.contains("<option value=\"Fax\" selected>Fax</option>"))
            #expect(try await app.tasks(of: setup.lead.uid).first { $0.id == setup.task.id }?.status == .open)
            #expect(try await storedTaskValues(app, taskId: setup.task.id!).isEmpty)

            // Straight to the database: the same refusal, keyed by form name.
            await #expect(throws: TaskFieldRefusal(messages: ["cf_contact_method": "Choose one of the options for Contact method."])) {
                try await app.database.completeTask(
                    leadId: setup.lead.uid, taskId: setup.task.id!, note: "", values: ["cf_contact_method": ["Fax"]], actor: setup.sam)
            }
        }
    }

    @Test func completingWithValuesStoresThemAndShowsThemWithTheTaskAndInTheActivity() async throws {
        let app = try await TestApp.make()
        let setup = try await Self.setUp(app)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("sam@example.com").status == .seeOther)
            let done = try await browser.post(
                Self.completePath(setup),
                [("cf_contact_method", "Phone"), ("cf_attempts", "3"), ("cf_channels", "Mobile"), ("cf_channels", "Landline"), ("note", "Reached")])
            #expect(done.status == .seeOther)
            let task = try #require(try await app.tasks(of: setup.lead.uid).first { $0.id == setup.task.id })
            #expect(task.status == .done)
            #expect(task.note == "Reached")
            let stored = try await storedTaskValues(app, taskId: setup.task.id!)
            #expect(stored[setup.method.uid] == "Phone".databaseValue)
            #expect(stored[setup.attempts.uid] == 3.databaseValue)  // typed: an INTEGER
            #expect(stored[setup.channels.uid] == "[\"Mobile\",\"Landline\"]".databaseValue)

            let page = try await browser.get("/leads/\(setup.lead.uid)")
            let tasks = page.section("id=\"tasks\"")
            #expect(tasks.contains("<div class=\"small task-value\">Contact method: Phone</div>"))
            #expect(tasks.contains("<div class=\"small task-value\">Attempts: 3</div>"))
            #expect(tasks.contains("<div class=\"small task-value\">Channels: Mobile, Landline</div>"))
            let activity = try #require(try await app.activities(of: setup.lead.uid).last { $0.kind == .taskCompleted })
            #expect(ActivityDetail.decode(activity.detail).changes?.map { "\($0.field): \($0.to)" } == [
                "Contact method: Phone", "Attempts: 3", "Channels: Mobile, Landline",
            ])
            #expect(page.contains("<div class=\"activity-line\">Contact method: Phone</div>"))
            #expect(page.contains("<div class=\"activity-line\">Comment: Reached</div>"))

            // Reopening keeps the values and the form starts from them; a second completion changes them.
            #expect(try await browser.post("/leads/\(setup.lead.uid)/tasks/\(setup.task.id!)/reopen").status == .seeOther)
            #expect(try await storedTaskValues(app, taskId: setup.task.id!).count == 3)
            let reopened = try await browser.get("/leads/\(setup.lead.uid)")
            let form = reopened.section("action=\"\(Self.completePath(setup))\"", until: "</form>")
            #expect(form.contains("<option value=\"Phone\" selected>Phone</option>"))
            #expect(form.contains("value=\"3\""))
            #expect(form.contains("value=\"Landline\" checked"))
            #expect(try await browser.post(Self.completePath(setup), [("cf_contact_method", "Email"), ("cf_attempts", "")]).status == .seeOther)
            let again = try await storedTaskValues(app, taskId: setup.task.id!)
            #expect(again == [setup.method.uid: "Email".databaseValue])
            let second = try #require(try await app.activities(of: setup.lead.uid).last { $0.kind == .taskCompleted })
            #expect(ActivityDetail.decode(second.detail).changes?.map { "\($0.field): \($0.to)" } == [
                "Contact method: Email", "Attempts: ", "Channels: ",
            ])
            let final = try await browser.get("/leads/\(setup.lead.uid)")
            #expect(final.section("id=\"tasks\"").contains("Contact method: Email"))
            #expect(!final.section("id=\"tasks\"").contains("Attempts: 3"))
            #expect(final.contains("<div class=\"activity-line\">Attempts: —</div>"))
        }
    }

    /// Deleting a stage task template keeps what its done tasks were completed with: the fields
    /// outlive the template (detached), and the lead page still shows the values with the task.
    @Test func deletingTheTemplateKeepsTheValuesOfItsDoneTasks() async throws {
        let app = try await TestApp.make()
        let setup = try await Self.setUp(app)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("sam@example.com").status == .seeOther)
            let done = try await browser.post(Self.completePath(setup), [("cf_contact_method", "Phone"), ("cf_attempts", "2")])
            #expect(done.status == .seeOther)
            let templateId = try #require(setup.task.templateId)
            #expect(try await app.database.deleteTaskTemplate(stageId: StageID.newLead, templateId: templateId))
            let stored = try await storedTaskValues(app, taskId: setup.task.id!)
            #expect(stored[setup.method.uid] == "Phone".databaseValue)
            #expect(stored[setup.attempts.uid] == 2.databaseValue)
            let tasks = try await browser.get("/leads/\(setup.lead.uid)").section("id=\"tasks\"")
            #expect(tasks.contains("<div class=\"small task-value\">Contact method: Phone</div>"))
            #expect(tasks.contains("<div class=\"small task-value\">Attempts: 2</div>"))
        }
    }

    @Test func executivesCompleteTasksWithFieldsOnlyOnTheirOwnLeads() async throws {
        let app = try await TestApp.make()
        let setup = try await Self.setUp(app)
        try await app.createUser("riya@example.com", role: .executive)
        try await app.run { client in
            let riya = Browser(client)
            let login = try await riya.login("riya@example.com")
            #expect(login.status == .seeOther)
            // Not hers: 404 whether the values are good or bad, and nothing changes.
            #expect(try await riya.post(Self.completePath(setup), [("cf_contact_method", "Phone")]).status == .notFound)
            #expect(try await riya.post(Self.completePath(setup), [("cf_contact_method", "Fax")]).status == .notFound)
            #expect(try await riya.post(Self.completePath(setup)).status == .notFound)
            #expect(try await app.tasks(of: setup.lead.uid).first { $0.id == setup.task.id }?.status == .open)
            #expect(try await storedTaskValues(app, taskId: setup.task.id!).isEmpty)

            let sam = Browser(client)
            #expect(try await sam.login("sam@example.com").status == .seeOther)
            #expect(try await sam.post(Self.completePath(setup), [("cf_contact_method", "Visit")]).status == .seeOther)
            #expect(try await app.tasks(of: setup.lead.uid).first { $0.id == setup.task.id }?.status == .done)
        }
    }
}

/// `text` as a template's `{{ }}` prints it.
private func HTMLEscape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;")
}
