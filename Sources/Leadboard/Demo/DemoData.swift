import Foundation

/// Demo users (and, once leads exist, demo leads) for trying Leadboard out.
public struct DemoData: Sendable {
    let database: AppDatabase
    let hasher: PasswordHasher

    public init(database: AppDatabase, hasher: PasswordHasher) {
        self.database = database
        self.hasher = hasher
    }

    public struct Account: Sendable {
        public let email: String
        public let name: String
        public let role: Role
    }

    public static let accounts: [Account] = [
        Account(email: "admin@example.com", name: "Ada Admin", role: .admin),
        Account(email: "manager@example.com", name: "Morgan Manager", role: .manager),
        Account(email: "sam@example.com", name: "Sam Seller", role: .executive),
        Account(email: "riya@example.com", name: "Riya Rao", role: .executive),
    ]

    public struct Report: Sendable {
        public var createdLogins: [(email: String, password: String, role: Role)] = []
        public var createdLeads = 0

        public func summary(credentialsFile: String) -> String {
            var lines = ["", "Demo data:"]
            if createdLeads > 0 { lines.append("  created \(createdLeads) leads") }
            if let saved = try? String(contentsOfFile: credentialsFile, encoding: .utf8) {
                lines.append("  demo logins (also in \(credentialsFile)):")
                lines.append(contentsOf: saved.split(separator: "\n").map { "    " + $0 })
            }
            lines.append("")
            return lines.joined(separator: "\n")
        }
    }

    /// Creates the demo accounts that do not exist yet, with random passwords recorded (mode 0600)
    /// in `credentialsFile` so that a later start can print them again.
    public func seedUsers(credentialsFile: String?) async throws -> Report {
        var report = Report()
        for account in Self.accounts where try await database.user(email: account.email) == nil {
            let password = Secrets.password()
            _ = try await database.createUser(
                email: account.email, name: account.name, role: account.role, passwordHash: try await hasher.hash(password))
            report.createdLogins.append((account.email, password, account.role))
        }
        if let credentialsFile, !report.createdLogins.isEmpty {
            var text = (try? String(contentsOfFile: credentialsFile, encoding: .utf8)) ?? ""
            for login in report.createdLogins {
                text += "\(login.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(login.email)  \(login.password)\n"
            }
            _ = FileManager.default.createFile(atPath: credentialsFile, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        }
        return report
    }

    /// Demo users, then `leads` demo leads when the database has none yet.
    public func seed(leads: Int, seed: UInt64, credentialsFile: String? = nil) async throws -> Report {
        var report = try await seedUsers(credentialsFile: credentialsFile)
        if try await !database.hasLeads() { report.createdLeads = try await seedLeads(count: leads, seed: seed) }
        return report
    }
}
