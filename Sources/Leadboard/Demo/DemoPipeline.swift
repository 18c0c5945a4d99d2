import Foundation
import GRDB

extension DemoData {
    /// Pipeline bookkeeping for one demo stage change (stage history arrives with the pipeline).
    func recordDemoStageStep(_ db: Database, leadId: Int64, from: DemoStep, to: DemoStep, actorId: Int64?, lostReason: String?) throws {}

    /// Opens the demo lead's current stage (history row and tasks arrive with the pipeline).
    func recordDemoStageOpen(_ db: Database, leadId: Int64, step: DemoStep, actorId: Int64?) throws {}
}
