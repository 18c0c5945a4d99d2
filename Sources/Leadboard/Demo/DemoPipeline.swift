import Foundation
import GRDB

extension DemoData {
    /// A finished stay of a demo lead in one stage.
    func recordDemoStageStep(_ db: Database, leadId: Int64, from: DemoStep, to: DemoStep, actorId: Int64?) throws {
        try db.execute(
            sql: "INSERT INTO stageHistory (leadId, stageId, enteredAt, enteredById, exitedAt, exitedById) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [leadId, from.stage.id, from.at, actorId, to.at, actorId])
    }

    /// The current stay of a demo lead, with the tasks of its stage (open).
    func recordDemoStageOpen(_ db: Database, leadId: Int64, step: DemoStep, actorId: Int64?, lostReason: String?, templates: [TaskTemplate]) throws {
        try db.enterStage(
            leadId: leadId, stageId: step.stage.uid, actorId: actorId, at: step.at, lostReason: lostReason ?? "", templates: templates)
    }
}
