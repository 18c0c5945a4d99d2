import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import Leadboard

/// A fresh, empty temporary folder, removed by `remove()`.
struct ScratchFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("leadboard-ops-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// A configuration whose data folder is `sub(name)`, with the repository's templates.
    func configuration(_ name: String) -> AppConfiguration {
        var config = AppConfiguration()
        config.dataDirectory = sub(name)
        config.resourcesDirectory = Fixtures.packageRoot
        return config
    }
}

/// Collects log lines, to check what an operator would read after a sweep.
final class RecordedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }

    var logger: Logger { Logger(label: "test") { _ in Handler(log: self) } }

    struct Handler: LogHandler {
        let log: RecordedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.lock.withLock { log.stored.append("\(level) \(message) \(fields)") }
        }
    }
}

/// Start-up of a data folder: refusing files that are not a Leadboard database, announcing a new one,
/// one-line errors, and the sweep of uploads that no row references.
@Suite struct DataFolderTests {
    @Test func anEmptyDatabaseFileIsRefusedAndLeftAsItWas() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("data")
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: config.databasePath, contents: Data())

        let error = await #expect(throws: DataFolderError.self) { _ = try await buildServices(configuration: config) }

        #expect(error?.cause == .emptyFile)
        #expect(error?.description.contains(DataFolder.absolute(config.databasePath)) == true)
        #expect(error?.description.contains("\n") == false)
        #expect(try FileManager.default.attributesOfItem(atPath: config.databasePath)[.size] as? NSNumber == 0)
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftAsItWas() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("data")
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let text = Data("name,email\nAcme,a@example.com\n".utf8)
        _ = FileManager.default.createFile(atPath: config.databasePath, contents: text)

        let error = await #expect(throws: DataFolderError.self) { _ = try await buildServices(configuration: config) }

        #expect(error?.cause == .notADatabase)
        #expect(FileManager.default.contents(atPath: config.databasePath) == text)
    }

    @Test func aDataFolderThatIsAFileIsRefused() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("data")
        _ = FileManager.default.createFile(atPath: config.dataDirectory, contents: Data("x".utf8))

        let error = #expect(throws: DataFolderError.self) { _ = try DataFolder.openDatabase(configuration: config, announce: { _ in }) }

        #expect(error?.cause == .notAFolder)
        #expect(error?.path == DataFolder.absolute(config.dataDirectory))
    }

    @Test func aMissingDatabaseIsCreatedOnlyAfterItsAbsolutePathIsAnnounced() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("data")
        let said = RecordedLog()
        let announce: @Sendable (String) -> Void = { line in
            // The file must not exist yet when the path is announced.
            said.logger.info("\(line) exists=\(FileManager.default.fileExists(atPath: config.databasePath))")
        }

        let database = try DataFolder.openDatabase(configuration: config, announce: announce)
        try database.pool.close()
        _ = try DataFolder.openDatabase(configuration: config, announce: announce)

        #expect(said.lines == ["info Creating a new Leadboard database at \(DataFolder.absolute(config.databasePath)) exists=false "])
        #expect(DataFolder.absolute(config.databasePath).hasPrefix("/"))
    }

    @Test func commandsThatNeedAnExistingDatabaseDoNotCreateOne() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("mistyped")

        let error = #expect(throws: DataFolderError.self) {
            _ = try DataFolder.openDatabase(configuration: config, createIfMissing: false, announce: { _ in })
        }

        #expect(error?.cause == .missing)
        #expect(!FileManager.default.fileExists(atPath: config.dataDirectory))
    }

    @Test func aCorruptDatabaseIsNamedCorrupt() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("data")
        try DataFolder.openDatabase(configuration: config, announce: { _ in }).pool.close()
        // Keep the header page, overwrite the schema and tables that follow.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: config.databasePath)[.size] as? NSNumber).intValue
        let handle = try #require(FileHandle(forWritingAtPath: config.databasePath))
        try handle.seek(toOffset: 4096 * 2)
        try handle.write(contentsOf: [UInt8](repeating: 0xA5, count: size - 4096 * 2))
        try handle.close()

        let error = #expect(throws: DataFolderError.self) { _ = try DataFolder.openDatabase(configuration: config, announce: { _ in }) }

        #expect(error?.cause == .corrupt)
        #expect(error?.description.contains("leadboard restore") == true)
    }

    @Test func libraryErrorsBecomeOneLineNamingPathAndCause() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let folder = scratch.path
        let file = scratch.sub("leadboard.sqlite")
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let cases: [(Error, DataFolderError.Cause, String)] = [
            // The file is writable, so SQLite could not create its -wal/-shm beside it: the folder is the problem.
            (DatabaseError(resultCode: .SQLITE_READONLY, message: "attempt to write a readonly database"), .notWritable, folder),
            (DatabaseError(resultCode: .SQLITE_NOTADB, message: "file is not a database"), .notADatabase, file),
            (DatabaseError(resultCode: .SQLITE_CORRUPT, message: "database disk image is malformed\nwhile executing"), .corrupt, file),
            (DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked"), .locked, file),
            (DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full"), .diskFull, folder),
            (CocoaError(.fileWriteNoPermission), .notWritable, folder),
            (NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES)), .notWritable, folder),
            (NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))]), .notWritable, folder),
            (NSError(domain: NSPOSIXErrorDomain, code: Int(ENOTDIR)), .notAFolder, folder),
        ]
        for (error, cause, path) in cases {
            let classified = DataFolderError.classify(error, path: file, folder: folder)
            #expect(classified.cause == cause, "\(error)")
            #expect(classified.path == path, "\(error)")
            #expect(classified.description.contains(path))
            #expect(!classified.description.contains("\n"))
            #expect(!classified.description.contains("SQLite error"))
        }
    }

    @Test func startUpRemovesUploadsNoRowReferencesOnceTheyAreAMinuteOld() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let first = try await TestApp.make { $0.dataDirectory = scratch.sub("data") }
        let uploads = first.services.configuration.uploadsDirectory
        try await first.run { client in
            let sam = try await first.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await first.createLead("Kept", owner: try await first.user("sam@example.com"))
            #expect(try await sam.upload(toLead: lead.uid, filename: "kept.pdf", bytes: sampleBytes(300)).status == .seeOther)
        }
        let kept = try #require(try await first.database.attachmentStoredNames().first)
        try first.database.pool.close()
        // What a kill -9 between moving the file into place and committing its row leaves behind.
        let old = (uploads as NSString).appendingPathComponent("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        let young = (uploads as NSString).appendingPathComponent("f9e8d7c6b5a4938271605f4e3d2c1b0a")
        _ = FileManager.default.createFile(atPath: old, contents: Data(sampleBytes(100)))
        _ = FileManager.default.createFile(atPath: young, contents: Data(sampleBytes(100)))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-120)], ofItemAtPath: old)

        let second = try await TestApp.make { $0.dataDirectory = scratch.sub("data") }

        #expect(try second.uploadedFiles() == [kept, "f9e8d7c6b5a4938271605f4e3d2c1b0a"].sorted())
        try second.database.pool.close()
    }

    @Test func theSweepLogsEachFileItRemoves() async throws {
        let app = try await TestApp.make()
        defer { try? FileManager.default.removeItem(at: app.directory) }
        let config = app.services.configuration
        let orphan = (config.uploadsDirectory as NSString).appendingPathComponent("00112233445566778899aabbccddeeff")
        _ = FileManager.default.createFile(atPath: orphan, contents: Data(sampleBytes(42)))
        let log = RecordedLog()

        let removed = try await DataFolder.sweepUnreferencedUploads(
            configuration: config, database: app.database, now: Date().addingTimeInterval(61), logger: log.logger)

        #expect(removed == ["00112233445566778899aabbccddeeff"])
        #expect(!FileManager.default.fileExists(atPath: orphan))
        // Kept aside, never deleted: a database restored from an older copy must not cost the files.
        let kept = (config.dataDirectory as NSString).appendingPathComponent("unreferenced-uploads/00112233445566778899aabbccddeeff")
        #expect(FileManager.default.contents(atPath: kept) == Data(sampleBytes(42)))
        #expect(log.lines.count == 1)
        #expect(log.lines.first?.contains("Removed an upload no attachment references") == true)
        #expect(log.lines.first?.contains("00112233445566778899aabbccddeeff") == true)
        #expect(log.lines.first?.contains("bytes=42") == true)
    }
}
