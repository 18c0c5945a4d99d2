import Foundation
import GRDB

public enum StageCategory: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case open, won, lost
}

/// A pipeline stage.
public struct Stage: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "stage"
    public var id: Int64?
    public var name: String
    public var color: String
    public var position: Int
    public var category: StageCategory
    public var isActive: Bool
    /// No lead may move on from a final stage.
    public var isFinal: Bool
    /// New leads may start here (open stages only; at least one active entry stage always exists).
    public var isEntry: Bool
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var uid: Int64 { id ?? 0 }
}

/// A task template of a stage: every lead entering the stage gets one task from it.
public struct TaskTemplate: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "taskTemplate"
    public var id: Int64?
    public var stageId: Int64
    public var name: String
    public var description: String
    public var isRequired: Bool
    public var position: Int
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum TaskStatus: String, Codable, Sendable, DatabaseValueConvertible {
    case open, done, skipped
}

/// A task on a lead, made from a template when the lead entered the stage.
public struct LeadTask: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "leadTask"
    public var id: Int64?
    public var leadId: Int64
    public var stageId: Int64
    public var templateId: Int64?
    public var name: String
    public var description: String
    public var isRequired: Bool
    public var position: Int
    public var status: TaskStatus
    public var note: String
    public var completedAt: Date?
    public var completedById: Int64?
    public var createdAt: Date
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A lead's stay in one stage.
public struct StageHistory: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "stageHistory"
    public var id: Int64?
    public var leadId: Int64
    public var stageId: Int64
    public var enteredAt: Date
    public var enteredById: Int64?
    public var exitedAt: Date?
    public var exitedById: Int64?
    public var comment: String
    public var lostReason: String
    public var override: Bool
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Where a lead came from; admins can add more.
public struct Source: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "source"
    public var id: Int64?
    public var name: String
    public var position: Int
    public var isActive: Bool
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var uid: Int64 { id ?? 0 }
}

/// A sales lead.
public struct Lead: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "lead"
    public var id: Int64?
    public var reference: String
    public var name: String
    public var email: String
    public var phone: String
    public var company: String
    public var sourceId: Int64?
    public var valueCents: Int64
    /// `YYYY-MM-DD`.
    public var expectedCloseDate: String?
    public var stageId: Int64
    public var ownerId: Int64?
    public var createdById: Int64?
    public var createdAt: Date
    public var updatedAt: Date
    public var stageEnteredAt: Date
    public var version: Int
    public var deletedAt: Date?
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    public var uid: Int64 { id ?? 0 }
}

public struct Note: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "note"
    public var id: Int64?
    public var leadId: Int64
    public var authorId: Int64?
    public var body: String
    public var createdAt: Date
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct Attachment: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "attachment"
    public var id: Int64?
    public var leadId: Int64
    public var uploaderId: Int64?
    public var originalName: String
    /// A generated name under `uploads/`; never derived from the uploaded name.
    public var storedName: String
    public var contentType: String
    public var size: Int64
    public var sha256: String
    public var createdAt: Date
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One entry of a lead's timeline. `detail` is JSON whose shape depends on `kind`.
public struct Activity: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "activity"
    public var id: Int64?
    public var leadId: Int64
    public var actorId: Int64?
    public var kind: ActivityKind
    public var detail: String
    public var createdAt: Date
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum ActivityKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case created, updated, assigned, stageChanged = "stage_changed"
    case noteAdded = "note_added", noteDeleted = "note_deleted"
    case fileAdded = "file_added", fileDeleted = "file_deleted"
    case deleted, restored
    case taskCompleted = "task_completed", taskReopened = "task_reopened"
    case imported
}

/// The structured part of an activity row.
public struct ActivityDetail: Codable, Sendable, Equatable {
    public struct Change: Codable, Sendable, Equatable {
        public var field: String
        public var from: String
        public var to: String
    }
    public var changes: [Change]?
    public var text: String?
    public var comment: String?
    public var override: Bool?

    public init(changes: [Change]? = nil, text: String? = nil, comment: String? = nil, override: Bool? = nil) {
        self.changes = changes
        self.text = text
        self.comment = comment
        self.override = override
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(data: encoder.encode(self), encoding: .utf8)) ?? "{}"
    }

    static func decode(_ json: String) -> ActivityDetail {
        (try? JSONDecoder().decode(ActivityDetail.self, from: Data(json.utf8))) ?? ActivityDetail()
    }
}

extension Database {
    /// Appends one activity row; called inside the transaction that makes the change.
    func recordActivity(leadId: Int64, actorId: Int64?, kind: ActivityKind, detail: ActivityDetail = ActivityDetail(), at date: Date) throws {
        var activity = Activity(id: nil, leadId: leadId, actorId: actorId, kind: kind, detail: detail.json, createdAt: date)
        try activity.insert(self)
    }
}
