import Foundation
import GRDB

/// One lead's change of stage, as the one stage-change operation (`Database.changeStages`) takes it.
/// The rules (`PipelineConfig.checkMove`) are the caller's business: a move from the lead page has
/// passed them, a stage deactivation or the demo generator moves without them.
struct StageChange: Sendable {
    var leadId: Int64
    var toStageId: Int64
    var at: Date
    var actorId: Int64?
    /// Kept on the new stay's history row.
    var comment: String = ""
    var lostReason: String = ""
    var override: Bool = false
    /// The `stage_changed` activity row's detail.
    var activity: ActivityDetail = ActivityDetail()
}

extension Database {
    /// "Leave the stage, skip its open tasks, enter the new stage with its tasks, record the activity",
    /// the one home for it (moves, stage deactivation, demo data), in the caller's transaction. Set-based:
    /// the changes are staged in a temporary table and applied by a fixed number of statements, whatever
    /// their count. At most one change per lead per call. The leads' stage, `stageEnteredAt` and
    /// `updatedAt` become the change's, and their `version` goes up by one.
    func changeStages(_ changes: [StageChange]) throws {
        guard !changes.isEmpty else { return }
        try stageChanges(changes)
        try applyStagedChanges(firstStay: false)
    }

    /// Moves every lead in `fromStageId` (deleted ones too) to `toStageId`, staged by one statement:
    /// the same operation as `changeStages(_:)` for a whole stage (deactivation).
    func changeStages(ofLeadsIn fromStageId: Int64, to toStageId: Int64, at now: Date, actorId: Int64?, comment: String, activity: ActivityDetail) throws {
        try createStagingTable()
        try execute(
            sql: """
                INSERT INTO temp.pendingStageChange (leadId, toStageId, at, actorId, comment, lostReason, override, detail)
                SELECT id, ?, ?, ?, ?, '', 0, ? FROM lead WHERE stageId = ?
                """,
            arguments: [toStageId, now, actorId, comment, activity.json, fromStageId])
        try applyStagedChanges(firstStay: false)
    }

    /// The first stay of new leads: a history row and one open task per template of the stage (no stay
    /// to leave, no activity: the lead's `created` or `imported` row says it).
    func enterFirstStages(_ entries: [StageChange]) throws {
        guard !entries.isEmpty else { return }
        try stageChanges(entries)
        try applyStagedChanges(firstStay: true)
    }

    /// Opens the first stay of one new lead in `stageId` (see `enterFirstStages`).
    func enterFirstStage(leadId: Int64, stageId: Int64, actorId: Int64?, at now: Date) throws {
        try enterFirstStages([StageChange(leadId: leadId, toStageId: stageId, at: now, actorId: actorId)])
    }

    func createStagingTable() throws {
        // Temporary: private to the writer connection, gone with it, and rolled back with the transaction.
        try execute(sql: StageChangeSQL.createStaging)
    }

    private func stageChanges(_ changes: [StageChange]) throws {
        try createStagingTable()
        let insert = try cachedStatement(sql: StageChangeSQL.stage)
        for change in changes {
            try insert.execute(arguments: [
                change.leadId, change.toStageId, change.at, change.actorId, change.comment, change.lostReason, change.override,
                change.activity.json,
            ])
        }
    }

    private func applyStagedChanges(firstStay: Bool) throws {
        if !firstStay {
            try cachedStatement(sql: StageChangeSQL.closeStays).execute()
            try cachedStatement(sql: StageChangeSQL.skipOpenTasks).execute()
        }
        try cachedStatement(sql: StageChangeSQL.openStays).execute()
        try cachedStatement(sql: StageChangeSQL.addTasks).execute()
        if !firstStay {
            try cachedStatement(sql: StageChangeSQL.recordActivity).execute(arguments: [ActivityKind.stageChanged])
            try cachedStatement(sql: StageChangeSQL.updateLeads).execute()
        }
        try cachedStatement(sql: "DELETE FROM temp.pendingStageChange").execute()
    }
}

/// The statements of the stage-change operation, each over the staged changes; every one reaches the
/// changed leads' rows through an index (checked by a query-plan test), so their cost follows the
/// number of changes, not the size of the tables.
enum StageChangeSQL {
    static let createStaging = """
        CREATE TEMP TABLE IF NOT EXISTS pendingStageChange (
          leadId INTEGER PRIMARY KEY, toStageId INTEGER NOT NULL, at NOT NULL, actorId INTEGER,
          comment TEXT NOT NULL, lostReason TEXT NOT NULL, override INTEGER NOT NULL, detail TEXT NOT NULL)
        """
    static let stage = """
        INSERT INTO temp.pendingStageChange (leadId, toStageId, at, actorId, comment, lostReason, override, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// Leave: close the open stay ...
    static let closeStays = """
        UPDATE stageHistory
        SET (exitedAt, exitedById) = (SELECT c.at, c.actorId FROM temp.pendingStageChange c WHERE c.leadId = stageHistory.leadId)
        WHERE exitedAt IS NULL AND leadId IN (SELECT leadId FROM temp.pendingStageChange)
        """
    /// ... and skip the tasks left open.
    static let skipOpenTasks = "UPDATE leadTask SET status = 'skipped' WHERE status = 'open' AND leadId IN (SELECT leadId FROM temp.pendingStageChange)"
    /// Enter: the new stay and its tasks, in template order.
    static let openStays = """
        INSERT INTO stageHistory (leadId, stageId, enteredAt, enteredById, comment, lostReason, override)
        SELECT leadId, toStageId, at, actorId, comment, lostReason, override FROM temp.pendingStageChange ORDER BY leadId
        """
    static let addTasks = """
        INSERT INTO leadTask (leadId, stageId, templateId, name, description, isRequired, position, status, createdAt)
        SELECT c.leadId, t.stageId, t.id, t.name, t.description, t.isRequired, t.position, 'open', c.at
        FROM temp.pendingStageChange c JOIN taskTemplate t ON t.stageId = c.toStageId
        ORDER BY c.leadId, t.position, t.id
        """
    static let recordActivity = """
        INSERT INTO activity (leadId, actorId, kind, detail, createdAt)
        SELECT leadId, actorId, ?, detail, at FROM temp.pendingStageChange ORDER BY leadId
        """
    static let updateLeads = """
        UPDATE lead
        SET (stageId, stageEnteredAt, updatedAt) = (SELECT c.toStageId, c.at, c.at FROM temp.pendingStageChange c WHERE c.leadId = lead.id),
            version = version + 1
        WHERE id IN (SELECT leadId FROM temp.pendingStageChange)
        """
    /// The statements that touch the lead tables for the staged changes.
    static let applied = [closeStays, skipOpenTasks, openStays, addTasks, recordActivity, updateLeads]
}
