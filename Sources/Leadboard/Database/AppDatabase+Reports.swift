import Foundation
import GRDB

public struct StageFigure: Sendable {
    public var stage: Stage
    public var count: Int
    public var valueCents: Int64
}

public struct OpenTaskRow: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var leadId: Int64
    public var leadName: String
    public var name: String
    public var isRequired: Bool
    public var createdAt: Date
}

public struct DashboardFigures: Sendable {
    public var stages: [StageFigure]
    public var newThisWeek: Int
    public var newLastWeek: Int
    public var weekStart: Date
    public var wonLast90: Int
    public var lostLast90: Int
    public var recentLeads: [LeadListRow]
    public var openTasks: [OpenTaskRow]
    public var activity: [ActivityRow]

    public func count(_ category: StageCategory) -> Int { stages.filter { $0.stage.category == category }.reduce(0) { $0 + $1.count } }
    public var openValueCents: Int64 { stages.filter { $0.stage.category == .open }.reduce(0) { $0 + $1.valueCents } }
    /// won ÷ (won + lost) over the last 90 days, or nil when nothing closed.
    public var conversionRate: Double? { wonLast90 + lostLast90 == 0 ? nil : Double(wonLast90) / Double(wonLast90 + lostLast90) }
}

/// Weeks start on Monday, in UTC.
enum Week {
    static func start(of date: Date) -> Date {
        let day = Day.start(of: Day.string(date))!
        let weekday = Day.calendar.component(.weekday, from: day)  // 1 = Sunday
        let back = (weekday + 5) % 7
        return day.addingTimeInterval(-Double(back) * 86400)
    }
}

public struct ReportRange: Sendable, Equatable {
    public var from: String
    public var to: String
    public var fromDate: Date { Day.start(of: from)! }
    /// Exclusive end: the start of the day after `to`.
    public var endDate: Date { Day.start(of: to)!.addingTimeInterval(86400) }
}

public struct FunnelRow: Sendable { public var stage: Stage; public var reached: Int }
public struct SourceRow: Sendable { public var name: String; public var sourceId: Int64?; public var leads: Int; public var won: Int; public var lost: Int }
public struct OwnerRow: Sendable { public var name: String; public var ownerId: Int64?; public var leads: Int; public var won: Int; public var lost: Int; public var wonValueCents: Int64 }
public struct WeekRow: Sendable { public var weekStart: String; public var created: Int }
public struct StageTimeRow: Sendable { public var stage: Stage; public var stays: Int; public var averageSeconds: Double?; public var medianSeconds: Double? }

public struct Reports: Sendable {
    public var funnel: [FunnelRow]
    public var sources: [SourceRow]
    public var owners: [OwnerRow]
    public var weeks: [WeekRow]
    public var stageTimes: [StageTimeRow]
    public var totalCreated: Int
}

extension AppDatabase {
    /// Every figure of the dashboard, for what the viewer may see.
    public func dashboard(viewer: User) async throws -> DashboardFigures {
        let now = self.now
        return try await pool.read { db in
            // Every live lead the viewer may see: the list's and board's unfiltered scope.
            let clauses = try LeadQuery(filter: LeadFilter(), viewer: viewer).clauses(db)
            let (scope, arguments) = (clauses.conditions, clauses.arguments)
            let stages = try Stage.order(Column("position"), Column("id")).fetchAll(db)
            var totals: [Int64: (Int, Int64)] = [:]
            for row in try Row.fetchAll(db, sql: clauses.stageTotalsSQL, arguments: arguments) {
                totals[row["stageId"]] = (row["n"], row["total"])
            }
            let figures = stages.filter { $0.isActive || totals[$0.uid] != nil }.map {
                StageFigure(stage: $0, count: totals[$0.uid]?.0 ?? 0, valueCents: totals[$0.uid]?.1 ?? 0)
            }
            let weekStart = Week.start(of: now)
            let lastWeekStart = weekStart.addingTimeInterval(-7 * 86400)
            let weeks = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(lead.createdAt >= ?), 0) AS this, COALESCE(SUM(lead.createdAt < ?), 0) AS last
                    FROM lead WHERE \(scope) AND lead.createdAt >= ?
                    """, arguments: [weekStart, weekStart] + arguments + [lastWeekStart])!
            var won = 0, lost = 0
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT stage.category AS category, COUNT(*) AS n FROM lead JOIN stage ON stage.id = lead.stageId
                    WHERE \(scope) AND stage.category IN ('won', 'lost') AND lead.stageEnteredAt >= ? GROUP BY stage.category
                    """, arguments: arguments + [now.addingTimeInterval(-90 * 86400)])
            {
                if row["category"] == "won" { won = row["n"] } else { lost = row["n"] }
            }
            let recent = try LeadListRow.fetchAll(
                db, sql: "\(LeadListRow.selectSQL) WHERE \(scope) ORDER BY lead.updatedAt DESC, lead.id DESC LIMIT 10", arguments: arguments)
            // Someone who owns few leads: start from their leads. Someone who owns many: walk the open
            // tasks oldest first and stop at ten of theirs. (CROSS JOIN fixes SQLite's join order.)
            let ownsFew = try db.ownsFewLeads(viewer)
            let columns = "leadTask.id, leadTask.leadId, lead.name AS leadName, leadTask.name, leadTask.isRequired, leadTask.createdAt"
            let tasks = try OpenTaskRow.fetchAll(
                db,
                sql: ownsFew
                    ? """
                    SELECT \(columns) FROM lead CROSS JOIN leadTask ON leadTask.leadId = lead.id
                    WHERE lead.ownerId = ? AND lead.deletedAt IS NULL AND leadTask.status = 'open'
                    ORDER BY leadTask.createdAt, leadTask.id LIMIT 10
                    """
                    : """
                    SELECT \(columns) FROM leadTask CROSS JOIN lead ON lead.id = leadTask.leadId
                    WHERE leadTask.status = 'open' AND lead.ownerId = ? AND lead.deletedAt IS NULL
                    ORDER BY leadTask.createdAt, leadTask.id LIMIT 10
                    """, arguments: [viewer.id])
            let (activitySQL, activityArguments) = try ActivityRow.feedSQL(db, viewer: viewer, limit: 10, offset: 0)
            let activity = try ActivityRow.fetchAll(db, sql: activitySQL, arguments: activityArguments)
            return DashboardFigures(
                stages: figures, newThisWeek: weeks["this"], newLastWeek: weeks["last"], weekStart: weekStart, wonLast90: won, lostLast90: lost,
                recentLeads: recent, openTasks: tasks, activity: activity)
        }
    }

    /// The reports over leads created in `range`, for what the viewer may see (optionally one owner).
    /// Three read transactions run concurrently (the pool has several readers, the machine two cores).
    public func reports(viewer: User, range: ReportRange, ownerId: Int64?) async throws -> Reports {
        // Leads created in the range, through the list's filter: `?created_from=&created_to=&owner=`
        // lists the same leads. An executive's reports are their own leads whatever owner is asked for.
        var filter = LeadFilter()
        filter.createdFrom = range.from
        filter.createdTo = range.to
        if let ownerId, LeadPolicy.canReportByOwner(viewer) { filter.owner = .user(ownerId) }
        let query = LeadQuery(filter: filter, viewer: viewer)
        async let funnel = pool.read { db in
            let created = try query.clauses(db)
            return try Self.funnel(db, created: created.conditions, arguments: created.arguments)
        }
        async let stageTimes = pool.read { db in
            let created = try query.clauses(db)
            return try Self.stageTimes(db, created: created.conditions, arguments: created.arguments)
        }
        async let breakdowns = pool.read { db in
            let created = try query.clauses(db)
            return try Self.breakdowns(db, created: created.conditions, arguments: created.arguments, range: range, viewer: viewer)
        }
        let (sources, owners, weeks, total) = try await breakdowns
        return Reports(funnel: try await funnel, sources: sources, owners: owners, weeks: weeks, stageTimes: try await stageTimes, totalCreated: total)
    }

    static func funnel(_ db: Database, created: String, arguments: StatementArguments) throws -> [FunnelRow] {
        let stages = try Stage.order(Column("position"), Column("id")).fetchAll(db)
        var reached: [Int64: Int] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT h.stageId, COUNT(DISTINCT h.leadId) AS n FROM stageHistory h JOIN lead ON lead.id = h.leadId
                WHERE \(created) GROUP BY h.stageId
                """, arguments: arguments)
        {
            reached[row["stageId"]] = row["n"]
        }
        return stages.filter { $0.isActive || reached[$0.uid] != nil }.map { FunnelRow(stage: $0, reached: reached[$0.uid] ?? 0) }
    }

    /// Average and median of finished stays per stage, in one pass (window functions).
    static func stageTimes(_ db: Database, created: String, arguments: StatementArguments) throws -> [StageTimeRow] {
        let stages = try Stage.order(Column("position"), Column("id")).fetchAll(db)
        var times: [Int64: (Int, Double?, Double?)] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                WITH stays AS (
                  SELECT h.stageId AS stageId, (julianday(h.exitedAt) - julianday(h.enteredAt)) * 86400.0 AS d
                  FROM lead JOIN stageHistory h ON h.leadId = lead.id
                  WHERE \(created) AND h.exitedAt IS NOT NULL),
                ranked AS (
                  SELECT stageId, d, ROW_NUMBER() OVER (PARTITION BY stageId ORDER BY d) AS rn,
                         COUNT(*) OVER (PARTITION BY stageId) AS n, AVG(d) OVER (PARTITION BY stageId) AS average
                  FROM stays)
                SELECT stageId, n, average, AVG(d) AS median FROM ranked
                WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY stageId
                """, arguments: arguments)
        {
            times[row["stageId"]] = (row["n"], row["average"], row["median"])
        }
        return stages.filter(\.isActive).map { stage in
            StageTimeRow(stage: stage, stays: times[stage.uid]?.0 ?? 0, averageSeconds: times[stage.uid]?.1, medianSeconds: times[stage.uid]?.2)
        }
    }

    static func breakdowns(_ db: Database, created: String, arguments: StatementArguments, range: ReportRange, viewer: User) throws
        -> ([SourceRow], [OwnerRow], [WeekRow], Int)
    {
        // Sources, owners and the total from one pass: grouped by (source, owner), summed here.
        let sourceNames = Dictionary(uniqueKeysWithValues: try Source.fetchAll(db).map { ($0.uid, $0.name) })
        let ownerNames = Dictionary(uniqueKeysWithValues: try User.fetchAll(db).map { ($0.uid, $0.name) })
        var bySource: [Int64?: SourceRow] = [:]
        var byOwner: [Int64?: OwnerRow] = [:]
        var total = 0
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT lead.sourceId, lead.ownerId, COUNT(*) AS n, COALESCE(SUM(stage.category = 'won'), 0) AS won,
                       COALESCE(SUM(stage.category = 'lost'), 0) AS lost,
                       COALESCE(SUM(CASE WHEN stage.category = 'won' THEN lead.valueCents ELSE 0 END), 0) AS wonValue
                FROM lead JOIN stage ON stage.id = lead.stageId WHERE \(created) GROUP BY lead.sourceId, lead.ownerId
                """, arguments: arguments)
        {
            let sourceId: Int64? = row["sourceId"], ownerId: Int64? = row["ownerId"]
            let n: Int = row["n"], won: Int = row["won"], lost: Int = row["lost"], wonValue: Int64 = row["wonValue"]
            total += n
            var source = bySource[sourceId] ?? SourceRow(name: sourceId.flatMap { sourceNames[$0] } ?? "No source", sourceId: sourceId, leads: 0, won: 0, lost: 0)
            source.leads += n
            source.won += won
            source.lost += lost
            bySource[sourceId] = source
            var owner = byOwner[ownerId] ?? OwnerRow(name: ownerId.flatMap { ownerNames[$0] } ?? "Unassigned", ownerId: ownerId, leads: 0, won: 0, lost: 0, wonValueCents: 0)
            owner.leads += n
            owner.won += won
            owner.lost += lost
            owner.wonValueCents += wonValue
            byOwner[ownerId] = owner
        }
        let sources = bySource.values.sorted { ($0.leads, $1.name) > ($1.leads, $0.name) }
        let owners = LeadPolicy.canReportByOwner(viewer) ? byOwner.values.sorted { ($0.leads, $1.name) > ($1.leads, $0.name) } : []

        var perWeek: [String: Int] = [:]
        for row in try Row.fetchAll(
            db,
            sql: "SELECT date(lead.createdAt, 'weekday 0', '-6 days') AS week, COUNT(*) AS n FROM lead WHERE \(created) GROUP BY week",
            arguments: arguments)
        {
            perWeek[row["week"]] = row["n"]
        }
        var weeks: [WeekRow] = []
        var cursor = Week.start(of: range.fromDate)
        while cursor < range.endDate && weeks.count < 600 {
            let key = Day.string(cursor)
            weeks.append(WeekRow(weekStart: key, created: perWeek[key] ?? 0))
            cursor = cursor.addingTimeInterval(7 * 86400)
        }

        return (sources, owners, weeks, total)
    }
}
