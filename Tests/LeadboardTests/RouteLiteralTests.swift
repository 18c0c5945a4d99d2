import Foundation
import Testing

@testable import Leadboard

/// Paths are written once, in `Web/Routes.swift`: the router, redirects, view models and (through
/// the view models and `{{paths.…}}`) the templates all take them from there.
@Suite struct RouteLiteralTests {
    static let root = URL(fileURLWithPath: Fixtures.packageRoot)
    static let sections = "leads|admin|account|board|reports|activity|attachments|login|logout|static|stages|healthz|metrics"

    func files(under folder: String, extension ext: String) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: Self.root.appendingPathComponent(folder), includingPropertiesForKeys: nil)!
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == ext }
    }

    @Test func noPathLiteralsInSwiftOutsideRoutes() throws {
        let pattern = try Regex("\"/(\(Self.sections))\\b")
        var offenders: [String] = []
        for file in files(under: "Sources", extension: "swift") where file.lastPathComponent != "Routes.swift" {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where line.contains(pattern) {
                // Cookie paths are not routes.
                if line.contains("path: \"/\"") { continue }
                offenders.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "Use Routes instead of path literals:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func noPathLiteralsInTemplates() throws {
        let pattern = try Regex(#"(href|action|src)="/"#)
        var offenders: [String] = []
        for file in files(under: "Templates", extension: "mustache") {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() where line.contains(pattern) {
                offenders.append("\(file.lastPathComponent):\(number + 1)")
            }
        }
        #expect(offenders.isEmpty, "Take URLs from the view model or {{paths.…}}:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func patternsAreFilledInOrder() {
        #expect(Routes.lead(42) == "/leads/42")
        #expect(Routes.leadNoteDelete(7, note: 9) == "/leads/7/notes/9/delete")
        #expect(Routes.adminStageTaskDelete(3, task: 5) == "/admin/pipeline/stages/3/tasks/5/delete")
        #expect(Routes.leadsImportErrors("a b") == "/leads/import/a%20b/errors.csv")
    }

    @Test func everyFixedPathTemplatesUseResolves() throws {
        let pattern = try Regex(#"\{\{paths\.(\w+)\}\}"#)
        for file in files(under: "Templates", extension: "mustache") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                let name = String(match.output[1].substring ?? "")
                #expect(Routes.fixed[name] != nil, "\(file.lastPathComponent) uses {{paths.\(name)}}, which Routes.fixed lacks")
            }
        }
    }
}
