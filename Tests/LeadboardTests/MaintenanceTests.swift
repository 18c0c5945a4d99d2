import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// `leadboard backup`, `restore` and `check`, on real data folders.
@Suite struct MaintenanceTests {
    @Test func aBackupTakenDuringWritesRestoresIntoAServableCopy() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let app = try await TestApp.make { $0.dataDirectory = scratch.sub("live") }
        let fileBytes = sampleBytes(5000)
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "mia@example.com", role: .manager)
            let owner = try await app.user("mia@example.com")
            let lead = try await app.createLead("Acme Filed", owner: owner)
            #expect(try await manager.upload(toLead: lead.uid, filename: "contract.pdf", bytes: fileBytes).status == .seeOther)

            // Writes keep landing while the backup runs.
            let writer = Task {
                for i in 0..<300 { _ = try await app.createLead("Busy \(i)", owner: owner) }
            }
            while try await app.database.pool.read({ db in try Lead.fetchCount(db) }) < 20 { await Task.yield() }
            let report = try Maintenance.backup(from: app.database.pool, configuration: app.services.configuration, to: scratch.sub("backup"))
            try await writer.value

            #expect(report.health.isHealthy)
            #expect(report.copiedFiles == 1)
            #expect(report.missingFiles.isEmpty)
            #expect(report.health.leadCount >= 20 && report.health.leadCount <= 301)
            #expect(report.lines.last == "Integrity check of the copy: ok")
            #expect(FileManager.default.fileExists(atPath: scratch.sub("backup/leadboard.sqlite")))

            let restored = try Maintenance.restore(from: scratch.sub("backup"), to: scratch.configuration("restored"))
            #expect(restored.health.leadCount == report.health.leadCount)
            #expect(restored.copiedFiles == 1)
        }

        // The restored folder serves: sign in with the backed-up account, see the lead, download the file.
        let copy = try await TestApp.make { $0.dataDirectory = scratch.sub("restored") }
        let attachmentId = try #require(try await copy.database.pool.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM attachment") })
        try await copy.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let list = try await browser.get("/leads?q=Acme")
            #expect(list.status == .ok)
            #expect(list.contains("Acme Filed"))
            let download = try await browser.download("/attachments/\(attachmentId)")
            #expect(download.status == .ok)
            #expect(download.bytes == fileBytes)
        }
    }

    @Test func restoreRefusesAFolderThatIsNotEmpty() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let app = try await TestApp.make { $0.dataDirectory = scratch.sub("live") }
        _ = try Maintenance.backup(from: app.database.pool, configuration: app.services.configuration, to: scratch.sub("backup"))
        let target = scratch.configuration("occupied")
        try FileManager.default.createDirectory(atPath: target.dataDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: scratch.sub("occupied/notes.txt"), contents: Data("mine".utf8))

        let error = #expect(throws: MaintenanceError.self) { _ = try Maintenance.restore(from: scratch.sub("backup"), to: target) }

        #expect(error?.description.contains("not empty") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.dataDirectory) == ["notes.txt"])
    }

    @Test func backupRefusesAFolderThatIsNotEmpty() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let app = try await TestApp.make { $0.dataDirectory = scratch.sub("live") }
        _ = try Maintenance.backup(from: app.database.pool, configuration: app.services.configuration, to: scratch.sub("backup"))

        #expect(throws: MaintenanceError.self) {
            _ = try Maintenance.backup(from: app.database.pool, configuration: app.services.configuration, to: scratch.sub("backup"))
        }
    }

    @Test func restoreRefusesAFolderWithoutABackup() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.sub("empty"), withIntermediateDirectories: true)

        #expect(throws: MaintenanceError.self) { _ = try Maintenance.restore(from: scratch.sub("empty"), to: scratch.configuration("new")) }
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("new")))
    }

    @Test func checkReportsADamagedIndexInsteadOfFailingToOpen() throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let config = scratch.configuration("data")
        let database = try DataFolder.openDatabase(configuration: config, announce: { _ in })
        // An index whose declared order no longer matches its entries: the kind of damage
        // integrity_check reports row by row ("row 4 missing from index").
        try database.pool.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TABLE probe(a TEXT);
                CREATE INDEX probe_a ON probe(a COLLATE NOCASE);
                INSERT INTO probe VALUES ('b'), ('A'), ('c'), ('B'), ('a');
                PRAGMA writable_schema = ON;
                UPDATE sqlite_master SET sql = 'CREATE INDEX probe_a ON probe(a)' WHERE name = 'probe_a';
                PRAGMA writable_schema = OFF;
                """)
        }
        try database.pool.close()

        let report = try Maintenance.check(configuration: config)

        #expect(!report.isHealthy)
        #expect(report.health.integrityProblems.contains { $0.contains("probe_a") })
        #expect(report.lines.first?.hasPrefix("integrity: ") == true && report.lines.first != "integrity: ok")
        #expect(report.lines.last?.hasSuffix("problems found") == true)
    }

    @Test func checkReportsMissingFilesOrphanFilesAndBrokenReferences() async throws {
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let app = try await TestApp.make { $0.dataDirectory = scratch.sub("data") }
        let config = app.services.configuration
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Files", owner: try await app.user("sam@example.com"))
            #expect(try await sam.upload(toLead: lead.uid, filename: "a.txt", bytes: sampleBytes(10)).status == .seeOther)
            #expect(try await sam.upload(toLead: lead.uid, filename: "b.txt", bytes: sampleBytes(20)).status == .seeOther)
        }
        let clean = try Maintenance.check(reader: app.database.pool, configuration: config)
        #expect(clean.isHealthy)
        #expect(clean.lines.last?.hasSuffix("all well") == true)

        let stored = try app.database.health().attachments
        try FileManager.default.removeItem(atPath: (config.uploadsDirectory as NSString).appendingPathComponent(stored[0].storedName))
        let orphan = "ffeeddccbbaa99887766554433221100"
        _ = FileManager.default.createFile(atPath: (config.uploadsDirectory as NSString).appendingPathComponent(orphan), contents: Data("x".utf8))
        try await app.database.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "INSERT INTO note (leadId, authorId, body, createdAt) VALUES (999999, NULL, 'stray', '2026-01-01 00:00:00')")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }

        let report = try Maintenance.check(reader: app.database.pool, configuration: config, now: Date().addingTimeInterval(120))

        #expect(!report.isHealthy)
        #expect(report.rowsWithoutFiles.map(\.id) == [stored[0].id])
        #expect(report.filesWithoutRows == [orphan])
        #expect(report.health.foreignKeyProblems.count == 1)
        #expect(report.health.integrityProblems.isEmpty)
        #expect(report.lines.contains { $0.contains("a.txt") && $0.contains(stored[0].storedName) })
        #expect(report.lines.last?.hasSuffix("problems found") == true)
        // A file younger than a minute may be an upload about to commit its row: not reported yet.
        #expect(try Maintenance.check(reader: app.database.pool, configuration: config).filesWithoutRows.isEmpty)
    }
}
