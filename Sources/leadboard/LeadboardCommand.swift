import ArgumentParser
import Foundation
import Leadboard

private let env = ProcessInfo.processInfo.environment

/// Unbuffered output, so that the one-time admin password shows up at once even when stdout is a
/// pipe or a file.
func print(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

private func envFlag(_ name: String) -> Bool {
    ["1", "true", "yes", "on"].contains((env[name] ?? "").lowercased())
}

/// Options every command that touches the database shares.
struct DataOptions: ParsableArguments {
    @Option(help: "Folder holding leadboard.sqlite and uploads/ (env LEADBOARD_DATA_DIR).")
    var dataDir: String = env["LEADBOARD_DATA_DIR"] ?? "./data"

    func configuration() -> AppConfiguration {
        var config = AppConfiguration()
        config.dataDirectory = dataDir
        return config
    }

    /// Opens and migrates the database; a missing one is created after its path is printed on stderr.
    /// Failures are one line naming the path, the cause and what to do.
    func open() throws -> AppDatabase {
        try DataFolder.openDatabase(configuration: configuration())
    }
}

@main
struct LeadboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leadboard",
        abstract: "Leadboard: a lead-management CRM served as one small server.",
        version: "leadboard \(LeadboardVersion.number) (commit \(buildCommit))",
        subcommands: [Serve.self, Migrate.self, UserCommand.self, Demo.self, Export.self, Import.self, Backup.self, Restore.self, Check.self, Rescore.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database if needed and serve the web app.")

    @Option(help: "Address to listen on (env LEADBOARD_HOST).")
    var host: String = env["LEADBOARD_HOST"] ?? "127.0.0.1"
    @Option(help: "Port to listen on (env LEADBOARD_PORT).")
    var port: Int = Int(env["LEADBOARD_PORT"] ?? "") ?? 8080
    @OptionGroup var data: DataOptions
    @Option(help: "Folder holding Templates/ and Public/ (env LEADBOARD_RESOURCES).")
    var resources: String = env["LEADBOARD_RESOURCES"] ?? "."
    @Flag(help: "Mark cookies Secure; use when served over HTTPS (env LEADBOARD_SECURE_COOKIES=1).")
    var secureCookies: Bool = false
    @Flag(help: "Take the client address from X-Forwarded-For; only behind your own proxy (env LEADBOARD_TRUST_PROXY=1).")
    var trustProxy: Bool = false
    @Flag(help: "Create demo users when the database has none (env LEADBOARD_DEMO=1).")
    var demo: Bool = false
    @Option(help: "Largest attachment upload in MiB (env LEADBOARD_MAX_UPLOAD_MB).")
    var maxUploadMb: Int = Int(env["LEADBOARD_MAX_UPLOAD_MB"] ?? "") ?? 10
    @Option(help: "Attachment MiB each user may keep (env LEADBOARD_USER_QUOTA_MB).")
    var userQuotaMb: Int64 = Int64(env["LEADBOARD_USER_QUOTA_MB"] ?? "") ?? 1024
    @Option(help: "Attachment MiB all users together may keep (env LEADBOARD_TOTAL_QUOTA_MB).")
    var totalQuotaMb: Int64 = Int64(env["LEADBOARD_TOTAL_QUOTA_MB"] ?? "") ?? 10240
    @Option(help: "Sign out after this many idle hours (env LEADBOARD_SESSION_IDLE_HOURS).")
    var sessionIdleHours: Double = Double(env["LEADBOARD_SESSION_IDLE_HOURS"] ?? "") ?? 12
    @Option(help: "Sign out after this many days whatever the activity (env LEADBOARD_SESSION_MAX_DAYS).")
    var sessionMaxDays: Double = Double(env["LEADBOARD_SESSION_MAX_DAYS"] ?? "") ?? 7
    @Flag(help: "Serve Prometheus metrics at /metrics to loopback clients (env LEADBOARD_METRICS=1).")
    var metrics: Bool = false
    @Option(help: "Also answer /metrics to 'Authorization: Bearer TOKEN' from any address (env LEADBOARD_METRICS_TOKEN).")
    var metricsToken: String? = env["LEADBOARD_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }

    func run() async throws {
        var config = data.configuration()
        config.host = host
        config.port = port
        config.resourcesDirectory = resources
        // Boolean env vars are read here: ArgumentParser refuses a flag whose default is true.
        config.secureCookies = secureCookies || envFlag("LEADBOARD_SECURE_COOKIES")
        config.trustProxyHeaders = trustProxy || envFlag("LEADBOARD_TRUST_PROXY")
        config.maxUploadBytes = maxUploadMb * 1024 * 1024
        // Clamped so that a stray value cannot overflow; 0 turns uploads off.
        config.userQuotaBytes = min(max(userQuotaMb, 0), 1 << 40) * 1024 * 1024
        config.totalQuotaBytes = min(max(totalQuotaMb, 0), 1 << 40) * 1024 * 1024
        config.sessionIdleTimeout = sessionIdleHours * 3600
        config.sessionAbsoluteLifetime = sessionMaxDays * 86400
        config.metricsEnabled = metrics || envFlag("LEADBOARD_METRICS")
        config.metricsToken = metricsToken
        let services = try await buildServices(configuration: config)
        if demo || envFlag("LEADBOARD_DEMO") {
            let report = try await DemoData(database: services.database, hasher: services.hasher).seed(leads: 500, seed: 42, credentialsFile: config.demoCredentialsPath)
            print(report.summary(credentialsFile: config.demoCredentialsPath))
        }
        if try await services.database.userCount() == 0 {
            let password = Secrets.password()
            _ = try await services.database.createUser(
                email: "admin@example.com", name: "Administrator", role: .admin, passwordHash: try await services.hasher.hash(password))
            print("""

                ==================================================================
                 First start: created the admin account
                   email:    admin@example.com
                   password: \(password)
                 This password is shown only once. Change it under "Account".
                ==================================================================

                """)
        }
        print("Leadboard is serving on http://\(host):\(port)")
        // SIGTERM/SIGINT: requests in flight get up to 10 s to finish, then the process exits 0.
        try await runUntilStopped(buildApplication(services: services))
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create demo users (an admin, a manager, two executives) and demo leads.",
        discussion: "Users that exist already are kept. Leads are added on every run; the same seed gives the same leads.")
    @OptionGroup var data: DataOptions
    @Option(help: "How many leads to create.") var leads: Int = 500
    @Option(help: "Seed for the generator (same seed, same data).") var seed: UInt64 = 42

    func run() async throws {
        let config = data.configuration()
        let database = try data.open()
        let demo = DemoData(database: database, hasher: .standard)
        var report = try await demo.seedUsers(credentialsFile: config.demoCredentialsPath)
        let start = Date()
        report.createdLeads = try await demo.seedLeads(count: leads, seed: seed)
        print(report.summary(credentialsFile: config.demoCredentialsPath))
        print(String(format: "Created %d leads in %.1f s", report.createdLeads, Date().timeIntervalSince(start)))
    }
}

/// The user the command line acts as: the first active admin.
func commandLineActor(_ database: AppDatabase) async throws -> User {
    guard let admin = try await database.users().first(where: { $0.role == .admin && $0.isActive }) else {
        throw ValidationError("No active admin exists; create one with `leadboard user add --role admin`.")
    }
    return admin
}

private func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write all live leads as CSV (the same format as the web export).")
    @OptionGroup var data: DataOptions
    @Option(help: "File to write (default: standard output).") var out: String?

    func run() async throws {
        let database = try data.open()
        let actor = try await commandLineActor(database)
        let query = LeadQuery(filter: { var f = LeadFilter(); f.sort = .created; f.descending = false; return f }(), viewer: actor)
        let handle: FileHandle
        if let out {
            FileManager.default.createFile(atPath: out, contents: nil)
            guard let file = FileHandle(forWritingAtPath: out) else { throw ValidationError("Cannot write \(out).") }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        var rows = -1
        try await LeadCSV.stream(query, database: database) { text in
            handle.write(Data(text.utf8))
            rows += text.components(separatedBy: "\r\n").count - 1
        }
        if out != nil {
            try handle.close()
            printError("Wrote \(max(rows, 0)) leads to \(out!)")
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import leads from a CSV file (validated first; all valid rows land in one transaction, or none).")
    @OptionGroup var data: DataOptions
    @Argument(help: "The CSV file (header row required; `name` column required).") var file: String
    @Flag(help: "Update leads whose email matches a row (default: skip them).") var updateExisting = false
    @Option(help: "Owner (email) for rows without owner_email.") var owner: String?

    func run() async throws {
        let database = try data.open()
        let actor = try await commandLineActor(database)
        var options = ImportOptions(updateExisting: updateExisting)
        if let owner {
            guard let user = try await database.user(email: owner), user.isActive else { throw ValidationError("No active user \(owner).") }
            options.defaultOwnerId = user.id
        }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("Cannot read \(file).") }
        let preview = try await LeadImporter.preview(path: file, database: database, actor: actor, options: options, maxIssues: .max)
        if let fileError = preview.fileError { throw ValidationError(fileError) }
        if !preview.unknownColumns.isEmpty { printError("Ignoring columns: \(preview.unknownColumns.joined(separator: ", "))") }
        printError("\(preview.rows) rows: \(preview.toCreate) new, \(preview.matching) matching by email, \(preview.invalid) invalid")
        for issue in preview.issues { print("line \(issue.line): \(issue.reason)") }
        let result = try await LeadImporter.run(
            path: file, database: database, actor: actor, options: options, fileLabel: (file as NSString).lastPathComponent,
            progress: { count in FileHandle.standardError.write(Data("\rimported \(count) rows…".utf8)) })
        printError("")
        print("created \(result.created), updated \(result.updated), skipped \(result.skipped), invalid \(result.invalid)")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")
    @OptionGroup var data: DataOptions

    func run() async throws {
        _ = try data.open()
        print("Database is up to date at \(data.configuration().databasePath)")
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, SetPassword.self, List.self])

    /// Reads a password from stdin (first line) or generates one and says so.
    static func password(fromStdin: Bool) throws -> (password: String, generated: Bool) {
        if fromStdin {
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("No password on standard input.") }
            if let problem = PasswordHasher.problem(with: line) { throw ValidationError("Password: \(problem)") }
            return (line, false)
        }
        return (Secrets.password(), true)
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @OptionGroup var data: DataOptions
        @Option(help: "Email address (unique).") var email: String
        @Option(help: "Display name.") var name: String
        @Option(help: "admin, manager or executive.") var role: String
        @Flag(help: "Read the password from standard input instead of generating one.") var passwordStdin = false

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("Role must be admin, manager or executive.") }
            if let problem = Validate.email(email, required: true) { throw ValidationError("Email: \(problem)") }
            if let problem = Validate.text(name, label: "Name", required: true, max: 200) { throw ValidationError(problem) }
            let (password, generated) = try UserCommand.password(fromStdin: passwordStdin)
            let database = try data.open()
            do {
                let user = try await database.createUser(
                    email: email, name: name, role: role, passwordHash: try await PasswordHasher.standard.hash(password))
                print("Created \(user.role.rawValue) \(user.email)")
                if generated { print("Password: \(password)") }
            } catch UserChangeError.emailTaken {
                throw ValidationError("A user with email \(email) already exists.")
            }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a user's password and end their sessions.")
        @OptionGroup var data: DataOptions
        @Option(help: "Email of the user.") var email: String
        @Flag(help: "Read the password from standard input instead of generating one.") var passwordStdin = false

        func run() async throws {
            let database = try data.open()
            guard let user = try await database.user(email: email) else { throw ValidationError("No user with email \(email).") }
            let (password, generated) = try UserCommand.password(fromStdin: passwordStdin)
            try await database.setPassword(userId: user.uid, passwordHash: try await PasswordHasher.standard.hash(password))
            print("Password set for \(user.email); their sessions were ended.")
            if generated { print("Password: \(password)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let database = try data.open()
            for user in try await database.users() {
                let status = user.isActive ? "active" : "inactive"
                print("\(user.uid)\t\(user.email)\t\(user.name)\t\(user.role.rawValue)\t\(status)")
            }
        }
    }
}
