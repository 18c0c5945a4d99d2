import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@testable import Leadboard

// MARK: - Dashboard

@Suite struct DashboardTests {
    /// Monday 2026-09-21 14:13:20 UTC.
    static let now = utc("2026-09-21 14:13:20")
    static let thisWeek = utc("2026-09-21")
    static let lastWeek = utc("2026-09-14")

    struct Seed {
        var mia: User  // manager
        var sam: User  // executive
        var riya: User  // executive
    }

    /// Leads on both sides of every boundary the dashboard has: the start of this and last week
    /// (Monday 00:00 UTC), 90 days back for conversion, deleted leads, done and open tasks.
    static func seed(_ app: TestApp) async throws -> Seed {
        let clock = app.clock
        clock.set(utc("2026-05-04 08:00"))
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)

        // Closed leads: created long ago in Proposal Sent, closed at various times.
        clock.set(utc("2026-05-04 09:00"))
        let closing: [(String, User?, Int64, Int64, Date)] = [
            ("Old Won Sam", sam, 50_000, StageID.won, utc("2026-06-01 10:00")),
            ("Old Lost Riya", riya, 10_000, StageID.lost, utc("2026-06-01 11:00")),
            ("Edge Won Sam", sam, 70_000, StageID.won, now.addingTimeInterval(-90 * 86400)),  // exactly 90 days: counts
            ("Edge Lost Riya", riya, 80_000, StageID.lost, now.addingTimeInterval(-90 * 86400 - 1)),  // one second more: does not
            ("Recent Won Sam", sam, 120_000, StageID.won, utc("2026-08-15 10:00")),
            ("Recent Won Mia", mia, 33_300, StageID.won, utc("2026-09-01 10:00")),
            ("Recent Lost Sam", sam, 4_400, StageID.lost, utc("2026-09-10 10:00")),
            ("Recent Lost Unassigned", nil, 5_500, StageID.lost, utc("2026-09-02 10:00")),
        ]
        var closingLeads: [(Lead, Int64, Date)] = []
        for (name, owner, value, target, at) in closing {
            clock.advance(60)
            let lead = try await app.createLead(name, owner: owner, actor: owner ?? mia, valueCents: value, stage: StageID.proposalSent)
            closingLeads.append((lead, target, at))
        }
        for (lead, target, at) in closingLeads.sorted(by: { $0.2 < $1.2 }) {
            try await app.move(lead.uid, to: target, at: at, by: mia)
        }

        // Open leads, a little older than last week.
        for i in 0..<8 {
            clock.set(utc("2026-09-01 12:00").addingTimeInterval(Double(i) * 3600))
            try await app.createLead("Sam Filler \(i)", owner: sam, valueCents: Int64(1_000 + i * 111))
        }
        clock.set(utc("2026-09-08 10:00"))
        let samOpen1 = try await app.createLead("Sam Open 1", owner: sam, source: SourceID.referral, valueCents: 10_000)
        try await app.createLead("Sam Open 2", owner: sam, valueCents: 20_000, stage: StageID.contacted)
        try await app.createLead("Riya Open 1", owner: riya, valueCents: 30_000, stage: StageID.qualified)
        try await app.createLead("Unassigned Open", owner: nil, actor: mia, valueCents: 5_000)
        clock.set(utc("2026-09-10 09:00"))
        try await app.createLead("Mia Task Lead", owner: mia, valueCents: 6_000)

        // Around last week.
        clock.set(utc("2026-09-13 23:59:59"))
        try await app.createLead("Sam Before Last Week", owner: sam, valueCents: 900)
        clock.set(utc("2026-09-14 00:00:00"))
        try await app.createLead("Sam Monday Start", owner: sam, valueCents: 1_000)
        clock.set(utc("2026-09-16 12:00"))
        try await app.createLead("Riya Midweek", owner: riya, valueCents: 2_500, stage: StageID.contacted)
        clock.set(utc("2026-09-20 23:59:59"))
        try await app.createLead("Sam Sunday Late", owner: sam, valueCents: 3_333)

        // This week.
        clock.set(utc("2026-09-21 00:00:00"))
        try await app.createLead("Sam This Monday", owner: sam, valueCents: 7_700)
        clock.set(utc("2026-09-21 09:00"))
        try await app.createLead("Mia This Week", owner: mia, valueCents: 99_900, stage: StageID.proposalSent)
        clock.set(utc("2026-09-21 10:00"))
        try await app.createLead("Riya This Week", owner: riya, valueCents: 4_200)
        clock.set(utc("2026-09-21 11:00"))
        let deleted = try await app.createLead("Deleted This Week", owner: sam, valueCents: 1_000_000, stage: StageID.qualified)
        try await app.database.deleteLead(id: deleted.uid, actor: mia)

        // A finished task leaves the list; touching an older lead moves it up "recently updated".
        clock.set(utc("2026-09-21 12:00"))
        try await app.completeOpenTasks(samOpen1.uid, as: sam)
        clock.set(now)
        return Seed(mia: mia, sam: sam, riya: riya)
    }

    struct Expected {
        var stageCounts: [Int64: Int] = [:]
        var stageValues: [Int64: Int64] = [:]
        var activeStages: [Int64] = []
        var categoryCounts: [StageCategory: Int] = [:]
        var openValue: Int64 = 0
        var thisWeek = 0
        var lastWeek = 0
        var won90 = 0
        var lost90 = 0
        var recent: [Int64] = []
        var tasks: [Int64] = []
        var taskLeadNames: [String] = []
        var activity: [Int64] = []

        var conversion: String {
            won90 + lost90 == 0 ? "—" : String(format: "%.1f%%", Double(won90) / Double(won90 + lost90) * 100)
        }
    }

    /// Every dashboard figure computed straight from the tables.
    static func expected(_ app: TestApp, viewer: User) async throws -> Expected {
        let scope = LeadPolicy.seesAllLeads(viewer) ? "" : " AND lead.ownerId = \(viewer.uid)"
        let live = "lead.deletedAt IS NULL\(scope)"
        return try await app.database.pool.read { db in
            var e = Expected()
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT stage.id AS id, stage.isActive AS active,
                           (SELECT COUNT(*) FROM lead WHERE lead.stageId = stage.id AND \(live)) AS n,
                           (SELECT TOTAL(valueCents) FROM lead WHERE lead.stageId = stage.id AND \(live)) AS v
                    FROM stage ORDER BY stage.position, stage.id
                    """)
            {
                let id: Int64 = row["id"]
                e.stageCounts[id] = row["n"]
                e.stageValues[id] = Int64(row["v"] as Double)
                if row["active"] as Bool { e.activeStages.append(id) }
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT stage.category AS c, COUNT(*) AS n FROM lead JOIN stage ON stage.id = lead.stageId WHERE \(live) GROUP BY stage.category")
            {
                e.categoryCounts[StageCategory(rawValue: row["c"])!] = row["n"]
            }
            e.openValue = try Int64.fetchOne(
                db, sql: "SELECT COALESCE(SUM(valueCents), 0) FROM lead WHERE \(live) AND stageId IN (SELECT id FROM stage WHERE category = 'open')")!
            e.thisWeek = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lead WHERE \(live) AND createdAt >= ?", arguments: [thisWeek])!
            e.lastWeek = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM lead WHERE \(live) AND createdAt >= ? AND createdAt < ?", arguments: [lastWeek, thisWeek])!
            let since = now.addingTimeInterval(-90 * 86400)
            let closed = "SELECT COUNT(*) FROM lead WHERE \(live) AND stageEnteredAt >= ? AND stageId IN (SELECT id FROM stage WHERE category = ?)"
            e.won90 = try Int.fetchOne(db, sql: closed, arguments: [since, "won"])!
            e.lost90 = try Int.fetchOne(db, sql: closed, arguments: [since, "lost"])!
            e.recent = try Int64.fetchAll(db, sql: "SELECT id FROM lead WHERE \(live) ORDER BY updatedAt DESC, id DESC LIMIT 10")
            let tasks = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, lead.name FROM leadTask t JOIN lead ON lead.id = t.leadId
                    WHERE lead.deletedAt IS NULL AND lead.ownerId = ? AND t.status = 'open' ORDER BY t.createdAt, t.id LIMIT 10
                    """, arguments: [viewer.id])
            e.tasks = tasks.map { $0[0] }
            e.taskLeadNames = tasks.map { $0[1] }
            e.activity = try Int64.fetchAll(
                db, sql: "SELECT a.id FROM activity a JOIN lead ON lead.id = a.leadId WHERE \(live) ORDER BY a.id DESC LIMIT 10")
            return e
        }
    }

    static func expectFigures(_ f: DashboardFigures, _ e: Expected, _ who: String) {
        #expect(f.stages.map(\.stage.uid) == e.activeStages, "\(who): one figure per active stage, in pipeline order")
        for figure in f.stages {
            #expect(figure.count == e.stageCounts[figure.stage.uid], "\(who): count of \(figure.stage.name)")
            #expect(figure.valueCents == e.stageValues[figure.stage.uid], "\(who): value of \(figure.stage.name)")
        }
        for category in StageCategory.allCases {
            #expect(f.count(category) == e.categoryCounts[category, default: 0], "\(who): \(category) count")
        }
        #expect(f.openValueCents == e.openValue, "\(who): open value")
        #expect(f.newThisWeek == e.thisWeek, "\(who): new this week")
        #expect(f.newLastWeek == e.lastWeek, "\(who): new last week")
        #expect(f.weekStart == thisWeek, "\(who): the week starts on Monday 00:00 UTC")
        #expect(f.wonLast90 == e.won90, "\(who): won in 90 days")
        #expect(f.lostLast90 == e.lost90, "\(who): lost in 90 days")
        #expect(f.recentLeads.map(\.id) == e.recent, "\(who): 10 most recently updated")
        #expect(f.openTasks.map(\.id) == e.tasks, "\(who): open tasks oldest first")
        #expect(f.activity.map(\.id) == e.activity, "\(who): latest activity")
    }

    @Test func everyFigureMatchesDirectSQLForAManagerAndAnExecutive() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        let seed = try await Self.seed(app)

        let manager = try await app.database.dashboard(viewer: seed.mia)
        let all = try await Self.expected(app, viewer: seed.mia)
        Self.expectFigures(manager, all, "manager")
        // The boundaries, spelled out: Monday 00:00 belongs to its week, Sunday 23:59:59 to the one before.
        #expect(manager.newThisWeek == 3)
        #expect(manager.newLastWeek == 3)
        #expect((manager.wonLast90, manager.lostLast90) == (3, 2))
        #expect(manager.recentLeads.count == 10)
        #expect(!manager.recentLeads.contains { $0.name == "Deleted This Week" })
        #expect(manager.openTasks.map(\.leadName) == ["Mia Task Lead"])

        let sam = try await app.database.dashboard(viewer: seed.sam)
        let own = try await Self.expected(app, viewer: seed.sam)
        Self.expectFigures(sam, own, "executive")
        #expect(sam.newThisWeek == 1)
        #expect(sam.newLastWeek == 2)
        #expect((sam.wonLast90, sam.lostLast90) == (2, 1))
        #expect(sam.openTasks.count == 10)
        #expect(sam.openTasks.first?.leadName == "Sam Filler 0")
        #expect(!sam.openTasks.contains { $0.leadName == "Sam Open 1" })  // its task is done
        // An executive's figures cover only their own leads.
        let samLeadIds = Set(
            try await app.database.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM lead WHERE ownerId = ?", arguments: [seed.sam.id]) })
        #expect(sam.recentLeads.allSatisfy { samLeadIds.contains($0.id) })
        #expect(sam.activity.allSatisfy { samLeadIds.contains($0.leadId) })
        #expect(sam.openTasks.allSatisfy { samLeadIds.contains($0.leadId) })
        #expect(sam.stages.reduce(0) { $0 + $1.count } == own.stageCounts.values.reduce(0, +))
        #expect(sam.stages.reduce(0) { $0 + $1.count } < manager.stages.reduce(0) { $0 + $1.count })

        let riya = try await app.database.dashboard(viewer: seed.riya)
        Self.expectFigures(riya, try await Self.expected(app, viewer: seed.riya), "second executive")
        #expect(riya.conversionRate == nil)  // both of Riya's losses are older than 90 days
        #expect(try await app.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lead WHERE ownerId = ? AND stageId = ?", arguments: [seed.riya.id, StageID.lost]) } == 2)
    }

    /// Checks the rendered numbers and that each figure's link lists exactly that many leads.
    static func expectPage(_ page: Browser.Page, _ e: Expected, viewer: User, app: TestApp, _ who: String) async throws {
        #expect(page.status == .ok)
        #expect(page.text(ofId: "fig-open") == e.categoryCounts[.open, default: 0].formatted(), "\(who)")
        #expect(page.text(ofId: "fig-won") == e.categoryCounts[.won, default: 0].formatted(), "\(who)")
        #expect(page.text(ofId: "fig-lost") == e.categoryCounts[.lost, default: 0].formatted(), "\(who)")
        #expect(page.text(ofId: "fig-open-value") == Money.display(e.openValue), "\(who)")
        #expect(page.text(ofId: "fig-this-week") == String(e.thisWeek), "\(who)")
        #expect(page.text(ofId: "fig-last-week") == String(e.lastWeek), "\(who)")
        #expect(page.text(ofId: "fig-conversion") == e.conversion, "\(who)")
        #expect(page.contains("\(e.won90) won, \(e.lost90) lost in the last 90 days"), "\(who)")

        // The figure cards link to filtered lists.
        let cards = HTMLText.all(page.body, "<a class=\"card figure\" href=\"", "</a>")
        var links: [String: String] = [:]
        for card in cards {
            let href = HTMLText.unescape(String(card.prefix { $0 != "\"" }))
            let id = HTMLText.between(card, "id=\"", "\"") ?? ""
            links[id] = href
        }
        #expect(links["fig-open"] == "/leads?category=open", "\(who)")
        #expect(links["fig-won"] == "/leads?category=won", "\(who)")
        #expect(links["fig-lost"] == "/leads?category=lost", "\(who)")
        #expect(links["fig-open-value"] == "/leads?category=open&sort=-value", "\(who)")
        #expect(links["fig-this-week"] == "/leads?created_from=2026-09-21", "\(who)")
        #expect(links["fig-last-week"] == "/leads?created_from=2026-09-14&created_to=2026-09-20", "\(who)")
        #expect(links["fig-conversion"] == "/reports", "\(who)")
        let linkCounts: [(String, Int)] = [
            ("fig-open", e.categoryCounts[.open, default: 0]), ("fig-won", e.categoryCounts[.won, default: 0]),
            ("fig-lost", e.categoryCounts[.lost, default: 0]), ("fig-open-value", e.categoryCounts[.open, default: 0]),
            ("fig-this-week", e.thisWeek), ("fig-last-week", e.lastWeek),
        ]
        for (id, count) in linkCounts {
            let href = try #require(links[id])
            #expect(try await listTotal(app, href: href, viewer: viewer) == count, "\(who): \(href) lists the \(id) leads")
        }

        // Leads by stage: each count links to the stage's list.
        for stageId in e.activeStages {
            let entry = HTMLText.between(page.body, "<a href=\"/leads?stage=\(stageId)\">", "</a>")
            let count = entry.flatMap { HTMLText.between($0, "<strong class=\"stage-count\">", "</strong>") }
            #expect(count == e.stageCounts[stageId]!.formatted(), "\(who): stage \(stageId)")
            #expect(try await listTotal(app, href: "/leads?stage=\(stageId)", viewer: viewer) == e.stageCounts[stageId], "\(who)")
        }

        // Recently updated, in order.
        let recent = page.section("<h2>Recently updated</h2>")
        let recentIds = HTMLText.all(recent, "<a href=\"/leads/", "\"").compactMap { Int64($0) }
        #expect(recentIds == e.recent, "\(who): recently updated")
        // The user's open tasks, oldest first.
        let tasks = page.section("<h2>Your open tasks</h2>")
        let taskLeads = HTMLText.all(tasks, "<div class=\"muted small\">", " · since").map(HTMLText.unescape)
        #expect(taskLeads == e.taskLeadNames, "\(who): open tasks")
        // Latest activity.
        let activity = page.section("<h2>Latest activity</h2>")
        #expect(activity.components(separatedBy: "<li class=\"activity\">").count - 1 == e.activity.count, "\(who): activity rows")
    }

    static func listTotal(_ app: TestApp, href: String, viewer: User) async throws -> Int {
        let query = href.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        let filter = LeadFilter(query: try FormData(urlEncoded: query))
        return try await app.database.leadList(LeadQuery(filter: filter, viewer: viewer)).total
    }

    @Test func theDashboardPageShowsTheFiguresAndLinksToTheirLeads() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        let seed = try await Self.seed(app)
        try await app.run { client in
            let manager = Browser(client)
            #expect(try await manager.login("mia@example.com").status == .seeOther)
            let all = try await Self.expected(app, viewer: seed.mia)
            let page = try await manager.get("/")
            try await Self.expectPage(page, all, viewer: seed.mia, app: app, "manager")
            #expect(page.text(ofId: "fig-this-week") == "3")
            #expect(page.text(ofId: "fig-conversion") == "60.0%")
            #expect(page.contains("All leads"))

            let executive = Browser(client)
            #expect(try await executive.login("sam@example.com").status == .seeOther)
            let own = try await Self.expected(app, viewer: seed.sam)
            let samPage = try await executive.get("/")
            try await Self.expectPage(samPage, own, viewer: seed.sam, app: app, "executive")
            #expect(samPage.text(ofId: "fig-conversion") == "66.7%")
            #expect(samPage.contains("Your leads"))
            #expect(!samPage.contains("Riya Open 1"))
            #expect(!samPage.contains("Mia This Week"))
        }
    }

    @Test func anEmptyDashboardHasZerosAndNoConversion() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "new@example.com", role: .executive)
            let page = try await browser.get("/")
            #expect(page.status == .ok)
            #expect(page.text(ofId: "fig-open") == "0")
            #expect(page.text(ofId: "fig-open-value") == "$0.00")
            #expect(page.text(ofId: "fig-conversion") == "—")
            #expect(page.contains("No leads yet."))
            #expect(page.contains("Nothing open."))
        }
    }
}

// MARK: - Reports

@Suite struct ReportTests {
    static let now = utc("2026-09-21 14:13:20")
    static let from = "2026-08-01"
    static let to = "2026-08-31"
    static var range: ReportRange { ReportRange(from: from, to: to) }
    static var rangeQuery: String { "from=\(from)&to=\(to)" }

    struct Seed {
        var mia: User
        var sam: User
        var riya: User
    }

    /// Leads created just before, inside (on both edges) and just after August 2026, with stays of
    /// known lengths.
    static func seed(_ app: TestApp) async throws -> Seed {
        let clock = app.clock
        clock.set(utc("2026-07-01"))
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)
        func at(_ text: String) -> Date { utc(text) }
        func create(_ name: String, _ time: String, owner: User?, source: Int64?, value: Int64 = 0, stage: Int64 = StageID.newLead) async throws -> Lead {
            clock.set(at(time))
            return try await app.createLead(name, owner: owner, actor: owner ?? mia, source: source, valueCents: value, stage: stage)
        }
        let before = try await create("Before Range", "2026-07-31 23:59:59", owner: sam, source: SourceID.website, value: 1_000)
        try await app.move(before.uid, to: StageID.contacted, at: at("2026-08-02 00:00"), by: mia)

        let start = try await create("Range Start", "2026-08-01 00:00:00", owner: sam, source: SourceID.website, value: 100_000)
        try await app.move(start.uid, to: StageID.contacted, at: at("2026-08-02 00:00"), by: mia)  // 24 h in New Lead
        try await app.move(start.uid, to: StageID.qualified, at: at("2026-08-03 12:00"), by: mia)  // 36 h in Contacted
        try await app.move(start.uid, to: StageID.proposalSent, at: at("2026-08-05 12:00"), by: mia)  // 48 h in Qualified
        try await app.move(start.uid, to: StageID.won, at: at("2026-08-06 12:00"), by: mia)  // 24 h in Proposal Sent

        let referral = try await create("Sam Referral Lost", "2026-08-04 09:00", owner: sam, source: SourceID.referral, value: 7_500)
        try await app.move(referral.uid, to: StageID.contacted, at: at("2026-08-04 15:00"), by: mia)  // 6 h
        try await app.move(referral.uid, to: StageID.lost, at: at("2026-08-05 15:00"), by: mia)  // 24 h

        let riyaWon = try await create("Riya Website Won", "2026-08-10 08:00", owner: riya, source: SourceID.website, value: 250_000, stage: StageID.proposalSent)
        try await app.move(riyaWon.uid, to: StageID.won, at: at("2026-08-12 08:00"), by: mia)  // 48 h

        let riyaOpen = try await create("Riya Open", "2026-08-12 10:00", owner: riya, source: SourceID.coldCall, value: 3_000)
        try await app.move(riyaOpen.uid, to: StageID.contacted, at: at("2026-08-12 22:00"), by: mia)  // 12 h, still in Contacted

        let event = try await create("Unassigned Event", "2026-08-20 10:00", owner: nil, source: SourceID.event, value: 9_000, stage: StageID.contacted)
        try await app.move(event.uid, to: StageID.lost, at: at("2026-08-21 10:00"), by: mia)  // 24 h

        let noSource = try await create("Mia No Source", "2026-08-25 10:00", owner: mia, source: nil, value: 40_000, stage: StageID.qualified)
        try await app.move(noSource.uid, to: StageID.proposalSent, at: at("2026-08-26 10:00"), by: mia)  // 24 h
        try await app.move(noSource.uid, to: StageID.won, at: at("2026-08-30 10:00"), by: mia)  // 96 h

        _ = try await create("Range End", "2026-08-31 23:59:59", owner: sam, source: SourceID.website, value: 500)
        let after = try await create("After Range", "2026-09-01 00:00:00", owner: sam, source: SourceID.website, value: 800)
        try await app.move(after.uid, to: StageID.contacted, at: at("2026-09-02 00:00"), by: mia)
        let deleted = try await create("Deleted In Range", "2026-08-15 10:00", owner: sam, source: SourceID.website, value: 1_000_000)
        try await app.move(deleted.uid, to: StageID.contacted, at: at("2026-08-16 10:00"), by: mia)
        try await app.database.deleteLead(id: deleted.uid, actor: mia)
        clock.set(now)
        return Seed(mia: mia, sam: sam, riya: riya)
    }

    struct ExpectedSource: Equatable { var name: String; var leads: Int; var won: Int; var lost: Int }
    struct ExpectedOwner: Equatable { var name: String; var leads: Int; var won: Int; var lost: Int; var wonValue: Int64 }
    struct ExpectedStageTime { var stageId: Int64; var name: String; var stays: Int; var average: Double?; var median: Double? }
    struct Expected {
        var total = 0
        var funnel: [(stageId: Int64, name: String, reached: Int)] = []
        var sources: [ExpectedSource] = []
        var owners: [ExpectedOwner] = []
        var weeks: [(String, Int)] = []
        var stageTimes: [ExpectedStageTime] = []
    }

    /// The report figures computed in Swift from the raw rows (not the app's queries).
    static func expected(_ app: TestApp, viewer: User, ownerId: Int64?, range: ReportRange = range) async throws -> Expected {
        let (leads, history, stages, sources, users) = try await app.database.pool.read { db in
            (
                try Lead.fetchAll(db), try StageHistory.fetchAll(db), try Stage.order(Column("position"), Column("id")).fetchAll(db),
                try Source.fetchAll(db), try User.fetchAll(db)
            )
        }
        let start = Day.start(of: range.from)!
        let end = Day.start(of: range.to)!.addingTimeInterval(86400)
        let inRange = leads.filter { lead in
            guard lead.deletedAt == nil, lead.createdAt >= start, lead.createdAt < end else { return false }
            if !LeadPolicy.seesAllLeads(viewer) { return lead.ownerId == viewer.id }
            if let ownerId { return lead.ownerId == ownerId }
            return true
        }
        let ids = Set(inRange.map(\.uid))
        let category = Dictionary(uniqueKeysWithValues: stages.map { ($0.uid, $0.category) })
        var e = Expected()
        e.total = inRange.count
        for stage in stages where stage.isActive {
            let reached = Set(history.filter { ids.contains($0.leadId) && $0.stageId == stage.id }.map(\.leadId)).count
            e.funnel.append((stage.uid, stage.name, reached))
        }
        let sourceName = Dictionary(uniqueKeysWithValues: sources.map { ($0.uid, $0.name) })
        for (sourceId, group) in Dictionary(grouping: inRange, by: \.sourceId) {
            e.sources.append(
                ExpectedSource(
                    name: sourceId.flatMap { sourceName[$0] } ?? "No source", leads: group.count, won: group.filter { category[$0.stageId] == .won }.count,
                    lost: group.filter { category[$0.stageId] == .lost }.count))
        }
        e.sources.sort { ($0.leads, $1.name) > ($1.leads, $0.name) }
        if LeadPolicy.seesAllLeads(viewer) {
            let userName = Dictionary(uniqueKeysWithValues: users.map { ($0.uid, $0.name) })
            for (ownerId, group) in Dictionary(grouping: inRange, by: \.ownerId) {
                let won = group.filter { category[$0.stageId] == .won }
                e.owners.append(
                    ExpectedOwner(
                        name: ownerId.flatMap { userName[$0] } ?? "Unassigned", leads: group.count, won: won.count,
                        lost: group.filter { category[$0.stageId] == .lost }.count, wonValue: won.reduce(0) { $0 + $1.valueCents }))
            }
            e.owners.sort { $0.name < $1.name }
        }
        // Weeks start on Monday: from the Monday on or before `from` up to `to`.
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var monday = calendar.dateInterval(of: .weekOfYear, for: start)!.start
        while monday < end {
            let next = monday.addingTimeInterval(7 * 86400)
            e.weeks.append((Day.string(monday), inRange.filter { $0.createdAt >= monday && $0.createdAt < next }.count))
            monday = next
        }
        for stage in stages where stage.isActive {
            let durations = history.filter { ids.contains($0.leadId) && $0.stageId == stage.id && $0.exitedAt != nil }
                .map { $0.exitedAt!.timeIntervalSince($0.enteredAt) }.sorted()
            let average = durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count)
            var median: Double?
            if !durations.isEmpty {
                let n = durations.count
                median = n % 2 == 1 ? durations[n / 2] : (durations[n / 2 - 1] + durations[n / 2]) / 2
            }
            e.stageTimes.append(ExpectedStageTime(stageId: stage.uid, name: stage.name, stays: durations.count, average: average, median: median))
        }
        return e
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): abs(a - b) < 0.01
        default: false
        }
    }

    static func expectReports(_ r: Reports, _ e: Expected, _ who: String) {
        #expect(r.totalCreated == e.total, "\(who): total")
        #expect(r.funnel.map(\.stage.uid) == e.funnel.map(\.stageId), "\(who): funnel stages")
        #expect(r.funnel.map(\.reached) == e.funnel.map(\.reached), "\(who): funnel")
        #expect(r.sources.map { ExpectedSource(name: $0.name, leads: $0.leads, won: $0.won, lost: $0.lost) } == e.sources, "\(who): sources")
        let owners = r.owners.map { ExpectedOwner(name: $0.name, leads: $0.leads, won: $0.won, lost: $0.lost, wonValue: $0.wonValueCents) }
        #expect(owners.sorted { $0.name < $1.name } == e.owners, "\(who): owners")
        #expect(owners.map(\.leads) == owners.map(\.leads).sorted(by: >), "\(who): owners by number of leads")
        #expect(r.weeks.map(\.weekStart) == e.weeks.map(\.0), "\(who): weeks")
        #expect(r.weeks.map(\.created) == e.weeks.map(\.1), "\(who): per week")
        #expect(r.stageTimes.map(\.stage.uid) == e.stageTimes.map(\.stageId), "\(who): stage-time stages")
        for (row, want) in zip(r.stageTimes, e.stageTimes) {
            #expect(row.stays == want.stays, "\(who): stays in \(want.name)")
            #expect(close(row.averageSeconds, want.average), "\(who): average in \(want.name): \(String(describing: row.averageSeconds)) vs \(String(describing: want.average))")
            #expect(close(row.medianSeconds, want.median), "\(who): median in \(want.name): \(String(describing: row.medianSeconds)) vs \(String(describing: want.median))")
        }
    }

    @Test func everyReportFigureMatchesTheRawRowsForManagersExecutivesAndTheOwnerFilter() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        let seed = try await Self.seed(app)
        let db = app.database

        let all = try await db.reports(viewer: seed.mia, range: Self.range, ownerId: nil)
        let expectedAll = try await Self.expected(app, viewer: seed.mia, ownerId: nil)
        Self.expectReports(all, expectedAll, "manager")
        // The seeded numbers, spelled out (the edges of the range are inside; deleted leads are not).
        #expect(all.totalCreated == 7)
        #expect(all.funnel.map(\.reached) == [4, 4, 2, 3, 3, 2])
        let website = try #require(all.sources.first)
        #expect(website.name == "Website" && website.leads == 3 && website.won == 2 && website.lost == 0)
        #expect(all.weeks.map(\.weekStart) == ["2026-07-27", "2026-08-03", "2026-08-10", "2026-08-17", "2026-08-24", "2026-08-31"])
        #expect(all.weeks.map(\.created) == [1, 1, 2, 1, 1, 1])
        #expect(all.stageTimes.first?.stays == 3)
        #expect(Self.close(all.stageTimes.first?.averageSeconds, 14 * 3600))
        #expect(Self.close(all.stageTimes.first?.medianSeconds, 12 * 3600))
        let samRow = try #require(all.owners.first { $0.name == "Sam" })
        #expect(samRow.leads == 3 && samRow.won == 1 && samRow.lost == 1 && samRow.wonValueCents == 100_000)
        #expect(all.owners.contains { $0.name == "Unassigned" && $0.leads == 1 && $0.lost == 1 })

        // The owner filter (managers only).
        let riyaOnly = try await db.reports(viewer: seed.mia, range: Self.range, ownerId: seed.riya.id)
        Self.expectReports(riyaOnly, try await Self.expected(app, viewer: seed.mia, ownerId: seed.riya.id), "manager, owner=riya")
        #expect(riyaOnly.totalCreated == 2)
        #expect(riyaOnly.owners.map(\.name) == ["Riya"])

        // An executive: their own leads, no owner table, whatever owner is asked for.
        let sam = try await db.reports(viewer: seed.sam, range: Self.range, ownerId: nil)
        let expectedSam = try await Self.expected(app, viewer: seed.sam, ownerId: nil)
        Self.expectReports(sam, expectedSam, "executive")
        #expect(sam.totalCreated == 3)
        #expect(sam.owners.isEmpty)
        let samAskingForRiya = try await db.reports(viewer: seed.sam, range: Self.range, ownerId: seed.riya.id)
        Self.expectReports(samAskingForRiya, expectedSam, "executive asking for another owner")

        // A range of one day.
        let oneDay = ReportRange(from: "2026-08-01", to: "2026-08-01")
        let day = try await db.reports(viewer: seed.mia, range: oneDay, ownerId: nil)
        Self.expectReports(day, try await Self.expected(app, viewer: seed.mia, ownerId: nil, range: oneDay), "one day")
        #expect(day.totalCreated == 1)
        #expect(day.weeks.map(\.weekStart) == ["2026-07-27"])
    }

    static func row(_ cells: [String]) -> String {
        "<tr>" + cells.enumerated().map { $0.offset == 0 ? "<td>\($0.element)</td>" : "<td class=\"num\">\($0.element)</td>" }.joined() + "</tr>"
    }

    static func percent(_ n: Int, _ d: Int) -> String { d == 0 ? "—" : String(format: "%.1f%%", Double(n) / Double(d) * 100) }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        if seconds >= 86400 { return String(format: "%.1f days", seconds / 86400) }
        if seconds >= 3600 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.0f min", seconds / 60)
    }

    static func expectPage(_ page: Browser.Page, _ e: Expected, showsOwners: Bool, _ who: String) {
        #expect(page.status == .ok, "\(who)")
        // Shown in the date style of every other page; the date inputs keep ISO days.
        #expect(page.contains("\(e.total) leads created from \(Format.day(from)) to \(Format.day(to))."), "\(who)")
        for f in e.funnel {
            #expect(page.contains(row([f.name, String(f.reached), percent(f.reached, e.total)])), "\(who): funnel row \(f.name)")
        }
        for s in e.sources {
            #expect(page.contains(row([s.name, String(s.leads), String(s.won), String(s.lost), percent(s.won, s.won + s.lost)])), "\(who): source \(s.name)")
        }
        #expect(page.contains("<h2>By owner</h2>") == showsOwners, "\(who): By owner section")
        #expect(page.contains("id=\"owners\"") == showsOwners, "\(who): owners section")
        for o in e.owners {
            #expect(page.contains(row([o.name, String(o.leads), String(o.won), String(o.lost), Money.display(o.wonValue)])), "\(who): owner \(o.name)")
        }
        for (week, count) in e.weeks {
            #expect(page.contains("<tr><td>\(Format.day(week))</td><td class=\"num\">\(count)</td></tr>"), "\(who): week \(week)")
        }
        for t in e.stageTimes {
            #expect(page.contains(row([t.name, String(t.stays), duration(t.average), duration(t.median)])), "\(who): time in \(t.name)")
        }
    }

    static func expectCSVs(_ browser: Browser, _ e: Expected, query: String, canSeeOwners: Bool, _ who: String) async throws {
        func get(_ kind: String) async throws -> [[String]] {
            let response = try await browser.csv("/reports.csv?report=\(kind)&\(query)")
            #expect(response.status == .ok, "\(who): \(kind)")
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"report-\(kind)-\(from)-\(to).csv\"")
            return TestCSV.parse(response.text)
        }
        #expect(try await get("funnel") == [["stage", "reached"]] + e.funnel.map { [$0.name, String($0.reached)] }, "\(who)")
        #expect(
            try await get("sources")
                == [["source", "leads", "won", "lost", "conversion_rate"]]
                + e.sources.map {
                    [$0.name, String($0.leads), String($0.won), String($0.lost), $0.won + $0.lost == 0 ? "" : String(format: "%.4f", Double($0.won) / Double($0.won + $0.lost))]
                }, "\(who)")
        #expect(try await get("weekly") == [["week_start", "created"]] + e.weeks.map { [$0.0, String($0.1)] }, "\(who)")
        let times = try await get("stage_times")
        #expect(times.first == ["stage", "stays", "average_hours", "median_hours"])
        #expect(times.dropFirst().map { $0[0] } == e.stageTimes.map(\.name))
        for (row, want) in zip(times.dropFirst(), e.stageTimes) {
            #expect(row[1] == String(want.stays), "\(who): \(want.name)")
            #expect(row[2] == (want.average.map { String(format: "%.2f", $0 / 3600) } ?? ""), "\(who): \(want.name)")
            #expect(row[3] == (want.median.map { String(format: "%.2f", $0 / 3600) } ?? ""), "\(who): \(want.name)")
        }
        let owners = try await browser.csv("/reports.csv?report=owners&\(query)")
        if canSeeOwners {
            #expect(owners.status == .ok)
            let rows = TestCSV.parse(owners.text)
            #expect(rows.first == ["owner", "leads", "won", "lost", "won_value"])
            #expect(
                rows.dropFirst().sorted { $0[0] < $1[0] }
                    == e.owners.map { [$0.name, String($0.leads), String($0.won), String($0.lost), Money.plain($0.wonValue)] }, "\(who)")
        } else {
            #expect(owners.status == .forbidden, "\(who): owners CSV")
        }
    }

    @Test func theReportsPageAndCSVsShowTheFiguresForAManagerAndAnExecutive() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        let seed = try await Self.seed(app)
        try await app.run { client in
            let manager = Browser(client)
            #expect(try await manager.login("mia@example.com").status == .seeOther)
            let all = try await Self.expected(app, viewer: seed.mia, ownerId: nil)
            let page = try await manager.get("/reports?\(Self.rangeQuery)")
            Self.expectPage(page, all, showsOwners: true, "manager")
            #expect(page.contains("<tr><td>Website</td><td class=\"num\">3</td><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">100.0%</td></tr>"))
            #expect(page.contains("<tr><td>New Lead</td><td class=\"num\">3</td><td class=\"num\">14.0 h</td><td class=\"num\">12.0 h</td></tr>"))
            #expect(page.contains("<tr><td>Sam</td><td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">$1,000.00</td></tr>"))
            #expect(page.contains("href=\"/reports.csv?report=owners&amp;from=\(Self.from)&amp;to=\(Self.to)\""))
            try await Self.expectCSVs(manager, all, query: Self.rangeQuery, canSeeOwners: true, "manager")

            // The owner filter through the page and the CSVs.
            let riya = try await Self.expected(app, viewer: seed.mia, ownerId: seed.riya.id)
            let filtered = try await manager.get("/reports?\(Self.rangeQuery)&owner=\(seed.riya.uid)")
            Self.expectPage(filtered, riya, showsOwners: true, "manager, owner=riya")
            #expect(filtered.contains("<option value=\"\(seed.riya.uid)\" selected>Riya</option>"))
            try await Self.expectCSVs(manager, riya, query: "\(Self.rangeQuery)&owner=\(seed.riya.uid)", canSeeOwners: true, "manager, owner=riya")

            // An executive: only their leads, no "By owner", owners CSV forbidden, owner filter ignored.
            let executive = Browser(client)
            #expect(try await executive.login("sam@example.com").status == .seeOther)
            let sam = try await Self.expected(app, viewer: seed.sam, ownerId: nil)
            let samPage = try await executive.get("/reports?\(Self.rangeQuery)")
            Self.expectPage(samPage, sam, showsOwners: false, "executive")
            #expect(!samPage.contains("By owner"))
            #expect(!samPage.contains("name=\"owner\""))
            try await Self.expectCSVs(executive, sam, query: Self.rangeQuery, canSeeOwners: false, "executive")
            let samAskingForRiya = try await executive.get("/reports?\(Self.rangeQuery)&owner=\(seed.riya.uid)")
            Self.expectPage(samAskingForRiya, sam, showsOwners: false, "executive asking for another owner")
            try await Self.expectCSVs(executive, sam, query: "\(Self.rangeQuery)&owner=\(seed.riya.uid)", canSeeOwners: false, "executive, owner=riya")
            #expect(try await executive.get("/reports.csv?report=owners").status == .forbidden)
            #expect(try await executive.get("/reports.csv?report=nonsense").status == .badRequest)
        }
    }

    @Test func theDefaultRangeIsTheLast90DaysAndInvalidDatesShowFieldMessages() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let page = try await browser.get("/reports")
            #expect(page.status == .ok)
            #expect(page.inputValue("from") == "2026-06-24")
            #expect(page.inputValue("to") == "2026-09-21")

            let bad = try await browser.get("/reports?from=2026-02-30&to=yesterday")
            #expect(bad.status == .ok)
            #expect(bad.contains("<p class=\"field-error\">From must be a date like 2026-01-31.</p>"))
            #expect(bad.contains("<p class=\"field-error\">To must be a date like 2026-01-31.</p>"))
            #expect(bad.inputValue("from") == "2026-06-24")  // the default range is used instead

            let backwards = try await browser.get("/reports?from=2026-08-31&to=2026-08-01")
            #expect(backwards.status == .ok)
            #expect(backwards.contains("<p class=\"field-error\">To must not be before From.</p>"))
            #expect(!backwards.contains("From must be a date"))

            let injected = try await browser.get("/reports?from=\(URLQuery.escape("2026-08-01' OR 1=1 --"))&owner=abc")
            #expect(injected.status == .ok)
            #expect(injected.contains("From must be a date like 2026-01-31."))
            // The CSV of a bad range falls back to the default range too.
            let csv = try await browser.csv("/reports.csv?report=weekly&from=nope")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"report-weekly-2026-06-24-2026-09-21.csv\"")
        }
    }

    @Test func everyChartIsWellFormedSVGWithATitleAndEscapesItsLabels() async throws {
        let app = try await TestApp.make(clock: TestClock(Self.now))
        let seed = try await Self.seed(app)
        // Labels that are HTML/XML syntax: a stage name (funnel, time in stage) and an owner name (by owner).
        let hostile = "<script>&\""
        try await app.database.createStage(StageInput(name: hostile, color: "#123456", category: .open))
        let eve = try await app.createUser("eve@example.com", role: .executive, name: "Eve \(hostile)")
        app.clock.set(utc("2026-08-20 09:00"))
        try await app.createLead("Eve's lead", owner: eve, actor: seed.mia, source: SourceID.partner, valueCents: 1_234)
        app.clock.set(Self.now)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let page = try await browser.get("/reports?\(Self.rangeQuery)")
            #expect(page.status == .ok)
            #expect(!page.contains(hostile))
            #expect(page.contains("&lt;script&gt;&amp;&quot;"))
            let svgs = HTMLText.svgs(page.body)
            #expect(svgs.count == 5)  // funnel, sources, owners, weekly, time in stage
            var texts: [String] = []
            for svg in svgs {
                let check = SVGCheck(svg)
                #expect(check.parsed, "SVG does not parse: \(String(describing: check.error))\n\(svg.prefix(400))")
                #expect(check.elements.first == "svg")
                #expect(check.elements.contains("title"))
                #expect(!check.titleText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                texts.append(check.text)
            }
            // The label comes back exactly once parsed: escaped, not dropped and not double-escaped.
            #expect(texts[0].contains(hostile), "funnel chart label")
            #expect(texts[2].contains("Eve \(hostile)"), "owner chart label")
            #expect(texts[4].contains(hostile), "time-in-stage chart label")
            #expect(!texts.joined().contains("&amp;"))

            // An executive's page has four charts, all well-formed too.
            let executive = Browser(client)
            #expect(try await executive.login("sam@example.com").status == .seeOther)
            let samSVGs = HTMLText.svgs(try await executive.get("/reports?\(Self.rangeQuery)").body)
            #expect(samSVGs.count == 4)
            #expect(samSVGs.allSatisfy { SVGCheck($0).parsed })

            // Empty charts say so instead of drawing an empty SVG.
            let empty = try await browser.get("/reports?from=2020-01-01&to=2020-01-01")
            #expect(empty.contains("No data in this range.") || HTMLText.svgs(empty.body).allSatisfy { SVGCheck($0).parsed })
        }
    }
}
