import Foundation
import GRDB
import Testing

@testable import Leadboard

@Suite struct ReportCacheTests {
    @Test func aCachedReportIsRecomputedAfterAnyLeadChangeOrRename() async throws {
        let app = try await TestApp.make()
        let manager = try await app.createUser("m@example.com", role: .manager)
        let range = ReportRange(from: Day.string(app.clock.now.addingTimeInterval(-86400)), to: Day.string(app.clock.now))
        let cache = ReportCache()
        let first = try await app.createLead("One", owner: manager, valueCents: 100, stage: StageID.proposalSent)
        var reports = try await cache.reports(database: app.database, viewer: manager, range: range, ownerId: nil)
        #expect(reports.totalCreated == 1)

        // A note changes nothing a report counts: the cached report stays valid.
        try await app.database.addNote(leadId: first.uid, body: "Called", actor: manager)
        #expect(try await cache.reports(database: app.database, viewer: manager, range: range, ownerId: nil).totalCreated == 1)

        try await app.createLead("Two", owner: manager, stage: StageID.qualified)
        reports = try await cache.reports(database: app.database, viewer: manager, range: range, ownerId: nil)
        #expect(reports.totalCreated == 2)

        try await app.database.moveLead(id: first.uid, request: MoveRequest(toStageId: StageID.won), actor: manager)
        reports = try await cache.reports(database: app.database, viewer: manager, range: range, ownerId: nil)
        #expect(reports.owners.first?.won == 1)
        #expect(reports.owners.first?.wonValueCents == 100)

        try await app.database.pool.write { db in try db.execute(sql: "UPDATE stage SET name = 'Closed won' WHERE id = ?", arguments: [StageID.won]) }
        reports = try await cache.reports(database: app.database, viewer: manager, range: range, ownerId: nil)
        #expect(reports.funnel.contains { $0.stage.name == "Closed won" && $0.reached == 1 })

        // Another viewer's scope is never served from a manager's entry.
        let exec = try await app.createUser("e@example.com", role: .executive)
        let own = try await cache.reports(database: app.database, viewer: exec, range: range, ownerId: nil)
        #expect(own.totalCreated == 0)
        #expect(own.owners.isEmpty)
    }
}
