import Foundation
import Testing

@testable import Leadboard

/// The layers of the README's "Layout and layers": SQL and the pool only in Database/, no HTTP in
/// Database/ or Domain/, no GRDB in Domain/.
@Suite struct LayeringTests {
    static let library = URL(fileURLWithPath: Fixtures.packageRoot).appendingPathComponent("Sources/Leadboard")

    /// (folder, file name, line number, line) for every Swift line of the library.
    func lines() throws -> [(folder: String, file: String, number: Int, text: String)] {
        var result: [(String, String, Int, String)] = []
        let files = FileManager.default.enumerator(at: Self.library, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let folder = file.deletingLastPathComponent().path.replacingOccurrences(of: Self.library.path + "/", with: "")
            let text = try String(contentsOf: file, encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                result.append((folder, file.lastPathComponent, index + 1, String(line)))
            }
        }
        return result
    }

    @Test func onlyTheDatabaseLayerTouchesThePoolOrWritesSQL() throws {
        let sql = try Regex(#"\b(SELECT\s.+\sFROM|INSERT INTO|DELETE FROM|UPDATE \w+ SET|CREATE (TABLE|INDEX|TRIGGER))\b"#)
        let pool = try Regex(#"\.pool\b"#)
        let offenders = try lines().filter { !$0.folder.hasPrefix("Database") }
            .filter { $0.text.contains(sql) || $0.text.contains(pool) }
            .map { "\($0.folder)/\($0.file):\($0.number)" }
        #expect(offenders.isEmpty, "Add a named AppDatabase method instead: \(offenders)")
    }

    @Test func databaseAndDomainKnowNoHTTPAndDomainNoSQLite() throws {
        let all = try lines()
        let http = all.filter { ($0.folder.hasPrefix("Database") || $0.folder.hasPrefix("Domain")) && $0.text.hasPrefix("import Hummingbird") }
        let grdb = all.filter { $0.folder.hasPrefix("Domain") && $0.text.hasPrefix("import GRDB") }
        #expect(http.isEmpty, "\(http.map { $0.file })")
        #expect(grdb.isEmpty, "\(grdb.map { $0.file })")
    }
}
