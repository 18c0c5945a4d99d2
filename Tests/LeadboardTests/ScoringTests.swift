import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

// Lead scoring (issue 11): each rule kind over built-in and custom fields, clamping, ratings, the
// breakdown, recomputation in the transaction of the change and after rule changes, time-based rules
// with a moved clock, the list sort / rating filter, the CSV columns and the admin page.
// `swift test --filter ScoringTests`.
@Suite struct ScoringTests {}

extension TestApp {
    /// The stored score of a lead.
    func score(_ leadId: Int64) async throws -> Int {
        try #require(try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT score FROM lead WHERE id = ?", arguments: [leadId]) })
    }

    /// Adds a rule and rescores every lead (as the background job does after the admin adds one).
    @discardableResult
    func addRule(_ kind: ScoringRuleKind, field: String = "", choices: [String] = [], number: Double? = nil, days: Int? = nil, points: Int) async throws -> ScoringRule {
        let rule = try await database.addScoringRule(ScoringRuleInput(kind: kind, field: field, choices: choices, number: number, days: days, points: points))
        try await database.rescoreAll()
        return rule
    }

    /// Leads still waiting in the queue (none once a write transaction committed).
    func queuedScores() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scoreQueue") ?? 0 }
    }

    func openTaskIds(_ leadId: Int64) async throws -> [Int64] {
        try await database.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM leadTask WHERE leadId = ? AND status = 'open' ORDER BY id", arguments: [leadId])
        }
    }
}

extension ScoringTests {
    @Suite struct Kinds {
        /// A rule over one built-in field: the lead that meets it scores its points, the other 0.
        struct BuiltInCase: Sendable, CustomTestStringConvertible {
            let name: String
            let kind: ScoringRuleKind
            let field: String
            let choices: [String]
            let number: Double?
            let matching: @Sendable (Int64) -> LeadInput
            let other: @Sendable (Int64) -> LeadInput
            var testDescription: String { name }
        }

        static let builtInCases: [BuiltInCase] = [
            BuiltInCase(
                name: "email filled", kind: .filled, field: "email", choices: [], number: nil,
                matching: { LeadInput(name: "A", email: "a@example.com", stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "value filled", kind: .filled, field: "value", choices: [], number: nil,
                matching: { LeadInput(name: "A", valueCents: 100, stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "expected close date filled", kind: .filled, field: "expected_close_date", choices: [], number: nil,
                matching: { LeadInput(name: "A", expectedCloseDate: "2026-12-31", stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "company equals (any case)", kind: .equals, field: "company", choices: ["acme corp", "Globex"], number: nil,
                matching: { LeadInput(name: "A", company: "Acme Corp", stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", company: "Initech", stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "source field equals", kind: .equals, field: "source", choices: [String(SourceID.referral)], number: nil,
                matching: { LeadInput(name: "A", sourceId: SourceID.referral, stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", sourceId: SourceID.website, stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "value at least", kind: .atLeast, field: "value", choices: [], number: 5000,
                matching: { LeadInput(name: "A", valueCents: 500_000, stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", valueCents: 499_999, stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "value at most", kind: .atMost, field: "value", choices: [], number: 1000,
                matching: { LeadInput(name: "A", valueCents: 100_000, stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", valueCents: 100_001, stageId: StageID.newLead, ownerId: $0) }),
            BuiltInCase(
                name: "source is", kind: .source, field: "", choices: [String(SourceID.website), String(SourceID.referral)], number: nil,
                matching: { LeadInput(name: "A", sourceId: SourceID.website, stageId: StageID.newLead, ownerId: $0) },
                other: { LeadInput(name: "B", sourceId: SourceID.event, stageId: StageID.newLead, ownerId: $0) }),
        ]

        @Test(arguments: builtInCases)
        func aBuiltInRuleScoresTheLeadsThatMeetIt(_ sample: BuiltInCase) async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            // Given one lead that meets the rule and one that does not
            let yes = try await app.database.createLead(sample.matching(mia.uid), actor: mia)
            let no = try await app.database.createLead(sample.other(mia.uid), actor: mia)
            // When the rule is added and all leads are rescored
            try await app.addRule(sample.kind, field: sample.field, choices: sample.choices, number: sample.number, points: 15)
            // Then only the first scores its points
            #expect(try await app.score(yes.uid) == 15)
            #expect(try await app.score(no.uid) == 0)
        }

        @Test func ownerAndStageEqualsCompareIds() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let sam = try await app.createUser("sam@example.com", role: .executive)
            let mine = try await app.createLead("Mine", owner: mia)
            let his = try await app.createLead("His", owner: sam, actor: mia)
            try await app.addRule(.equals, field: "owner", choices: [String(sam.uid)], points: 7)
            try await app.addRule(.equals, field: "stage", choices: [String(StageID.newLead)], points: 3)
            #expect(try await app.score(mine.uid) == 3)
            #expect(try await app.score(his.uid) == 10)
        }

        @Test func customFieldRulesReadTheTypedValues() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            _ = try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["Small", "Large"]))
            _ = try await app.insertCustomField("interests", type: .multiSelect, rules: FieldRules(options: ["CRM", "ERP", "BI"]))
            _ = try await app.insertCustomField("partner", type: .boolean)
            _ = try await app.insertCustomField("budget", type: .decimal)
            _ = try await app.insertCustomField("notes", type: .text)
            let a = try await app.createLead("A", owner: mia)
            let b = try await app.createLead("B", owner: mia)
            let c = try await app.createLead("C", owner: mia)
            try await app.setCustomValues(of: a.uid, [
                "size": .text("Large"), "interests": .list(["ERP", "BI"]), "partner": .boolean(true), "budget": .decimal(7500.5),
                "notes": .text("x"),
            ])
            try await app.setCustomValues(of: b.uid, ["size": .text("Small"), "interests": .list(["CRM"]), "partner": .boolean(false), "budget": .decimal(800)])
            // C has no values at all.
            try await app.addRule(.equals, field: "cf_size", choices: ["large"], points: 1)
            try await app.addRule(.equals, field: "cf_interests", choices: ["BI", "HR"], points: 2)
            try await app.addRule(.equals, field: "cf_partner", choices: ["yes"], points: 4)
            try await app.addRule(.atLeast, field: "cf_budget", number: 5000, points: 8)
            try await app.addRule(.atMost, field: "cf_budget", number: 1000, points: 16)
            try await app.addRule(.filled, field: "cf_notes", points: 32)
            #expect(try await app.score(a.uid) == 1 + 2 + 4 + 8 + 32)
            #expect(try await app.score(b.uid) == 16)
            #expect(try await app.score(c.uid) == 0)
            // A "no" rule matches the stored false, not a missing value.
            try await app.addRule(.equals, field: "cf_partner", choices: ["no"], points: 64)
            #expect(try await app.score(b.uid) == 16 + 64)
            #expect(try await app.score(c.uid) == 0)
        }

        @Test func aRuleOnARemovedFieldNeverApplies() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let lead = try await app.createLead("A", owner: mia, email: "a@example.com")
            try await app.addRule(.filled, field: "cf_gone", points: 50)
            try await app.addRule(.filled, field: "email", points: 5)
            #expect(try await app.score(lead.uid) == 5)
        }
    }

    @Suite struct SumsAndRatings {
        @Test func theScoreIsTheSumClampedTo0And100() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let full = try await app.createLead("Full", owner: mia, email: "f@example.com", company: "Acme", valueCents: 900_000)
            let bare = try await app.createLead("Bare", owner: mia)
            try await app.addRule(.filled, field: "email", points: 60)
            try await app.addRule(.filled, field: "company", points: 30)
            try await app.addRule(.atLeast, field: "value", number: 1000, points: 40)
            try await app.addRule(.filled, field: "name", points: 10)
            try await app.addRule(.atMost, field: "value", number: 0, points: -100)
            #expect(try await app.score(full.uid) == 100)  // 60 + 30 + 40 + 10 = 140
            #expect(try await app.score(bare.uid) == 0)  // 10 − 100 = −90
        }

        @Test func ratingsFollowTheThresholdsWithoutRescoring() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                let mia = try await app.user("admin@example.com")
                let hot = try await app.createLead("Hot lead", owner: mia, email: "h@example.com", company: "Acme")
                let warm = try await app.createLead("Warm lead", owner: mia, email: "w@example.com")
                let cold = try await app.createLead("Cold lead", owner: mia)
                try await app.addRule(.filled, field: "email", points: 40)
                try await app.addRule(.filled, field: "company", points: 30)
                // Defaults: hot from 70, warm from 40.
                let settings = try await app.database.scoringSettings()
                #expect(settings.rating(try await app.score(hot.uid)) == .hot)
                #expect(settings.rating(try await app.score(warm.uid)) == .warm)
                #expect(settings.rating(try await app.score(cold.uid)) == .cold)
                #expect(Rating.of(score: 69, hot: 70, warm: 40) == .warm && Rating.of(score: 39, hot: 70, warm: 40) == .cold)
                // The list filter agrees with the ratings the rows show.
                let hotList = try await admin.get("/leads?rating=hot")
                #expect(hotList.contains("Hot lead") && !hotList.contains("Warm lead") && !hotList.contains("Cold lead"))
                let warmList = try await admin.get("/leads?rating=warm")
                #expect(!warmList.contains("Hot lead") && warmList.contains("Warm lead") && !warmList.contains("Cold lead"))
                let coldList = try await admin.get("/leads?rating=cold")
                #expect(!coldList.contains("Hot lead") && !coldList.contains("Warm lead") && coldList.contains("Cold lead"))
                #expect(coldList.contains("<option value=\"cold\" selected>Cold</option>"))
                // When the admin lowers the thresholds, the warm lead is hot at once (no rescore needed)
                let saved = try await admin.post("/admin/scoring/thresholds", [("hot_threshold", "40"), ("warm_threshold", "10")])
                #expect(saved.status == .seeOther)
                let after = try await admin.get("/leads?rating=hot")
                #expect(after.contains("Hot lead") && after.contains("Warm lead") && !after.contains("Cold lead"))
                #expect(try await app.database.scoringSettings().hotThreshold == 40)
            }
        }

        @Test func theBreakdownListsExactlyTheRulesThatApplied() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let lead = try await app.createLead("A", owner: mia, email: "a@example.com", source: SourceID.referral)
            let email = try await app.addRule(.filled, field: "email", points: 10)
            try await app.addRule(.filled, field: "phone", points: 25)
            let source = try await app.addRule(.source, choices: [String(SourceID.website), String(SourceID.referral)], points: 20)
            let value = try await app.addRule(.atMost, field: "value", number: 0, points: -5)
            let breakdown = try #require(try await app.database.scoreBreakdown(leadId: lead.uid, viewer: mia))
            #expect(breakdown.contributions.map(\.rule.id) == [email.id, source.id, value.id])
            #expect(breakdown.contributions.map(\.points) == [10, 20, -5])
            #expect(breakdown.score == 25)
            #expect(breakdown.contributions.map(\.points).reduce(0, +) == breakdown.score)
            #expect(breakdown.rating == .cold)
        }

        @Test func theLeadPageShowsTheScoreAndItsBreakdown() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                let lead = try await app.createLead("Scored Ltd", owner: mia, email: "s@example.com", source: SourceID.website)
                try await app.addRule(.filled, field: "email", points: 45)
                try await app.addRule(.source, choices: [String(SourceID.website), String(SourceID.referral)], points: 30)
                try await app.addRule(.filled, field: "phone", points: 5)
                let page = try await browser.get("/leads/\(lead.uid)")
                #expect(page.status == .ok)
                #expect(page.contains("Score: <span class=\"score-value\">75</span> of 100 <span class=\"rating rating-hot\">Hot</span>"))
                #expect(page.contains("<span>Email is filled</span> <span class=\"score-points\">+45</span>"))
                #expect(page.contains("<span>Source is Website or Referral</span> <span class=\"score-points\">+30</span>"))
                #expect(!page.contains("Phone is filled"))
            }
        }
    }

    @Suite struct SameTransaction {
        @Test func anEditIsScoredBeforeItCommits() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            try await app.addRule(.filled, field: "email", points: 30)
            try await app.addRule(.atLeast, field: "value", number: 1000, points: 20)
            // A new lead is scored as it is created
            let lead = try await app.createLead("A", owner: mia, email: "a@example.com")
            #expect(try await app.score(lead.uid) == 30)
            // An edit changes the score in its own transaction: nothing is left queued
            var input = LeadInput(name: "A", email: "", valueCents: 250_000, stageId: StageID.newLead, ownerId: mia.uid)
            input.customValues = [:]
            let outcome = try await app.database.updateLead(id: lead.uid, expectedVersion: lead.version, input: input, actor: mia)
            guard case .updated = outcome else { Issue.record("not updated"); return }
            #expect(try await app.score(lead.uid) == 20)
            #expect(try await app.queuedScores() == 0)
        }

        @Test func aCustomValueChangeIsScoredBeforeItCommits() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let size = try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["Small", "Large"]))
            let lead = try await app.createLead("A", owner: mia)
            try await app.addRule(.equals, field: "cf_size", choices: ["Large"], points: 35)
            #expect(try await app.score(lead.uid) == 0)
            // Through the lead form's write path (insert/update with custom values)
            var input = LeadInput(name: "A", stageId: StageID.newLead, ownerId: mia.uid)
            input.customValues = [size.uid: .text("Large")]
            let stored = try await app.storedLead(lead.uid)
            _ = try await app.database.updateLead(id: lead.uid, expectedVersion: stored.version, input: input, actor: mia)
            #expect(try await app.score(lead.uid) == 35)
            // Clearing the value takes the points away again
            try await app.setCustomValues(of: lead.uid, ["size": nil])
            #expect(try await app.score(lead.uid) == 0)
            #expect(try await app.queuedScores() == 0)
        }

        @Test func aNoteAndATaskCompletionAreScoredBeforeTheyCommit() async throws {
            let clock = TestClock()
            let app = try await TestApp.make(clock: clock)
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let lead = try await app.createLead("Quiet Ltd", owner: mia)
            try await app.addRule(.filled, field: "name", points: 50)
            try await app.addRule(.noActivity, days: 14, points: -15)
            try await app.addRule(.overdueTasks, days: 3, points: -5)
            try await app.database.rescoreAll(timeBased: true)
            #expect(try await app.score(lead.uid) == 50)
            // Twenty days later, measured by the daily run: no activity and an overdue task
            clock.advance(20 * 86400)
            try await app.database.rescoreAll(timeBased: true)
            #expect(try await app.score(lead.uid) == 30)
            // A note is activity: its transaction lifts the penalty
            _ = try await app.database.addNote(leadId: lead.uid, body: "Called, no answer", actor: mia)
            #expect(try await app.score(lead.uid) == 45)
            // Completing the overdue task lifts the other one
            let task = try #require(try await app.openTaskIds(lead.uid).first)
            try await app.database.completeTask(leadId: lead.uid, taskId: task, note: "", actor: mia)
            #expect(try await app.score(lead.uid) == 50)
            #expect(try await app.queuedScores() == 0)
        }
    }

    @Suite struct TimeBased {
        @Test func timeRulesAreMeasuredFromTheLastDailyRunSoTheBreakdownAgrees() async throws {
            let clock = TestClock()
            let app = try await TestApp.make(clock: clock)
            let mia = try await app.createUser("mia@example.com", role: .manager)
            try await app.database.rescoreAll(timeBased: true)
            let lead = try await app.createLead("Aging Ltd", owner: mia)
            try await app.addRule(.filled, field: "name", points: 40)
            let age = try await app.addRule(.ageOver, days: 30, points: -10)
            #expect(try await app.score(lead.uid) == 40)
            // 31 days on, the stored score stays until the daily run measures again…
            clock.advance(31 * 86400)
            #expect(try await app.score(lead.uid) == 40)
            #expect(try #require(try await app.database.scoreBreakdown(leadId: lead.uid, viewer: mia)).contributions.count == 1)
            // …which moves `asOf` to now: score and breakdown agree on the new age
            try await app.database.rescoreAll(timeBased: true)
            #expect(try await app.database.scoringAsOf() == clock.now)
            #expect(try await app.score(lead.uid) == 30)
            let breakdown = try #require(try await app.database.scoreBreakdown(leadId: lead.uid, viewer: mia))
            #expect(breakdown.contributions.map(\.rule.id).contains(age.id))
            #expect(breakdown.score == breakdown.contributions.map(\.points).reduce(0, +))
        }

        @Test func theDailyServiceRescoresOnlyWhenTheLastMeasureIsADayOld() async throws {
            let clock = TestClock()
            let app = try await TestApp.make(clock: clock)
            let mia = try await app.createUser("mia@example.com", role: .manager)
            try await app.database.rescoreAll(timeBased: true)
            let lead = try await app.createLead("Aging Ltd", owner: mia)
            try await app.addRule(.filled, field: "name", points: 40)
            try await app.addRule(.ageOver, days: 2, points: -10)
            let job = RescoreJob()
            let service = DailyRescoreService(database: app.database, job: job)
            // Twelve hours on: too early
            clock.advance(12 * 3600)
            #expect(await service.check() == false)
            // Three days on: it asks the job for a time-based run
            clock.advance(3 * 86400)
            #expect(await service.check() == true)
            await job.waitUntilIdle()
            #expect(try await app.score(lead.uid) == 30)
            #expect(try await app.database.scoringAsOf() == clock.now)
            #expect(await service.check() == false)
        }

        /// A rescore cut short (a crash) leaves old scores behind; the served app rescores every lead
        /// once at start-up, so they heal without a rule change.
        @Test func theServedAppRescoresAllLeadsAtStartUp() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            let lead = try await app.createLead("Stale Ltd", owner: mia)
            try await app.addRule(.filled, field: "name", points: 40)
            try await app.database.pool.write { db in try db.execute(sql: "UPDATE lead SET score = 0") }
            #expect(try await app.score(lead.uid) == 0)
            try await buildApplication(services: app.services).test(.router) { _ in
                var healed = false
                for _ in 0..<200 where !healed {
                    healed = try await app.score(lead.uid) == 40
                    if !healed { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(healed)
            }
        }

        @Test func noActivityCountsTheLatestActivityOrCreation() async throws {
            let clock = TestClock()
            let app = try await TestApp.make(clock: clock)
            let mia = try await app.createUser("mia@example.com", role: .manager)
            try await app.database.rescoreAll(timeBased: true)
            let old = try await app.createLead("Old", owner: mia)
            clock.advance(10 * 86400)
            let recent = try await app.createLead("Recent", owner: mia)
            try await app.addRule(.noActivity, days: 7, points: -20)
            try await app.addRule(.filled, field: "name", points: 50)
            clock.advance(86400)
            try await app.database.rescoreAll(timeBased: true)
            #expect(try await app.score(old.uid) == 30)
            #expect(try await app.score(recent.uid) == 50)
        }
    }

    @Suite struct RuleChanges {
        /// The fields of the rule form.
        static func form(_ kind: String, field: String = "", choices: String = "", number: String = "", days: String = "", points: String) -> [(String, String)] {
            [("kind", kind), ("field", field), ("choices", choices), ("number", number), ("days", days), ("points", points)]
        }

        @Test func addingChangingAndRemovingARuleRescoresEveryLead() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                let owner = try await app.user("admin@example.com")
                let withEmail = try await app.createLead("With email", owner: owner, email: "a@example.com")
                let without = try await app.createLead("Without", owner: owner)
                // Added
                let added = try await admin.post("/admin/scoring", Self.form("filled", field: "email", points: "25"))
                #expect(added.status == .seeOther)
                await app.services.rescoreJob.waitUntilIdle()
                #expect(try await app.score(withEmail.uid) == 25)
                #expect(try await app.score(without.uid) == 0)
                // Changed
                let rule = try #require(try await app.database.scoringAdmin().rules.first)
                let changed = try await admin.post("/admin/scoring/\(rule.uid)", Self.form("filled", field: "email", points: "−30"))
                #expect(changed.status == .seeOther)
                try await app.addRule(.filled, field: "name", points: 50)
                await app.services.rescoreJob.waitUntilIdle()
                #expect(try await app.score(withEmail.uid) == 20)
                #expect(try await app.score(without.uid) == 50)
                // Asked about, then removed
                let ask = try await admin.get("/admin/scoring/\(rule.uid)/delete")
                #expect(ask.status == .ok && ask.contains("Remove the rule “Email is filled −30”?"))
                #expect(try await app.database.scoringRule(id: rule.uid) != nil)
                let removed = try await admin.post("/admin/scoring/\(rule.uid)/delete")
                #expect(removed.status == .seeOther)
                await app.services.rescoreJob.waitUntilIdle()
                #expect(try await app.score(withEmail.uid) == 50)
                #expect(try await app.database.scoringRule(id: rule.uid) == nil)
                #expect(try await admin.post("/admin/scoring/\(rule.uid)/delete").status == .notFound)
            }
        }

        @Test func aChangeDuringARunRunsItAgainAfterward() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            var leads: [Lead] = []
            for i in 0..<30 { leads.append(try await app.createLead("Lead \(i)", owner: mia, email: "l\(i)@example.com")) }
            // Batches of 10 leads: the first run is still going when the rule changes
            let job = RescoreJob(batchSize: 10)
            let rule = try await app.database.addScoringRule(ScoringRuleInput(kind: .filled, field: "email", points: 10))
            await job.request(database: app.database)
            try await app.database.updateScoringRule(id: rule.uid, ScoringRuleInput(kind: .filled, field: "email", points: 60))
            await job.request(database: app.database)
            await job.waitUntilIdle()
            for lead in leads { #expect(try await app.score(lead.uid) == 60) }
            let status = await job.current
            #expect(!status.running && status.progress?.total == 30 && status.progress?.done == 30)
        }

        @Test func rescoringRunsInBatchesAndReportsProgress() async throws {
            let app = try await TestApp.make()
            let mia = try await app.createUser("mia@example.com", role: .manager)
            for i in 0..<25 { try await app.createLead("Lead \(i)", owner: mia, email: "l\(i)@example.com") }
            _ = try await app.database.addScoringRule(ScoringRuleInput(kind: .filled, field: "email", points: 10))
            let seen = ProgressLog()
            let result = try await app.database.rescoreAll(batchSize: 10) { seen.append($0) }
            #expect(seen.values.map(\.done) == [10, 20, 25])
            #expect(seen.values.allSatisfy { $0.total == 25 })
            #expect(result.changed == 25)
            // Nothing changes the second time
            #expect(try await app.database.rescoreAll(batchSize: 10).changed == 0)
        }

        @Test func theProgressLineReadsLikeTheIssue() {
            let data = ScoringAdminData(
                rules: [], settings: ScoringSettings(hotThreshold: 70, warmThreshold: 40, asOf: Date()), vocabulary: ScoringVocabulary())
            let running = RescoreJob.Status(running: true, progress: RescoreProgress(done: 340_000, total: 1_000_000, changed: 12), lastError: nil)
            #expect(ScoringPage(data: data, job: running).progressText == "Rescoring: 340,000 of 1,000,000 leads")
            #expect(ScoringPage(data: data, job: RescoreJob.Status()).progressText == nil)
        }
    }

    @Suite struct AdminPage {
        @Test func rulesReadAsSentences() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                _ = try await app.insertCustomField("budget", type: .decimal)
                for fields in [
                    RuleChanges.form("filled", field: "email", points: "10"),
                    RuleChanges.form("at_least", field: "cf_budget", number: "5000", points: "15"),
                    RuleChanges.form("source", choices: "Website\nreferral", points: "20"),
                    RuleChanges.form("age_over", days: "30", points: "-10"),
                    RuleChanges.form("no_activity", days: "14", points: "-15"),
                    RuleChanges.form("overdue_tasks", days: "3", points: "-5"),
                ] {
                    #expect(try await admin.post("/admin/scoring", fields).status == .seeOther)
                }
                let page = try await admin.get("/admin/scoring")
                #expect(page.status == .ok)
                for (text, points) in [
                    ("Email is filled", "+10"), ("Budget at least 5,000", "+15"), ("Source is Website or Referral", "+20"),
                    ("Created more than 30 days ago", "−10"), ("No activity for 14 days", "−15"), ("An open task older than 3 days", "−5"),
                ] {
                    #expect(page.contains("<strong class=\"rule-description\">\(text)</strong>"), "\(text)")
                    #expect(page.contains("\(text)</strong> <span class=\"pill") && page.contains(">\(points)</span>"), "\(text) \(points)")
                }
                #expect(page.contains("href=\"/admin/scoring\" aria-current=\"page\">Scoring</a>"))
                let source = try #require(try await app.database.scoringAdmin().rules.first { $0.kind == .source })
                #expect(source.choiceList == [String(SourceID.website), String(SourceID.referral)])
            }
        }

        struct Refusal: Sendable, CustomTestStringConvertible {
            let fields: [(String, String)]
            let errorField: String
            let message: String
            var testDescription: String { "\(errorField): \(message)" }
        }

        static let refusals: [Refusal] = [
            Refusal(fields: RuleChanges.form("", points: "10"), errorField: "kind", message: "Choose what the rule checks."),
            Refusal(fields: RuleChanges.form("bogus", points: "10"), errorField: "kind", message: "Choose what the rule checks."),
            Refusal(fields: RuleChanges.form("filled", points: "10"), errorField: "field", message: "Choose a field."),
            Refusal(fields: RuleChanges.form("filled", field: "cf_nope", points: "10"), errorField: "field", message: "Choose a field from the list."),
            Refusal(fields: RuleChanges.form("at_least", field: "name", number: "5", points: "10"), errorField: "field", message: "Choose a number field: Value or a number custom field."),
            Refusal(fields: RuleChanges.form("at_most", field: "value", points: "10"), errorField: "number", message: "Enter a number."),
            Refusal(fields: RuleChanges.form("at_least", field: "value", number: "lots", points: "10"), errorField: "number", message: "Enter a number, like 5000 or 2.5."),
            Refusal(fields: RuleChanges.form("equals", field: "company", points: "10"), errorField: "choices", message: "Enter at least one value."),
            Refusal(fields: RuleChanges.form("source", points: "10"), errorField: "choices", message: "Enter at least one source."),
            Refusal(fields: RuleChanges.form("source", choices: "Carrier pigeon", points: "10"), errorField: "choices", message: "There is no source “Carrier pigeon”."),
            Refusal(fields: RuleChanges.form("equals", field: "stage", choices: "Nowhere", points: "10"), errorField: "choices", message: "There is no stage “Nowhere”."),
            Refusal(fields: RuleChanges.form("equals", field: "value", choices: "many", points: "10"), errorField: "choices", message: "“many” is not an amount, like 5000 or 5,000.00."),
            Refusal(fields: RuleChanges.form("age_over", points: "-10"), errorField: "days", message: "Enter a number of days."),
            Refusal(fields: RuleChanges.form("no_activity", days: "0", points: "-10"), errorField: "days", message: "Days must be a whole number from 1 to 3650."),
            Refusal(fields: RuleChanges.form("filled", field: "email", points: ""), errorField: "points", message: "Points are required: a whole number from −100 to 100."),
            Refusal(fields: RuleChanges.form("filled", field: "email", points: "101"), errorField: "points", message: "Points must be a whole number from −100 to 100."),
            Refusal(fields: RuleChanges.form("filled", field: "email", points: "1.5"), errorField: "points", message: "Points must be a whole number from −100 to 100."),
        ]

        @Test(arguments: refusals)
        func aRuleWithoutItsParametersIsRefusedNextToTheField(_ refusal: Refusal) async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                let page = try await admin.post("/admin/scoring", refusal.fields)
                #expect(page.status == .unprocessableContent)
                #expect(page.contains("<p class=\"field-error\" id=\"new-\(refusal.errorField)-error\">\(Self.escaped(refusal.message))</p>"), "\(page.body)")
                #expect(page.contains("class=\"error-summary\""))
                #expect(try await app.database.scoringAdmin().rules.isEmpty)
            }
        }

        static func escaped(_ text: String) -> String { text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;") }

        @Test func aSelectChoiceMustBeAnOptionAndIsStoredAsTheOption() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                _ = try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["Small", "Large"]))
                let refused = try await admin.post("/admin/scoring", RuleChanges.form("equals", field: "cf_size", choices: "Huge", points: "5"))
                #expect(refused.status == .unprocessableContent && refused.contains("“Huge” is not an option of Size (Small, Large)."))
                #expect(try await admin.post("/admin/scoring", RuleChanges.form("equals", field: "cf_size", choices: "large", points: "5")).status == .seeOther)
                #expect(try await app.database.scoringAdmin().rules.first?.choiceList == ["Large"])
            }
        }

        @Test func aFailedEditKeepsWhatWasTypedOnThatRule() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                let rule = try await app.database.addScoringRule(ScoringRuleInput(kind: .filled, field: "email", points: 10))
                let page = try await admin.post("/admin/scoring/\(rule.uid)", RuleChanges.form("filled", field: "email", points: "500"))
                #expect(page.status == .unprocessableContent)
                #expect(page.contains("id=\"rule-\(rule.uid)-points-error\""))
                #expect(page.contains("value=\"500\""))
                #expect(try await app.database.scoringRule(id: rule.uid)?.points == 10)
                #expect(try await admin.post("/admin/scoring/999", RuleChanges.form("filled", field: "email", points: "5")).status == .notFound)
            }
        }

        @Test func thresholdsMustLeaveWarmBelowHot() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let admin = try await app.signedIn(client, as: "admin@example.com", role: .admin)
                let same = try await admin.post("/admin/scoring/thresholds", [("hot_threshold", "50"), ("warm_threshold", "50")])
                #expect(same.status == .unprocessableContent && same.contains("Warm must be below hot (50)."))
                let range = try await admin.post("/admin/scoring/thresholds", [("hot_threshold", "101"), ("warm_threshold", "x")])
                #expect(range.status == .unprocessableContent)
                #expect(range.contains("Hot must be a whole number from 1 to 100.") && range.contains("Warm must be a whole number from 0 to 99."))
                let settings = try await app.database.scoringSettings()
                #expect(settings.hotThreshold == 70 && settings.warmThreshold == 40)
            }
        }

        @Test func onlyAdminsReachTheScoringPages() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let rule = try await app.database.addScoringRule(ScoringRuleInput(kind: .filled, field: "email", points: 10))
                let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                // Refused like every admin page (RequireAdmin), and no link in the menu
                #expect(try await manager.get("/admin/scoring").status == .forbidden)
                #expect(try await manager.post("/admin/scoring", RuleChanges.form("filled", field: "name", points: "5")).status == .forbidden)
                #expect(try await manager.post("/admin/scoring/\(rule.uid)/delete").status == .forbidden)
                #expect(try await manager.post("/admin/scoring/thresholds", [("hot_threshold", "90"), ("warm_threshold", "5")]).status == .forbidden)
                #expect(!(try await manager.get("/leads")).contains(">Scoring</a>"))
                #expect(try await app.database.scoringAdmin().rules.count == 1)
                let anonymous = Browser(client)
                #expect(try await anonymous.get("/admin/scoring").status == .seeOther)
            }
        }
    }

    @Suite struct ListBoardAndExport {
        @Test func theListSortsByScoreAndShowsTheRating() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                try await app.createLead("Middle Co", owner: mia, email: "m@example.com")
                try await app.createLead("Top Co", owner: mia, email: "t@example.com", company: "Acme")
                try await app.createLead("Bottom Co", owner: mia)
                try await app.addRule(.filled, field: "email", points: 45)
                try await app.addRule(.filled, field: "company", points: 40)
                let down = try await browser.get("/leads?sort=-score")
                let top = try #require(down.position(of: "Top Co")), middle = try #require(down.position(of: "Middle Co"))
                let bottom = try #require(down.position(of: "Bottom Co"))
                #expect(top < middle && middle < bottom)
                #expect(down.contains("<span class=\"score-value\">85</span> <span class=\"rating rating-hot\">Hot</span>"))
                #expect(down.contains("class=\"sort\">Score ▼</a>"))
                let up = try await browser.get("/leads?sort=score")
                #expect(try #require(up.position(of: "Bottom Co")) < (try #require(up.position(of: "Top Co"))))
            }
        }

        @Test func sortingByScoreUsesTheScoreIndex() async throws {
            let app = try await TestApp.make()
            let plan = try await app.database.pool.read { db -> String in
                var filter = LeadFilter()
                filter.sort = .score
                let admin = User(
                    id: 1, email: "a@example.com", name: "A", role: .admin, isActive: true, passwordHash: "", createdAt: Date(), updatedAt: Date())
                let query = LeadQuery(filter: filter, viewer: admin)
                let (whereSQL, arguments) = try query.whereClause(db)
                let rows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT lead.id FROM lead \(whereSQL) \(query.orderClause) LIMIT 50", arguments: arguments)
                return rows.map { $0["detail"] as String? ?? "" }.joined(separator: "\n")
            }
            #expect(plan.contains("lead_score"), "\(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
        }

        @Test func theBoardCardShowsTheRating() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                try await app.createLead("Card Co", owner: mia, email: "c@example.com")
                try await app.addRule(.filled, field: "email", points: 50)
                let board = try await browser.get("/board")
                #expect(board.contains("<span class=\"rating rating-warm\" title=\"Score 50\"><span class=\"visually-hidden\">Rating: </span>Warm</span>"))
            }
        }

        @Test func theCSVHasScoreAndRatingAndTheImportIgnoresThem() async throws {
            let app = try await TestApp.make()
            try await app.run { client in
                let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
                let mia = try await app.user("mia@example.com")
                try await app.createLead("Export Co", owner: mia, email: "e@example.com")
                try await app.addRule(.filled, field: "email", points: 80)
                let csv = try await browser.get("/leads.csv")
                let lines = csv.body.components(separatedBy: "\r\n")
                let header = lines[0].components(separatedBy: ",")
                let row = lines[1].components(separatedBy: ",")
                let scoreIndex = try #require(header.firstIndex(of: "score")), ratingIndex = try #require(header.firstIndex(of: "rating"))
                #expect(row[scoreIndex] == "80" && row[ratingIndex] == "hot")
                // The export imports back: score and rating are known columns and never read
                let path = app.directory.appendingPathComponent("roundtrip.csv").path
                let edited = csv.body.replacingOccurrences(of: "Export Co", with: "Reimported Co").replacingOccurrences(of: "e@example.com", with: "r@example.com")
                try edited.write(toFile: path, atomically: true, encoding: .utf8)
                let preview = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: ImportOptions())
                #expect(preview.unknownColumns.isEmpty)
                #expect(preview.invalid == 0 && preview.toCreate == 1)
                _ = try await LeadImporter.run(path: path, database: app.database, actor: mia, options: ImportOptions(), fileLabel: "roundtrip.csv")
                let imported = try #require(try await app.database.pool.read { db in
                    try Int64.fetchOne(db, sql: "SELECT id FROM lead WHERE name = 'Reimported Co'")
                })
                // Scored by the rules (email filled), not by the file
                #expect(try await app.score(imported) == 80)
            }
        }
    }
}

/// Progress reports collected from `rescoreAll`.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [RescoreProgress] = []
    func append(_ value: RescoreProgress) { lock.withLock { stored.append(value) } }
    var values: [RescoreProgress] { lock.withLock { stored } }
}
