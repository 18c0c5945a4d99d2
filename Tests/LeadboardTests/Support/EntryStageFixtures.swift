import Foundation
import GRDB
import Testing

@testable import Leadboard

extension TestApp {
    /// Puts a lead in `input.stageId` whatever the pipeline rules say, as the lead form did before entry
    /// stages: one stay in that stage with its tasks. Test set-up only.
    func seedLead(_ input: LeadInput, actor: User) async throws -> Lead {
        let now = database.now
        return try await database.pool.write { db in
            try db.checkReferences(input)
            return try db.insertLead(input, actor: actor, at: now, kind: .created, detail: nil)
        }
    }

    /// Marks more stages as entry stages (New Lead stays one), as an admin would on the pipeline page.
    func markEntryStages(_ ids: Int64...) async throws {
        try await database.pool.write { db in
            for id in ids { try db.execute(sql: "UPDATE stage SET isEntry = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Lets a lead in New Lead move on to any stage without tasks to do first (set-up for tests that
    /// create leads in late stages through the move rules).
    func openUpNewLead() async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM stageTransition WHERE fromStageId = ?", arguments: [StageID.newLead])
            try db.execute(sql: "DELETE FROM taskTemplate WHERE stageId = ?", arguments: [StageID.newLead])
        }
    }

    /// The stored stages by id.
    func storedStage(_ id: Int64) async throws -> Stage {
        try #require(try await database.pool.read { db in try Stage.fetchOne(db, key: id) })
    }
}
