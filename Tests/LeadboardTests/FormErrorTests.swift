import Foundation
import Hummingbird
import Testing

@testable import Leadboard

/// Every form that can fail shows the same markup (`FormErrors` + `partials/error-summary`): a summary
/// at the top that focus.js focuses, a link from it to each field, and on each field
/// `aria-invalid="true"` and `aria-describedby` naming its message. The server says what an empty
/// field lacks; the forms carry `novalidate`, so no message depends on the browser.
@Suite struct FormErrorTests {
    /// The opening tag of the element whose id is `id`.
    static func tag(withId id: String, in html: String) -> String? {
        guard let at = html.range(of: "id=\"\(id)\""), let open = html[..<at.lowerBound].lastIndex(of: "<"),
            let close = html[at.upperBound...].firstIndex(of: ">")
        else { return nil }
        return String(html[open...close])
    }

    /// The summary links to `id`, the control is invalid and described by its message, which says `message`.
    static func expectFieldError(_ page: Browser.Page, id: String, message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let html = page.body
        #expect(html.contains("<div class=\"error-summary\" tabindex=\"-1\" data-focus-on-load"), "no error summary", sourceLocation: sourceLocation)
        #expect(html.contains("<a href=\"#\(id)\">"), "the summary does not link to #\(id)", sourceLocation: sourceLocation)
        guard let control = tag(withId: id, in: html) else {
            Issue.record("no control with id \(id)", sourceLocation: sourceLocation)
            return
        }
        #expect(control.contains("aria-invalid=\"true\""), "\(control) is not marked invalid", sourceLocation: sourceLocation)
        let describedBy = control.firstMatch(of: /aria-describedby="([^"]*)"/).map { String($0.1) } ?? ""
        #expect(describedBy.split(separator: " ").contains("\(id)-error"), "\(control) is not described by its message", sourceLocation: sourceLocation)
        #expect(
            html.contains("<p class=\"field-error\" id=\"\(id)-error\">\(message)</p>"), "no message “\(message)” for \(id)",
            sourceLocation: sourceLocation)
    }

    static func expectNoSummary(_ page: Browser.Page, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!page.contains("class=\"error-summary\""), sourceLocation: sourceLocation)
        #expect(!page.contains("aria-invalid"), sourceLocation: sourceLocation)
    }

    static func expectNovalidate(_ page: Browser.Page, action: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let at = page.body.range(of: "action=\"\(action)\""), let close = page.body[at.upperBound...].firstIndex(of: ">") else {
            Issue.record("no form posting to \(action)", sourceLocation: sourceLocation)
            return
        }
        #expect(page.body[at.upperBound..<close].contains("novalidate"), "the form posting to \(action) lacks novalidate", sourceLocation: sourceLocation)
    }

    @Test func anEmptyLoginNamesBothFieldsAndCostsNoAttempt() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .executive)
        try await app.run { client in
            let browser = Browser(client)
            let form = try await browser.get("/login")
            Self.expectNoSummary(form)
            Self.expectNovalidate(form, action: "/login")
            let page = try await browser.post("/login", [("email", ""), ("password", "")])
            #expect(page.status == .unprocessableContent)
            Self.expectFieldError(page, id: "email", message: "Enter your email address.")
            Self.expectFieldError(page, id: "password", message: "Enter your password.")
            // Wrong credentials stay one message about the form, in the same summary.
            let wrong = try await browser.post("/login", [("email", "ann@example.com"), ("password", "not the password")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.contains("<p class=\"form-error\" id=\"error-summary-message\">Email or password is incorrect.</p>"))
            #expect(!wrong.contains("aria-invalid"))
        }
    }

    @Test func theLeadFormLinksEveryFieldError() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let form = try await browser.get("/leads/new")
            Self.expectNoSummary(form)
            Self.expectNovalidate(form, action: "/leads")
            let page = try await browser.post(
                "/leads", [("name", ""), ("email", "nope"), ("value", "lots"), ("stage_id", "999"), ("owner_id", "98765")])
            #expect(page.status == .unprocessableContent)
            Self.expectFieldError(page, id: "name", message: "Name is required.")
            Self.expectFieldError(page, id: "email", message: "Enter a valid email address, like name@example.com.")
            Self.expectFieldError(page, id: "value", message: "Enter an amount like 1250 or 1,250.50 (no negatives).")
            #expect(page.contains("<a href=\"#value\">Value: Enter an amount like 1250"))  // named when the message does not
            Self.expectFieldError(page, id: "stage_id", message: "Choose a stage.")
            Self.expectFieldError(page, id: "owner_id", message: "Choose an active user as owner.")
            // The stage keeps its hint as well as its message.
            #expect(Self.tag(withId: "stage_id", in: page.body)?.contains("aria-describedby=\"stage-hint stage_id-error\"") == true)
            // The summary lists them in form order, each named by its field.
            let name = try #require(page.body.range(of: "<a href=\"#name\">Name is required.</a>"))
            let email = try #require(page.body.range(of: "<a href=\"#email\">Enter a valid email address"))
            #expect(name.lowerBound < email.lowerBound)
            // Fields without an error are left alone.
            #expect(Self.tag(withId: "company", in: page.body)?.contains("aria-invalid") == false)
        }
    }

    @Test func aStaleEditShowsTheConflictInTheSummary() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let lead = try await app.createLead("Globex", owner: try await app.user("mia@example.com"))
            #expect(try await browser.post("/leads/\(lead.uid)", editForm(lead, ["company": "First"])).status == .seeOther)
            let conflict = try await browser.post("/leads/\(lead.uid)", editForm(lead, ["company": "Second"]))
            #expect(conflict.status == .conflict)
            #expect(conflict.contains("<div class=\"error-summary\" tabindex=\"-1\" data-focus-on-load"))
            #expect(conflict.contains("<p class=\"form-error\" id=\"error-summary-message\">Someone else saved this lead while you were editing."))
        }
    }

    @Test func theAccountPasswordFormAsksForTheCurrentPassword() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            Self.expectNovalidate(try await browser.get("/account"), action: "/account/password")
            let page = try await browser.post("/account/password", [("current_password", ""), ("new_password", "short")])
            #expect(page.status == .unprocessableContent)
            Self.expectFieldError(page, id: "current_password", message: "Enter your current password.")
            Self.expectFieldError(page, id: "new_password", message: "Use at least 12 characters.")
            #expect(page.contains("<a href=\"#new_password\">New password: Use at least 12 characters.</a>"))
        }
    }

    @Test func theAdminUserFormsLinkTheirFields() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            Self.expectNovalidate(try await admin.get("/admin/users/new"), action: "/admin/users")
            let created = try await admin.post("/admin/users", [("email", ""), ("name", ""), ("role", "overlord"), ("password", "")])
            #expect(created.status == .unprocessableContent)
            Self.expectFieldError(created, id: "email", message: "Enter an email address.")
            Self.expectFieldError(created, id: "name", message: "Name is required.")
            Self.expectFieldError(created, id: "role", message: "Choose a role.")
            Self.expectFieldError(created, id: "password", message: "Use at least 12 characters.")

            let sam = try await app.createUser("sam@example.com", role: .executive)
            let edited = try await admin.post("/admin/users/\(sam.uid)", [("name", ""), ("role", "executive"), ("active", "1")])
            #expect(edited.status == .unprocessableContent)
            Self.expectFieldError(edited, id: "name", message: "Name is required.")
            let password = try await admin.post("/admin/users/\(sam.uid)/password", [("password", "")])
            #expect(password.status == .unprocessableContent)
            Self.expectFieldError(password, id: "new-password", message: "Use at least 12 characters.")
        }
    }

    @Test func everyPipelineFormLinksItsField() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "a@example.com", role: .admin)
            let page = try await admin.get("/admin/pipeline")
            Self.expectNoSummary(page)
            for action in ["/admin/pipeline/stages", "/admin/pipeline/sources", "/admin/pipeline/stages/\(StageID.won)"] {
                Self.expectNovalidate(page, action: action)
            }

            let newStage = try await admin.post("/admin/pipeline/stages", [("name", ""), ("color", "red"), ("category", "open")])
            #expect(newStage.status == .unprocessableContent)
            Self.expectFieldError(newStage, id: "new-name", message: "Name is required.")
            Self.expectFieldError(newStage, id: "new-color", message: "Use a colour like #3b82f6.")

            let stage = try await admin.post(
                "/admin/pipeline/stages/\(StageID.won)", [("name", ""), ("color", "#22c55e"), ("category", "won"), ("active", "1")])
            #expect(stage.status == .unprocessableContent)
            Self.expectFieldError(stage, id: "name-\(StageID.won)", message: "Name is required.")
            #expect(stage.contains("<details open>"))  // the stage's form is shown, not folded away

            let task = try await admin.post("/admin/pipeline/stages/\(StageID.won)/tasks", [("name", "")])
            #expect(task.status == .unprocessableContent)
            Self.expectFieldError(task, id: "task-name-\(StageID.won)", message: "Task name is required.")

            #expect(try await admin.post("/admin/pipeline/stages/\(StageID.won)/tasks", [("name", "Send invoice")]).status == .seeOther)
            let template = try #require(try await app.database.pipeline().templates[StageID.won]?.first)
            let templateEdit = try await admin.post("/admin/pipeline/stages/\(StageID.won)/tasks/\(template.id!)", [("name", "")])
            #expect(templateEdit.status == .unprocessableContent)
            Self.expectFieldError(templateEdit, id: "tpl-name-\(template.id!)", message: "Task name is required.")
            #expect(templateEdit.contains("<details class=\"edit-template\" open>"))

            let source = try await admin.post("/admin/pipeline/sources", [("name", "")])
            #expect(source.status == .unprocessableContent)
            Self.expectFieldError(source, id: "new-source", message: "Source name is required.")
            let rename = try await admin.post("/admin/pipeline/sources/\(SourceID.event)", [("name", ""), ("active", "1")])
            #expect(rename.status == .unprocessableContent)
            Self.expectFieldError(rename, id: "source-\(SourceID.event)", message: "Source name is required.")
            #expect(Self.tag(withId: "new-source", in: rename.body)?.contains("aria-invalid") == false)
        }
    }

    @Test func aRefusedMoveLinksTheFieldThatWouldLetItThrough() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let lead = try await app.createLead("Globex", owner: try await app.user("mia@example.com"), stage: StageID.proposalSent)
            let page = try await browser.post("/leads/\(lead.uid)/move", [("stage_id", String(StageID.lost))])
            #expect(page.status == .unprocessableContent)
            #expect(page.contains("<div class=\"error-summary\" tabindex=\"-1\" data-focus-on-load"))
            #expect(page.contains("<p class=\"form-error\" id=\"error-summary-message\"><a href=\"#lost_reason\">Give a reason for moving the lead to Lost.</a></p>"))
            let control = try #require(Self.tag(withId: "lost_reason", in: page.body))
            #expect(control.contains("aria-invalid=\"true\""))
            #expect(control.contains("aria-describedby=\"error-summary-message\""))
            #expect(Self.tag(withId: "comment", in: page.body)?.contains("aria-invalid") == false)
            Self.expectNovalidate(page, action: "/leads/\(lead.uid)/move")
        }
    }

    @Test func anEmptyNoteAndAMissingFileAreLinkedOnTheLeadPage() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let lead = try await app.createLead("Globex", owner: try await app.user("mia@example.com"))
            let show = try await browser.get("/leads/\(lead.uid)")
            Self.expectNoSummary(show)
            Self.expectNovalidate(show, action: "/leads/\(lead.uid)/notes")
            let note = try await browser.post("/leads/\(lead.uid)/notes", [("body", "  ")])
            #expect(note.status == .unprocessableContent)
            Self.expectFieldError(note, id: "note-body", message: "Write something first.")
            #expect(note.contains("<a href=\"#note-body\">Note: Write something first.</a>"))

            let file = try await browser.upload(toLead: lead.uid, filename: "", bytes: [])
            #expect(file.status == .unprocessableContent)
            Self.expectFieldError(file, id: "file", message: "Choose a file to upload.")
        }
    }

    @Test func theImportUploadAsksForAFile() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let form = try await browser.get("/leads/import")
            Self.expectNoSummary(form)
            var empty = ByteBuffer()
            empty.writeString("--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--\(MultipartBody.boundary)--\r\n")
            let page = try await browser.postBytes("/leads/import?_csrf=\(browser.csrf!)", body: empty, contentType: MultipartBody.contentType)
            #expect(page.status == .unprocessableContent)
            Self.expectFieldError(page, id: "file", message: "Choose a CSV file to upload.")
        }
    }

    @Test func everyPageHasASkipLinkToMainAndTheFocusScript() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = Browser(client)
            let login = try await browser.get("/login")
            let body = try #require(login.body.range(of: "<body>"))
            let skip = try #require(login.body.range(of: "<a class=\"skip-link\" href=\"#main\">Skip to main content</a>"))
            // The skip link is the first thing in the body, so it is the first Tab stop.
            #expect(login.body[body.upperBound..<skip.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(login.contains("<main class=\"content\" id=\"main\" tabindex=\"-1\">"))
            #expect(login.contains("<script src=\"/static/js/focus.js\" defer></script>"))
            let script = try await browser.get("/static/js/focus.js")
            #expect(script.status == .ok)
            #expect(script.contains("data-focus-on-load"))
        }
    }

    @Test func aFlashAfterARedirectIsTheFocusTarget() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let lead = try await app.createLead("Globex", owner: try await app.user("mia@example.com"))
            #expect(try await browser.post("/leads/\(lead.uid)/notes", [("body", "Called")]).status == .seeOther)
            let page = try await browser.get("/leads/\(lead.uid)")
            #expect(page.contains("<div class=\"flash flash-success\" role=\"status\" tabindex=\"-1\" data-focus-on-load>Note added.</div>"))
        }
    }

    @Test func summaryItemsNameTheirFieldOnceAndKeepUnknownKeys() {
        let errors = FormErrors(
            ["name": "Name is required.", "value": "Enter an amount.", "mystery": "Something else.", FormErrors.formKey: "Whole form."],
            fields: [FormField("name", label: "Name"), FormField("value", id: "amount", label: "Value", hint: "value-hint")])
        #expect(errors.items.map(\.text) == ["Name is required.", "Value: Enter an amount.", "Something else."])
        #expect(errors.items.map(\.href) == ["#name", "#amount", ""])
        #expect(errors.state(of: "value")?.describedBy == "value-hint amount-error")
        #expect(errors.state(of: "mystery") == nil)
        let targeted = FormErrors([FormErrors.formKey: "Give a reason."], fields: [FormField("lost_reason", label: "Lost reason")], formTarget: "lost_reason")
        #expect(targeted.state(of: "lost_reason")?.describedBy == FormErrors.formMessageId)
        #expect(targeted.items.isEmpty)
    }
}
