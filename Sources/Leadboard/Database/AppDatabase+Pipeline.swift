import Foundation
import GRDB

/// What a user asked for when moving a lead.
public struct MoveRequest: Sendable, Equatable {
    public var toStageId: Int64
    public var comment: String = ""
    public var lostReason: String = ""
    /// A manager's or admin's decision to move on although required tasks are open.
    public var override: Bool = false

    public init(toStageId: Int64, comment: String = "", lostReason: String = "", override: Bool = false) {
        self.toStageId = toStageId
        self.comment = comment
        self.lostReason = lostReason
        self.override = override
    }
}

/// Why a move was refused, with a message that names the reason.
public enum MoveRefusal: Error, Sendable, Equatable {
    case unknownStage
    case sameStage(stage: String)
    case finalStage(stage: String)
    case notAllowed(from: String, to: String, allowed: [String])
    case lostReasonRequired(stage: String)
    case openTasks(stage: String, tasks: [String], canOverride: Bool)
    case overrideNeedsComment

    public var message: String {
        switch self {
        case .unknownStage: "Choose a stage that exists and is active."
        case .sameStage(let stage): "The lead is already in \(stage)."
        case .finalStage(let stage): "\(stage) is a final stage: leads in it cannot move on."
        case .notAllowed(let from, let to, let allowed):
            "A lead in \(from) cannot move to \(to). Allowed next: \(allowed.joined(separator: ", "))."
        case .lostReasonRequired(let stage): "Give a reason for moving the lead to \(stage)."
        case .openTasks(let stage, let tasks, let canOverride):
            "Required tasks of \(stage) are still open: \(tasks.joined(separator: ", "))."
                + (canOverride ? " Complete them, or tick “override” and add a comment." : " Complete them first.")
        case .overrideNeedsComment: "An override needs a comment saying why."
        }
    }

    /// The extra input that would let the move through, if any (the board opens a small form for it).
    public var needs: String? {
        switch self {
        case .lostReasonRequired: "lost_reason"
        case .openTasks(_, _, let canOverride): canOverride ? "override" : nil
        case .overrideNeedsComment: "override"
        default: nil
        }
    }
}

public struct MoveResult: Sendable {
    public var lead: Lead
    public var from: Stage
    public var to: Stage
    /// Where the lead may go from its new stage.
    public var nextTargets: [Stage]
    /// Open tasks after the move (those of the new stage).
    public var openTasks: Int
}

/// Stages with their rules and task templates.
public struct PipelineConfig: Sendable {
    public var stages: [Stage]
    /// from stage id → allowed next stage ids (empty: any).
    public var transitions: [Int64: Set<Int64>]
    public var templates: [Int64: [TaskTemplate]]
    public var leadCounts: [Int64: Int]

    public func stage(_ id: Int64?) -> Stage? { stages.first { $0.id == id } }

    /// The stages a lead in `stageId` may move to, in pipeline order.
    public func allowedTargets(from stageId: Int64) -> [Stage] {
        guard let current = stage(stageId), !current.isFinal else { return [] }
        let allowed = transitions[stageId] ?? []
        return stages.filter { $0.isActive && $0.id != stageId && (allowed.isEmpty || allowed.contains($0.uid)) }
    }
}

extension PipelineConfig {
    /// Active entry stages in pipeline order: where new leads start.
    public var entryStages: [Stage] { stages.filter { $0.isEntry && $0.isActive } }

    /// The rules of a move, the one home for them: the target must be active and allowed next, the
    /// current stage not final, a lost stage needs a reason, and required open tasks of the current
    /// stage (`openRequiredTasks`, asked only when they matter) block the move unless a manager or
    /// admin overrides with a comment (never for lost).
    func checkMove(
        from stageId: Int64, request: MoveRequest, actor: User, openRequiredTasks: (Stage) throws -> [String]
    ) throws -> (from: Stage, to: Stage, overridden: Bool) {
        guard let from = stage(stageId) else { throw MoveRefusal.unknownStage }
        guard let to = stage(request.toStageId), to.isActive else { throw MoveRefusal.unknownStage }
        if from.id == to.id { throw MoveRefusal.sameStage(stage: from.name) }
        if from.isFinal { throw MoveRefusal.finalStage(stage: from.name) }
        let allowed = transitions[from.uid] ?? []
        if !allowed.isEmpty && !allowed.contains(to.uid) {
            throw MoveRefusal.notAllowed(from: from.name, to: to.name, allowed: allowedTargets(from: from.uid).map(\.name))
        }
        if to.category == .lost && request.lostReason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw MoveRefusal.lostReasonRequired(stage: to.name)
        }
        guard to.category != .lost else { return (from, to, false) }
        let openRequired = try openRequiredTasks(from)
        guard !openRequired.isEmpty else { return (from, to, false) }
        let mayOverride = actor.role.seesAllLeads
        guard request.override && mayOverride else {
            throw MoveRefusal.openTasks(stage: from.name, tasks: openRequired, canOverride: mayOverride)
        }
        guard !request.comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw MoveRefusal.overrideNeedsComment }
        return (from, to, true)
    }
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

    /// Opens a stay in `stageId`: a history row and one task per template of the stage.
    func enterStage(
        leadId: Int64, stageId: Int64, actorId: Int64?, at now: Date, comment: String = "", lostReason: String = "", override: Bool = false,
        templates: [TaskTemplate]? = nil
    ) throws {
        var history = StageHistory(
            id: nil, leadId: leadId, stageId: stageId, enteredAt: now, enteredById: actorId, exitedAt: nil, exitedById: nil,
            comment: comment, lostReason: lostReason, override: override)
        try history.insert(self)
        let templates = try templates ?? TaskTemplate.filter(Column("stageId") == stageId).order(Column("position"), Column("id")).fetchAll(self)
        for template in templates {
            var task = LeadTask(
                id: nil, leadId: leadId, stageId: stageId, templateId: template.id, name: template.name, description: template.description,
                isRequired: template.isRequired, position: template.position, status: .open, note: "", completedAt: nil, completedById: nil,
                createdAt: now)
            try task.insert(self)
        }
    }

    /// The rules of a move, checked without writing (see `PipelineConfig.checkMove`); the required
    /// tasks still open are the lead's own.
    func checkMove(_ lead: Lead, request: MoveRequest, actor: User, config: PipelineConfig) throws -> (from: Stage, to: Stage, overridden: Bool) {
        try config.checkMove(from: lead.stageId, request: request, actor: actor) { from in
            try String.fetchAll(
                self,
                sql: "SELECT name FROM leadTask WHERE leadId = ? AND stageId = ? AND status = 'open' AND isRequired = 1 ORDER BY position, id",
                arguments: [lead.id, from.id])
        }
    }

    /// The one move operation every path uses (lead page, board, edit form, import). Checks the
    /// rules, then in the caller's transaction: closes the current stay, opens the new one with its
    /// tasks, marks tasks left open as skipped, records the activity and bumps the version.
    func moveLead(_ lead: Lead, request: MoveRequest, actor: User, at now: Date, config: PipelineConfig? = nil) throws -> MoveResult {
        let config = try config ?? pipelineConfig()
        let (from, to, overridden) = try checkMove(lead, request: request, actor: actor, config: config)
        let lostReason = request.lostReason.trimmingCharacters(in: .whitespacesAndNewlines)
        let comment = request.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        try execute(
            sql: "UPDATE stageHistory SET exitedAt = ?, exitedById = ? WHERE leadId = ? AND exitedAt IS NULL",
            arguments: [now, actor.id, lead.id])
        try execute(sql: "UPDATE leadTask SET status = 'skipped' WHERE leadId = ? AND status = 'open'", arguments: [lead.id])
        try enterStage(
            leadId: lead.uid, stageId: to.uid, actorId: actor.id, at: now, comment: comment, lostReason: to.category == .lost ? lostReason : "",
            override: overridden,
            templates: config.templates[to.uid] ?? [])
        var moved = lead
        moved.stageId = to.uid
        moved.stageEnteredAt = now
        moved.updatedAt = now
        moved.version += 1
        try moved.update(self)
        let fullComment = [to.category != .lost || lostReason.isEmpty ? nil : "Lost reason: \(lostReason)", comment.isEmpty ? nil : comment]
            .compactMap { $0 }.joined(separator: " · ")
        try recordActivity(
            leadId: lead.uid, actorId: actor.id, kind: .stageChanged,
            detail: ActivityDetail(
                changes: [.init(field: "Stage", from: from.name, to: to.name)], comment: fullComment.isEmpty ? nil : fullComment,
                override: overridden ? true : nil),
            at: now)
        return MoveResult(
            lead: moved, from: from, to: to, nextTargets: config.allowedTargets(from: to.uid), openTasks: (config.templates[to.uid] ?? []).count)
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

    /// Moves a visible lead; throws `LeadWriteError.notFound` or a `MoveRefusal`, writing nothing then.
    @discardableResult
    public func moveLead(id: Int64, request: MoveRequest, actor: User) async throws -> MoveResult {
        let now = self.now
        return try await pool.write { db in
            guard let lead = try db.visibleLead(id: id, viewer: actor) else { throw LeadWriteError.notFound }
            return try db.moveLead(lead, request: request, actor: actor, at: now)
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

    /// Marks an open task done (with an optional note) and records it.
    public func completeTask(leadId: Int64, taskId: Int64, note: String, actor: User) async throws {
        let now = self.now
        try await pool.write { db in
            guard var lead = try db.visibleLead(id: leadId, viewer: actor),
                var task = try LeadTask.filter(Column("id") == taskId && Column("leadId") == leadId).fetchOne(db)
            else { throw TaskError.notFound }
            guard task.status == .open else { throw TaskError.notOpen }
            task.status = .done
            task.note = String(String.UnicodeScalarView(note.unicodeScalars.prefix(2000)))
            task.completedAt = now
            task.completedById = actor.id
            try task.update(db)
            lead.updatedAt = now
            try lead.update(db)
            try db.recordActivity(
                leadId: leadId, actorId: actor.id, kind: .taskCompleted,
                detail: ActivityDetail(text: task.name, comment: task.note.isEmpty ? nil : task.note), at: now)
        }
    }

    /// Reopens a done task of the lead's current stage.
    public func reopenTask(leadId: Int64, taskId: Int64, actor: User) async throws {
        let now = self.now
        try await pool.write { db in
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
