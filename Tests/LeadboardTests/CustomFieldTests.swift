import Foundation
import GRDB
import Testing

@testable import Leadboard

/// `FieldSpec`: the one validation of custom values, for every type and rule.
@Suite struct FieldSpecTests {
    func value(_ spec: FieldSpec, _ raw: String...) -> FieldValue? {
        if case .success(let value) = spec.parse(raw) { return value }
        return nil
    }

    func message(_ spec: FieldSpec, _ raw: String...) -> String? {
        if case .failure(let error) = spec.parse(raw) { return error.message }
        return nil
    }

    @Test func textHonoursMaxLengthAndPattern() {
        let short = FieldSpec(label: "Code", type: .text, rules: FieldRules(maxLength: 5))
        #expect(value(short, "abcde") == .text("abcde"))
        #expect(message(short, "abcdef") == "Code must be at most 5 characters.")
        let unlimited = FieldSpec(label: "Note", type: .text)
        #expect(message(unlimited, String(repeating: "x", count: 501)) == "Note must be at most 500 characters.")
        let coded = FieldSpec(label: "Code", type: .text, rules: FieldRules(pattern: "[A-Z]{2}[0-9]+"))
        #expect(value(coded, "AB12") == .text("AB12"))
        #expect(message(coded, "ab12") == "Code does not have the expected format.")
        #expect(message(coded, "AB12x") != nil, "the whole value must match")
    }

    @Test func longTextHasItsOwnLimit() {
        let notes = FieldSpec(label: "Notes", type: .longText)
        #expect(value(notes, String(repeating: "y", count: 10_000)) != nil)
        #expect(message(notes, String(repeating: "y", count: 10_001)) == "Notes must be at most 10000 characters.")
        #expect(message(FieldSpec(label: "Notes", type: .longText, rules: FieldRules(maxLength: 20)), String(repeating: "y", count: 21)) != nil)
    }

    @Test func integersAndDecimalsAreNumbersWithinBounds() {
        let staff = FieldSpec(label: "Staff", type: .integer, rules: FieldRules(min: 10, max: 100))
        #expect(value(staff, "42") == .integer(42))
        #expect(message(staff, "12abc") == "Staff must be a whole number, like 42.")
        #expect(message(staff, "12.5") == "Staff must be a whole number, like 42.")
        #expect(message(staff, "5") == "Staff must be at least 10.")
        #expect(message(staff, "101") == "Staff must be at most 100.")
        let budget = FieldSpec(label: "Budget", type: .decimal, rules: FieldRules(min: 0.5, max: 1_000))
        #expect(value(budget, "12.5") == .decimal(12.5))
        #expect(value(budget, "1,000") == .decimal(1_000))
        #expect(message(budget, "12abc") == "Budget must be a number, like 12.5.")
        #expect(value(budget, "1e3") == .decimal(1_000))  // exponents read back what very small/large decimals print as
        #expect(message(budget, "1e4") == "Budget must be at most 1000.")
        #expect(message(budget, "inf") == "Budget must be a number, like 12.5.")
        #expect(message(budget, "0.25") == "Budget must be at least 0.5.")
        #expect(message(budget, "1000.01") == "Budget must be at most 1000.")
    }

    @Test func booleansDatesAndMoments() {
        let flag = FieldSpec(label: "Signed", type: .boolean)
        #expect(value(flag, "yes") == .boolean(true))
        #expect(value(flag, "0") == .boolean(false))
        #expect(message(flag, "maybe") == "Signed must be yes or no.")
        let day = FieldSpec(label: "Renewal", type: .date)
        #expect(value(day, "2026-02-28") == .text("2026-02-28"))
        #expect(message(day, "2026-02-30") == "Renewal must be a real date like 2026-03-31.")
        #expect(message(day, "28/02/2026") != nil)
        let moment = FieldSpec(label: "Demo", type: .datetime)
        #expect(value(moment, "2026-03-31T14:30") == .text("2026-03-31T14:30"))
        #expect(value(moment, "2026-03-31 14:30:15") == .text("2026-03-31T14:30"))
        #expect(message(moment, "2026-03-31T25:00") == "Demo must be a date and time like 2026-03-31T14:30.")
        #expect(message(moment, "2026-02-30T10:00") != nil)
    }

    @Test func choicesAcceptOnlyTheirOptions() {
        let method = FieldSpec(label: "Method", type: .select, rules: FieldRules(options: ["Phone", "Email"]))
        #expect(value(method, "Phone") == .text("Phone"))
        #expect(message(method, "Fax") == "Choose one of the options for Method.")
        let topics = FieldSpec(label: "Topics", type: .multiSelect, rules: FieldRules(options: ["A", "B", "C"]))
        #expect(value(topics, "A", "C") == .list(["A", "C"]))
        #expect(value(topics, "A; B") == .list(["A", "B"]), "a CSV cell separates options with ;")
        #expect(message(topics, "A", "Z") == "“Z” is not an option for Topics.")
    }

    @Test func emailsUrlsAndPhones() {
        let mail = FieldSpec(label: "Billing email", type: .email)
        #expect(value(mail, "ap@example.com") == .text("ap@example.com"))
        #expect(message(mail, "ap@example") != nil)
        let site = FieldSpec(label: "Site", type: .url)
        #expect(value(site, "https://example.com/a") == .text("https://example.com/a"))
        #expect(message(site, "ftp://example.com") == "Site must be a web address starting with http:// or https://.")
        #expect(message(site, "example.com") != nil)
        let phone = FieldSpec(label: "Desk", type: .phone)
        #expect(value(phone, "+1 (555) 010-2000") == .text("+1 (555) 010-2000"))
        #expect(message(phone, "call me") != nil)
    }

    @Test func requiredFieldsRefuseEmptyValues() {
        let required = FieldSpec(label: "Budget", type: .decimal, isRequired: true)
        #expect(message(required, "  ") == "Budget is required.")
        #expect(message(required) == "Budget is required.")
        #expect(value(FieldSpec(label: "Budget", type: .decimal), "") == nil)
        if case .success(let none) = FieldSpec(label: "Budget", type: .decimal).parse([""]) { #expect(none == nil) } else { Issue.record("empty optional value refused") }
    }
}

/// The definition rules (`CustomFieldInput.problems`, `CustomFieldDraft.read`).
@Suite struct CustomFieldDefinitionTests {
    func input(_ type: FieldType, rules: FieldRules = FieldRules(), defaultValue: String? = nil) -> CustomFieldInput {
        CustomFieldInput(key: "k", label: "Field", type: type, rules: rules, defaultValue: defaultValue)
    }

    @Test func keysAreLettersDigitsAndUnderscores() {
        #expect(CustomFieldInput.keyProblem("budget_eur2") == nil)
        #expect(CustomFieldInput.keyProblem("") == "Key is required.")
        #expect(CustomFieldInput.keyProblem("bad key") != nil)
        #expect(CustomFieldInput.keyProblem("café") != nil)
        #expect(CustomFieldInput.keyProblem("a-b") != nil)
        #expect(CustomFieldInput.keyProblem(String(repeating: "k", count: 40)) == nil)
        #expect(CustomFieldInput.keyProblem(String(repeating: "k", count: 41)) == "Key must be at most 40 characters.")
    }

    @Test func rulesAreCheckedByType() {
        #expect(input(.text, rules: FieldRules(maxLength: 501)).problems()["max_length"] != nil)
        #expect(input(.text, rules: FieldRules(maxLength: 0)).problems()["max_length"] != nil)
        #expect(input(.longText, rules: FieldRules(maxLength: 10_000)).problems().isEmpty)
        #expect(input(.longText, rules: FieldRules(maxLength: 10_001)).problems()["max_length"] != nil)
        #expect(input(.text, rules: FieldRules(pattern: "([a-z")).problems()["pattern"] == "Pattern is not a valid regular expression.")
        #expect(input(.integer, rules: FieldRules(min: 10, max: 5)).problems()["max"] != nil)
        #expect(input(.decimal, rules: FieldRules(min: 5, max: 5)).problems().isEmpty)
        #expect(input(.select, rules: FieldRules(options: [])).problems()["options"] == "Add at least one option, one per line.")
        #expect(input(.select, rules: FieldRules(options: ["a;b"])).problems()["options"]?.contains("“;”") == true)
        #expect(input(.multiSelect, rules: FieldRules(options: ["Phone", "phone"])).problems()["options"] == "Option “phone” appears twice.")
        #expect(input(.select, rules: FieldRules(options: [String(repeating: "o", count: 101)])).problems()["options"] != nil)
        #expect(input(.select, rules: FieldRules(options: [String(repeating: "o", count: 100)])).problems().isEmpty)
        var labelled = input(.text)
        labelled.label = String(repeating: "l", count: 81)
        #expect(labelled.problems()["label"] == "Label must be at most 80 characters.")
        labelled.label = ""
        #expect(labelled.problems()["label"] == "Label is required.")
    }

    @Test func theDefaultPassesTheFieldsOwnRules() {
        #expect(input(.text, rules: FieldRules(maxLength: 3), defaultValue: "abcd").problems()["default_value"] == "Default value must be at most 3 characters.")
        #expect(input(.integer, rules: FieldRules(min: 10), defaultValue: "5").problems()["default_value"] == "Default value must be at least 10.")
        #expect(input(.integer, defaultValue: "12abc").problems()["default_value"] != nil)
        #expect(input(.select, rules: FieldRules(options: ["A"]), defaultValue: "B").problems()["default_value"] != nil)
        #expect(input(.date, defaultValue: "2026-02-30").problems()["default_value"] != nil)
        #expect(input(.select, rules: FieldRules(options: ["A"]), defaultValue: "A").problems().isEmpty)
        var unlabelled = input(.integer, defaultValue: "x")
        unlabelled.label = ""
        #expect(Set(unlabelled.problems().keys) == ["label", "default_value"], "the default is checked whatever else is wrong")

        var draft = CustomFieldDraft()
        draft.key = "signed"
        draft.label = "Signed"
        draft.type = FieldType.boolean.rawValue
        draft.defaultValue = "yes"
        #expect(draft.read().input?.defaultValue == "true", "stored as the form will show it")
        draft.type = FieldType.multiSelect.rawValue
        draft.options = "A\r\n B \n\nC"
        draft.defaultValue = "C;A"
        let read = draft.read()
        #expect(read.errors.isEmpty)
        #expect(read.input?.rules.options == ["A", "B", "C"])
        #expect(read.input?.defaultValue == "C; A")
    }

    @Test func onlyATighterRuleNeedsTheStoredValuesChecked() {
        let text = FieldRules(maxLength: 50, pattern: "[a-z]+")
        #expect(!FieldRules(maxLength: 80, pattern: "[a-z]+").mayRefuseMore(than: text, type: .text))
        #expect(!FieldRules(maxLength: 50).mayRefuseMore(than: text, type: .text), "a pattern removed")
        #expect(FieldRules(maxLength: 49, pattern: "[a-z]+").mayRefuseMore(than: text, type: .text))
        #expect(FieldRules(maxLength: 50, pattern: "[a-z]*").mayRefuseMore(than: text, type: .text), "a changed pattern is checked")
        #expect(FieldRules(maxLength: 400).mayRefuseMore(than: FieldRules(), type: .text))
        #expect(!FieldRules(maxLength: 500).mayRefuseMore(than: FieldRules(), type: .text), "500 is the text limit anyway")
        let range = FieldRules(min: 0, max: 10)
        #expect(!FieldRules(min: -1).mayRefuseMore(than: range, type: .integer))
        #expect(FieldRules(min: 1, max: 10).mayRefuseMore(than: range, type: .integer))
        #expect(FieldRules(min: 0, max: 9.5).mayRefuseMore(than: range, type: .decimal))
        #expect(FieldRules(min: 5).mayRefuseMore(than: FieldRules(), type: .decimal))
        let options = FieldRules(options: ["A", "B"])
        #expect(!FieldRules(options: ["B", "A", "C"]).mayRefuseMore(than: options, type: .select))
        #expect(FieldRules(options: ["A", "C"]).mayRefuseMore(than: options, type: .multiSelect))
        #expect(!FieldRules(options: ["A"]).mayRefuseMore(than: options, type: .email), "rules of another type do not count")
    }

    @Test func onlyTheTypesRulesAreKept() {
        var draft = CustomFieldDraft()
        draft.key = "n"
        draft.label = "N"
        draft.type = FieldType.integer.rawValue
        draft.maxLength = "not even a number"
        draft.options = "x"
        draft.min = "1"
        let read = draft.read()
        #expect(read.errors.isEmpty)
        #expect(read.input?.rules == FieldRules(min: 1))
        draft.min = "12abc"
        #expect(draft.read().errors["min"] == "Minimum must be a whole number, like 42.")
    }
}

/// `/admin/fields` through the real router.
@Suite struct CustomFieldRouteTests {
    static func fields(_ values: [String: String]) -> [(String, String)] {
        values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static let base: [String: String] = ["entity": "lead", "active": "1"]

    /// Creates a lead field through the form; returns its id.
    static func create(_ admin: Browser, _ app: TestApp, _ values: [String: String]) async throws -> Int64 {
        let page = try await admin.post("/admin/fields", fields(base.merging(values) { $1 }))
        #expect(page.status == .seeOther, "\(page.body.prefix(2000))")
        let entity = FieldEntity(rawValue: values["entity"] ?? "lead") ?? .lead
        let all = try await app.database.customFieldDefinitions(entity, templateId: values["template_id"].flatMap { Int64($0) })
        return try #require(all.first { $0.key == values["key"] }?.id)
    }

    /// The edit form's fields for a stored field, with `changes` applied (nil removes a field).
    static func editFields(_ field: CustomField, _ changes: [String: String?] = [:]) -> [(String, String)] {
        let draft = CustomFieldDraft(CustomFieldInput(
            entity: field.entity, taskTemplateId: field.taskTemplateId, key: field.key, label: field.label, type: field.type,
            isRequired: field.isRequired, helpText: field.helpText, placeholder: field.placeholder, position: field.position,
            isActive: field.isActive, showOnCard: field.showOnCard, rules: field.fieldRules, defaultValue: field.defaultValue))
        var values: [String: String] = [
            "label": draft.label, "help_text": draft.helpText, "placeholder": draft.placeholder, "position": draft.position,
            "max_length": draft.maxLength, "pattern": draft.pattern, "min": draft.min, "max": draft.max, "options": draft.options,
            "default_value": draft.defaultValue,
        ]
        if draft.isRequired { values["required"] = "1" }
        if draft.isActive { values["active"] = "1" }
        if draft.showOnCard { values["show_on_card"] = "1" }
        for (key, value) in changes { values[key] = value }
        return fields(values)
    }

    func leadWith(_ app: TestApp, _ owner: User, _ name: String, _ values: [Int64: FieldValue?]) async throws -> Lead {
        var input = LeadInput(name: name, stageId: StageID.newLead, ownerId: owner.id)
        input.customValues = values
        return try await app.database.createLead(input, actor: owner)
    }

    func storedValues(_ app: TestApp, field: CustomField) async throws -> [Int64: FieldValue] {
        try await app.database.pool.read { db in
            let leads = try Int64.fetchAll(db, sql: "SELECT leadId FROM leadFieldValue WHERE fieldId = ?", arguments: [field.id])
            return try db.leadFieldValues(leadIds: leads, fields: [field]).compactMapValues { $0[field.uid] }
        }
    }

    @Test func adminCreatesAFieldOfEveryType() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let form = try await admin.get("/admin/fields/new")
            #expect(form.status == .ok)
            #expect(form.contains("name=\"options\"") && form.contains("name=\"max_length\"") && form.contains("name=\"min\""))
            let extras: [FieldType: [String: String]] = [
                .text: ["max_length": "20", "pattern": "[A-Z]+", "default_value": "ABC"],
                .longText: ["max_length": "2000"],
                .integer: ["min": "1", "max": "500", "default_value": "10"],
                .decimal: ["min": "0.5", "max": "99.5"],
                .boolean: ["default_value": "no"],
                .date: ["default_value": "2026-03-31"],
                .datetime: ["default_value": "2026-03-31 09:15"],
                .select: ["options": "Phone\nEmail\nVisit", "default_value": "Email"],
                .multiSelect: ["options": "CRM\nERP", "default_value": "ERP;CRM"],
                .email: [:], .url: ["placeholder": "https://"], .phone: ["help_text": "Direct line"],
            ]
            for type in FieldType.allCases {
                let key = "f_" + type.rawValue
                var values = ["key": key, "label": type.label + " field", "type": type.rawValue]
                values.merge(extras[type] ?? [:]) { $1 }
                if type == .select { values["show_on_card"] = "1" }
                _ = try await Self.create(admin, app, values)
            }
            let stored = try await app.database.customFieldDefinitions(.lead)
            #expect(stored.map(\.type) == FieldType.allCases)
            #expect(stored.map(\.position) == Array(1...FieldType.allCases.count))
            let byType = Dictionary(uniqueKeysWithValues: stored.map { ($0.type, $0) })
            #expect(byType[.text]?.fieldRules == FieldRules(maxLength: 20, pattern: "[A-Z]+"))
            #expect(byType[.integer]?.fieldRules == FieldRules(min: 1, max: 500))
            #expect(byType[.decimal]?.fieldRules == FieldRules(min: 0.5, max: 99.5))
            #expect(byType[.select]?.fieldRules == FieldRules(options: ["Phone", "Email", "Visit"]))
            #expect(byType[.select]?.showOnCard == true)
            #expect(byType[.boolean]?.defaultValue == "false")
            #expect(byType[.datetime]?.defaultValue == "2026-03-31T09:15")
            #expect(byType[.multiSelect]?.defaultFieldValue == .list(["ERP", "CRM"]))
            #expect(byType[.phone]?.helpText == "Direct line")

            let list = try await admin.get("/admin/fields")
            #expect(list.status == .ok)
            for field in stored {
                #expect(list.contains("<code>\(field.key)</code>"))
                #expect(list.contains("href=\"/admin/fields/\(field.uid)/edit\""))
            }
            #expect(list.contains("Choice (one)") && list.contains("On card"))
            #expect(list.contains("Phone, Email, Visit"))
        }
    }

    @Test func keysAreCheckedUniqueAndFixed() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let bad = try await admin.post("/admin/fields", Self.fields(Self.base.merging(["key": "my key!", "label": "Mine", "type": "text"]) { $1 }))
            #expect(bad.status == .unprocessableContent)
            #expect(bad.contains("Key may contain only letters, digits and underscores"))
            #expect(bad.contains("value=\"my key!\""), "the form keeps what was typed")

            let id = try await Self.create(admin, app, ["key": "budget", "label": "Budget", "type": "decimal"])
            let twice = try await admin.post("/admin/fields", Self.fields(Self.base.merging(["key": "Budget", "label": "Other", "type": "text"]) { $1 }))
            #expect(twice.status == .unprocessableContent)
            #expect(twice.contains("Another field of leads already has the key budget."))
            let builtIn = try await admin.post("/admin/fields", Self.fields(Self.base.merging(["key": "email", "label": "Mail", "type": "email"]) { $1 }))
            #expect(builtIn.status == .unprocessableContent)
            #expect(builtIn.contains("built-in lead column"))
            #expect(try await app.database.customFieldDefinitions(.lead).count == 1)

            let field = try #require(try await app.database.customField(id: id))
            let edit = try await admin.get("/admin/fields/\(id)/edit")
            #expect(edit.status == .ok)
            #expect(!edit.contains("name=\"key\"") && !edit.contains("name=\"type\""))
            #expect(edit.contains("fixed once a field is created"))
            let rekey = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["key": "budget_eur"]))
            #expect(rekey.status == .unprocessableContent)
            #expect(rekey.contains("The key cannot change once the field exists"))
            let retype = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["type": "integer"]))
            #expect(retype.status == .unprocessableContent)
            #expect(retype.contains("The type cannot change once the field exists"))
            #expect(try await app.database.customField(id: id) == field)

            let renamed = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["label": "Budget (EUR)"]))
            #expect(renamed.status == .seeOther)
            let saved = try #require(try await app.database.customField(id: id))
            #expect(saved.label == "Budget (EUR)" && saved.key == "budget" && saved.type == .decimal)
            #expect(try await admin.post("/admin/fields/999999", Self.editFields(field)).status == .notFound)
            #expect(try await admin.get("/admin/fields/999999/edit").status == .notFound)
        }
    }

    @Test func onlyAdminsReachTheFieldPagesLikeThePipelinePage() async throws {
        let app = try await TestApp.make()
        let field = try await app.database.createCustomField(CustomFieldInput(key: "size", label: "Size", type: .integer))
        try await app.run { client in
            for (email, role) in [("manager@example.com", Role.manager), ("sam@example.com", Role.executive)] {
                let user = try await app.signedIn(client, as: email, role: role)
                let pipeline = try await user.get("/admin/pipeline").status
                #expect(try await user.get("/admin/fields").status == pipeline)
                #expect(try await user.get("/admin/fields/new").status == pipeline)
                #expect(try await user.get("/admin/fields/\(field.uid)/edit").status == pipeline)
                #expect(try await user.post("/admin/fields", Self.fields(["key": "x", "label": "X", "type": "text", "entity": "lead"])).status == pipeline)
                #expect(try await user.post("/admin/fields/\(field.uid)", Self.editFields(field, ["label": "Hacked"])).status == pipeline)
                #expect(pipeline == .forbidden)
                #expect(!(try await user.get("/leads").contains("href=\"/admin/fields\"")))
            }
            #expect(try await app.database.customFieldDefinitions(.lead).map(\.id) == [field.id])
            #expect(try await app.database.customField(id: field.uid)?.label == "Size")
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            #expect(try await admin.get("/leads").contains("href=\"/admin/fields\">Custom fields</a>"))
        }
    }

    @Test func removingAnOptionInUseIsRefusedWithTheCount() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let owner = try await app.user("admin@example.com")
            let id = try await Self.create(admin, app, ["key": "method", "label": "Contact method", "type": "select", "options": "Phone\nEmail\nVisit"])
            let topicsId = try await Self.create(admin, app, ["key": "topics", "label": "Topics", "type": "multi_select", "options": "CRM\nERP\nBI"])
            var leads: [Lead] = []
            for n in 1...12 { leads.append(try await leadWith(app, owner, "Phone lead \(n)", [id: .text("Phone"), topicsId: .list(["CRM", "ERP"])])) }
            _ = try await leadWith(app, owner, "Email lead", [id: .text("Email"), topicsId: .list(["ERP"])])
            try await app.database.deleteLead(id: leads[0].uid, actor: owner)
            let field = try #require(try await app.database.customField(id: id))

            let refused = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["options": "Email\nVisit"]))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains("Option “Phone” is used by 12 leads (1 of them deleted); change those leads first."))
            #expect(refused.contains("class=\"error-summary\"") && refused.contains("aria-invalid=\"true\""))
            #expect(refused.contains(">Email\nVisit</textarea>"), "the form keeps what was typed")
            #expect(try await app.database.customField(id: id) == field, "nothing written")
            #expect(try await storedValues(app, field: field).values.filter { $0 == .text("Phone") }.count == 12)

            // Renaming is a removal too; removing an unused option is fine.
            let renamed = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["options": "Telephone\nEmail\nVisit"]))
            #expect(renamed.status == .unprocessableContent)
            let unused = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["options": "Phone\nEmail\nVideo call"]))
            #expect(unused.status == .seeOther)
            #expect(try await app.database.customField(id: id)?.fieldRules.options == ["Phone", "Email", "Video call"])

            // multi_select: any lead whose list holds the option counts.
            let topics = try #require(try await app.database.customField(id: topicsId))
            let erp = try await admin.post("/admin/fields/\(topicsId)", Self.editFields(topics, ["options": "CRM\nBI"]))
            #expect(erp.status == .unprocessableContent)
            #expect(erp.contains("Option “ERP” is used by 13 leads (1 of them deleted); change those leads first."))
            let both = try await admin.post("/admin/fields/\(topicsId)", Self.editFields(topics, ["options": "BI"]))
            #expect(both.contains("Options “ERP” (13 leads, 1 deleted), “CRM” (12 leads, 1 deleted) are in use; change those leads first."))
            #expect(try await app.database.customField(id: topicsId) == topics)
            #expect(try await admin.post("/admin/fields/\(topicsId)", Self.editFields(topics, ["options": "CRM\nERP"])).status == .seeOther)
        }
    }

    @Test func tighteningRulesThatStoredValuesBreakIsRefusedWithTheCount() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let owner = try await app.user("admin@example.com")
            let codeId = try await Self.create(admin, app, ["key": "code", "label": "Code", "type": "text", "max_length": "50"])
            let notesId = try await Self.create(admin, app, ["key": "notes", "label": "Notes", "type": "long_text"])
            let staffId = try await Self.create(admin, app, ["key": "staff", "label": "Staff", "type": "integer", "min": "0", "max": "1000"])
            let budgetId = try await Self.create(admin, app, ["key": "budget", "label": "Budget", "type": "decimal"])
            _ = try await leadWith(app, owner, "A", [codeId: .text("AB-1234567"), notesId: .text(String(repeating: "n", count: 300)), staffId: .integer(5), budgetId: .decimal(10.5)])
            _ = try await leadWith(app, owner, "B", [codeId: .text("CD-12"), staffId: .integer(500), budgetId: .decimal(99.75)])
            _ = try await leadWith(app, owner, "C", [staffId: .integer(900)])

            let code = try #require(try await app.database.customField(id: codeId))
            let shorter = try await admin.post("/admin/fields/\(codeId)", Self.editFields(code, ["max_length": "4"]))
            #expect(shorter.status == .unprocessableContent)
            #expect(shorter.contains("2 leads have a value longer than 4 characters; change those leads first."))
            let one = try await admin.post("/admin/fields/\(codeId)", Self.editFields(code, ["max_length": "5"]))
            #expect(one.contains("1 lead has a value longer than 5 characters; change that lead first."))
            let pattern = try await admin.post("/admin/fields/\(codeId)", Self.editFields(code, ["pattern": "[A-Z]{2}-[0-9]{2}"]))
            #expect(pattern.status == .unprocessableContent)
            #expect(pattern.contains("1 lead has a value that does not match this pattern; change that lead first."))
            let badPattern = try await admin.post("/admin/fields/\(codeId)", Self.editFields(code, ["pattern": "([A-Z"]))
            #expect(badPattern.contains("Pattern is not a valid regular expression."))
            #expect(try await app.database.customField(id: codeId) == code)
            #expect(try await admin.post("/admin/fields/\(codeId)", Self.editFields(code, ["pattern": "[A-Z]{2}-[0-9]+", "max_length": "10"])).status == .seeOther)

            let notes = try #require(try await app.database.customField(id: notesId))
            let notesShorter = try await admin.post("/admin/fields/\(notesId)", Self.editFields(notes, ["max_length": "200"]))
            #expect(notesShorter.contains("1 lead has a value longer than 200 characters; change that lead first."))

            let staff = try #require(try await app.database.customField(id: staffId))
            let narrower = try await admin.post("/admin/fields/\(staffId)", Self.editFields(staff, ["min": "10", "max": "600"]))
            #expect(narrower.status == .unprocessableContent)
            #expect(narrower.contains("1 lead has a value below 10; change that lead first."))
            #expect(narrower.contains("1 lead has a value above 600; change that lead first."))
            #expect(try await app.database.customField(id: staffId) == staff)
            #expect(try await admin.post("/admin/fields/\(staffId)", Self.editFields(staff, ["min": "5", "max": "900"])).status == .seeOther)

            let budget = try #require(try await app.database.customField(id: budgetId))
            let cap = try await admin.post("/admin/fields/\(budgetId)", Self.editFields(budget, ["max": "50"]))
            #expect(cap.contains("1 lead has a value above 50; change that lead first."))
            #expect(try await admin.post("/admin/fields/\(budgetId)", Self.editFields(budget, ["min": "10.5", "max": "99.75"])).status == .seeOther)

            // Required is allowed even though lead C has no code: it fills it at its next edit.
            #expect(try await admin.post("/admin/fields/\(codeId)", Self.editFields(try #require(try await app.database.customField(id: codeId)), ["required": "1"])).status == .seeOther)
            #expect(try await app.database.customField(id: codeId)?.isRequired == true)
        }
    }

    @Test func deactivatingKeepsTheValuesAndReactivatingBringsThemBack() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let owner = try await app.user("admin@example.com")
            let id = try await Self.create(admin, app, ["key": "size", "label": "Company size", "type": "integer"])
            let lead = try await leadWith(app, owner, "Sized", [id: .integer(250)])
            let field = try #require(try await app.database.customField(id: id))

            #expect(try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["active": nil])).status == .seeOther)
            #expect(try await app.database.customField(id: id)?.isActive == false)
            #expect(try await app.database.pool.read { db in try db.customFields(.lead, activeOnly: true) }.isEmpty)
            #expect(try await storedValues(app, field: field) == [lead.uid: .integer(250)])
            let list = try await admin.get("/admin/fields")
            #expect(list.contains("<tr class=\"inactive\">") && list.contains("Inactive"))

            let inactive = try #require(try await app.database.customField(id: id))
            #expect(try await admin.post("/admin/fields/\(id)", Self.editFields(inactive, ["active": "1"])).status == .seeOther)
            #expect(try await app.database.customField(id: id)?.isActive == true)
            #expect(try await storedValues(app, field: field) == [lead.uid: .integer(250)])
        }
    }

    @Test func badInputIsAMessageOnTheFieldAndNothingIsWritten() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let cases: [([String: String], String, String)] = [
                (["key": "a", "label": "", "type": "text"], "label", "Label is required."),
                (["key": "a", "label": "A", "type": "colour"], "type", "Choose a type."),
                (["key": "a", "label": "A", "type": "text", "max_length": "lots"], "max_length", "Maximum length must be a whole number, like 200."),
                (["key": "a", "label": "A", "type": "text", "max_length": "501"], "max_length", "Maximum length must be a whole number from 1 to 500."),
                (["key": "a", "label": "A", "type": "integer", "min": "12abc"], "min", "Minimum must be a whole number, like 42."),
                (["key": "a", "label": "A", "type": "decimal", "min": "10", "max": "1"], "max", "Maximum must be at least the minimum (10)."),
                (["key": "a", "label": "A", "type": "select", "options": "\n \n"], "options", "Add at least one option, one per line."),
                (["key": "a", "label": "A", "type": "select", "options": "A\nB;C"], "options", "Option “B;C” contains “;”"),
                (["key": "a", "label": "A", "type": "multi_select", "options": "A\nA"], "options", "Option “A” appears twice."),
                (["key": "a", "label": "A", "type": "integer", "min": "10", "default_value": "5"], "default_value", "Default value must be at least 10."),
                (["key": "a", "label": "A", "type": "date", "default_value": "2026-02-30"], "default_value", "Default value must be a real date like 2026-03-31."),
                (["key": "a", "label": "A", "type": "text", "position": "first"], "position", "Position must be a whole number"),
                (["key": "a", "label": "A", "type": "text", "help_text": String(repeating: "h", count: 301)], "help_text", "Help text must be at most 300 characters."),
            ]
            for (values, field, message) in cases {
                let page = try await admin.post("/admin/fields", Self.fields(Self.base.merging(values) { $1 }))
                #expect(page.status == .unprocessableContent, "\(values)")
                #expect(page.contains(message), "\(values): \(message)")
                #expect(page.contains("id=\"\(field)-error\""), "\(values): message next to \(field)")
                #expect(page.contains("class=\"error-summary\""))
                #expect(page.contains("value=\"a\""), "the key typed is kept")
            }
            let unknownEntity = try await admin.post("/admin/fields", Self.fields(["entity": "planet", "key": "a", "label": "A", "type": "text"]))
            #expect(unknownEntity.status == .unprocessableContent)
            #expect(try await admin.post("/admin/fields", Self.fields(["entity": "task", "template_id": "999", "key": "a", "label": "A", "type": "text"])).status == .notFound)
            #expect(try await admin.get("/admin/fields?template=abc").status == .notFound)
            #expect(try await app.database.customFieldDefinitions(.lead).isEmpty)
        }
    }

    @Test func taskTemplatesHaveTheirOwnCompletionFields() async throws {
        let app = try await TestApp.make()
        try await app.database.addTaskTemplate(stageId: StageID.newLead, name: "First call", description: "", isRequired: true)
        try await app.database.addTaskTemplate(stageId: StageID.contacted, name: "Send brochure", description: "", isRequired: false)
        let templates = try await app.database.pipeline().templates
        let call = try #require(templates[StageID.newLead]?.first { $0.name == "First call" }?.id)
        let brochure = try #require(templates[StageID.contacted]?.first?.id)
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
            let owner = try await app.user("admin@example.com")
            let pipeline = try await admin.get("/admin/pipeline")
            #expect(pipeline.contains("href=\"/admin/fields?template=\(call)\""))
            #expect(pipeline.contains("Completion fields<span class=\"visually-hidden\"> of First call</span> (0)"))

            let empty = try await admin.get("/admin/fields?template=\(call)")
            #expect(empty.status == .ok)
            #expect(empty.contains("Completion fields: First call") && empty.contains("href=\"/admin/fields/new?template=\(call)\""))
            let form = try await admin.get("/admin/fields/new?template=\(call)")
            #expect(form.contains("name=\"template_id\" value=\"\(call)\"") && form.contains("name=\"entity\" value=\"task\""))
            #expect(!form.contains("name=\"show_on_card\""))

            let id = try await Self.create(
                admin, app, ["entity": "task", "template_id": String(call), "key": "method", "label": "Contact method", "type": "select",
                             "options": "Phone\nEmail", "show_on_card": "1"])
            // The same key on another template, and on leads, is another field.
            _ = try await Self.create(admin, app, ["entity": "task", "template_id": String(brochure), "key": "method", "label": "Sent by", "type": "text"])
            _ = try await Self.create(admin, app, ["key": "method", "label": "Lead method", "type": "text"])
            let dup = try await admin.post("/admin/fields", Self.fields(["entity": "task", "template_id": String(call), "key": "METHOD", "label": "Again", "type": "text", "active": "1"]))
            #expect(dup.status == .unprocessableContent)
            #expect(dup.contains("Another field of this task already has the key method."))

            let callFields = try await app.database.customFieldDefinitions(.task, templateId: call)
            #expect(callFields.map(\.label) == ["Contact method"])
            #expect(callFields.first?.showOnCard == false, "only lead fields go on the card")
            func row(_ label: String) -> String { "<td class=\"wrap\">\(label)</td>" }
            let callList = try await admin.get("/admin/fields?template=\(call)")
            #expect(callList.contains(row("Contact method")) && !callList.contains(row("Sent by")) && !callList.contains(row("Lead method")))
            let brochureList = try await admin.get("/admin/fields?template=\(brochure)")
            #expect(brochureList.contains(row("Sent by")) && !brochureList.contains(row("Contact method")))
            let leadList = try await admin.get("/admin/fields")
            #expect(leadList.contains(row("Lead method")) && !leadList.contains(row("Contact method")) && !leadList.contains(row("Sent by")))
            #expect(try await admin.get("/admin/pipeline").contains("Completion fields<span class=\"visually-hidden\"> of First call</span> (1)"))

            // A value stored on a task blocks removing its option, counted in tasks.
            let lead = try await app.createLead("Tasked", owner: owner)
            try await app.database.pool.write { db in
                let task = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM leadTask WHERE leadId = ? AND templateId = ?", arguments: [lead.id, call]))
                try db.execute(sql: "INSERT INTO taskFieldValue (taskId, fieldId, value) VALUES (?, ?, 'Phone')", arguments: [task, id])
            }
            let field = try #require(try await app.database.customField(id: id))
            let refused = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["options": "Email"]))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.contains("Option “Phone” is used by 1 task; change that task first."))
            let saved = try await admin.post("/admin/fields/\(id)", Self.editFields(field, ["options": "Phone\nEmail\nVisit", "required": "1"]))
            #expect(saved.status == .seeOther)
            #expect(saved.location == "/admin/fields?template=\(call)")
        }
    }
}
