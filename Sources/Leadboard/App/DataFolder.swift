import Foundation
import GRDB
import Logging

/// Why the data folder or its database cannot be used, said in one line an operator can act on
/// (instead of SQLite's or Foundation's own text).
public struct DataFolderError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Cause: String, Sendable {
        case notWritable, readOnlyFile, unreadable, notADatabase, emptyFile, corrupt, missing, notAFolder, locked, diskFull, other
    }

    public var cause: Cause
    /// The absolute path the problem is about (the database file or the folder).
    public var path: String
    /// A short extra detail (already one line), or "".
    public var detail: String

    public init(_ cause: Cause, path: String, detail: String = "") {
        self.cause = cause
        self.path = path
        self.detail = DataFolderError.oneLine(detail)
    }

    public var description: String {
        let extra = detail.isEmpty ? "" : " (\(detail))"
        switch cause {
        case .notWritable:
            return "Cannot write to \(path): permission denied or read-only file system\(extra). "
                + "Make it writable by the user running leadboard (chown/chmod), or pass another --data-dir."
        case .readOnlyFile:
            return "Cannot write to \(path): the database file is read-only\(extra). "
                + "Make it writable by the user running leadboard (chmod u+w), or pass another --data-dir."
        case .unreadable:
            return "Cannot read \(path)\(extra). Make it readable by the user running leadboard, or pass another --data-dir."
        case .notADatabase:
            return "Refusing to use \(path): it is not a SQLite database\(extra). "
                + "Check --data-dir; to start an empty CRM there, move the file away first."
        case .emptyFile:
            return "Refusing to use \(path): the file is empty (0 bytes), not a Leadboard database. "
                + "Restore a backup (`leadboard restore`), or delete the file to start an empty CRM."
        case .corrupt:
            return "Cannot use \(path): the database is corrupt\(extra). "
                + "Restore the latest backup with `leadboard restore --from DIR --data-dir NEW`."
        case .missing:
            return "No Leadboard database at \(path). Check --data-dir (or LEADBOARD_DATA_DIR)."
        case .notAFolder:
            return "Cannot use \(path) as the data folder: it is not a folder. Pass a folder with --data-dir."
        case .locked:
            return "Cannot open \(path): another process holds the database lock\(extra). Stop it or try again."
        case .diskFull:
            return "Cannot write to \(path): the disk is full. Free some space and start again."
        case .other:
            return "Cannot open \(path)\(extra). Check the path and its permissions, or pass another --data-dir."
        }
    }

    /// Turns whatever opening the data folder threw into a `DataFolderError` naming `path`.
    /// `folder` is the data folder, named instead of the file when the folder is the problem.
    public static func classify(_ error: Error, path: String, folder: String) -> DataFolderError {
        if let error = error as? DataFolderError { return error }
        let path = DataFolder.absolute(path)
        let folder = DataFolder.absolute(folder)
        if let error = error as? DatabaseError {
            let message = error.message ?? "\(error.resultCode)"
            switch error.resultCode.primaryResultCode {
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
                // "attempt to write a readonly database": either the file itself, or the folder where
                // SQLite must create the -wal and -shm files.
                if FileManager.default.fileExists(atPath: path) && !FileManager.default.isWritableFile(atPath: path) {
                    return DataFolderError(.readOnlyFile, path: path)
                }
                return DataFolderError(.notWritable, path: folder, detail: message)
            case .SQLITE_NOTADB: return DataFolderError(.notADatabase, path: path)
            case .SQLITE_CORRUPT: return DataFolderError(.corrupt, path: path, detail: message)
            case .SQLITE_BUSY, .SQLITE_LOCKED: return DataFolderError(.locked, path: path)
            case .SQLITE_FULL: return DataFolderError(.diskFull, path: folder)
            case .SQLITE_CANTOPEN:
                if !FileManager.default.isWritableFile(atPath: folder) { return DataFolderError(.notWritable, path: folder, detail: message) }
                if FileManager.default.fileExists(atPath: path) && !FileManager.default.isReadableFile(atPath: path) {
                    return DataFolderError(.unreadable, path: path)
                }
                return DataFolderError(.other, path: path, detail: message)
            default:
                return DataFolderError(.other, path: path, detail: message)
            }
        }
        let nsError = error as NSError
        if let code = posixCode(nsError) {
            switch code {
            case .EACCES, .EPERM, .EROFS: return DataFolderError(.notWritable, path: folder, detail: String(cString: strerror(code.rawValue)))
            case .ENOTDIR, .EEXIST: return DataFolderError(.notAFolder, path: folder)
            case .ENOSPC, .EDQUOT: return DataFolderError(.diskFull, path: folder)
            default: break
            }
        }
        if nsError.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: nsError.code) {
            case .fileWriteNoPermission, .fileWriteVolumeReadOnly, .fileReadNoPermission:
                return DataFolderError(.notWritable, path: folder)
            case .fileWriteFileExists: return DataFolderError(.notAFolder, path: folder)
            case .fileWriteOutOfSpace: return DataFolderError(.diskFull, path: folder)
            default: break
            }
        }
        return DataFolderError(.other, path: path, detail: nsError.localizedDescription)
    }

    private static func posixCode(_ error: NSError) -> POSIXErrorCode? {
        if error.domain == NSPOSIXErrorDomain { return POSIXErrorCode(rawValue: Int32(error.code)) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { return posixCode(underlying) }
        return nil
    }

    static func oneLine(_ text: String) -> String {
        let joined = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return joined.count > 200 ? String(joined.prefix(200)) + "…" : joined
    }
}

/// The data folder on disk: checks it before the database is opened, opens it with errors an
/// operator can act on, and tidies `uploads/` at start-up.
public enum DataFolder {
    /// The first 16 bytes of every SQLite 3 database file.
    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// `path` made absolute against the current directory, for messages.
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Whether a database file exists at `path`; throws when something is there that is not one
    /// (an empty file, another kind of file, a folder), so that it is never silently replaced by a
    /// new empty CRM.
    public static func databaseExists(at path: String) throws -> Bool {
        let path = absolute(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue { throw DataFolderError(.notADatabase, path: path, detail: "it is a folder") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataFolderError(.unreadable, path: path) }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: sqliteHeader.count)) ?? Data()
        if head.isEmpty { throw DataFolderError(.emptyFile, path: path) }
        if Array(head) != sqliteHeader { throw DataFolderError(.notADatabase, path: path) }
        return true
    }

    /// Writes one line to standard error (the announcement that a new database is being created).
    public static let standardErrorLine: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Opens the database of `configuration`'s data folder, migrating it. A missing database is
    /// created (after `announce` names its absolute path) unless `createIfMissing` is false. Every
    /// failure is a `DataFolderError`.
    /// `open` opens and migrates the file at the path it is given (the caller picks the options).
    public static func openDatabase(
        configuration: AppConfiguration, createIfMissing: Bool = true,
        open: (_ path: String) throws -> AppDatabase = { try AppDatabase.open(path: $0) },
        announce: @Sendable (String) -> Void = DataFolder.standardErrorLine
    ) throws -> AppDatabase {
        let folder = absolute(configuration.dataDirectory)
        let path = absolute(configuration.databasePath)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw DataFolderError(.notAFolder, path: folder)
        }
        let exists = try databaseExists(at: path)
        if !exists {
            guard createIfMissing else { throw DataFolderError(.missing, path: path) }
            announce("Creating a new Leadboard database at \(path)")
        }
        do {
            try configuration.prepareDataDirectory()
            return try open(path)
        } catch {
            throw DataFolderError.classify(error, path: path, folder: folder)
        }
    }

    /// Regular files in `directory` that no attachment row names and that were last modified at
    /// least `minimumAge` seconds before `now` (younger ones may belong to an upload whose row is
    /// being committed right now). Partial `.part` uploads are left to their own sweep.
    public static func unreferencedFiles(
        in directory: String, referenced: Set<String>, minimumAge: TimeInterval, now: Date = Date()
    ) -> [(name: String, size: Int64, modified: Date)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var result: [(name: String, size: Int64, modified: Date)] = []
        for name in names.sorted() where !referenced.contains(name) && !name.hasSuffix(".part") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { continue }
            let modified = attributes[.modificationDate] as? Date ?? now
            guard now.timeIntervalSince(modified) >= minimumAge else { continue }
            result.append((name, (attributes[.size] as? NSNumber)?.int64Value ?? 0, modified))
        }
        return result
    }

    /// Moves upload files no attachment row references (left when the process was killed between
    /// moving a file into place and committing its row) out of `uploads/` into
    /// `unreferenced-uploads/` beside it, logging each one. Moved, not deleted: a database put back
    /// from an older copy, or a new empty one, must never cost the files. Returns the moved names.
    @discardableResult
    public static func sweepUnreferencedUploads(
        configuration: AppConfiguration, database: AppDatabase, minimumAge: TimeInterval = 60, now: Date = Date(),
        logger: Logger = Logger(label: "leadboard")
    ) async throws -> [String] {
        let referenced = try await database.attachmentStoredNames()
        var removed: [String] = []
        let quarantine = (configuration.dataDirectory as NSString).appendingPathComponent("unreferenced-uploads")
        for file in unreferencedFiles(in: configuration.uploadsDirectory, referenced: referenced, minimumAge: minimumAge, now: now) {
            let path = (configuration.uploadsDirectory as NSString).appendingPathComponent(file.name)
            let kept = (quarantine as NSString).appendingPathComponent(file.name)
            do {
                try FileManager.default.createDirectory(atPath: quarantine, withIntermediateDirectories: true)
                try FileManager.default.moveItem(atPath: path, toPath: kept)
                removed.append(file.name)
                logger.warning(
                    "Removed an upload no attachment references from uploads/",
                    metadata: ["file": "\(absolute(path))", "keptAt": "\(absolute(kept))", "bytes": "\(file.size)", "modified": "\(file.modified)"])
            } catch {
                logger.warning("Could not move an unreferenced upload aside", metadata: ["file": "\(absolute(path))", "error": "\(error)"])
            }
        }
        return removed
    }
}
