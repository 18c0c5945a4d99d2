import Foundation
import GRDB

/// A person who can sign in.
public struct User: Codable, Sendable, Identifiable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"
    public var id: Int64?
    public var email: String
    public var name: String
    public var role: Role
    public var isActive: Bool
    public var passwordHash: String
    public var createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The id of a user read from the database (always set).
    public var uid: Int64 { id ?? 0 }

    /// "Ada Lovelace" → "AL".
    public var initials: String { User.initials(of: name) }

    public static func initials(of name: String) -> String {
        let parts = name.split(whereSeparator: { $0 == " " || $0 == "-" }).prefix(2)
        return parts.compactMap { $0.first.map { String($0).uppercased() } }.joined()
    }
}

/// A server-side login session. The cookie holds a random token; only its SHA-256 is stored.
public struct Session: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "session"
    public var id: Int64?
    public var tokenHash: String
    public var userId: Int64
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var userAgent: String?
    public var clientAddress: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Roles are stored as their raw value (`admin`, `manager`, `executive`).
extension Role: DatabaseValueConvertible {}
