import GRDB

/// Append-only schema history. A migration that has shipped is never edited: add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-users-sessions") { db in
            try db.create(table: "user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull().collate(.nocase).unique()
                t.column("name", .text).notNull().check { length($0) > 0 && length($0) <= 200 }
                t.column("role", .text).notNull().check { ["admin", "manager", "executive"].contains($0) }
                t.column("isActive", .boolean).notNull().defaults(to: true)
                t.column("passwordHash", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.column("lastLoginAt", .datetime)
            }
            try db.create(table: "session") { t in
                t.autoIncrementedPrimaryKey("id")
                // SHA-256 of the cookie token: a stolen database file yields no usable session.
                t.column("tokenHash", .text).notNull().unique()
                t.column("userId", .integer).notNull().indexed().references("user", onDelete: .cascade)
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastSeenAt", .datetime).notNull()
                t.column("userAgent", .text)
                t.column("clientAddress", .text)
            }
            try db.create(table: "loginFailure") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("email", .text).notNull().collate(.nocase)
                t.column("clientAddress", .text).notNull()
                t.column("failedAt", .datetime).notNull()
            }
            try db.create(index: "loginFailure_email", on: "loginFailure", columns: ["email", "failedAt"])
            try db.create(index: "loginFailure_client", on: "loginFailure", columns: ["clientAddress", "failedAt"])
        }
        return migrator
    }
}
