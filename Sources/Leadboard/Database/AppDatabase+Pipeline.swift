import Foundation
import GRDB

extension Database {
    /// Puts a lead into another stage and records the change. Callers have checked the rules.
    func changeStage(of lead: Lead, to stageId: Int64, actor: User, comment: String?, override: Bool, at now: Date) throws -> Lead {
        var lead = lead
        let stages = try Stage.filter(keys: [lead.stageId, stageId]).fetchAll(self)
        func name(_ id: Int64) -> String { stages.first { $0.id == id }?.name ?? "?" }
        let from = lead.stageId
        lead.stageId = stageId
        lead.stageEnteredAt = now
        lead.updatedAt = now
        lead.version += 1
        try lead.update(self)
        try recordActivity(
            leadId: lead.uid, actorId: actor.id, kind: .stageChanged,
            detail: ActivityDetail(changes: [.init(field: "Stage", from: name(from), to: name(stageId))], comment: comment, override: override ? true : nil),
            at: now)
        return lead
    }
}
