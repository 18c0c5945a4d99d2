import Foundation
import GRDB

/// Why a user change was refused, with the form field it belongs to.
public enum UserChangeError: Error, Equatable {
    case emailTaken
    case lastAdmin
    case notFound
}

extension AppDatabase {
    /// Creates a user; `emailTaken` when the address (case-insensitive) is in use.
    @discardableResult
    public func createUser(email: String, name: String, role: Role, passwordHash: String, isActive: Bool = true) async throws -> User {
        let now = self.now
        do {
            return try await write { db in
                var user = User(
                    id: nil, email: email, name: name, role: role, isActive: isActive, passwordHash: passwordHash,
                    createdAt: now, updatedAt: now, lastLoginAt: nil)
                try user.insert(db)
                return user
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw UserChangeError.emailTaken
        }
    }

    public func user(id: Int64) async throws -> User? {
        try await pool.read { db in try User.fetchOne(db, key: id) }
    }

    public func user(email: String) async throws -> User? {
        try await pool.read { db in
            try User.filter(Column("email").collating(.nocase) == email).fetchOne(db)
        }
    }

    /// All users, active first, then by name.
    public func users() async throws -> [User] {
        try await pool.read { db in
            try User.order(Column("isActive").desc, Column("name").collating(.nocase)).fetchAll(db)
        }
    }

    public func userCount() async throws -> Int {
        try await pool.read { db in try User.fetchCount(db) }
    }

    /// Changes name, role and active flag. Refuses to leave the system without an active admin.
    /// Deactivating a user ends their sessions in the same transaction.
    public func updateUser(id: Int64, name: String, role: Role, isActive: Bool, checkOnly: Bool = false) async throws -> User {
        let now = self.now
        return try await write { db in
            guard var user = try User.fetchOne(db, key: id) else { throw UserChangeError.notFound }
            let losesAdmin = user.role == .admin && user.isActive && (role != .admin || !isActive)
            if losesAdmin {
                let otherAdmins = try User
                    .filter(Column("role") == Role.admin.rawValue && Column("isActive") == true && Column("id") != id)
                    .fetchCount(db)
                if otherAdmins == 0 { throw UserChangeError.lastAdmin }
            }
            // The deactivation confirmation asks only about a change that would be accepted.
            if checkOnly { return user }
            user.name = name
            user.role = role
            user.isActive = isActive
            user.updatedAt = now
            try user.update(db)
            if !isActive {
                try Session.filter(Column("userId") == id).deleteAll(db)
            }
            return user
        }
    }

    /// Stores a new password hash and ends every session of the user except `keepingSession`.
    public func setPassword(userId: Int64, passwordHash: String, keepingSession: Int64? = nil) async throws {
        let now = self.now
        try await write { db in
            guard var user = try User.fetchOne(db, key: userId) else { throw UserChangeError.notFound }
            user.passwordHash = passwordHash
            user.updatedAt = now
            try user.update(db)
            var others = Session.filter(Column("userId") == userId)
            if let keepingSession { others = others.filter(Column("id") != keepingSession) }
            try others.deleteAll(db)
        }
    }

    /// Replaces a hash made with weaker parameters, without touching sessions.
    public func upgradePasswordHash(userId: Int64, passwordHash: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE user SET passwordHash = ? WHERE id = ?", arguments: [passwordHash, userId])
        }
    }
}
