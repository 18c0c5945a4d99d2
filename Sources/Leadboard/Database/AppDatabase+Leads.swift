import Foundation
import GRDB

/// Validated values of the lead form.
public struct LeadInput: Sendable, Equatable {
    public var name: String
    public var email: String = ""
    public var phone: String = ""
    public var company: String = ""
    public var sourceId: Int64?
    public var valueCents: Int64 = 0
    public var expectedCloseDate: String?
    public var stageId: Int64
    public var ownerId: Int64?
    /// Custom values to write, by field id: a key present sets that field (nil clears it), fields not
    /// listed keep their values. The form sends every active lead field; an import only its columns.
    public var customValues: [Int64: FieldValue?] = [:]

    public init(name: String, email: String = "", phone: String = "", company: String = "", sourceId: Int64? = nil, valueCents: Int64 = 0, expectedCloseDate: String? = nil, stageId: Int64, ownerId: Int64? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
        self.company = company
        self.sourceId = sourceId
        self.valueCents = valueCents
        self.expectedCloseDate = expectedCloseDate
        self.stageId = stageId
        self.ownerId = ownerId
    }
}

/// One row of the lead list, joined with the names it shows.
public struct LeadListRow: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var reference: String
    public var name: String
    public var company: String
    public var email: String
    public var valueCents: Int64
    public var updatedAt: Date
    public var createdAt: Date
    public var stageId: Int64
    public var stageName: String
    public var stageColor: String
    public var ownerId: Int64?
    public var ownerName: String?
    public var deletedAt: Date?
    /// The stored score and the thresholds it is rated by (`ScoreColumns`).
    public var score: Int
    public var hotThreshold: Int
    public var warmThreshold: Int
    public var rating: Rating { Rating.of(score: score, hot: hotThreshold, warm: warmThreshold) }
}

extension LeadListRow {
    /// The SELECT … FROM … JOIN part of every query returning `LeadListRow`s; append WHERE/ORDER/LIMIT.
    static let selectSQL = """
        SELECT lead.id, lead.reference, lead.name, lead.company, lead.email, lead.valueCents, lead.updatedAt,
               lead.createdAt, lead.stageId, stage.name AS stageName, stage.color AS stageColor, lead.ownerId,
               owner.name AS ownerName, lead.deletedAt, \(ScoreColumns.sql)
        FROM lead
        JOIN stage ON stage.id = lead.stageId
        LEFT JOIN user AS owner ON owner.id = lead.ownerId
        """
}

extension ActivityRow {
    /// Recent activity on live leads the viewer may see, newest first. Walking the activity newest
    /// first with an EXISTS check stops after a page (1 ms with a million leads; a plain join made
    /// SQLite build a Bloom filter over the whole lead table first, 0.2 s). An executive who owns few
    /// leads is served from their leads instead (CROSS JOIN fixes the order).
    static func feedSQL(_ db: Database, viewer: User, limit: Int, offset: Int) throws -> (String, StatementArguments) {
        let ownerOnly = LeadPolicy.visibility(for: viewer).ownerId != nil
        let columns = """
            activity.id, activity.leadId, activity.kind, activity.detail, activity.createdAt, user.name AS actorName,
            lead.reference AS leadReference, lead.name AS leadName
            """
        if ownerOnly, try db.ownsFewLeads(viewer) {
            return (
                """
                SELECT \(columns) FROM lead CROSS JOIN activity ON activity.leadId = lead.id LEFT JOIN user ON user.id = activity.actorId
                WHERE lead.ownerId = ? AND lead.deletedAt IS NULL ORDER BY activity.id DESC LIMIT \(limit) OFFSET \(offset)
                """, [viewer.id]
            )
        }
        return (
            """
            WITH recent AS (
              SELECT * FROM activity a
              WHERE EXISTS (SELECT 1 FROM lead WHERE lead.id = a.leadId AND lead.deletedAt IS NULL\(ownerOnly ? " AND lead.ownerId = ?" : ""))
              ORDER BY a.id DESC LIMIT \(limit) OFFSET \(offset))
            SELECT \(columns) FROM recent AS activity JOIN lead ON lead.id = activity.leadId LEFT JOIN user ON user.id = activity.actorId
            ORDER BY activity.id DESC
            """, ownerOnly ? [viewer.id] : []
        )
    }
}

public struct LeadListResult: Sendable {
    public var rows: [LeadListRow]
    public var total: Int
    public var searchSyntaxError: Bool
    /// The values of the filter's extra columns (`LeadFilter.columns`) for the rows, read in one query.
    public var customValues: [Int64: FieldValues] = [:]
}

public struct NoteRow: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var authorId: Int64?
    public var authorName: String?
    public var body: String
    public var createdAt: Date
}

public struct AttachmentRow: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var leadId: Int64
    public var uploaderId: Int64?
    public var uploaderName: String?
    public var originalName: String
    public var storedName: String
    public var contentType: String
    public var size: Int64
    public var sha256: String
    public var createdAt: Date
}

public struct ActivityRow: Decodable, FetchableRecord, Sendable {
    public var id: Int64
    public var leadId: Int64
    public var kind: ActivityKind
    public var detail: String
    public var createdAt: Date
    public var actorName: String?
    public var leadReference: String?
    public var leadName: String?
}

/// Everything the lead page shows, read in a fixed number of queries.
public struct LeadDetail: Sendable {
    public var lead: Lead
    public var stage: Stage
    public var source: Source?
    public var owner: User?
    public var createdBy: User?
    public var notes: [NoteRow]
    public var attachments: [AttachmentRow]
    public var activities: [ActivityRow]
    public var tasks: [TaskRow]
    public var history: [HistoryRow]
    public var allowedTargets: [Stage]
    /// The active lead custom fields in form order, and this lead's values of them.
    public var customFields: [CustomField] = []
    public var customValues: FieldValues = [:]
    /// The completion fields of the lead's tasks and the values stored with them.
    public var taskFields = TaskFieldData()
}

/// The result of saving the edit form with optimistic locking.
public enum LeadUpdateOutcome: Sendable {
    case updated(Lead)
    /// Someone saved the lead after the form was loaded; nothing was written.
    case conflict(current: Lead)
}

public enum LeadWriteError: Error, Equatable {
    case notFound
    case invalidReference(field: String, message: String)
}

/// A new lead asked for a stage it may not start in: it would start in `entryStage`, and the move
/// rules refuse the move from there to the requested stage. Nothing was written.
public struct LeadCreateRefusal: Error, Sendable, Equatable {
    public var entryStage: String
    public var refusal: MoveRefusal

    public var message: String { "New leads start in \(entryStage). \(refusal.message)" }
}

/// The lookups every lead form and filter needs.
public struct LeadReferenceData: Sendable {
    public var stages: [Stage]
    public var sources: [Source]
    public var users: [User]

    public func stage(_ id: Int64?) -> Stage? { stages.first { $0.id == id } }
    public func source(_ id: Int64?) -> Source? { sources.first { $0.id == id } }
    public func user(_ id: Int64?) -> User? { users.first { $0.id == id } }
}

extension Database {
    /// A lead the viewer may see, or nil (the caller answers 404).
    func visibleLead(id: Int64, viewer: User, includeDeleted: Bool = false) throws -> Lead? {
        var sql = "SELECT * FROM lead WHERE id = ?"
        var arguments: StatementArguments = [id]
        if !(includeDeleted && LeadPolicy.canSeeDeleted(viewer)) { sql += " AND deletedAt IS NULL" }
        if let visibility = LeadQuery.visibility(viewer) {
            sql += " AND \(visibility.lead)"
            arguments += visibility.arguments
        }
        return try Lead.fetchOne(self, sql: sql, arguments: arguments)
    }

    /// Allocates the next `LEAD-YYYYMM-NNNNN` for the month of `date`. Numbers are never reused:
    /// the counter only grows, even when a lead is deleted.
    func nextLeadReference(at date: Date) throws -> String {
        let month = Day.month(date)
        let number = try Int.fetchOne(
            self,
            sql: """
                INSERT INTO referenceCounter (month, lastNumber) VALUES (?, 1)
                ON CONFLICT(month) DO UPDATE SET lastNumber = lastNumber + 1
                RETURNING lastNumber
                """, arguments: [month])!
        return "LEAD-\(month)-" + String(format: "%05d", number)
    }

    /// Checks that the stage, source and owner of an input exist and may be used. The lead's
    /// current owner may stay even when deactivated.
    func checkReferences(_ input: LeadInput, currentOwner: Int64? = nil) throws {
        guard let stage = try Stage.fetchOne(self, key: input.stageId), stage.isActive else {
            throw LeadWriteError.invalidReference(field: "stage_id", message: "Choose a stage.")
        }
        if let sourceId = input.sourceId, try Source.fetchOne(self, key: sourceId) == nil {
            throw LeadWriteError.invalidReference(field: "source", message: "Choose a source from the list.")
        }
        if let ownerId = input.ownerId, ownerId != currentOwner {
            guard let owner = try User.fetchOne(self, key: ownerId), owner.isActive else {
                throw LeadWriteError.invalidReference(field: "owner_id", message: "Choose an active user as owner.")
            }
        }
    }
}

extension AppDatabase {
    /// Stages, sources and active users, for forms and filters.
    public func leadReferenceData() async throws -> LeadReferenceData {
        try await pool.read { db in
            LeadReferenceData(
                stages: try Stage.order(Column("position"), Column("id")).fetchAll(db),
                sources: try Source.order(Column("position"), Column("id")).fetchAll(db),
                users: try User.filter(Column("isActive") == true).order(Column("name").collating(.nocase)).fetchAll(db))
        }
    }

    /// One page of the lead list and the total count, in two queries whatever the page size.
    public func leadList(_ query: LeadQuery) async throws -> LeadListResult {
        try await pool.read { db in
            let clauses: LeadClauses
            do {
                clauses = try query.clauses(db)
            } catch is SearchSyntaxError {
                return LeadListResult(rows: [], total: 0, searchSyntaxError: true)
            }
            let total = try Int.fetchOne(db, sql: clauses.countSQL, arguments: clauses.arguments) ?? 0
            let offset = (query.filter.page - 1) * LeadFilter.pageSize
            let rows = try LeadListRow.fetchAll(
                db,
                sql: "\(LeadListRow.selectSQL) \(query.sortJoin) \(clauses.whereSQL) \(query.orderClause) LIMIT \(LeadFilter.pageSize) OFFSET \(offset)",
                arguments: clauses.arguments)
            let customValues = try db.leadFieldValues(leadIds: rows.map(\.id), fields: query.filter.columns)
            return LeadListResult(rows: rows, total: total, searchSyntaxError: false, customValues: customValues)
        }
    }

    public func lead(id: Int64, viewer: User, includeDeleted: Bool = false) async throws -> Lead? {
        try await pool.read { db in try db.visibleLead(id: id, viewer: viewer, includeDeleted: includeDeleted) }
    }

    /// The lead page: the lead with its stage, source, people, notes, files and timeline.
    public func leadDetail(id: Int64, viewer: User) async throws -> LeadDetail? {
        try await pool.read { db in
            guard let lead = try db.visibleLead(id: id, viewer: viewer, includeDeleted: true),
                let stage = try Stage.fetchOne(db, key: lead.stageId)
            else { return nil }
            let people = try User.filter(keys: [lead.ownerId, lead.createdById].compactMap { $0 }).fetchAll(db)
            let notes = try NoteRow.fetchAll(
                db,
                sql: """
                    SELECT note.id, note.authorId, user.name AS authorName, note.body, note.createdAt
                    FROM note LEFT JOIN user ON user.id = note.authorId
                    WHERE note.leadId = ? ORDER BY note.createdAt DESC, note.id DESC
                    """, arguments: [id])
            let attachments = try AttachmentRow.fetchAll(
                db,
                sql: """
                    SELECT attachment.*, user.name AS uploaderName
                    FROM attachment LEFT JOIN user ON user.id = attachment.uploaderId
                    WHERE attachment.leadId = ? ORDER BY attachment.createdAt DESC, attachment.id DESC
                    """, arguments: [id])
            let activities = try ActivityRow.fetchAll(
                db,
                sql: """
                    SELECT activity.id, activity.leadId, activity.kind, activity.detail, activity.createdAt, user.name AS actorName
                    FROM activity LEFT JOIN user ON user.id = activity.actorId
                    WHERE activity.leadId = ? ORDER BY activity.id DESC LIMIT 200
                    """, arguments: [id])
            let customFields = try db.customFields(.lead, activeOnly: true)
            return LeadDetail(
                lead: lead, stage: stage, source: try lead.sourceId.flatMap { try Source.fetchOne(db, key: $0) },
                owner: people.first { $0.id == lead.ownerId }, createdBy: people.first { $0.id == lead.createdById },
                notes: notes, attachments: attachments, activities: activities, tasks: try Self.tasks(db, leadId: id),
                history: try Self.history(db, leadId: id), allowedTargets: try db.pipelineConfig().allowedTargets(from: lead.stageId),
                customFields: customFields, customValues: try db.leadFieldValues(leadIds: [id], fields: customFields)[id] ?? [:],
                taskFields: try db.taskFieldData(leadId: id))
        }
    }

    /// Creates a lead with a new reference and its `created` activity, in one transaction. It starts
    /// in an entry stage; any other stage is reached by a move under the pipeline rules (see
    /// `Database.createLead`), and a refusal (`LeadCreateRefusal`) writes nothing.
    public func createLead(_ input: LeadInput, actor: User) async throws -> Lead {
        let now = self.now
        return try await write { db in
            try db.checkReferences(input)
            return try db.createLead(input, actor: actor, at: now, kind: .created, detail: nil, config: try db.pipelineConfig())
        }
    }

    /// Saves the edit form if the lead is still at `expectedVersion`; records one activity row per
    /// kind of change (fields, owner, stage) in the same transaction.
    public func updateLead(id: Int64, expectedVersion: Int, input: LeadInput, actor: User) async throws -> LeadUpdateOutcome {
        let now = self.now
        return try await write { db in
            guard var lead = try db.visibleLead(id: id, viewer: actor) else { throw LeadWriteError.notFound }
            guard lead.version == expectedVersion else { return .conflict(current: lead) }
            try db.checkReferences(input, currentOwner: lead.ownerId)
            let before = lead
            lead.name = input.name
            lead.email = input.email
            lead.phone = input.phone
            lead.company = input.company
            lead.sourceId = input.sourceId
            lead.valueCents = input.valueCents
            lead.expectedCloseDate = input.expectedCloseDate
            var changes = before.fieldChanges(to: lead, sources: try Source.fetchAll(db))
            changes += try db.saveLeadFieldValues(leadId: id, values: input.customValues)
            let ownerChanged = LeadPolicy.canAssign(actor) && input.ownerId != before.ownerId
            if ownerChanged { lead.ownerId = input.ownerId }
            let stageChanged = input.stageId != before.stageId
            if changes.isEmpty && !ownerChanged && !stageChanged { return .updated(lead) }
            lead.updatedAt = now
            lead.version += 1
            try lead.update(db)
            if !changes.isEmpty {
                try db.recordActivity(leadId: id, actorId: actor.id, kind: .updated, detail: ActivityDetail(changes: changes), at: now)
            }
            if ownerChanged { try db.recordAssignment(leadId: id, from: before.ownerId, to: input.ownerId, actor: actor, at: now) }
            if stageChanged {
                // The edit form moves through the same rules as every other path; a refusal rolls back the whole save.
                lead = try db.moveLead(
                    lead, request: MoveRequest(toStageId: input.stageId), actor: actor, mayOverride: LeadPolicy.canOverrideGates(actor), at: now
                ).lead
            }
            return .updated(lead)
        }
    }

    /// Gives a lead to another owner (or nobody). Managers and admins only; the caller checks.
    @discardableResult
    public func assignLead(id: Int64, ownerId: Int64?, actor: User) async throws -> Lead {
        let now = self.now
        return try await write { db in
            guard var lead = try db.visibleLead(id: id, viewer: actor) else { throw LeadWriteError.notFound }
            if let ownerId {
                guard let owner = try User.fetchOne(db, key: ownerId), owner.isActive else {
                    throw LeadWriteError.invalidReference(field: "owner_id", message: "Choose an active user as owner.")
                }
            }
            guard lead.ownerId != ownerId else { return lead }
            let previous = lead.ownerId
            lead.ownerId = ownerId
            lead.updatedAt = now
            lead.version += 1
            try lead.update(db)
            try db.recordAssignment(leadId: id, from: previous, to: ownerId, actor: actor, at: now)
            return lead
        }
    }

    /// Soft-deletes a lead: it leaves every list, search and count, and can be restored by an admin.
    public func deleteLead(id: Int64, actor: User) async throws {
        let now = self.now
        try await write { db in
            guard var lead = try db.visibleLead(id: id, viewer: actor) else { throw LeadWriteError.notFound }
            lead.deletedAt = now
            lead.updatedAt = now
            lead.version += 1
            try lead.update(db)
            try db.recordActivity(leadId: id, actorId: actor.id, kind: .deleted, at: now)
        }
    }

    public func restoreLead(id: Int64, actor: User) async throws {
        let now = self.now
        try await write { db in
            guard var lead = try db.visibleLead(id: id, viewer: actor, includeDeleted: true), lead.deletedAt != nil else {
                throw LeadWriteError.notFound
            }
            lead.deletedAt = nil
            lead.updatedAt = now
            lead.version += 1
            try lead.update(db)
            try db.recordActivity(leadId: id, actorId: actor.id, kind: .restored, at: now)
        }
    }

    /// The latest activity on leads the viewer may see, newest first (one extra row tells if more exist).
    public func activityFeed(viewer: User, page: Int, pageSize: Int = 50) async throws -> [ActivityRow] {
        try await pool.read { db in
            let (sql, arguments) = try ActivityRow.feedSQL(db, viewer: viewer, limit: pageSize + 1, offset: max(0, page - 1) * pageSize)
            return try ActivityRow.fetchAll(db, sql: sql, arguments: arguments)
        }
    }
}

extension Database {
    /// True when the user owns at most 5,000 live leads (then queries start from their leads).
    func ownsFewLeads(_ user: User) throws -> Bool {
        let owned = try Int.fetchOne(
            self, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM lead WHERE ownerId = ? AND deletedAt IS NULL LIMIT 5001)", arguments: [user.id]) ?? 0
        return owned <= 5000
    }

    /// Where a new lead asking for `input.stageId` starts: that stage when it is an entry stage,
    /// otherwise the first entry stage, from which the move to the requested stage must pass the move
    /// rules. Checked without writing: a new lead's open tasks are its entry stage's templates.
    /// `onward` is the move on from the entry stage as the caller asks it (the import: a comment, a
    /// lost reason, an override) and `mayOverride` the policy's answer; the form gives neither, since
    /// nobody could have seen a new lead's tasks.
    func entryStage(for input: LeadInput, actor: User, config: PipelineConfig, onward: MoveRequest? = nil, mayOverride: Bool = false) throws -> Stage {
        let entries = config.entryStages
        if let requested = entries.first(where: { $0.id == input.stageId }) { return requested }
        guard let entry = entries.first else { throw LeadCreateRefusal(entryStage: "no stage", refusal: .unknownStage) }
        do {
            // A new lead's open tasks are its entry stage's templates.
            var request = onward ?? MoveRequest(toStageId: input.stageId)
            request.toStageId = input.stageId
            _ = try config.checkMove(
                from: entry.uid, openRequiredTasks: config.requiredTaskNames(of: entry.uid), request: request, mayOverride: mayOverride)
        } catch let refusal as MoveRefusal {
            // A lead that does not exist yet cannot have its tasks done or overridden from the create form.
            if case .openTasks(let stage, let tasks, _) = refusal {
                throw LeadCreateRefusal(entryStage: entry.name, refusal: .openTasks(stage: stage, tasks: tasks, canOverride: false))
            }
            throw LeadCreateRefusal(entryStage: entry.name, refusal: refusal)
        }
        return entry
    }

    /// Creates a lead (form, import) in the caller's transaction: inserted in its entry stage
    /// (`entryStage(for:)`), then, when another stage was asked for, moved there by `moveLead` — the
    /// same operation and rules as `POST /leads/{id}/move`, so the history shows both stays.
    func createLead(
        _ input: LeadInput, actor: User, at now: Date, kind: ActivityKind, detail: ActivityDetail?, config: PipelineConfig, onward: MoveRequest? = nil,
        mayOverride: Bool = false
    ) throws -> Lead {
        let entry = try entryStage(for: input, actor: actor, config: config, onward: onward, mayOverride: mayOverride)
        var start = input
        start.stageId = entry.uid
        let lead = try insertLead(start, actor: actor, at: now, kind: kind, detail: detail)
        guard entry.uid != input.stageId else { return lead }
        // The entry check above already refused open required tasks unless `onward` overrides them.
        var request = onward ?? MoveRequest(toStageId: input.stageId)
        request.toStageId = input.stageId
        return try moveLead(lead, request: request, actor: actor, mayOverride: mayOverride, at: now, config: config).lead
    }

    /// Inserts a new lead in `input.stageId` as given (no pipeline rules: callers go through
    /// `createLead`), with a fresh reference, its activity row (`created` or `imported`; the
    /// detail defaults to the reference) and its first stage stay with tasks.
    func insertLead(_ input: LeadInput, actor: User, at now: Date, kind: ActivityKind, detail: ActivityDetail?) throws -> Lead {
        var lead = Lead(
            id: nil, reference: try nextLeadReference(at: now), name: input.name, email: input.email, phone: input.phone,
            company: input.company, sourceId: input.sourceId, valueCents: input.valueCents, expectedCloseDate: input.expectedCloseDate,
            stageId: input.stageId, ownerId: input.ownerId, createdById: actor.id, createdAt: now, updatedAt: now, stageEnteredAt: now,
            version: 1, deletedAt: nil)
        try lead.insert(self)
        _ = try saveLeadFieldValues(leadId: lead.uid, values: input.customValues)
        try recordActivity(leadId: lead.uid, actorId: actor.id, kind: kind, detail: detail ?? ActivityDetail(text: lead.reference), at: now)
        try enterFirstStage(leadId: lead.uid, stageId: lead.stageId, actorId: actor.id, at: now)
        return lead
    }

    func recordAssignment(leadId: Int64, from: Int64?, to: Int64?, actor: User, at now: Date) throws {
        let names = try User.filter(keys: [from, to].compactMap { $0 }).fetchAll(self)
        func name(_ id: Int64?) -> String { names.first { $0.id == id }?.name ?? "Unassigned" }
        try recordActivity(
            leadId: leadId, actorId: actor.id, kind: .assigned,
            detail: ActivityDetail(changes: [.init(field: "Owner", from: name(from), to: name(to))]), at: now)
    }
}
