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
    /// The columns matched to active lead custom fields (by key), in file order.
    public var customColumns: [String] = []
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
/// All three walk the file through `Rows`, the one place that classifies a row (create, match or
/// invalid), so what the preview promises is what the run does. Rows stream from disk, so memory
/// stays bounded whatever the file size (apart from one entry per lead the file creates or moves).
public enum LeadImporter {
    /// What a row does: the one answer the preview, the invalid-rows CSV and the run act on.
    enum Row {
        /// A new lead; `move` takes it on from its entry stage when the row names another stage.
        case create(LeadInput, move: MoveRequest)
        /// The row's email matches a lead (skipped, or updated when the file updates).
        case match(Match)
        case invalid(String)
    }

    struct Match {
        /// nil: the lead an earlier row of this file creates (found by `email` once written).
        var leadId: Int64?
        var email: String
        var input: LeadInput
        /// The stage change the update makes, already checked; nil when the stage stays (or the file
        /// does not update).
        var move: MoveRequest?
    }

    /// The comment every move of an import carries (stage history and activity).
    static func moveComment(_ fileLabel: String) -> String { "Imported from \(fileLabel)" }

    /// The reason a row asking for a lost stage without a `lost_reason` is invalid.
    static func missingLostReason(_ stage: String) -> String {
        "lost_reason: a lead in \(stage) needs the reason it was lost; the row has none."
    }

    /// Column name → index, from the header record. Built-in columns come first; other names are
    /// matched to the active lead custom fields by key (case-insensitively, like the built-in ones).
    struct Header {
        var index: [String: Int] = [:]
        var count = 0
        var unknown: [String] = []
        /// The custom fields the file has a column for, with the column's index, in file order.
        var custom: [(field: CustomField, index: Int)] = []

        init(_ record: CSVRecordReader.Record, customFields: [CustomField] = []) throws {
            count = record.fields.count
            let byKey = Dictionary(customFields.map { ($0.key.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            for (i, raw) in record.fields.enumerated() {
                guard let name = String(validating: raw, as: UTF8.self)?.trimmingCharacters(in: .whitespaces).lowercased() else {
                    throw ImportAborted(line: record.line, reason: "The header row is not valid UTF-8.")
                }
                if LeadCSV.columns.contains(name) {
                    if index[name] == nil { index[name] = i }
                } else if let field = byKey[name] {
                    if !custom.contains(where: { $0.field.id == field.id }) { custom.append((field, i)) }
                } else if !name.isEmpty {
                    unknown.append(name)
                }
            }
            if index["name"] == nil { throw ImportAborted(line: record.line, reason: "The header row has no name column.") }
        }

        func has(_ column: String) -> Bool { index[column] != nil }
    }

    /// Lookups shared by every row (names are matched case-insensitively).
    struct Lookups {
        var reference: LeadReferenceData
        var stagesByName: [String: Stage]
        var sourcesByName: [String: Source]
        var usersByEmail: [String: User]
        var defaultStage: Stage?
        /// The active lead custom fields, in form order.
        var customFields: [CustomField]

        init(_ db: Database) throws {
            customFields = try db.customFields(.lead, activeOnly: true)
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

    /// A row's values once its columns pass the lead's field rules (`LeadFields`).
    struct Values {
        var input: LeadInput
        /// The row names a stage (an update without one keeps the lead's stage).
        var stageGiven: Bool
        var lostReason: String
        /// The custom columns' values, checked against their fields' rules: nil for an empty cell.
        /// Whether an empty cell gets the default, clears or is refused depends on what the row does
        /// (`customValuesForNewLead`, `customValuesForUpdate`).
        var custom: [Int64: FieldValue?] = [:]
    }

    struct RowProblem: Error {
        var reason: String
    }

    /// Reads one record's columns and checks them with the lead form's rules; nothing here depends on
    /// the pipeline or on other rows.
    static func values(
        _ record: CSVRecordReader.Record, header: Header, lookups: Lookups, options: ImportOptions, mayChooseOwner: Bool
    ) -> Result<Values, RowProblem> {
        guard record.fields.count == header.count else {
            return .failure(RowProblem(reason: "Wrong number of columns: expected \(header.count), found \(record.fields.count)."))
        }
        // The cells the row is read by: built-in columns by name, custom ones by form name (`cf_<key>`).
        var values: [String: String] = [:]
        let columns = header.index.map { (name: $0.key, index: $0.value, key: $0.key) }
            + header.custom.map { (name: $0.field.key, index: $0.index, key: $0.field.formName) }
        for column in columns {
            guard let text = String(validating: record.fields[column.index], as: UTF8.self) else {
                return .failure(RowProblem(reason: "Column \(column.name) is not valid UTF-8."))
            }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t" || $0.value == 0x7f }) {
                return .failure(RowProblem(reason: "Column \(column.name) contains control characters."))
            }
            values[column.key] = CSVText.unneutralise(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var problems: [String] = []
        var fields = LeadFields()
        fields.name = values["name"] ?? ""
        fields.email = values["email"] ?? ""
        fields.phone = values["phone"] ?? ""
        fields.company = values["company"] ?? ""
        fields.value = values["value"] ?? ""
        fields.expectedCloseDate = values["expected_close_date"] ?? ""
        if let source = values["source"], !source.isEmpty {
            if let found = lookups.sourcesByName[source.lowercased()] { fields.source = String(found.uid) } else { problems.append("Unknown source “\(source)”.") }
        }
        let stageName = values["stage"] ?? ""
        if stageName.isEmpty {
            fields.stageId = lookups.defaultStage.map { String($0.uid) } ?? ""
        } else if let found = lookups.stagesByName[stageName.lowercased()] {
            fields.stageId = String(found.uid)
        } else {
            problems.append("Unknown stage “\(stageName)”.")
        }
        let ownerEmail = values["owner_email"] ?? ""
        if ownerEmail.isEmpty {
            fields.ownerId = options.defaultOwnerId.map(String.init) ?? ""
        } else if let found = lookups.usersByEmail[ownerEmail.lowercased()] {
            fields.ownerId = String(found.uid)
        } else {
            problems.append("Unknown owner “\(ownerEmail)”.")
        }
        if !problems.isEmpty { return .failure(RowProblem(reason: problems.joined(separator: " "))) }
        let (input, fieldErrors) = fields.validate(reference: lookups.reference, mayChooseOwner: mayChooseOwner, ownerFallback: nil)
        let lostReason = values["lost_reason"] ?? ""
        var errors = fieldErrors
        errors["lost_reason"] = Validate.text(lostReason, label: "Lost reason", required: false, max: 500)
        // Each non-empty cell through the field's own rules; empty cells are decided per row kind.
        let optional = header.custom.map { column in
            var field = column.field
            field.isRequired = false
            return field
        }
        let (custom, customErrors) = optional.validate { name in values[name].map { [$0] } ?? [] }
        guard let input, errors.isEmpty, customErrors.isEmpty else {
            let labels = ["name": "name", "email": "email", "phone": "phone", "company": "company", "value": "value",
                          "expected_close_date": "expected_close_date", "stage_id": "stage", "owner_id": "owner_email", "source": "source",
                          "lost_reason": "lost_reason"]
            let builtIn = errors.sorted { $0.key < $1.key }.map { "\(labels[$0.key] ?? $0.key): \($0.value)" }
            let customMessages = header.custom.compactMap { column in customErrors[column.field.formName].map { "\(column.field.key): \($0)" } }
            return .failure(RowProblem(reason: (builtIn + customMessages).joined(separator: " ")))
        }
        return .success(Values(input: input, stageGiven: !stageName.isEmpty, lostReason: lostReason, custom: custom))
    }

    /// The custom values of a new lead: the file's value, else the field's default, for every active
    /// lead field; a required field left without either makes the row invalid.
    static func customValuesForNewLead(_ values: Values, fields: [CustomField]) -> Result<[Int64: FieldValue?], RowProblem> {
        var result: [Int64: FieldValue?] = [:]
        var problems: [String] = []
        for field in fields {
            if let value = (values.custom[field.uid] ?? nil) ?? field.defaultFieldValue {
                result[field.uid] = value
            } else if case .failure(let error) = field.spec.parse([]) {
                problems.append("\(field.key): \(error.message)")
            }
        }
        return problems.isEmpty ? .success(result) : .failure(RowProblem(reason: problems.joined(separator: " ")))
    }

    /// The custom values an update writes: only the file's columns (an empty cell clears), so fields
    /// without a column keep their values; clearing a required field makes the row invalid.
    static func customValuesForUpdate(_ values: Values, header: Header) -> Result<[Int64: FieldValue?], RowProblem> {
        let problems = header.custom.compactMap { column -> String? in
            guard values.custom[column.field.uid] == .some(nil), case .failure(let error) = column.field.spec.parse([]) else { return nil }
            return "\(column.field.key): \(error.message)"
        }
        return problems.isEmpty ? .success(values.custom) : .failure(RowProblem(reason: problems.joined(separator: " ")))
    }

    static func existingLookup(_ db: Database) throws -> (String) throws -> Int64? {
        let statement = try db.makeStatement(sql: "SELECT id FROM lead WHERE email = ? COLLATE NOCASE AND deletedAt IS NULL ORDER BY id LIMIT 1")
        return { email in try Int64.fetchOne(statement, arguments: [email]) }
    }

    /// The file's rows in order, each with what it does. An earlier row counts for the later ones
    /// whether or not it has been written yet (the preview writes nothing, the run writes as it goes):
    /// a second row with a new email matches the lead the first one creates, and a stage change
    /// starts from the stage earlier rows left the lead in. Moves go through the move rules with the
    /// policy's override decision and the comment "Imported from <file>".
    struct Rows {
        let header: Header
        let config: PipelineConfig
        var sources: [Source] { lookups.reference.sources }
        private let reader: CSVRecordReader
        private let lookups: Lookups
        private let actor: User
        private let options: ImportOptions
        private let comment: String
        /// The policy's answers for the importing user (`LeadPolicy.canOverrideGates`, `canAssign`).
        let mayOverride: Bool
        private let mayChooseOwner: Bool
        private let existing: (String) throws -> Int64?
        /// The stage of each lead an earlier row creates, by lowercased email.
        private var created: [String: Int64] = [:]
        /// The stage of each live lead an earlier row moves, by id.
        private var moved: [Int64: Int64] = [:]

        /// Rows after `headerRecord` (already read from `reader`); throws `ImportAborted` for a header
        /// that cannot be imported.
        init(reader: CSVRecordReader, headerRecord: CSVRecordReader.Record, db: Database, actor: User, options: ImportOptions, fileLabel: String) throws {
            lookups = try Lookups(db)
            header = try Header(headerRecord, customFields: lookups.customFields)
            config = try db.pipelineConfig()
            self.reader = reader
            self.actor = actor
            self.options = options
            comment = LeadImporter.moveComment(fileLabel)
            mayOverride = LeadPolicy.canOverrideGates(actor)
            mayChooseOwner = LeadPolicy.canAssign(actor)
            existing = try LeadImporter.existingLookup(db)
        }

        /// The live lead a matching row updates (one an earlier row created is found once written).
        func leadId(of match: Match) throws -> Int64? {
            try match.leadId ?? existing(match.email)
        }

        mutating func next(_ db: Database) throws -> (record: CSVRecordReader.Record, row: Row)? {
            guard let record = reader.next() else { return nil }
            return (record, try classify(record, db: db))
        }

        private mutating func classify(_ record: CSVRecordReader.Record, db: Database) throws -> Row {
            let values: Values
            switch LeadImporter.values(record, header: header, lookups: lookups, options: options, mayChooseOwner: mayChooseOwner) {
            case .failure(let problem): return .invalid(problem.reason)
            case .success(let checked): values = checked
            }
            var input = values.input
            let email = input.email.lowercased()
            let request = MoveRequest(toStageId: input.stageId, comment: comment, lostReason: values.lostReason, override: mayOverride)
            if !email.isEmpty, let stage = created[email] {
                return try update(leadId: nil, email: email, from: stage, values: values, request: request, db: db)
            }
            if !email.isEmpty, let leadId = try existing(email) {
                return try update(leadId: leadId, email: email, from: nil, values: values, request: request, db: db)
            }
            switch LeadImporter.customValuesForNewLead(values, fields: lookups.customFields) {
            case .failure(let problem): return .invalid(problem.reason)
            case .success(let custom): input.customValues = custom
            }
            do {
                _ = try db.entryStage(for: input, actor: actor, config: config, onward: request, mayOverride: mayOverride)
            } catch let refusal as LeadCreateRefusal {
                if case .lostReasonRequired(let stage) = refusal.refusal { return .invalid(LeadImporter.missingLostReason(stage)) }
                return .invalid("Stage refused: \(refusal.message)")
            }
            if !email.isEmpty { created[email] = input.stageId }
            return .create(input, move: request)
        }

        /// A matching row: skipped, or an update whose stage change (if any) the move rules allow.
        /// `from`: the stage of a lead this file creates (nil: a live lead, read unless an earlier
        /// row moved it).
        private mutating func update(leadId: Int64?, email: String, from: Int64?, values: Values, request: MoveRequest, db: Database) throws -> Row {
            var match = Match(leadId: leadId, email: email, input: values.input, move: nil)
            switch LeadImporter.customValuesForUpdate(values, header: header) {
            case .failure(let problem): return .invalid(problem.reason)
            case .success(let custom): match.input.customValues = custom
            }
            guard options.updateExisting, values.stageGiven else { return .match(match) }
            do {
                if let stage = from ?? leadId.flatMap({ moved[$0] }) {
                    // A stay this file opens has every required task of its stage open.
                    guard stage != values.input.stageId else { return .match(match) }
                    _ = try config.checkMove(
                        from: stage, openRequiredTasks: config.requiredTaskNames(of: stage), request: request, mayOverride: mayOverride)
                } else if let leadId, let lead = try Lead.fetchOne(db, key: leadId) {
                    guard lead.stageId != values.input.stageId else { return .match(match) }
                    _ = try db.checkMove(lead, request: request, mayOverride: mayOverride, config: config)
                } else {
                    return .match(match)
                }
            } catch let refusal as MoveRefusal {
                if case .lostReasonRequired(let stage) = refusal { return .invalid(LeadImporter.missingLostReason(stage)) }
                return .invalid("Stage change refused: \(refusal.message)")
            }
            if let leadId { moved[leadId] = values.input.stageId } else { created[email] = values.input.stageId }
            match.move = request
            return .match(match)
        }
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
            var rows: Rows
            do {
                rows = try Rows(reader: reader, headerRecord: headerRecord, db: db, actor: actor, options: options, fileLabel: "the file")
            } catch let error as ImportAborted {
                preview.fileError = error.reason
                return preview
            }
            preview.unknownColumns = rows.header.unknown
            preview.customColumns = rows.header.custom.map(\.field.key)
            while let (record, row) = try rows.next(db) {
                preview.rows += 1
                switch row {
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

    /// The invalid rows as CSV: the header, then each invalid row as it was, plus `line` and `error`.
    public static func invalidRows(path: String, database: AppDatabase, actor: User, options: ImportOptions) async throws -> String {
        try await database.pool.read { db in
            let reader = try CSVRecordReader(path: path)
            guard let headerRecord = reader.next() else { return "" }
            let headerNames = headerRecord.fields.map { String(decoding: $0, as: UTF8.self) }
            var invalid: [[String]] = [headerNames + ["line", "error"]]
            guard var rows = try? Rows(reader: reader, headerRecord: headerRecord, db: db, actor: actor, options: options, fileLabel: "the file") else {
                return try CSVText.encode(invalid, numericColumns: [])
            }
            while let (record, row) = try rows.next(db) {
                if case .invalid(let reason) = row {
                    invalid.append(record.fields.map { String(decoding: $0, as: UTF8.self) } + [String(record.line), reason])
                }
            }
            return try CSVText.encode(invalid, numericColumns: [])
        }
    }

    /// Imports every valid row in one transaction, with one `imported` activity per lead. New leads
    /// start like the form's (`Database.createLead`), moving on under the move rules; invalid rows
    /// (exactly the preview's, when nothing changed in between) are left out; any failure while
    /// writing rolls the whole import back.
    public static func run(
        path: String, database: AppDatabase, actor: User, options: ImportOptions, fileLabel: String, jobToken: String? = nil,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> ImportResult {
        let now = database.now
        return try await database.write { db in
            var result = ImportResult()
            if let jobToken {
                // Confirming twice must not import twice: the job is claimed inside the same transaction.
                try db.execute(sql: "UPDATE importJob SET status = 'done', finishedAt = ? WHERE token = ? AND status = 'pending'", arguments: [now, jobToken])
                guard db.changesCount == 1 else { throw ImportAborted(line: 0, reason: "This import has already been confirmed.") }
            }
            let reader = try CSVRecordReader(path: path)
            guard let headerRecord = reader.next() else { return result }
            var rows = try Rows(reader: reader, headerRecord: headerRecord, db: db, actor: actor, options: options, fileLabel: fileLabel)
            let detail = ActivityDetail(text: fileLabel)
            var processed = 0
            while let (record, row) = try rows.next(db) {
                processed += 1
                if processed % 10_000 == 0 { progress?(processed) }
                switch row {
                case .invalid:
                    result.invalid += 1
                case .create(let input, let move):
                    do {
                        _ = try db.createLead(
                            input, actor: actor, at: now, kind: .imported, detail: detail, config: rows.config, onward: move,
                            mayOverride: rows.mayOverride)
                    } catch let refusal as LeadCreateRefusal {
                        throw ImportAborted(line: record.line, reason: "Stage refused: \(refusal.message)")
                    } catch let refusal as MoveRefusal {
                        throw ImportAborted(line: record.line, reason: "Stage refused: \(refusal.message)")
                    }
                    result.created += 1
                case .match(let match):
                    guard options.updateExisting, let leadId = try rows.leadId(of: match), let lead = try Lead.fetchOne(db, key: leadId) else {
                        result.skipped += 1
                        continue
                    }
                    do {
                        try update(
                            lead, with: match, header: rows.header, db: db, actor: actor, options: options, now: now, config: rows.config,
                            sources: rows.sources, mayOverride: rows.mayOverride, fileLabel: fileLabel)
                    } catch let refusal as MoveRefusal {
                        throw ImportAborted(line: record.line, reason: "Stage change refused: \(refusal.message)")
                    }
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

    /// Applies a matching row to its lead: only the columns the file has change (custom ones too),
    /// recorded like the edit form's changes (`Lead.fieldChanges`), then the owner, then the checked
    /// stage change.
    static func update(
        _ lead: Lead, with match: Match, header: Header, db: Database, actor: User, options: ImportOptions, now: Date, config: PipelineConfig,
        sources: [Source], mayOverride: Bool, fileLabel: String
    ) throws {
        let input = match.input
        var after = lead
        if header.has("name") { after.name = input.name }
        if header.has("phone") { after.phone = input.phone }
        if header.has("company") { after.company = input.company }
        if header.has("source") { after.sourceId = input.sourceId }
        if header.has("value") { after.valueCents = input.valueCents }
        if header.has("expected_close_date") { after.expectedCloseDate = input.expectedCloseDate }
        if header.has("owner_email") || options.defaultOwnerId != nil { after.ownerId = input.ownerId }
        after.updatedAt = now
        after.version += 1
        try after.update(db)
        var changes = lead.fieldChanges(to: after, sources: sources)
        // Only the file's custom columns are in `customValues`: the other fields keep their values.
        changes += try db.saveLeadFieldValues(leadId: lead.uid, values: input.customValues)
        if !changes.isEmpty {
            try db.recordActivity(
                leadId: lead.uid, actorId: actor.id, kind: .updated, detail: ActivityDetail(changes: changes, comment: moveComment(fileLabel)), at: now)
        }
        if lead.ownerId != after.ownerId {
            try db.recordAssignment(leadId: lead.uid, from: lead.ownerId, to: after.ownerId, actor: actor, at: now)
        }
        if let move = match.move {
            _ = try db.moveLead(after, request: move, actor: actor, mayOverride: mayOverride, at: now, config: config)
        }
        try db.recordActivity(leadId: lead.uid, actorId: actor.id, kind: .imported, detail: ActivityDetail(text: fileLabel), at: now)
    }
}
