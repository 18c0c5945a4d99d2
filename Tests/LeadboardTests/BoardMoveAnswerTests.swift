import Foundation
import Hummingbird
import Testing

@testable import Leadboard

/// The board script's move answer: HTML fragments of the moved card and both column heads and feet,
/// rendered by the server from the board page's own partials.
@Suite struct BoardMoveAnswerTests {
    struct Answer: Decodable {
        var ok: Bool
        var toStageName: String
        var card: String?
        var columns: [Column]
        struct Column: Decodable {
            var stageId: Int64
            var head: String
            var foot: String
        }
        func column(_ stageId: Int64) throws -> Column { try #require(columns.first { $0.stageId == stageId }) }
    }

    /// Moves `leadId` to Lost as the board script does (same form, `Accept: application/json`).
    func scriptMove(_ browser: Browser, _ leadId: Int64, returnTo: String = "/board") async throws -> Answer {
        let response = try await browser.post(
            "/leads/\(leadId)/move", [("stage_id", String(StageID.lost)), ("lost_reason", "Budget"), ("return_to", returnTo)],
            headers: [.accept: "application/json"])
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        return try JSONDecoder().decode(Answer.self, from: Data(response.body.utf8))
    }

    /// White space between and inside tags collapsed: the page indents its partials, a fragment does not.
    func normalized(_ html: String) -> String {
        html.split(whereSeparator: \.isWhitespace).joined(separator: " ").replacingOccurrences(of: "> <", with: "><")
    }

    @Test func aManagersMoveAnswersWithTheFragmentsThePageRenders() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let owner = try await app.user("m@example.com")
            let sam = try await app.createUser("sam@example.com", role: .executive)
            for i in 0..<51 {
                try await app.createLead("Filler \(i)", owner: i.isMultiple(of: 2) ? owner : sam, valueCents: 100_000, stage: StageID.contacted)
            }
            let mover = try await app.createLead("Mover <Co>", owner: owner, company: "A & B", valueCents: 250_025, stage: StageID.contacted)
            try await manager.get("/board")

            let answer = try await scriptMove(manager, mover.uid)

            #expect(answer.ok)
            #expect(answer.toStageName == "Lost")
            let contacted = try answer.column(StageID.contacted)
            #expect(contacted.head.contains("<h2>Contacted</h2>"))
            #expect(contacted.head.contains("<span class=\"count\" data-count=\"51\">51</span>"))
            #expect(contacted.head.contains("<span class=\"sum\" data-sum-cents=\"5100000\">$51,000.00</span>"))
            // The column showed 50 of its 52 cards and now shows 49 of 51.
            #expect(contacted.foot.contains(">Show all 51</a>"))
            #expect(contacted.foot.contains("href=\"/leads?stage=\(StageID.contacted)\""))
            let lost = try answer.column(StageID.lost)
            #expect(lost.head.contains("<span class=\"count\" data-count=\"1\">1</span>"))
            #expect(lost.head.contains("<span class=\"sum\" data-sum-cents=\"250025\">$2,500.25</span>"))
            #expect(!lost.foot.contains("Show all"))
            #expect(lost.foot.contains("<p class=\"muted small empty-column\" hidden>No leads</p>"))  // it holds a lead now
            let card = try #require(answer.card)
            #expect(card.contains("data-lead-id=\"\(mover.uid)\""))
            #expect(card.contains("Mover &lt;Co&gt;"))  // user text is escaped
            #expect(card.contains("A &amp; B"))
            #expect(card.contains("<span class=\"card-value\">$2,500.25</span>"))
            #expect(card.contains("0 days in stage"))
            #expect(!card.contains("class=\"move-to\""))  // Lost is final
            #expect(!card.contains("<script") && !card.contains("style="))

            // Exactly what the page shows after a reload (the reload shows 50 of Contacted's 51 cards).
            let page = normalized(try await manager.get("/board").body)
            #expect(page.contains(normalized(contacted.head)))
            #expect(page.contains(normalized(lost.head)))
            #expect(page.contains(normalized(lost.foot)))
            #expect(page.contains(normalized(contacted.foot)))
            #expect(page.contains(normalized(card)))
        }
    }

    @Test func anExecutivesMoveAnswerCountsOnlyTheirOwnLeads() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let samUser = try await app.user("sam@example.com")
            let riya = try await app.createUser("riya@example.com", role: .executive)
            for i in 0..<60 {
                try await app.createLead("Riya \(i)", owner: riya, valueCents: 1_000_000, stage: StageID.contacted)
            }
            try await app.createLead("Riya lost", owner: riya, valueCents: 7_700, stage: StageID.lost)
            try await app.createLead("Sam stays", owner: samUser, valueCents: 123_456_789, stage: StageID.contacted)
            let mover = try await app.createLead("Sam moves", owner: samUser, valueCents: 99, stage: StageID.contacted)
            try await sam.get("/board")

            let answer = try await scriptMove(sam, mover.uid)

            let contacted = try answer.column(StageID.contacted)
            #expect(contacted.head.contains("<span class=\"count\" data-count=\"1\">1</span>"))
            #expect(contacted.head.contains(">$1,234,567.89</span>"))
            #expect(!contacted.foot.contains("Show all"))  // Riya's 60 leads are not Sam's
            let lost = try answer.column(StageID.lost)
            #expect(lost.head.contains("<span class=\"count\" data-count=\"1\">1</span>"))
            #expect(lost.head.contains("data-sum-cents=\"99\">$0.99</span>"))
            #expect(try #require(answer.card).contains("Sam moves"))

            let page = normalized(try await sam.get("/board").body)
            #expect(page.contains(normalized(contacted.head)))
            #expect(page.contains(normalized(lost.head)))
            #expect(page.contains(normalized(contacted.foot)))
        }
    }

    @Test func theMoveAnswerFollowsTheFiltersOfTheBoardItCameFrom() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let owner = try await app.user("m@example.com")
            let sam = try await app.createUser("sam@example.com", role: .executive)
            try await app.createLead("Sam's", owner: sam, valueCents: 50_000, stage: StageID.contacted)
            try await app.createLead("Mine too", owner: owner, source: SourceID.referral, valueCents: 30_000, stage: StageID.contacted)
            let mover = try await app.createLead("Mine", owner: owner, source: SourceID.referral, valueCents: 10_000, stage: StageID.contacted)

            let answer = try await scriptMove(manager, mover.uid, returnTo: "/board?owner=me&source=\(SourceID.referral)")

            let contacted = try answer.column(StageID.contacted)
            #expect(contacted.head.contains("<span class=\"count\" data-count=\"1\">1</span>"))
            #expect(contacted.head.contains("data-sum-cents=\"30000\">$300.00</span>"))
            #expect(contacted.foot.contains("empty-column\" hidden"))
            #expect(try answer.column(StageID.lost).head.contains("data-sum-cents=\"10000\">$100.00</span>"))
            #expect(try #require(answer.card).contains("Mine"))
            let unfiltered = try await scriptMove(
                manager, try await app.createLead("Other", owner: owner, valueCents: 1, stage: StageID.contacted).uid, returnTo: "/board")
            #expect(try unfiltered.column(StageID.contacted).head.contains("data-count=\"2\""))  // Sam's and "Mine too"
            #expect(try unfiltered.column(StageID.lost).head.contains("data-count=\"2\""))  // "Mine" and "Other"
        }
    }

    @Test func theMovedCardsFormComesBackToTheFilteredBoard() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let owner = try await app.user("m@example.com")
            let lead = try await app.createLead("Onward", owner: owner, valueCents: 500, stage: StageID.qualified)
            let response = try await manager.post(
                "/leads/\(lead.uid)/move", [("stage_id", String(StageID.proposalSent)), ("return_to", "/board?q=onw&owner=me")],
                headers: [.accept: "application/json"])
            #expect(response.status == .ok)
            let answer = try JSONDecoder().decode(Answer.self, from: Data(response.body.utf8))
            let card = try #require(answer.card)
            #expect(card.contains("<input type=\"hidden\" name=\"return_to\" value=\"/board?q=onw&amp;owner=me\">"))
            #expect(card.contains("<input type=\"hidden\" name=\"_csrf\" value=\"\(try #require(manager.csrf))\">"))
            #expect(card.contains("<option value=\"\(StageID.won)\">Won</option><option value=\"\(StageID.lost)\">Lost</option>"))
            #expect(try answer.column(StageID.proposalSent).foot.contains("empty-column\" hidden"))
            #expect(try answer.column(StageID.qualified).foot.contains("<p class=\"muted small empty-column\">No leads</p>"))
        }
    }
}
