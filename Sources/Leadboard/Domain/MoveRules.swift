import Foundation

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

/// Stages with their rules and task templates.
public struct PipelineConfig: Sendable {
    public var stages: [Stage]
    /// from stage id → allowed next stage ids (empty: any).
    public var transitions: [Int64: Set<Int64>]
    public var templates: [Int64: [TaskTemplate]]
    public var leadCounts: [Int64: Int]

    public init(stages: [Stage], transitions: [Int64: Set<Int64>] = [:], templates: [Int64: [TaskTemplate]] = [:], leadCounts: [Int64: Int] = [:]) {
        self.stages = stages
        self.transitions = transitions
        self.templates = templates
        self.leadCounts = leadCounts
    }

    public func stage(_ id: Int64?) -> Stage? { stages.first { $0.id == id } }

    /// The stages a lead in `stageId` may move to, in pipeline order.
    public func allowedTargets(from stageId: Int64) -> [Stage] {
        guard let current = stage(stageId), !current.isFinal else { return [] }
        let allowed = transitions[stageId] ?? []
        return stages.filter { $0.isActive && $0.id != stageId && (allowed.isEmpty || allowed.contains($0.uid)) }
    }

    /// Active entry stages in pipeline order: where new leads start.
    public var entryStages: [Stage] { stages.filter { $0.isEntry && $0.isActive } }

    /// The required task names a lead entering `stageId` starts with (all of them open).
    public func requiredTaskNames(of stageId: Int64) -> [String] {
        (templates[stageId] ?? []).filter(\.isRequired).map(\.name)
    }
}

/// A move the rules allow: where from, where to, and whether open required tasks were overridden.
public struct MoveDecision: Sendable {
    public var from: Stage
    public var to: Stage
    public var overridden: Bool
}

extension PipelineConfig {
    /// The rules of a move, the one home for them, as a pure function: the target must be active and
    /// allowed next, the current stage not final, a lost stage needs a reason, and the required tasks
    /// of the current stage still open (`openRequiredTasks`) block the move unless the policy lets the
    /// actor override (`mayOverride`, from `LeadPolicy.canOverrideGates`) and the request overrides
    /// with a comment. Moving to a lost stage is never blocked by tasks.
    public func checkMove(
        from currentStageId: Int64, openRequiredTasks: [String], request: MoveRequest, mayOverride: Bool
    ) throws -> MoveDecision {
        guard let from = stage(currentStageId) else { throw MoveRefusal.unknownStage }
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
        guard to.category != .lost, !openRequiredTasks.isEmpty else { return MoveDecision(from: from, to: to, overridden: false) }
        guard request.override && mayOverride else {
            throw MoveRefusal.openTasks(stage: from.name, tasks: openRequiredTasks, canOverride: mayOverride)
        }
        guard !request.comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw MoveRefusal.overrideNeedsComment }
        return MoveDecision(from: from, to: to, overridden: true)
    }
}
