import Foundation
import GRDB

/// A problem `leadboard check`, `backup` or `restore` found, or a refusal to start, in one line.
public struct MaintenanceError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The operator commands on a data folder: `backup`, `restore` and `check`. The command line only
/// prints what these return.
public enum Maintenance {
    // MARK: Backup

    public struct BackupReport: Sendable {
        public var databasePath: String
        public var databaseBytes: Int64
        public var health: DatabaseHealth
        /// Upload files copied (names), and their total size.
        public var copiedFiles: Int
        public var copiedBytes: Int64
        /// Files the backed-up rows reference that were not in `uploads/` (deleted meanwhile, or lost before).
        public var missingFiles: [StoredAttachment]
        public var copiedServerKey: Bool

        /// The lines `leadboard backup` prints.
        public var lines: [String] {
            var lines = [
                "Wrote \(databasePath) (\(byteCount(databaseBytes)); \(health.leadCount) leads, \(health.userCount) users, \(health.attachments.count) attachments)",
                "Copied \(copiedFiles) upload files (\(byteCount(copiedBytes))) to \((databasePath as NSString).deletingLastPathComponent)/uploads",
            ]
            if copiedServerKey { lines.append("Copied the server key (\(ServerKey.fileName))") }
            for file in missingFiles {
                lines.append("warning: attachment \(file.id) (lead \(file.leadId), \"\(file.originalName)\") has no file \(file.storedName) in uploads/")
            }
            lines.append(contentsOf: health.integrityProblems.map { "integrity: \($0)" })
            lines.append(contentsOf: health.foreignKeyProblems.map { "foreign key: \($0)" })
            lines.append(health.isHealthy ? "Integrity check of the copy: ok" : "Integrity check of the copy: FAILED")
            if !missingFiles.isEmpty {
                lines.append("The backup is incomplete: \(missingFiles.count) file(s) missing (deleted while it ran, or lost before); run it again.")
            }
            return lines
        }

        /// A healthy copy with every file its rows reference: what `leadboard backup` exits 0 for.
        public var isComplete: Bool { health.isHealthy && missingFiles.isEmpty }
    }

    /// Backs up the data folder of `configuration` into `directory` (created; must be empty): the
    /// database through SQLite's online backup API (consistent while the server writes), then the
    /// upload files the copied rows reference, then an integrity check of the copy.
    /// `leadboard backup`: reads the live database through a read-only connection (no migration, no
    /// write lock taken, so the server's writes carry on).
    public static func backup(configuration: AppConfiguration, to directory: String) throws -> BackupReport {
        let path = DataFolder.absolute(configuration.databasePath)
        guard try DataFolder.databaseExists(at: path) else { throw DataFolderError(.missing, path: path) }
        let source: DatabaseQueue
        do { source = try AppDatabase.openReadOnly(path: path) } catch {
            throw DataFolderError.classify(error, path: path, folder: configuration.dataDirectory)
        }
        defer { try? source.close() }
        return try backup(from: source, configuration: configuration, to: directory)
    }

    /// Backs up from an open database (the server's own pool in tests).
    public static func backup(from source: some DatabaseReader, configuration: AppConfiguration, to directory: String) throws -> BackupReport {
        let target = DataFolder.absolute(directory)
        try requireEmptyFolder(target, purpose: "back up into")
        let targetUploads = (target as NSString).appendingPathComponent("uploads")
        try FileManager.default.createDirectory(atPath: targetUploads, withIntermediateDirectories: true)
        let databasePath = (target as NSString).appendingPathComponent("leadboard.sqlite")
        let health = try AppDatabase.copy(from: source, toFile: databasePath)
        // Uploads never change once stored, so copying the referenced ones after the snapshot is enough.
        let copied = try copyUploads(health.attachments, from: configuration.uploadsDirectory, to: targetUploads)
        let keyPath = (configuration.dataDirectory as NSString).appendingPathComponent(ServerKey.fileName)
        var copiedKey = false
        if FileManager.default.fileExists(atPath: keyPath) {
            try FileManager.default.copyItem(atPath: keyPath, toPath: (target as NSString).appendingPathComponent(ServerKey.fileName))
            copiedKey = true
        }
        return BackupReport(
            databasePath: databasePath, databaseBytes: fileSize(databasePath), health: health,
            copiedFiles: copied.count, copiedBytes: copied.bytes, missingFiles: copied.missing, copiedServerKey: copiedKey)
    }

    // MARK: Restore

    public struct RestoreReport: Sendable {
        public var databasePath: String
        public var health: DatabaseHealth
        public var copiedFiles: Int
        public var copiedBytes: Int64
        public var missingFiles: [StoredAttachment]

        public var lines: [String] {
            var lines = [
                "Restored \(databasePath) (\(health.leadCount) leads, \(health.userCount) users, \(health.attachments.count) attachments)",
                "Copied \(copiedFiles) upload files (\(byteCount(copiedBytes)))",
            ]
            for file in missingFiles {
                lines.append("warning: attachment \(file.id) (lead \(file.leadId), \"\(file.originalName)\") has no file in the backup")
            }
            lines.append("Serve it with: leadboard serve --data-dir \((databasePath as NSString).deletingLastPathComponent)")
            return lines
        }
    }

    /// Restores a backup folder into a new data folder. Refuses a data folder that exists and is not
    /// empty, and a backup whose database fails its integrity check. The restored database is
    /// migrated to this version's schema.
    public static func restore(from backupDirectory: String, to configuration: AppConfiguration) throws -> RestoreReport {
        let source = DataFolder.absolute(backupDirectory)
        let sourceDatabase = (source as NSString).appendingPathComponent("leadboard.sqlite")
        let target = DataFolder.absolute(configuration.dataDirectory)
        guard try DataFolder.databaseExists(at: sourceDatabase) else {
            throw MaintenanceError("No backup at \(source): it has no leadboard.sqlite. Pass the folder `leadboard backup --to` wrote.")
        }
        try requireEmptyFolder(target, purpose: "restore into")
        let reader: DatabaseQueue
        do { reader = try AppDatabase.openReadOnly(path: sourceDatabase) } catch {
            throw DataFolderError.classify(error, path: sourceDatabase, folder: source)
        }
        let sourceHealth: DatabaseHealth
        do { sourceHealth = try AppDatabase.health(of: reader) } catch {
            throw DataFolderError.classify(error, path: sourceDatabase, folder: source)
        }
        guard sourceHealth.isHealthy else {
            throw MaintenanceError(
                "Refusing to restore \(sourceDatabase): it fails the integrity check (\(DataFolderError.oneLine((sourceHealth.integrityProblems + sourceHealth.foreignKeyProblems).prefix(3).joined(separator: "; "))))."
            )
        }
        try configuration.prepareDataDirectory()
        _ = try AppDatabase.copy(from: reader, toFile: configuration.databasePath)
        try reader.close()
        let copied = try copyUploads(
            sourceHealth.attachments, from: (source as NSString).appendingPathComponent("uploads"), to: configuration.uploadsDirectory)
        let keyPath = (source as NSString).appendingPathComponent(ServerKey.fileName)
        if FileManager.default.fileExists(atPath: keyPath) {
            try FileManager.default.copyItem(atPath: keyPath, toPath: (target as NSString).appendingPathComponent(ServerKey.fileName))
        }
        // Applies any migration this version has that the backup's did not.
        let restored = try DataFolder.openDatabase(configuration: configuration, createIfMissing: false)
        let health = try restored.health()
        try restored.close()
        return RestoreReport(
            databasePath: DataFolder.absolute(configuration.databasePath), health: health,
            copiedFiles: copied.count, copiedBytes: copied.bytes, missingFiles: copied.missing)
    }

    // MARK: Check

    public struct CheckReport: Sendable {
        public var databasePath: String
        public var health: DatabaseHealth
        /// Attachment rows whose file is not in `uploads/`.
        public var rowsWithoutFiles: [StoredAttachment]
        /// Files in `uploads/` (older than a minute, not `.part`) that no row references.
        public var filesWithoutRows: [String]

        public var isHealthy: Bool { health.isHealthy && rowsWithoutFiles.isEmpty && filesWithoutRows.isEmpty }

        public var lines: [String] {
            var lines: [String] = []
            lines.append(
                health.integrityProblems.isEmpty
                    ? "integrity: ok" : "integrity: \(health.integrityProblems.count) problems")
            lines.append(contentsOf: health.integrityProblems.map { "  \($0)" })
            lines.append(
                health.foreignKeyProblems.isEmpty
                    ? "foreign keys: ok" : "foreign keys: \(health.foreignKeyProblems.count) rows point nowhere")
            lines.append(contentsOf: health.foreignKeyProblems.map { "  \($0)" })
            lines.append(
                rowsWithoutFiles.isEmpty
                    ? "attachments: all \(health.attachments.count) files present"
                    : "attachments: \(rowsWithoutFiles.count) of \(health.attachments.count) rows have no file")
            lines.append(contentsOf: rowsWithoutFiles.map { "  attachment \($0.id) (lead \($0.leadId), \"\($0.originalName)\"): missing uploads/\($0.storedName)" })
            lines.append(
                filesWithoutRows.isEmpty
                    ? "uploads: no files without an attachment row"
                    : "uploads: \(filesWithoutRows.count) files have no attachment row (removed at the next start)")
            lines.append(contentsOf: filesWithoutRows.map { "  uploads/\($0)" })
            lines.append(isHealthy ? "\(databasePath): all well" : "\(databasePath): problems found")
            return lines
        }
    }

    /// Integrity and foreign-key checks, attachment rows without files and files without rows.
    /// `leadboard check`: opens the database read-only, without migrating it, so that checking never
    /// changes the folder and a damaged file still gets its integrity report.
    public static func check(configuration: AppConfiguration, now: Date = Date()) throws -> CheckReport {
        let path = DataFolder.absolute(configuration.databasePath)
        let folder = DataFolder.absolute(configuration.dataDirectory)
        guard try DataFolder.databaseExists(at: path) else { throw DataFolderError(.missing, path: path) }
        do {
            let reader = try AppDatabase.openReadOnly(path: path)
            defer { try? reader.close() }
            return try check(reader: reader, configuration: configuration, now: now)
        } catch {
            throw DataFolderError.classify(error, path: path, folder: folder)
        }
    }

    /// The checks of `leadboard check` on an open database.
    public static func check(reader: some DatabaseReader, configuration: AppConfiguration, now: Date = Date()) throws -> CheckReport {
        let health = try AppDatabase.health(of: reader)
        let uploads = configuration.uploadsDirectory
        let missing = health.attachments.filter { !FileManager.default.fileExists(atPath: (uploads as NSString).appendingPathComponent($0.storedName)) }
        let unreferenced = DataFolder.unreferencedFiles(
            in: uploads, referenced: Set(health.attachments.map(\.storedName)), minimumAge: 60, now: now)
        return CheckReport(
            databasePath: DataFolder.absolute(configuration.databasePath), health: health,
            rowsWithoutFiles: missing, filesWithoutRows: unreferenced.map(\.name))
    }

    // MARK: Helpers

    /// Throws unless `path` is missing or an empty folder.
    static func requireEmptyFolder(_ path: String, purpose: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw MaintenanceError("Refusing to \(purpose) \(path): it is a file, not a folder.") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if !entries.isEmpty {
            throw MaintenanceError("Refusing to \(purpose) \(path): the folder is not empty (\(entries.count) entries). Pass a new or empty folder.")
        }
    }

    static func copyUploads(_ attachments: [StoredAttachment], from source: String, to target: String) throws
        -> (count: Int, bytes: Int64, missing: [StoredAttachment])
    {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var count = 0
        var bytes: Int64 = 0
        var missing: [StoredAttachment] = []
        for attachment in attachments {
            // Stored names are generated hex; anything else is not ours to copy.
            guard !attachment.storedName.isEmpty, !attachment.storedName.contains("/"), !attachment.storedName.hasPrefix(".") else {
                missing.append(attachment)
                continue
            }
            let from = (source as NSString).appendingPathComponent(attachment.storedName)
            let to = (target as NSString).appendingPathComponent(attachment.storedName)
            guard FileManager.default.fileExists(atPath: from) else {
                missing.append(attachment)
                continue
            }
            try FileManager.default.copyItem(atPath: from, toPath: to)
            count += 1
            bytes += fileSize(to)
        }
        return (count, bytes, missing)
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// "12.3 MiB", "512 bytes".
func byteCount(_ bytes: Int64) -> String {
    if bytes < 1024 { return "\(bytes) bytes" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return String(format: "%.1f", value) + " " + units[unit]
}
