import Foundation
import Testing

@testable import Leadboard

/// Every page's template is checked at start-up, so a page can never meet a missing template.
@Suite struct PageRegistryTests {
    /// The names of every type in Sources/ that conforms to `Page`, read from the source text.
    static func pageTypesInSources() throws -> Set<String> {
        let sources = URL(fileURLWithPath: Fixtures.packageRoot).appendingPathComponent("Sources")
        var names = Set<String>()
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        let pattern = try Regex(#"(?:struct|final class|class|enum)\s+(\w+)\s*:\s*(?:[\w.]+\s*,\s*)*Page\b"#)
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { names.insert(String(name)) }
            }
        }
        return names
    }

    @Test func everyPageTypeIsRegistered() throws {
        let inSources = try Self.pageTypesInSources()
        let registered = Set(PageRegistry.all.map { String(describing: $0) })
        #expect(inSources.count >= 16)
        #expect(inSources.subtracting(registered).isEmpty, "Add these to PageRegistry.all: \(inSources.subtracting(registered).sorted())")
        #expect(registered.subtracting(inSources).isEmpty)
    }

    /// A copy of Templates/ without `removed`.
    func templatesWithout(_ removed: String) throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("leadboard-templates-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Fixtures.packageRoot).appendingPathComponent("Templates"), to: copy)
        try FileManager.default.removeItem(at: copy.appendingPathComponent(removed + ".mustache"))
        return copy.path
    }

    @Test func aMissingPageTemplateFailsStartUp() async throws {
        let directory = try templatesWithout("leads/move")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await #expect(throws: StartupError.self) { _ = try await Views(directory: directory, pages: PageRegistry.all) }
        do {
            _ = try await Views(directory: directory, pages: PageRegistry.all)
        } catch let error as StartupError {
            #expect(error.description.contains("leads/move.mustache"))
        }
    }

    @Test func aMissingPartialFailsStartUpNamingWhoNeedsIt() async throws {
        let directory = try templatesWithout("board/_card")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            _ = try await Views(directory: directory, pages: PageRegistry.all)
            Issue.record("start-up went on without board/_card")
        } catch let error as StartupError {
            #expect(error.description.contains("board/_card.mustache"))
            #expect(error.description.contains("board/index.mustache"))
        }
    }

    @Test func theShippedTemplatesLoad() async throws {
        let directory = URL(fileURLWithPath: Fixtures.packageRoot).appendingPathComponent("Templates").path
        let needed = try Views.requiredTemplates(from: ["layout"] + PageRegistry.all.map { $0.template }, directory: directory) { name in
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name + ".mustache"))
        }
        #expect(needed.contains("board/_column-head"))
        #expect(needed.contains("partials/bar-chart"))
        _ = try await Views(directory: directory, pages: PageRegistry.all)
    }

    @Test func referencesAreReadFromPartialsAndParents() {
        #expect(Views.references(in: "{{<layout}}{{$content}}{{> board/_card}}{{>x}}{{name}}{{/content}}{{/layout}}") == ["layout", "board/_card", "x"])
        #expect(Views.references(in: "{{#items}}{{label}}{{/items}}").isEmpty)
    }
}
