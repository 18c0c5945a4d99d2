import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// The stages and sources the `v2-leads` migration seeds.
enum StageID {
    static let newLead: Int64 = 1
    static let contacted: Int64 = 2
    static let qualified: Int64 = 3
    static let proposalSent: Int64 = 4
    static let won: Int64 = 5
    static let lost: Int64 = 6
}

enum SourceID {
    static let website: Int64 = 1
    static let referral: Int64 = 2
    static let coldCall: Int64 = 3
    static let socialMedia: Int64 = 4
    static let event: Int64 = 5
    static let partner: Int64 = 6
    static let other: Int64 = 7
}

extension TestApp {
    /// The stored user with `email` (fails the test when missing).
    func user(_ email: String) async throws -> User {
        try #require(try await database.user(email: email))
    }

    /// Creates a lead as `actor` (the owner unless given). In an entry stage it goes straight through
    /// `AppDatabase.createLead`; in any other stage it is seeded there directly, with one stay in that
    /// stage (set-up for tests about later stages: the creation rules are tested through `POST /leads`).
    @discardableResult
    func createLead(
        _ name: String, owner: User?, actor: User? = nil, email: String = "", phone: String = "", company: String = "",
        source: Int64? = nil, valueCents: Int64 = 0, expectedCloseDate: String? = nil, stage: Int64 = StageID.newLead
    ) async throws -> Lead {
        let creator = try #require(actor ?? owner, "createLead needs an owner or an actor")
        let input = LeadInput(
            name: name, email: email, phone: phone, company: company, sourceId: source, valueCents: valueCents,
            expectedCloseDate: expectedCloseDate, stageId: stage, ownerId: owner?.id)
        if try await database.pipeline().entryStages.contains(where: { $0.id == stage }) {
            return try await database.createLead(input, actor: creator)
        }
        return try await seedLead(input, actor: creator)
    }

    /// The lead row as stored, deleted or not.
    func storedLead(_ id: Int64) async throws -> Lead {
        try #require(try await database.pool.read { db in try Lead.fetchOne(db, key: id) })
    }

    func activities(of leadId: Int64) async throws -> [Activity] {
        try await database.pool.read { db in
            try Activity.filter(Column("leadId") == leadId).order(Column("id")).fetchAll(db)
        }
    }

    func notes(of leadId: Int64) async throws -> [Note] {
        try await database.pool.read { db in try Note.filter(Column("leadId") == leadId).order(Column("id")).fetchAll(db) }
    }

    func attachments(of leadId: Int64) async throws -> [Leadboard.Attachment] {
        try await database.pool.read { db in try Leadboard.Attachment.filter(Column("leadId") == leadId).order(Column("id")).fetchAll(db) }
    }

    func attachmentCount() async throws -> Int {
        try await database.pool.read { db in try Leadboard.Attachment.fetchCount(db) }
    }

    var uploadsDirectory: String { services.configuration.uploadsDirectory }

    /// File names in `<dataDir>/uploads` (temporary `.part` files included).
    func uploadedFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: uploadsDirectory).sorted()
    }

    /// Every file name anywhere below the data directory (to prove an uploaded name was never used).
    func allFilesInDataDirectory() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var names: [String] = []
        while let next = enumerator?.nextObject() as? String { names.append(next) }
        return names
    }
}

/// The fields of the edit form for `lead` as it is stored, with `changes` applied (form names as keys).
func editForm(_ lead: Lead, _ changes: [String: String] = [:]) -> [(String, String)] {
    var fields: [String: String] = [
        "name": lead.name, "email": lead.email, "phone": lead.phone, "company": lead.company,
        "source": lead.sourceId.map(String.init) ?? "", "value": lead.valueCents == 0 ? "" : Money.plain(lead.valueCents),
        "expected_close_date": lead.expectedCloseDate ?? "", "stage_id": String(lead.stageId),
        "owner_id": lead.ownerId.map(String.init) ?? "", "version": String(lead.version),
    ]
    for (key, value) in changes { fields[key] = value }
    return fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
}

/// A `multipart/form-data` body with one file part, as a browser sends the upload form.
struct MultipartBody {
    static let boundary = "----LeadboardTestBoundary7MA4YWxkTrZu0gW"
    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    static func file(field: String = "file", filename: String, contentType: String = "application/octet-stream", bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("--\(boundary)\r\n")
        buffer.writeString("Content-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\n")
        buffer.writeString("Content-Type: \(contentType)\r\n\r\n")
        buffer.writeBytes(bytes)
        buffer.writeString("\r\n--\(boundary)--\r\n")
        return buffer
    }
}

/// Deterministic test bytes covering every byte value (so any text conversion would show).
func sampleBytes(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
}

/// A raw response, for downloads whose body is not text.
struct RawResponse {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let bytes: [UInt8]
}

extension Browser {
    /// Uploads one file to a lead through the real upload form's URL (CSRF token in the query).
    @discardableResult
    func upload(toLead leadId: Int64, filename: String, contentType: String = "application/octet-stream", bytes: [UInt8]) async throws -> Page {
        let token = try #require(csrf, "sign in before uploading")
        return try await postBytes(
            "/leads/\(leadId)/attachments?_csrf=\(token)", body: MultipartBody.file(filename: filename, contentType: contentType, bytes: bytes),
            contentType: MultipartBody.contentType)
    }

    /// GET keeping the body as bytes.
    func download(_ path: String) async throws -> RawResponse {
        var headers: HTTPFields = [:]
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        return try await client.execute(uri: path, method: .get, headers: headers, body: nil) { response in
            RawResponse(status: response.status, headers: response.headers, bytes: Array(buffer: response.body))
        }
    }
}

extension Browser.Page {
    /// The value of the first `<input … name="NAME" value="…">` on the page.
    func inputValue(_ name: String) -> String? {
        guard let range = body.range(of: "name=\"\(name)\"") else { return nil }
        let rest = body[range.upperBound...]
        guard let end = rest.firstIndex(of: ">") else { return nil }
        let tag = rest[..<end]
        guard let valueStart = tag.range(of: "value=\"") else { return nil }
        let value = tag[valueStart.upperBound...]
        guard let close = value.firstIndex(of: "\"") else { return nil }
        return String(value[..<close])
    }

    /// The lead id of a redirect to `/leads/{id}` (after create).
    var redirectedLeadId: Int64? {
        guard let location, location.hasPrefix("/leads/") else { return nil }
        let rest = location.dropFirst("/leads/".count).prefix { $0.isNumber }
        return Int64(rest)
    }

    /// Where `text` first appears, for checking the order of rows.
    func position(of text: String) -> Int? {
        body.range(of: text).map { body.distance(from: body.startIndex, to: $0.lowerBound) }
    }
}

/// Collects the SQL of every statement the app runs (through `TestApp.make(trace:)`).
final class StatementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []

    func record(_ sql: String) { lock.withLock { statements.append(sql) } }
    var count: Int { lock.withLock { statements.count } }

    /// The statements recorded while `body` ran, leaving out per-connection set-up (pragmas and schema
    /// introspection), which depends on how many reader connections the pool happens to open, and
    /// SQLite's own nested statements (traced with a leading `--`, e.g. FTS5 reading its index
    /// segments), which grow with the index but are not queries the app issues.
    func during(_ body: () async throws -> Void) async rethrows -> [String] {
        let start = count
        try await body()
        let all = lock.withLock { Array(statements[start...]) }
        return all.filter { sql in
            let lower = sql.lowercased()
            return !lower.hasPrefix("--") && !lower.hasPrefix("pragma") && !lower.contains("sqlite_master") && !lower.contains("sqlite_schema")
                && !lower.contains("sqlite_temp_master")
        }
    }
}

/// 2026-01-31 23:59:00 UTC, one minute before February.
let lastMinuteOfJanuary2026 = Day.start(of: "2026-01-31")!.addingTimeInterval(23 * 3600 + 59 * 60)
