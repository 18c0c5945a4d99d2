import ArgumentParser
import Foundation
import Leadboard

private func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the database (online, while the server runs) and the files it references.",
        discussion: """
            Writes DIR/leadboard.sqlite through SQLite's backup API, copies the upload files its rows \
            reference into DIR/uploads, and runs an integrity check on the copy. DIR must be new or empty.
            """)
    @OptionGroup var data: DataOptions
    @Option(help: "Folder to write the backup into (created; must be empty).") var to: String

    func run() async throws {
        let report = try Maintenance.backup(configuration: data.configuration(), to: to)
        for line in report.lines { print(line) }
        if !report.isComplete { throw ExitCode.failure }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup folder into a new data folder (never over a non-empty one).")
    @Option(help: "The folder `leadboard backup --to` wrote.") var from: String
    @Option(help: "The new data folder (must not exist, or be empty) (env LEADBOARD_DATA_DIR).")
    var dataDir: String? = ProcessInfo.processInfo.environment["LEADBOARD_DATA_DIR"]

    func run() async throws {
        guard let dataDir else { throw ValidationError("Pass --data-dir: the new folder to restore into.") }
        var configuration = AppConfiguration()
        configuration.dataDirectory = dataDir
        let report = try Maintenance.restore(from: from, to: configuration)
        for line in report.lines { print(line) }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database and uploads: integrity, foreign keys, attachment rows without files, files without rows.",
        discussion: "Exits 0 when all is well and 1 when a problem was found.")
    @OptionGroup var data: DataOptions

    func run() async throws {
        let report = try Maintenance.check(configuration: data.configuration())
        for line in report.lines { print(line) }
        if !report.isHealthy { throw ExitCode.failure }
    }
}
