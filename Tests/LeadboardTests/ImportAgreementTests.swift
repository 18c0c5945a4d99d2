import Foundation
import GRDB
import Testing

@testable import Leadboard

/// The preview, the invalid-rows CSV and the import itself classify rows in one place: on a file with
/// every kind of row they must say the same thing.
@Suite struct ImportAgreementTests {
    /// Default pipeline, plus New Lead → Lost (disqualifying a new lead). Ann and Ben are in New Lead
    /// with its required task ("Initial contact") open.
    static func setUp() async throws -> (app: TestApp, mia: User, ann: Lead, ben: Lead) {
        let app = try await TestApp.make()
        try await app.allowNext(from: StageID.newLead, to: StageID.contacted, StageID.lost)
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let ann = try await app.createLead("Ann", owner: mia, email: "ann@example.com")
        let ben = try await app.createLead("Ben", owner: mia, email: "ben@example.com")
        return (app, mia, ann, ben)
    }

    static let file = TestCSV.file([
        "name,email,stage,lost_reason,value",
        "Cara,cara@example.com,New Lead,,10",  // 2: new, in the entry stage
        "Dan,dan@example.com,Contacted,,20",  // 3: new, moves on over New Lead's open task (override)
        "Eve,eve@example.com,Won,,",  // 4: refused: New Lead cannot move to Won
        "Fay,fay@example.com,Lost,\"-20% cheaper, said \"\"Acme\"\"\",",  // 5: new, lost with its reason
        "Gus,gus@example.com,Lost,,",  // 6: lost without a reason
        "Bad,not-an-email,,,",  // 7: a field the form would refuse
        "Cara Again,CARA@example.com,Contacted,,30",  // 8: repeated new email: the lead row 2 creates
        "Ann,ann@example.com,Contacted,,",  // 9: existing, stage change over her open task (override)
        "Ben,ben@example.com,Won,,",  // 10: existing, refused stage change
        "Ann Later,ann@example.com,Qualified,,",  // 11: allowed only from where row 9 leaves Ann
        "Dan Again,dan@example.com,Proposal Sent,,",  // 12: refused from where row 3 leaves Dan
    ])

    static let lostReasonMissing = "lost_reason: a lead in Lost needs the reason it was lost; the row has none."

    /// The invalid lines and reasons for each choice about matching rows.
    static func expectedIssues(updating: Bool) -> [(Int, String)] {
        var issues: [(Int, String)] = [
            (4, "Stage refused: New leads start in New Lead. A lead in New Lead cannot move to Won. Allowed next: Contacted, Lost."),
            (6, lostReasonMissing),
            (7, "email: Enter a valid email address, like name@example.com."),
        ]
        if updating {
            issues += [
                (10, "Stage change refused: A lead in New Lead cannot move to Won. Allowed next: Contacted, Lost."),
                (12, "Stage change refused: A lead in Contacted cannot move to Proposal Sent. Allowed next: Qualified, Lost."),
            ]
        }
        return issues
    }

    @Test(arguments: [false, true])
    func previewInvalidRowsAndRunAgreeOnEveryKindOfRow(updating: Bool) async throws {
        let (app, mia, ann, ben) = try await Self.setUp()
        let path = try app.temporaryCSV(Self.file)
        let options = ImportOptions(updateExisting: updating)

        let preview = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: options)
        let errors = TestCSV.parse(try await LeadImporter.invalidRows(path: path, database: app.database, actor: mia, options: options))
        let result = try await LeadImporter.run(path: path, database: app.database, actor: mia, options: options, fileLabel: "agree.csv")

        // The three agree with each other…
        let expected = Self.expectedIssues(updating: updating)
        #expect(preview.rows == 11)
        #expect(preview.toCreate == result.created)
        #expect(preview.matching == result.updated + result.skipped)
        #expect(preview.invalid == result.invalid)
        #expect(preview.issues.map(\.line) == errors.dropFirst().compactMap { Int($0[$0.count - 2]) })
        #expect(preview.issues.map(\.reason) == errors.dropFirst().map { $0[$0.count - 1] })
        // …and with what the file asks for.
        #expect(preview.issues.map(\.line) == expected.map(\.0))
        #expect(preview.issues.map(\.reason) == expected.map(\.1))
        #expect(result == ImportResult(created: 3, updated: updating ? 3 : 0, skipped: updating ? 0 : 5, invalid: expected.count))
        #expect(errors.first == ["name", "email", "stage", "lost_reason", "value", "line", "error"])

        // New leads: Dan moved on over New Lead's open task; Fay is lost with her reason. Both moves
        // are overrides by the policy's decision, commented with the file.
        let dan = try #require(try await app.lead(named: "Dan"))
        #expect(try await app.history(of: dan.uid).map { [$0.stageId, $0.override ? 1 : 0] } == [[StageID.newLead, 0], [StageID.contacted, 1]])
        #expect(try await app.history(of: dan.uid).last?.comment == "Imported from agree.csv")
        let fay = try #require(try await app.lead(named: "Fay"))
        #expect(fay.stageId == StageID.lost)
        #expect(try await app.history(of: fay.uid).last?.lostReason == "-20% cheaper, said \"Acme\"")
        for refused in ["Eve", "Gus", "Bad"] { #expect(try await app.lead(named: refused) == nil, "\(refused)") }

        let cara = try #require(try await app.lead(named: updating ? "Cara Again" : "Cara"))
        let annNow = try await app.storedLead(ann.uid)
        let benNow = try await app.storedLead(ben.uid)
        #expect(benNow.stageId == StageID.newLead && benNow.version == ben.version)
        if updating {
            // Row 8 updated the lead row 2 created; rows 9 and 11 took Ann two stages on.
            #expect(cara.stageId == StageID.contacted && cara.valueCents == 3_000)
            #expect(annNow.name == "Ann Later" && annNow.stageId == StageID.qualified)
            let stays = try await app.history(of: ann.uid)
            #expect(stays.map(\.stageId) == [StageID.newLead, StageID.contacted, StageID.qualified])
            #expect(stays.dropFirst().allSatisfy { $0.override && $0.comment == "Imported from agree.csv" })
            #expect(try await app.storedLead(dan.uid).stageId == StageID.contacted)
        } else {
            #expect(cara.stageId == StageID.newLead && cara.valueCents == 1_000)
            #expect(annNow.name == "Ann" && annNow.stageId == StageID.newLead && annNow.version == ann.version)
        }
        #expect(try await app.liveLeadCount() == 5)
    }

    @Test func aLostStageInTheFileNeedsALostReasonAlsoForAnUpdate() async throws {
        let (app, mia, ann, _) = try await Self.setUp()
        let path = try app.temporaryCSV(TestCSV.file(["name,email,stage", "Ann,ann@example.com,Lost"]))
        let preview = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: ImportOptions(updateExisting: true))
        #expect(preview.issues.map(\.reason) == [Self.lostReasonMissing])
        // Skipping matching rows never moves them, so nothing is missing then.
        let skipping = try await LeadImporter.preview(path: path, database: app.database, actor: mia, options: ImportOptions())
        #expect(skipping.invalid == 0 && skipping.matching == 1)
        #expect(try await app.storedLead(ann.uid).stageId == StageID.newLead)
    }
}
