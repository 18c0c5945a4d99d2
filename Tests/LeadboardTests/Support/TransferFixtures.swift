import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@testable import Leadboard

/// The UTC instant of `"YYYY-MM-DD"` or `"YYYY-MM-DD HH:MM[:SS]"`.
func utc(_ text: String) -> Date {
    let parts = text.split(separator: " ")
    let day = Day.start(of: String(parts[0]))!
    guard parts.count > 1 else { return day }
    let time = parts[1].split(separator: ":").map { Double($0)! }
    return day.addingTimeInterval(time[0] * 3600 + time[1] * 60 + (time.count > 2 ? time[2] : 0))
}

/// A value set inside `TestApp.run` and read after it.
final class Captured<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// An RFC 4180 reader written for the tests, independent of the app's `CSVRecordReader`.
enum TestCSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var fieldStarted = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func endField() {
            row.append(String(field))
            field = String.UnicodeScalarView()
            fieldStarted = false
        }
        func endRow() {
            endField()
            rows.append(row)
            row = []
        }
        while i < scalars.count {
            let c = scalars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                        field.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else {
                switch c {
                case "\"" where !fieldStarted && field.isEmpty:
                    quoted = true
                    fieldStarted = true
                case ",": endField()
                case "\r":
                    if i + 1 < scalars.count && scalars[i + 1] == "\n" { i += 1 }
                    endRow()
                case "\n": endRow()
                default:
                    field.append(c)
                    fieldStarted = true
                }
            }
            i += 1
        }
        if fieldStarted || !field.isEmpty || !row.isEmpty { endRow() }
        return rows
    }

    /// Rows of a parsed CSV as dictionaries keyed by the header.
    static func records(_ text: String) -> (header: [String], rows: [[String: String]]) {
        let all = parse(text)
        guard let header = all.first else { return ([], []) }
        return (header, all.dropFirst().map { Dictionary(zip(header, $0), uniquingKeysWith: { a, _ in a }) })
    }

    /// One CSV line (no line end), quoting fields as RFC 4180 asks.
    static func line(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }

    /// A file from lines of text (`\n` line ends unless told), as bytes.
    static func file(_ lines: [String], newline: String = "\n") -> [UInt8] {
        Array((lines.joined(separator: newline) + newline).utf8)
    }
}

/// Finds things in rendered HTML.
enum HTMLText {
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The text between `start` and the next `end` after it.
    static func between(_ html: String, _ start: String, _ end: String) -> String? {
        guard let s = html.range(of: start) else { return nil }
        guard let e = html.range(of: end, range: s.upperBound..<html.endIndex) else { return nil }
        return String(html[s.upperBound..<e.lowerBound])
    }

    /// Every piece of text between `start` and the following `end`, in order.
    static func all(_ html: String, _ start: String, _ end: String) -> [String] {
        var found: [String] = []
        var rest = html[...]
        while let s = rest.range(of: start), let e = rest.range(of: end, range: s.upperBound..<rest.endIndex) {
            found.append(String(rest[s.upperBound..<e.lowerBound]))
            rest = rest[e.upperBound...]
        }
        return found
    }

    /// Every `<svg …>…</svg>` element of a page.
    static func svgs(_ html: String) -> [String] {
        all(html, "<svg", "</svg>").map { "<svg" + $0 + "</svg>" }
    }
}

extension Browser.Page {
    /// The text content of the element with `id` (up to its first child tag), unescaped.
    func text(ofId id: String) -> String? {
        HTMLText.between(body, "id=\"\(id)\">", "<").map(HTMLText.unescape)
    }

    /// The part of the page from `start` to the next `end`.
    func section(_ start: String, until end: String = "</section>") -> String {
        HTMLText.between(body, start, end) ?? ""
    }

    /// The import token of a redirect to `/leads/import/{token}`.
    var importToken: String? {
        guard let location, location.hasPrefix("/leads/import/") else { return nil }
        let token = location.dropFirst("/leads/import/".count)
        return token.isEmpty || token.contains("/") ? nil : String(token)
    }
}

/// Parses an SVG fragment with Foundation's XML parser, collecting element names and text.
final class SVGCheck: NSObject, XMLParserDelegate {
    private(set) var elements: [String] = []
    private(set) var text = ""
    private(set) var titleText = ""
    private var inTitle = 0
    private(set) var error: Error?
    private(set) var parsed = false

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        parsed = parser.parse()
        error = parser.parserError
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append(name)
        if name == "title" { inTitle += 1 }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "title" { inTitle -= 1 }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
        if inTitle > 0 { titleText += string }
    }
}

extension Browser {
    /// Uploads a CSV to the import form's URL (CSRF token in the query, as the form sends it).
    @discardableResult
    func uploadImport(_ bytes: [UInt8], filename: String = "leads.csv") async throws -> Page {
        let token = try #require(csrf, "sign in before uploading")
        return try await postBytes(
            "/leads/import?_csrf=\(token)", body: MultipartBody.file(filename: filename, contentType: "text/csv", bytes: bytes),
            contentType: MultipartBody.contentType)
    }

    /// Upload, then the preview page; returns the token and the preview.
    func previewImport(_ bytes: [UInt8], duplicates: String? = nil) async throws -> (token: String, preview: Page) {
        let upload = try await uploadImport(bytes)
        #expect(upload.status == .seeOther)
        let token = try #require(upload.importToken, "upload redirected to \(upload.location ?? "nowhere") (\(upload.status))")
        let preview = try await get("/leads/import/\(token)" + (duplicates.map { "?duplicates=\($0)" } ?? ""))
        #expect(preview.status == .ok)
        return (token, preview)
    }

    @discardableResult
    func confirmImport(_ token: String, duplicates: String = "skip") async throws -> Page {
        try await post("/leads/import/\(token)/confirm", [("duplicates", duplicates)])
    }

    /// A GET whose body is decoded as UTF-8 text (for CSV downloads).
    func csv(_ path: String) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, text: String) {
        let raw = try await download(path)
        return (raw.status, raw.headers, String(decoding: raw.bytes, as: UTF8.self))
    }
}

extension TestApp {
    func liveLeadCount() async throws -> Int {
        try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lead WHERE deletedAt IS NULL")! }
    }

    /// Rows in every table an import writes to (to prove nothing was written).
    func writeCounts() async throws -> [String: Int] {
        try await database.pool.read { db in
            var counts: [String: Int] = [:]
            for table in ["lead", "activity", "stageHistory", "leadTask"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)")!
            }
            counts["leadVersions"] = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(version), 0) FROM lead")!
            return counts
        }
    }

    func importJobs() async throws -> [ImportJob] {
        try await database.pool.read { db in try ImportJob.fetchAll(db) }
    }

    var importsDirectory: String { (services.configuration.dataDirectory as NSString).appendingPathComponent("imports") }

    func importFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: importsDirectory)) ?? []).sorted()
    }

    func lead(named name: String) async throws -> Lead? {
        try await database.pool.read { db in try Lead.filter(Column("name") == name && Column("deletedAt") == nil).fetchOne(db) }
    }

    /// Moves a lead as `actor` at `date` (a manager overrides open tasks; lost gets a reason).
    func move(_ leadId: Int64, to stageId: Int64, at date: Date, by actor: User) async throws {
        clock.set(date)
        let request =
            stageId == StageID.lost
            ? MoveRequest(toStageId: stageId, lostReason: "Seeded loss")
            : MoveRequest(toStageId: stageId, comment: "Seeded move", override: LeadPolicy.canOverrideGates(actor))
        try await database.moveLead(id: leadId, request: request, actor: actor)
    }

    /// Sets the stages a lead in `stageId` may move to next, as an admin would on the pipeline page
    /// (at least one: none would mean "any").
    func allowNext(from stageId: Int64, to targets: Int64...) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM stageTransition WHERE fromStageId = ?", arguments: [stageId])
            for target in targets {
                try db.execute(sql: "INSERT INTO stageTransition (fromStageId, toStageId) VALUES (?, ?)", arguments: [stageId, target])
            }
        }
    }

    /// Writes `bytes` to a temporary file for calling `LeadImporter` directly.
    func temporaryCSV(_ bytes: [UInt8]) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("direct-\(UUID().uuidString).csv").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }
}
