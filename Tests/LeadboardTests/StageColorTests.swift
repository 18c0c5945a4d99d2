import Foundation
import Testing

@testable import Leadboard

/// Stage badges are filled with the admin's colour; their text colour is computed so it always passes
/// WCAG AA (4.5:1), whatever colour is chosen.
@Suite struct StageColorTests {
    @Test func luminanceAndContrastFollowWCAG() throws {
        #expect(StageColor.relativeLuminance("#000000") == 0)
        #expect(StageColor.relativeLuminance("#ffffff") == 1)
        #expect(abs(try #require(StageColor.relativeLuminance("#808080")) - 0.2158605) < 0.000001)
        #expect(StageColor.contrastRatio("#000000", "#ffffff") == 21)
        #expect(StageColor.contrastRatio("#FFFFFF", "#000000") == 21)  // either order, either case
        // WebAIM's checker: #767676 on white is 4.54:1.
        #expect(abs(try #require(StageColor.contrastRatio("#767676", "#ffffff")) - 4.54) < 0.01)
    }

    @Test func malformedColoursAreRejected() {
        for bad in ["", "#fff", "ffffff", "#gggggg", "#12345", "#1234567", "#-12345", "#+12345"] {
            #expect(StageColor.relativeLuminance(bad) == nil, "\(bad)")
        }
        #expect(StageColor.textColor(on: "#fff") == StageColor.black)
    }

    @Test func theDefaultStageColoursGetTheExpectedText() {
        // Qualified and Proposal Sent failed contrast with tinted text; filled, they take black.
        #expect(StageColor.textColor(on: "#0ea5e9") == StageColor.black)
        #expect(StageColor.textColor(on: "#f59e0b") == StageColor.black)
        #expect(StageColor.textColor(on: "#1e3a8a") == StageColor.white)
        #expect(StageColor.textColor(on: "#ffffff") == StageColor.black)
        #expect(StageColor.textColor(on: "#000000") == StageColor.white)
    }

    @Test func everyColourGetsTextOfAtLeastFourAndAHalfToOne() throws {
        // Every 5th value per channel (52³ colours), plus the worst case near luminance 0.18.
        var colours = ["#767676", "#777777", "#787878", "#757575"]
        for r in stride(from: 0, through: 255, by: 5) {
            for g in stride(from: 0, through: 255, by: 5) {
                for b in stride(from: 0, through: 255, by: 5) {
                    colours.append(String(format: "#%02x%02x%02x", r, g, b))
                }
            }
        }
        var worst = 21.0
        for colour in colours {
            let text = StageColor.textColor(on: colour)
            let ratio = try #require(StageColor.contrastRatio(text, colour))
            let other = try #require(StageColor.contrastRatio(text == StageColor.black ? StageColor.white : StageColor.black, colour))
            #expect(ratio >= other, "\(colour): the more readable of black and white")
            worst = min(worst, ratio)
        }
        #expect(worst >= 4.5, "worst contrast \(worst)")
    }

    @Test func stagesCSSCarriesEachStagesColourAndItsTextColour() async throws {
        let app = try await TestApp.make()
        let stages = try await app.database.leadReferenceData().stages
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let css = try await manager.get("/stages.css")
            #expect(css.status == .ok)
            #expect(!stages.isEmpty)
            for stage in stages {
                let rule = ".stage-\(stage.uid){--stage:\(stage.color);--stage-ink:\(StageColor.textColor(on: stage.color))}"
                #expect(css.contains(rule), "\(rule) in \(css.body)")
            }
        }
    }
}
