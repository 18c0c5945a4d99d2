import Foundation
import GRDB

/// How an import treats rows whose email matches a live lead.
public struct ImportOptions: Sendable {
    public var updateExisting: Bool
    /// Owner for rows without `owner_email` (default: none).
    public var defaultOwnerId: Int64?
    public init(updateExisting: Bool = false, defaultOwnerId: Int64? = nil) {
        self.updateExisting = updateExisting
        self.defaultOwnerId = defaultOwnerId
    }
}

public struct ImportIssue: Sendable {
    public var line: Int
    public var reason: String
}

/// What a file would do, computed without writing.
public struct ImportPreview: Sendable {
    public var unknownColumns: [String] = []
    /// Set when the file cannot be imported at all (no header, no `name` column).
    public var fileError: String?
    public var rows = 0
    public var toCreate = 0
    public var matching = 0
    public var invalid = 0
    /// The first invalid rows (all of them are in the errors CSV).
    public var issues: [ImportIssue] = []
    public static let issuesShown = 200
}

public struct ImportResult: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var skipped = 0
    public var invalid = 0
}

/// A row that could not be imported at confirmation, which aborts the whole import.
public struct ImportAborted: Error, Sendable {
    public var line: Int
    public var reason: String
}

/// CSV import in two passes over the stored file: a read-only validation (the preview and the
/// invalid-rows CSV), and the import itself in one write transaction — all valid rows land, or none.
/// Rows stream from disk, so memory stays bounded whatever the file size.
public enum LeadImporter {
    enum Outcome {
        case create(LeadInput)
        /// `stageGiven`: the row names a stage (an update without one keeps the lead's stage).
        case match(leadId: Int64, input: LeadInput, stageGiven: Bool)
        case invalid(String)
    }

    /// Column name → index, from the header record.
    struct Header {
        var index: [String: Int] = [:]
        var count = 0
        var unknown: [String] = []

        init(_ record: CSVRecordReader.Record) throws {
            count = record.fields.count
            for (i, raw) in record.fields.enumerated() {
                guard let name = String(validating: raw, as: UTF8.self)?.trimmingCharacters(in: .whitespaces).lowercased() else {
                    throw ImportAborted(line: record.line, reason: "The header row is not valid UTF-8.")
                }
                if LeadCSV.columns.contains(name) {
                    if index[name] == nil { index[name] = i }
                } else if !name.isEmpty {
                    unknown.append(name)
                }
            }
            if index["name"] == nil { throw ImportAborted(line: record.line, reason: "The header row has no name column.") }
        }
    }

    /// Lookups shared by every row (names are matched case-insensitively).
    struct Lookups {
        var reference: LeadReferenceData
        var stagesByName: [String: Stage]
        var sourcesByName: [String: Source]
        var usersByEmail: [String: User]
        var defaultStage: Stage?

        init(_ db: Database) throws {
            reference = LeadReferenceData(
                stages: try Stage.order(Column("position")).fetchAll(db), sources: try Source.fetchAll(db),
                users: try User.filter(Column("isActive") == true).fetchAll(db))
            stagesByName = Dictionary(reference.stages.filter(\.isActive).map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            sourcesByName = Dictionary(reference.sources.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            usersByEmail = Dictionary(reference.users.map { ($0.email.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            // A row without a stage starts where new leads start.
            defaultStage = reference.stages.first { $0.isActive && $0.isEntry }
        }
    }

    /// Validates one record into an outcome. `existing` finds a live lead by email.
    static func evaluate(
        _ record: CSVRecordReader.Record, header: Header, lookups: Lookups, actor: User, options: ImportOptions, existing: (String) throws -> Int64?
    ) throws -> Outcome {
        guard record.fields.count == header.count else {
            return .invalid("Wrong number of columns: expected \(header.count), found \(record.fields.count).")
        }
        var values: [String: String] = [:]
        for (name, i) in header.index {
            guard let text = String(validating: record.fields[i], as: UTF8.self) else { return .invalid("Column \(name) is not valid UTF-8.") }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t" || $0.value == 0x7f }) {
                return .invalid("Column \(name) contains control characters.")
            }
            values[name] = CSVText.unneutralise(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var problems: [String] = []
        var form = LeadForm()
        form.name = values["name"] ?? ""
        form.email = values["email"] ?? ""
        form.phone = values["phone"] ?? ""
        form.company = values["company"] ?? ""
        form.value = values["value"] ?? ""
        form.expectedCloseDate = values["expected_close_date"] ?? ""
        if let source = values["source"], !source.isEmpty {
            if let found = lookups.sourcesByName[source.lowercased()] { form.source = String(found.uid) } else { problems.append("Unknown source “\(source)”.") }
        }
        let stageName = values["stage"] ?? ""
        if stageName.isEmpty {
            form.stageId = lookups.defaultStage.map { String($0.uid) } ?? ""
        } else if let found = lookups.stagesByName[stageName.lowercased()] {
            form.stageId = String(found.uid)
        } else {
            problems.append("Unknown stage “\(stageName)”.")
        }
        let ownerEmail = values["owner_email"] ?? ""
        if ownerEmail.isEmpty {
            form.ownerId = options.defaultOwnerId.map(String.init) ?? ""
        } else if let found = lookups.usersByEmail[ownerEmail.lowercased()] {
            form.ownerId = String(found.uid)
        } else {
            problems.append("Unknown owner “\(ownerEmail)”.")
        }
        if !problems.isEmpty { return .invalid(problems.joined(separator: " ")) }
        let (input, errors) = form.validate(reference: lookups.reference, actor: actor, ownerFallback: nil)
        guard let input else {
            let labels = ["name": "name", "email": "email", "phone": "phone", "company": "company", "value": "value",
                          "expected_close_date": "expected_close_date", "stage_id": "stage", "owner_id": "owner_email", "source": "source"]
            return .invalid(errors.sorted { $0.key < $1.key }.map { "\(labels[$0.key] ?? $0.key): \($0.value)" }.joined(separator: " "))
        }
        if !input.email.isEmpty, let leadId = try existing(input.email) { return .match(leadId: leadId, input: input, stageGiven: !stageName.isEmpty) }
        return .create(input)
    }

    static func existingLookup(_ db: Database) throws -> (String) throws -> Int64? {
        let statement = try db.makeStatement(sql: "SELECT id FROM lead WHERE email = ? COLLATE NOCASE AND deletedAt IS NULL ORDER BY id LIMIT 1")
        return { email in try Int64.fetchOne(statement, arguments: [email]) }
    }

    /// Checks that an update's stage change would pass the pipeline rules.
    static func checkUpdate(_ db: Database, leadId: Int64, input: LeadInput, actor: User, config: PipelineConfig) throws -> String? {
        guard let lead = try Lead.fetchOne(db, key: leadId), lead.stageId != input.stageId else { return nil }
        do {
            _ = try db.checkMove(lead, request: MoveRequest(toStageId: input.stageId), actor: actor, config: config)
            return nil
        } catch let refusal as MoveRefusal {
            return "Stage change refused: \(refusal.message)"
        }
    }

    /// The creation rule for a new row (`Database.entryStage(for:)`): nil when the lead may start in
    /// its stage, otherwise the reason, as the lead form shows it.
    static func checkCreate(_ db: Database, input: LeadInput, actor: User, config: PipelineConfig) throws -> String? {
        do {
            _ = try db.entryStage(for: input, actor: actor, config: config)
            return nil
        } catch let refusal as LeadCreateRefusal {
            return "Stage refused: \(refusal.message)"
        }
    }

    /// What only the rows before it decide about a new row, the same for the preview and the errors
    /// CSV (and so for the import, which sees the leads created before): a second row with a new email
    /// matches the lead the first one creates, and a new lead must be allowed to start in its stage.
    static func resolveNew(
        _ outcome: Outcome, db: Database, actor: User, config: PipelineConfig, seenNewEmails: inout Set<String>
    ) throws -> Outcome {
        guard case .create(let input) = outcome else { return outcome }
        let email = input.email.lowercased()
        if !email.isEmpty && seenNewEmails.contains(email) { return .match(leadId: 0, input: input, stageGiven: false) }
        if let problem = try checkCreate(db, input: input, actor: actor, config: config) { return .invalid(problem) }
        if !email.isEmpty { seenNewEmails.insert(email) }
        return outcome
    }

    /// Reads the file without writing: counts and the first invalid rows.
    public static func preview(
        path: String, database: AppDatabase, actor: User, options: ImportOptions, maxIssues: Int = ImportPreview.issuesShown
    ) async throws -> ImportPreview {
        try await database.pool.read { db in
            var preview = ImportPreview()
            let reader = try CSVRecordReader(path: path)
            guard let headerRecord = reader.next() else {
                preview.fileError = "The file is empty."
                return preview
            }
            let header: Header
            do { header = try Header(headerRecord) } catch let error as ImportAborted {
                preview.fileError = error.reason
                return preview
            }
            preview.unknownColumns = header.unknown
            let lookups = try Lookups(db)
            let config = try db.pipelineConfig()
            let existing = try existingLookup(db)
            var seenNewEmails = Set<String>()
            while let record = reader.next() {
                preview.rows += 1
                var outcome = try resolveNew(
                    try evaluate(record, header: header, lookups: lookups, actor: actor, options: options, existing: existing),
                    db: db, actor: actor, config: config, seenNewEmails: &seenNewEmails)
                if case .match(let leadId, let input, let stageGiven) = outcome, options.updateExisting, leadId > 0, stageGiven,
                    let problem = try checkUpdate(db, leadId: leadId, input: input, actor: actor, config: config)
                {
                    outcome = .invalid(problem)
                }
                switch outcome {
                case .create: preview.toCreate += 1
                case .match: preview.matching += 1
                case .invalid(let reason):
                    preview.invalid += 1
                    if preview.issues.count < maxIssues { preview.issues.append(ImportIssue(line: record.line, reason: reason)) }
                }
            }
            return preview
        }
    }

    /// Streams the invalid rows as CSV: the header, then each invalid row as it was, plus `error`.
    public static func invalidRows(path: String, database: AppDatabase, actor: User, options: ImportOptions) async throws -> String {
        try await database.pool.read { db in
            let reader = try CSVRecordReader(path: path)
            guard let headerRecord = reader.next() else { return "" }
            let headerNames = headerRecord.fields.map { String(decoding: $0, as: UTF8.self) }
            var rows: [[String]] = [headerNames + ["line", "error"]]
            guard let header = try? Header(headerRecord) else { return try CSVText.encode(rows, numericColumns: []) }
            let lookups = try Lookups(db)
            let config = try db.pipelineConfig()
            let existing = try existingLookup(db)
            var seenNewEmails = Set<String>()
            while let record = reader.next() {
                var outcome = try resolveNew(
                    try evaluate(record, header: header, lookups: lookups, actor: actor, options: options, existing: existing),
                    db: db, actor: actor, config: config, seenNewEmails: &seenNewEmails)
                if case .match(let leadId, let input, let stageGiven) = outcome, options.updateExisting, leadId > 0, stageGiven,
                    let problem = try checkUpdate(db, leadId: leadId, input: input, actor: actor, config: config)
                {
                    outcome = .invalid(problem)
                }
                if case .invalid(let reason) = outcome {
                    rows.append(record.fields.map { String(decoding: $0, as: UTF8.self) } + [String(record.line), reason])
                }
            }
            return try CSVText.encode(rows, numericColumns: [])
        }
    }

    /// Imports every valid row in one transaction, with one `imported` activity per lead. New leads
    /// start like the form's (`Database.createLead`). Invalid rows (the preview's, including new rows
    /// and updates whose stage the pipeline refuses) are left out;
    /// any failure while writing rolls the whole import back.
    public static func run(
        path: String, database: AppDatabase, actor: User, options: ImportOptions, fileLabel: String, jobToken: String? = nil,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> ImportResult {
        let now = database.now
        return try await database.pool.write { db in
            var result = ImportResult()
            if let jobToken {
                // Confirming twice must not import twice: the job is claimed inside the same transaction.
                try db.execute(sql: "UPDATE importJob SET status = 'done', finishedAt = ? WHERE token = ? AND status = 'pending'", arguments: [now, jobToken])
                guard db.changesCount == 1 else { throw ImportAborted(line: 0, reason: "This import has already been confirmed.") }
            }
            let reader = try CSVRecordReader(path: path)
            guard let headerRecord = reader.next() else { return result }
            let header = try Header(headerRecord)
            let lookups = try Lookups(db)
            let config = try db.pipelineConfig()
            let existing = try existingLookup(db)
            let detail = ActivityDetail(text: fileLabel)
            var processed = 0
            while let record = reader.next() {
                processed += 1
                if processed % 10_000 == 0 { progress?(processed) }
                switch try evaluate(record, header: header, lookups: lookups, actor: actor, options: options, existing: existing) {
                case .invalid:
                    result.invalid += 1
                case .create(let input):
                    // A stage the pipeline refuses for a new lead makes the row invalid, exactly as the preview showed.
                    if try checkCreate(db, input: input, actor: actor, config: config) != nil {
                        result.invalid += 1
                        continue
                    }
                    do {
                        _ = try db.createLead(input, actor: actor, at: now, kind: .imported, detail: detail, config: config)
                    } catch let refusal as MoveRefusal {
                        throw ImportAborted(line: record.line, reason: "Stage refused: \(refusal.message)")
                    }
                    result.created += 1
                case .match(let leadId, let input, let stageGiven):
                    guard options.updateExisting, var lead = try Lead.fetchOne(db, key: leadId) else {
                        result.skipped += 1
                        continue
                    }
                    // A stage change the pipeline refuses makes the row invalid, exactly as the preview showed.
                    if stageGiven, try checkUpdate(db, leadId: leadId, input: input, actor: actor, config: config) != nil {
                        result.invalid += 1
                        continue
                    }
                    // Only the columns the file has are changed; the changes are recorded like the edit form's.
                    let before = lead
                    let has = { (column: String) in header.index[column] != nil }
                    if has("name") { lead.name = input.name }
                    if has("phone") { lead.phone = input.phone }
                    if has("company") { lead.company = input.company }
                    if has("source") { lead.sourceId = input.sourceId }
                    if has("value") { lead.valueCents = input.valueCents }
                    if has("expected_close_date") { lead.expectedCloseDate = input.expectedCloseDate }
                    if has("owner_email") || options.defaultOwnerId != nil { lead.ownerId = input.ownerId }
                    lead.updatedAt = now
                    lead.version += 1
                    try lead.update(db)
                    var changes: [ActivityDetail.Change] = []
                    func track(_ field: String, _ old: String, _ new: String) {
                        if old != new { changes.append(.init(field: field, from: old, to: new)) }
                    }
                    func sourceName(_ id: Int64?) -> String { lookups.reference.source(id)?.name ?? "" }
                    track("Name", before.name, lead.name)
                    track("Phone", before.phone, lead.phone)
                    track("Company", before.company, lead.company)
                    track("Source", sourceName(before.sourceId), sourceName(lead.sourceId))
                    track("Value", Money.plain(before.valueCents), Money.plain(lead.valueCents))
                    track("Expected close", before.expectedCloseDate ?? "", lead.expectedCloseDate ?? "")
                    if !changes.isEmpty {
                        try db.recordActivity(leadId: leadId, actorId: actor.id, kind: .updated, detail: ActivityDetail(changes: changes, comment: "Imported from \(fileLabel)"), at: now)
                    }
                    if before.ownerId != lead.ownerId {
                        try db.recordAssignment(leadId: leadId, from: before.ownerId, to: lead.ownerId, actor: actor, at: now)
                    }
                    if stageGiven && input.stageId != lead.stageId {
                        do {
                            _ = try db.moveLead(lead, request: MoveRequest(toStageId: input.stageId, comment: "Imported from \(fileLabel)"), actor: actor, at: now, config: config)
                        } catch let refusal as MoveRefusal {
                            throw ImportAborted(line: record.line, reason: "Stage change refused: \(refusal.message)")
                        }
                    }
                    try db.recordActivity(leadId: leadId, actorId: actor.id, kind: .imported, detail: detail, at: now)
                    result.updated += 1
                }
            }
            if let jobToken {
                try db.execute(
                    sql: "UPDATE importJob SET updateExisting = ?, created = ?, updated = ?, skipped = ?, invalid = ? WHERE token = ?",
                    arguments: [options.updateExisting, result.created, result.updated, result.skipped, result.invalid, jobToken])
            }
            return result
        }
    }
}
