import Foundation
import GRDB

/// Validated changes to a stage from the admin page.
public struct StageInput: Sendable {
    public var name: String
    public var color: String
    public var category: StageCategory
    public var isActive: Bool
    public var isFinal: Bool
    /// New leads may start here (open stages only).
    public var isEntry: Bool
    public var nextStageIds: Set<Int64>
    /// Where the stage's leads go when it is deactivated.
    public var moveLeadsTo: Int64?

    public init(
        name: String, color: String, category: StageCategory, isActive: Bool = true, isFinal: Bool = false, isEntry: Bool = false,
        nextStageIds: Set<Int64> = [], moveLeadsTo: Int64? = nil
    ) {
        self.name = name
        self.color = color
        self.category = category
        self.isActive = isActive
        self.isFinal = isFinal
        self.isEntry = isEntry
        self.nextStageIds = nextStageIds
        self.moveLeadsTo = moveLeadsTo
    }
}

/// A change to a stage's settings that the pipeline rules refuse, with the form field it belongs to.
public struct StageSettingsError: Error, Equatable {
    public var field: String
    public var message: String
}

extension AppDatabase {
    /// Appends a stage at the end of the pipeline.
    @discardableResult
    public func createStage(_ input: StageInput) async throws -> Stage {
        try await write { db in
            try Self.checkUniqueName(db, input.name, except: nil)
            if input.isEntry && input.category != .open { throw StageSettingsError(field: "entry", message: Self.entryMustBeOpen) }
            let position = (try Int.fetchOne(db, sql: "SELECT MAX(position) FROM stage") ?? 0) + 1
            var stage = Stage(
                id: nil, name: input.name, color: input.color, position: position, category: input.category, isActive: true, isFinal: input.isFinal,
                isEntry: input.isEntry)
            try stage.insert(db)
            return stage
        }
    }

    static let entryMustBeOpen = "Only open stages can be entry stages: untick “Entry stage” or choose the open category."

    static func checkUniqueName(_ db: Database, _ name: String, except id: Int64?) throws {
        let clash = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM stage WHERE name = ? COLLATE NOCASE AND id IS NOT ?", arguments: [name, id]) ?? 0
        if clash > 0 { throw StageSettingsError(field: "name", message: "Another stage is already called \(name).") }
    }

    /// Saves a stage's settings and rules. Deactivating a stage that holds leads moves them (deleted
    /// ones too) to `moveLeadsTo` in the same transaction, with history and activity; at least one
    /// active `open` stage and one active entry stage always remain (the schema enforces the latter too).
    /// Returns how many leads moved out (a deactivation). With `checkOnly` it runs every check and
    /// writes nothing, returning how many leads would move: the deactivation confirmation asks only
    /// about a change that would be accepted.
    @discardableResult
    public func updateStage(id: Int64, input: StageInput, actor: User, checkOnly: Bool = false) async throws -> Int {
        let now = self.now
        return try await write { db in
            var moved = 0
            guard var stage = try Stage.fetchOne(db, key: id) else { throw StageSettingsError(field: "form", message: "That stage no longer exists.") }
            try Self.checkUniqueName(db, input.name, except: id)
            if stage.isActive && stage.category == .open && (!input.isActive || input.category != .open) {
                let otherOpen = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM stage WHERE isActive = 1 AND category = 'open' AND id <> ?", arguments: [id]) ?? 0
                if otherOpen == 0 {
                    throw StageSettingsError(field: input.isActive ? "category" : "active", message: "At least one active open stage must remain.")
                }
            }
            if input.isEntry && input.category != .open { throw StageSettingsError(field: "entry", message: Self.entryMustBeOpen) }
            if stage.isActive && stage.isEntry && (!input.isActive || !input.isEntry) {
                let otherEntry = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM stage WHERE isActive = 1 AND isEntry = 1 AND id <> ?", arguments: [id]) ?? 0
                if otherEntry == 0 {
                    throw StageSettingsError(
                        field: input.isEntry ? "active" : "entry",
                        message: "This is the only entry stage, where new leads start: make another open stage an entry stage first.")
                }
            }
            if stage.isActive && !input.isActive {
                let holding = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lead WHERE stageId = ?", arguments: [id]) ?? 0
                if holding > 0 {
                    guard let targetId = input.moveLeadsTo, targetId != id,
                        let target = try Stage.fetchOne(db, key: targetId), target.isActive
                    else {
                        throw StageSettingsError(field: "move_to", message: "This stage holds \(holding) lead\(holding == 1 ? "" : "s"): choose an active stage to move them to.")
                    }
                    moved = holding
                    if !checkOnly { try Self.relocateLeads(db, from: stage, to: target, actor: actor, at: now) }
                }
                if !checkOnly { try db.execute(sql: "DELETE FROM stageTransition WHERE toStageId = ?", arguments: [id]) }
            }
            if checkOnly { return moved }
            stage.name = input.name
            stage.color = input.color
            stage.category = input.category
            stage.isActive = input.isActive
            stage.isFinal = input.isFinal
            stage.isEntry = input.isEntry
            try stage.update(db)
            try db.execute(sql: "DELETE FROM stageTransition WHERE fromStageId = ?", arguments: [id])
            if !input.isFinal {
                let valid = try Int64.fetchSet(db, sql: "SELECT id FROM stage WHERE isActive = 1 AND id <> ?", arguments: [id])
                for next in input.nextStageIds.intersection(valid) {
                    try db.execute(sql: "INSERT INTO stageTransition (fromStageId, toStageId) VALUES (?, ?)", arguments: [id, next])
                }
            }
            return moved
        }
    }

    /// Moves every lead of `from` (deleted ones too) to `to` without the move rules: the one stage-change
    /// operation, set-based (fast for any number of leads).
    static func relocateLeads(_ db: Database, from: Stage, to: Stage, actor: User, at now: Date) throws {
        let comment = "Stage \(from.name) was removed"
        try db.changeStages(
            ofLeadsIn: from.uid, to: to.uid, at: now, actorId: actor.id, comment: comment,
            activity: ActivityDetail(changes: [.init(field: "Stage", from: from.name, to: to.name)], comment: comment))
    }

    /// Moves a stage one place up or down in the pipeline order (not a lead's stage change: that is `moveLead`).
    public func reorderStage(id: Int64, up: Bool) async throws {
        try await write { db in
            var stages = try Stage.order(Column("position"), Column("id")).fetchAll(db)
            guard let index = stages.firstIndex(where: { $0.id == id }) else { return }
            let other = up ? index - 1 : index + 1
            guard stages.indices.contains(other) else { return }
            stages.swapAt(index, other)
            for (position, stage) in stages.enumerated() {
                try db.execute(sql: "UPDATE stage SET position = ? WHERE id = ?", arguments: [position, stage.id])
            }
        }
    }

    /// Puts the stages in the given order (ids not listed keep their relative order at the end).
    public func reorderStages(_ ids: [Int64]) async throws {
        try await write { db in
            let stages = try Stage.order(Column("position"), Column("id")).fetchAll(db)
            var seen = Set<Int64>()
            let listed = ids.prefix(1000).filter { id in stages.contains { $0.id == id } && seen.insert(id).inserted }
            let ordered = listed + stages.compactMap(\.id).filter { !listed.contains($0) }
            for (position, id) in ordered.enumerated() {
                try db.execute(sql: "UPDATE stage SET position = ? WHERE id = ?", arguments: [position, id])
            }
        }
    }

    public func addTaskTemplate(stageId: Int64, name: String, description: String, isRequired: Bool) async throws {
        try await write { db in
            guard try Stage.fetchOne(db, key: stageId) != nil else { throw StageSettingsError(field: "form", message: "That stage no longer exists.") }
            let position = (try Int.fetchOne(db, sql: "SELECT MAX(position) FROM taskTemplate WHERE stageId = ?", arguments: [stageId]) ?? -1) + 1
            var template = TaskTemplate(id: nil, stageId: stageId, name: name, description: description, isRequired: isRequired, position: position)
            try template.insert(db)
        }
    }

    /// Changes a template; tasks already made from it keep their text.
    public func updateTaskTemplate(stageId: Int64, templateId: Int64, name: String, description: String, isRequired: Bool) async throws -> Bool {
        try await write { db in
            guard var template = try TaskTemplate.filter(Column("id") == templateId && Column("stageId") == stageId).fetchOne(db) else { return false }
            template.name = name
            template.description = description
            template.isRequired = isRequired
            try template.update(db)
            return true
        }
    }

    /// Removes a template; tasks already made from it stay on their leads.
    public func deleteTaskTemplate(stageId: Int64, templateId: Int64) async throws -> Bool {
        try await write { db in
            try TaskTemplate.filter(Column("id") == templateId && Column("stageId") == stageId).deleteAll(db) > 0
        }
    }
}
