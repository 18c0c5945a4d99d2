import Foundation
import GRDB

public struct MoveResult: Sendable {
    public var lead: Lead
    public var from: Stage
    public var to: Stage
}

extension Database {
    /// Stages, rules and templates; `withCounts` adds live leads per stage (a scan: admin page only).
    func pipelineConfig(withCounts: Bool = false) throws -> PipelineConfig {
        let stages = try Stage.order(Column("position"), Column("id")).fetchAll(self)
        var transitions: [Int64: Set<Int64>] = [:]
        for row in try Row.fetchAll(self, sql: "SELECT fromStageId, toStageId FROM stageTransition") {
            transitions[row["fromStageId"], default: []].insert(row["toStageId"])
        }
        let templates = Dictionary(grouping: try TaskTemplate.order(Column("position"), Column("id")).fetchAll(self), by: \.stageId)
        var counts: [Int64: Int] = [:]
        if withCounts {
            for row in try Row.fetchAll(self, sql: "SELECT stageId, COUNT(*) AS n FROM lead WHERE deletedAt IS NULL GROUP BY stageId") {
                counts[row["stageId"]] = row["n"]
            }
        }
        return PipelineConfig(stages: stages, transitions: transitions, templates: templates, leadCounts: counts)
    }

    /// The rules of a move (`PipelineConfig.checkMove`) for a stored lead, checked without writing:
    /// the required tasks still open are the lead's own; `mayOverride` is the policy's answer
    /// (`LeadPolicy.canOverrideGates`) for the acting user.
    func checkMove(_ lead: Lead, request: MoveRequest, mayOverride: Bool, config: PipelineConfig) throws -> MoveDecision {
        let openRequired = try String.fetchAll(
            self,
            sql: "SELECT name FROM leadTask WHERE leadId = ? AND stageId = ? AND status = 'open' AND isRequired = 1 ORDER BY position, id",
            arguments: [lead.id, lead.stageId])
        return try config.checkMove(from: lead.stageId, openRequiredTasks: openRequired, request: request, mayOverride: mayOverride)
    }

    /// The one move operation every path uses (lead page, board, edit form, import): checks the rules,
    /// then changes the stage with `changeStages` (closes the current stay, skips tasks left open,
    /// opens the new stay with its tasks, records the activity, bumps the version) in the caller's
    /// transaction. `mayOverride` is the policy's answer for `actor`.
    func moveLead(_ lead: Lead, request: MoveRequest, actor: User, mayOverride: Bool, at now: Date, config: PipelineConfig? = nil) throws -> MoveResult {
        let config = try config ?? pipelineConfig()
        let decision = try checkMove(lead, request: request, mayOverride: mayOverride, config: config)
        let (from, to) = (decision.from, decision.to)
        let lostReason = to.category == .lost ? request.lostReason.trimmingCharacters(in: .whitespacesAndNewlines) : ""
        let comment = request.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        let fullComment = [lostReason.isEmpty ? nil : "Lost reason: \(lostReason)", comment.isEmpty ? nil : comment]
            .compactMap { $0 }.joined(separator: " · ")
        try changeStages([
            StageChange(
                leadId: lead.uid, toStageId: to.uid, at: now, actorId: actor.id, comment: comment, lostReason: lostReason,
                override: decision.overridden,
                activity: ActivityDetail(
                    changes: [.init(field: "Stage", from: from.name, to: to.name)], comment: fullComment.isEmpty ? nil : fullComment,
                    override: decision.overridden ? true : nil))
        ])
        var moved = lead
        moved.stageId = to.uid
        moved.stageEnteredAt = now
        moved.updatedAt = now
        moved.version += 1
        return MoveResult(
            lead: moved, from: from, to: to)
    }
}

public struct TaskRow: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var stageId: Int64
    public var stageName: String
    public var name: String
    public var description: String
    public var isRequired: Bool
    public var status: TaskStatus
    public var note: String
    public var completedAt: Date?
    public var completedByName: String?
}

public struct HistoryRow: Decodable, FetchableRecord, Sendable {
    public var stageName: String
    public var enteredAt: Date
    public var exitedAt: Date?
    public var enteredByName: String?
    public var exitedByName: String?
    public var comment: String
    public var lostReason: String
    public var override: Bool
}

public enum TaskError: Error, Equatable { case notFound, notOpen, notDone }

extension AppDatabase {
    public func pipeline() async throws -> PipelineConfig {
        try await pool.read { db in try db.pipelineConfig() }
    }

    /// The pipeline with the live leads of each stage (a scan of the leads: the admin page only).
    public func pipelineWithLeadCounts() async throws -> PipelineConfig {
        try await pool.read { db in try db.pipelineConfig(withCounts: true) }
    }

    /// Moves a visible lead; throws `LeadWriteError.notFound` or a `MoveRefusal`, writing nothing then.
    @discardableResult
    public func moveLead(id: Int64, request: MoveRequest, actor: User) async throws -> MoveResult {
        let now = self.now
        return try await write { db in
            guard let lead = try db.visibleLead(id: id, viewer: actor) else { throw LeadWriteError.notFound }
            return try db.moveLead(lead, request: request, actor: actor, mayOverride: LeadPolicy.canOverrideGates(actor), at: now)
        }
    }

    static func tasks(_ db: Database, leadId: Int64) throws -> [TaskRow] {
        try TaskRow.fetchAll(
            db,
            sql: """
                SELECT leadTask.id, leadTask.stageId, stage.name AS stageName, leadTask.name, leadTask.description, leadTask.isRequired,
                       leadTask.status, leadTask.note, leadTask.completedAt, user.name AS completedByName
                FROM leadTask JOIN stage ON stage.id = leadTask.stageId LEFT JOIN user ON user.id = leadTask.completedById
                WHERE leadTask.leadId = ? ORDER BY leadTask.createdAt DESC, leadTask.position, leadTask.id
                """, arguments: [leadId])
    }

    static func history(_ db: Database, leadId: Int64) throws -> [HistoryRow] {
        try HistoryRow.fetchAll(
            db,
            sql: """
                SELECT stage.name AS stageName, h.enteredAt, h.exitedAt, entered.name AS enteredByName, exited.name AS exitedByName,
                       h.comment, h.lostReason, h.override
                FROM stageHistory h JOIN stage ON stage.id = h.stageId
                LEFT JOIN user AS entered ON entered.id = h.enteredById LEFT JOIN user AS exited ON exited.id = h.exitedById
                WHERE h.leadId = ? ORDER BY h.enteredAt DESC, h.id DESC
                """, arguments: [leadId])
    }

    /// Marks an open task done (with an optional note) and records it. When the task's template asks
    /// for values (active `task` fields), `values` holds what the form sent by form name (`cf_<key>`):
    /// each is checked by its `FieldSpec`, a required one must be given, and any message throws
    /// `TaskFieldRefusal` with nothing written. The values are stored with the task and listed in the
    /// completion's activity.
    public func completeTask(leadId: Int64, taskId: Int64, note: String, values raw: [String: [String]] = [:], actor: User) async throws {
        let now = self.now
        try await write { db in
            guard var lead = try db.visibleLead(id: leadId, viewer: actor),
                var task = try LeadTask.filter(Column("id") == taskId && Column("leadId") == leadId).fetchOne(db)
            else { throw TaskError.notFound }
            guard task.status == .open else { throw TaskError.notOpen }
            let fields = try task.templateId.map { try db.customFields(.task, templateId: $0, activeOnly: true) } ?? []
            let (values, errors) = fields.validate { raw[$0] ?? [] }
            guard errors.isEmpty else { throw TaskFieldRefusal(messages: errors) }
            task.status = .done
            task.note = String(String.UnicodeScalarView(note.unicodeScalars.prefix(2000)))
            task.completedAt = now
            task.completedById = actor.id
            try task.update(db)
            let entries = try db.saveTaskFieldValues(taskId: taskId, fields: fields, values: values)
            lead.updatedAt = now
            try lead.update(db)
            try db.recordActivity(
                leadId: leadId, actorId: actor.id, kind: .taskCompleted,
                detail: ActivityDetail(changes: entries.isEmpty ? nil : entries, text: task.name, comment: task.note.isEmpty ? nil : task.note), at: now)
        }
    }

    /// Reopens a done task of the lead's current stage. Values stored at its completion stay (the next
    /// completion's form starts from them and may change them).
    public func reopenTask(leadId: Int64, taskId: Int64, actor: User) async throws {
        let now = self.now
        try await write { db in
            guard var lead = try db.visibleLead(id: leadId, viewer: actor),
                var task = try LeadTask.filter(Column("id") == taskId && Column("leadId") == leadId).fetchOne(db)
            else { throw TaskError.notFound }
            // Only tasks of the current stay: a task from an earlier stay in the same stage stays closed.
            guard task.status != .open, task.stageId == lead.stageId, task.createdAt >= lead.stageEnteredAt else { throw TaskError.notDone }
            task.status = .open
            task.completedAt = nil
            task.completedById = nil
            try task.update(db)
            lead.updatedAt = now
            try lead.update(db)
            try db.recordActivity(leadId: leadId, actorId: actor.id, kind: .taskReopened, detail: ActivityDetail(text: task.name), at: now)
        }
    }
}
