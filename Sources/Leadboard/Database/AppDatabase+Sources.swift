import Foundation
import GRDB

/// A change to the list of lead sources that cannot be saved, with the form field it belongs to.
public struct SourceChangeError: Error, Equatable {
    public var field: String
    public var message: String
}

extension AppDatabase {
    /// Adds a lead source at the end of the list; names are unique ignoring case.
    public func createSource(name: String) async throws {
        try await write { db in
            let clash = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM source WHERE name = ? COLLATE NOCASE", arguments: [name]) ?? 0
            if clash > 0 { throw SourceChangeError(field: "source_name", message: "A source called \(name) exists already.") }
            let position = (try Int.fetchOne(db, sql: "SELECT MAX(position) FROM source") ?? 0) + 1
            var source = Source(id: nil, name: name, position: position, isActive: true)
            try source.insert(db)
        }
    }

    /// Renames a source or hides it from new leads (leads that have it keep it).
    public func updateSource(id: Int64, name: String, isActive: Bool) async throws {
        try await write { db in
            guard var source = try Source.fetchOne(db, key: id) else { throw SourceChangeError(field: "source_name", message: "That source no longer exists.") }
            let clash = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM source WHERE name = ? COLLATE NOCASE AND id <> ?", arguments: [name, id]) ?? 0
            if clash > 0 { throw SourceChangeError(field: "source_name", message: "A source called \(name) exists already.") }
            source.name = name
            source.isActive = isActive
            try source.update(db)
        }
    }
}
