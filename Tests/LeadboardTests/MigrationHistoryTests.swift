import Foundation
import GRDB
import Testing

@testable import Leadboard

/// Shipped migrations are append-only: their identifiers, their order and the SQL each one runs never
/// change. Editing a shipped migration in place (as v3's indexes and v5's body once were) leaves
/// existing databases without the change, so this test fails instead.
///
/// To ship a new migration, append it in `Migrations.swift` and append its line below (the failure
/// message prints the checksum); never change an existing line.
@Suite struct MigrationHistoryTests {
    static let shipped: [(identifier: String, sha256: String)] = [
        ("v1-users-sessions", "ca2d057e65ae5c8bec4473def99ce9f91e78c4a00a198d2692eaf0e65db30f50"),
        ("v2-leads", "f9fb899e9d3ce274aad76025572490b9b75f4822c83a1fe2f999cd4f62e394ce"),
        ("v3-pipeline", "38fdaccea755a1a94ff5de0bf7ce8e01a4293072d7956e30bb6f895221820e47"),
        ("v4-imports", "f9078ef2af0886a2362776f5d50520db4343b3a25799040a90ead65f18ed8019"),
        ("v5-report-indexes", "ec73ad95d01f74491fa9165552a161d4314fca7666b0d62ae83d3c935940174c"),
        ("v6-lead-tally", "ee493d397cee5f68710f05eaf7083cd6974eaf818d0e44d40a91222d108f016b"),
        ("v7-entry-stages", "757081cfcc2f1d2df057de678c0cc298794217f955d74ab3d816f3449aa5c65e"),
        ("v8-custom-fields-scoring", "3ec80297610e7e710b5b4deebc6dc3d611f4e832fa4c4702601030c216c5f65a"),
    ]

    /// The schema-changing statements each migration runs on an empty database, expanded with their
    /// arguments, so default rows count too. GRDB's own bookkeeping queries are left out.
    static func fingerprints() throws -> [(String, String)] {
        let statements = Recorder()
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            db.trace(options: .statement) { event in statements.record(event.expandedDescription) }
        }
        let queue = try DatabaseQueue(configuration: configuration)
        let migrator = Migrations.migrator
        var result: [(String, String)] = []
        for identifier in migrator.migrations {
            statements.reset()
            try migrator.migrate(queue, upTo: identifier)
            let schemaSQL = statements.all.filter { sql in
                let head = sql.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
                return ["CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"].contains(where: head.hasPrefix)
                    && !sql.contains("grdb_migrations")
            }
            result.append((identifier, SHA256Hasher.hex(schemaSQL.joined(separator: ";\n"))))
        }
        return result
    }

    @Test func shippedMigrationsNeverChange() throws {
        let actual = try Self.fingerprints()
        let listed = "\n" + actual.map { "        (\"\($0.0)\", \"\($0.1)\")," }.joined(separator: "\n")
        #expect(actual.count >= Self.shipped.count, "A shipped migration was removed. Current list:\(listed)")
        for (index, expected) in Self.shipped.enumerated() where index < actual.count {
            #expect(actual[index].0 == expected.identifier, "Migration \(index + 1) was renamed or reordered. Current list:\(listed)")
            #expect(actual[index].1 == expected.sha256, "Shipped migration \(expected.identifier) was edited: append a new one instead. Current list:\(listed)")
        }
        #expect(actual.count == Self.shipped.count, "A new migration: append its line to `shipped`. Current list:\(listed)")
    }
}

private final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []
    func record(_ sql: String) { lock.withLock { statements.append(sql) } }
    func reset() { lock.withLock { statements.removeAll() } }
    var all: [String] { lock.withLock { statements } }
}
