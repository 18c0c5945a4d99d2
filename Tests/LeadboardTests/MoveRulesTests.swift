import Foundation
import Testing

@testable import Leadboard

/// `PipelineConfig.checkMove` is a pure function: these tables check every refusal, the override
/// path and the moves it lets through without a database.
@Suite struct MoveRulesTests {
    /// New → Contacted (any) → Qualified (only Won or Lost next) → Won / Lost (final); Dormant is inactive.
    static let pipeline: PipelineConfig = {
        func stage(_ id: Int64, _ name: String, _ category: StageCategory, active: Bool = true, final: Bool = false) -> Stage {
            Stage(id: id, name: name, color: "#3b82f6", position: Int(id), category: category, isActive: active, isFinal: final, isEntry: id == 1)
        }
        return PipelineConfig(
            stages: [
                stage(1, "New", .open), stage(2, "Contacted", .open), stage(3, "Qualified", .open), stage(4, "Won", .won, final: true),
                stage(5, "Lost", .lost, final: true), stage(6, "Dormant", .open, active: false),
            ],
            transitions: [3: [4, 5]],
            templates: [
                2: [
                    TaskTemplate(id: 1, stageId: 2, name: "Call", description: "", isRequired: true, position: 0),
                    TaskTemplate(id: 2, stageId: 2, name: "Note", description: "", isRequired: false, position: 1),
                ]
            ])
    }()

    /// One row of a table: a move asked for, and what the rules answer (a refusal, or whether it overrides).
    struct Row: CustomTestStringConvertible, Sendable {
        enum Outcome: Sendable { case refused(MoveRefusal), allowed(overridden: Bool) }
        var name: String
        var from: Int64
        var openTasks: [String] = []
        var request: MoveRequest
        var mayOverride = false
        var outcome: Outcome
        var testDescription: String { name }

        func check() throws -> MoveDecision {
            try MoveRulesTests.pipeline.checkMove(from: from, openRequiredTasks: openTasks, request: request, mayOverride: mayOverride)
        }
    }

    static let refusals: [Row] = [
        Row(name: "the current stage is unknown", from: 99, request: MoveRequest(toStageId: 2), outcome: .refused(.unknownStage)),
        Row(name: "the target is unknown", from: 1, request: MoveRequest(toStageId: 99), outcome: .refused(.unknownStage)),
        Row(name: "the target is inactive", from: 1, request: MoveRequest(toStageId: 6), outcome: .refused(.unknownStage)),
        Row(name: "the target is the current stage", from: 2, request: MoveRequest(toStageId: 2), outcome: .refused(.sameStage(stage: "Contacted"))),
        Row(name: "the current stage is final", from: 4, request: MoveRequest(toStageId: 1), mayOverride: true, outcome: .refused(.finalStage(stage: "Won"))),
        Row(
            name: "the target is not allowed next", from: 3, request: MoveRequest(toStageId: 2), mayOverride: true,
            outcome: .refused(.notAllowed(from: "Qualified", to: "Contacted", allowed: ["Won", "Lost"]))),
        Row(
            name: "a lost stage without a reason", from: 1, request: MoveRequest(toStageId: 5, lostReason: " \n "),
            outcome: .refused(.lostReasonRequired(stage: "Lost"))),
        Row(
            name: "open tasks and the actor may not override", from: 2, openTasks: ["Call"], request: MoveRequest(toStageId: 3),
            outcome: .refused(.openTasks(stage: "Contacted", tasks: ["Call"], canOverride: false))),
        Row(
            name: "open tasks, an override asked for by an actor who may not", from: 2, openTasks: ["Call"],
            request: MoveRequest(toStageId: 3, comment: "please", override: true),
            outcome: .refused(.openTasks(stage: "Contacted", tasks: ["Call"], canOverride: false))),
        Row(
            name: "open tasks and no override asked for", from: 2, openTasks: ["Call", "Visit"], request: MoveRequest(toStageId: 3), mayOverride: true,
            outcome: .refused(.openTasks(stage: "Contacted", tasks: ["Call", "Visit"], canOverride: true))),
        Row(
            name: "an override without a comment", from: 2, openTasks: ["Call"], request: MoveRequest(toStageId: 3, comment: "  ", override: true),
            mayOverride: true, outcome: .refused(.overrideNeedsComment)),
    ]

    @Test(arguments: refusals)
    func aMoveIsRefusedNamingTheReason(_ row: Row) throws {
        guard case .refused(let refusal) = row.outcome else { Issue.record("not a refusal row"); return }
        #expect(throws: refusal) { try row.check() }
    }

    static let allowed: [Row] = [
        Row(name: "any next stage when none are listed", from: 1, request: MoveRequest(toStageId: 3), outcome: .allowed(overridden: false)),
        Row(name: "a listed next stage", from: 3, request: MoveRequest(toStageId: 4), outcome: .allowed(overridden: false)),
        Row(
            name: "an override with a comment by an actor who may", from: 2, openTasks: ["Call"],
            request: MoveRequest(toStageId: 3, comment: "Spoke at the fair", override: true), mayOverride: true, outcome: .allowed(overridden: true)),
        Row(
            name: "an override asked for with no open tasks is no override", from: 2,
            request: MoveRequest(toStageId: 3, comment: "x", override: true), mayOverride: true, outcome: .allowed(overridden: false)),
        Row(
            name: "lost is never blocked by tasks", from: 2, openTasks: ["Call"], request: MoveRequest(toStageId: 5, lostReason: "Went silent"),
            outcome: .allowed(overridden: false)),
    ]

    @Test(arguments: allowed)
    func aMoveIsAllowed(_ row: Row) throws {
        guard case .allowed(let overridden) = row.outcome else { Issue.record("not an allowed row"); return }
        let decision = try row.check()
        #expect(decision.from.id == row.from)
        #expect(decision.to.id == row.request.toStageId)
        #expect(decision.overridden == overridden)
    }

    @Test func aNewLeadsOpenTasksAreItsStagesRequiredTemplates() {
        #expect(Self.pipeline.requiredTaskNames(of: 2) == ["Call"])
        #expect(Self.pipeline.requiredTaskNames(of: 1).isEmpty)
    }
}

/// Every permission question about leads has one answer, from `LeadPolicy`.
@Suite struct LeadPolicyTests {
    static func user(_ role: Role, id: Int64 = 7) -> User {
        User(
            id: id, email: "\(role.rawValue)@example.com", name: role.label, role: role, isActive: true, passwordHash: "", createdAt: Date(),
            updatedAt: Date(), lastLoginAt: nil)
    }

    @Test(arguments: [
        (Role.admin, LeadVisibility.all, true, true),
        (Role.manager, LeadVisibility.all, true, false),
        (Role.executive, LeadVisibility.ownedBy(7), false, false),
    ])
    func eachRoleGetsItsAnswers(role: Role, visibility: LeadVisibility, oversees: Bool, admin: Bool) {
        let user = Self.user(role)
        #expect(LeadPolicy.visibility(for: user) == visibility)
        #expect(LeadPolicy.visibility(for: user).ownerId == (oversees ? nil : 7))
        #expect(LeadPolicy.seesAllLeads(user) == oversees)
        #expect(LeadPolicy.canOverrideGates(user) == oversees)
        #expect(LeadPolicy.canAssign(user) == oversees)
        #expect(LeadPolicy.canDelete(user) == oversees)
        #expect(LeadPolicy.canImport(user) == oversees)
        #expect(LeadPolicy.canReportByOwner(user) == oversees)
        #expect(LeadPolicy.canSeeDeleted(user) == admin)
        #expect(LeadPolicy.canRestore(user) == admin)
    }
}
