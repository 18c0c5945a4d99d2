import Foundation
import GRDB
import Testing

@testable import Leadboard

/// The one filter → SQL builder (`LeadQuery.clauses`): every property of `LeadFilter` is handled,
/// and the list, board, export and dashboard give the same leads and totals for every filter,
/// whether the counts come from `leadTally` or from the lead rows.
@Suite struct LeadFilterTests {
    /// The people and leads the filters below are tried on.
    struct Seed {
        var admin: User, mia: User, sam: User, riya: User
        var leads: [Lead]
        var categories: [Int64: StageCategory]
        /// The day of the 10th and the 20th lead (the created-range samples).
        var day10: String, day20: String
        /// A select and a boolean custom field, and the leads' values of them (the `cf_` samples).
        var size = LeadFilterTests.field(1, "size", .select, options: ["Small", "Large"])
        var hot = LeadFilterTests.field(2, "hot", .boolean)
        var values: [Int64: FieldValues] = [:]
    }

    static func field(_ id: Int64, _ key: String, _ type: FieldType, options: [String]? = nil) -> CustomField {
        CustomField(
            id: id, entity: .lead, taskTemplateId: nil, key: key, label: key.capitalized, type: type, isRequired: false, helpText: "", placeholder: "",
            position: Int(id), isActive: true, showOnCard: false, rules: FieldRules(options: options).json, defaultValue: nil,
            createdAt: Date(timeIntervalSince1970: 0))
    }

    static let stages = [StageID.newLead, StageID.contacted, StageID.qualified, StageID.proposalSent, StageID.won, StageID.lost]

    /// 36 leads, one every 12 hours: every owner (two executives, a manager, nobody) in every stage,
    /// three sources (one "none"), two companies, and every seventh lead deleted.
    static func seed(_ app: TestApp) async throws -> Seed {
        let admin = try await app.createUser("admin@example.com", role: .admin)
        let mia = try await app.createUser("mia@example.com", role: .manager)
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let riya = try await app.createUser("riya@example.com", role: .executive)
        var leads: [Lead] = []
        for i in 0..<36 {
            let owner = [sam, riya, nil, mia][i % 4]
            var lead = try await app.createLead(
                "Filter lead \(i)", owner: owner, actor: owner ?? mia, company: i % 2 == 0 ? "Acme Corp" : "Globex",
                source: [SourceID.website, SourceID.referral, nil][i % 3], valueCents: Int64(1000 + i * 137), stage: stages[(i / 4) % 6])
            if i % 7 == 3 {
                try await app.database.deleteLead(id: lead.uid, actor: admin)
                lead.deletedAt = app.clock.now
            }
            leads.append(lead)
            app.clock.advance(12 * 3600)
        }
        let categories = Dictionary(uniqueKeysWithValues: try await app.database.leadReferenceData().stages.map { ($0.uid, $0.category) })
        // Custom values: sizes on two leads in three, "hot" yes / no / none in turn.
        let size = try await app.insertCustomField("size", type: .select, rules: FieldRules(options: ["Small", "Large"]))
        let hot = try await app.insertCustomField("hot", type: .boolean)
        var values: [Int64: FieldValues] = [:]
        for (i, lead) in leads.enumerated() {
            var set: [String: FieldValue?] = [:]
            if i % 3 != 2 { set["size"] = .text(i % 3 == 0 ? "Small" : "Large") }
            if i % 5 != 4 { set["hot"] = .boolean(i % 2 == 0) }
            try await app.setCustomValues(of: lead.uid, set)
            values[lead.uid] = [size.uid: set["size"] ?? nil, hot.uid: set["hot"] ?? nil].compactMapValues { $0 }
        }
        return Seed(
            admin: admin, mia: mia, sam: sam, riya: riya, leads: leads, categories: categories, day10: Day.string(leads[10].createdAt),
            day20: Day.string(leads[20].createdAt), size: size, hot: hot, values: values)
    }

    /// Filters that set one field each (several values where the field has several kinds).
    /// Exhaustive: a new `LeadFilterField` needs samples here before this file compiles.
    static func samples(_ field: LeadFilterField, _ seed: Seed) -> [LeadFilter] {
        func with(_ change: (inout LeadFilter) -> Void) -> LeadFilter {
            var filter = LeadFilter()
            change(&filter)
            return filter
        }
        switch field {
        case .q: return [with { $0.q = "acme" }, with { $0.q = "nothing-matches-this" }]
        case .stageId: return [with { $0.stageId = StageID.contacted }, with { $0.stageId = StageID.won }]
        case .owner:
            return [with { $0.owner = .me }, with { $0.owner = .none }, with { $0.owner = .user(seed.riya.uid) }, with { $0.owner = .user(seed.mia.uid) }]
        case .sourceId: return [with { $0.sourceId = SourceID.referral }]
        case .category: return [with { $0.category = .open }, with { $0.category = .won }, with { $0.category = .lost }]
        case .createdFrom: return [with { $0.createdFrom = seed.day10 }]
        case .createdTo: return [with { $0.createdTo = seed.day20 }]
        case .deleted: return [with { $0.deleted = true }]
        case .rating: return [with { $0.rating = .hot }, with { $0.rating = .warm }, with { $0.rating = .cold }]
        case .customFields:
            return [
                with { $0.customFields = [CustomFieldFilter(field: seed.size, value: .text("Large"))] },
                with { $0.customFields = [CustomFieldFilter(field: seed.hot, value: .boolean(true))] },
                with { $0.customFields = [CustomFieldFilter(field: seed.hot, value: .boolean(false)), CustomFieldFilter(field: seed.size, value: .text("Small"))] },
            ]
        }
    }

    /// What each filter means, written out over the seeded leads without SQL.
    static func matches(_ lead: Lead, _ filter: LeadFilter, viewer: User, _ seed: Seed) -> Bool {
        if viewer.role == .executive && lead.ownerId != viewer.id { return false }
        let day = Day.string(lead.createdAt)
        return LeadFilterField.allCases.allSatisfy { field in
            switch field {
            case .q: filter.q.isEmpty || (filter.q == "acme" && lead.company == "Acme Corp")
            case .stageId: filter.stageId.map { lead.stageId == $0 } ?? true
            case .owner:
                switch filter.owner {
                case .any: true
                case .me: lead.ownerId == viewer.id
                case .none: lead.ownerId == nil
                case .user(let id): lead.ownerId == id
                }
            case .sourceId: filter.sourceId.map { lead.sourceId == $0 } ?? true
            case .category: filter.category.map { seed.categories[lead.stageId] == $0 } ?? true
            case .createdFrom: filter.createdFrom.map { day >= $0 } ?? true
            case .createdTo: filter.createdTo.map { day <= $0 } ?? true
            case .deleted: (filter.deleted && viewer.role == .admin) == (lead.deletedAt != nil)
            // No scoring rules: every lead scores 0, which the default thresholds (70, 40) call cold.
            case .rating: filter.rating.map { $0 == Rating.of(score: 0, hot: 70, warm: 40) } ?? true
            case .customFields: filter.customFields.allSatisfy { seed.values[lead.uid]?[$0.field.uid] == $0.value }
            }
        }
    }

    static func clauses(_ filter: LeadFilter, viewer: User) throws -> LeadClauses {
        try DatabaseQueue().read { db in try LeadQuery(filter: filter, viewer: viewer).clauses(db) }
    }

    static func user(_ role: Role, id: Int64 = 7) -> User {
        User(
            id: id, email: "u\(id)@example.com", name: "U", role: role, isActive: true, passwordHash: "", createdAt: Date(timeIntervalSince1970: 0),
            updatedAt: Date(timeIntervalSince1970: 0))
    }

    static func describe(_ filter: LeadFilter) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Mirror(reflecting: filter).children.map { ($0.label ?? "?", String(describing: $0.value)) })
    }

    // MARK: - Every field is handled

    @Test func everyStoredPropertyOfTheFilterIsAFieldOrSaysHowLeadsAreShown() {
        let properties = Set(Mirror(reflecting: LeadFilter()).children.compactMap(\.label))
        let fields = Set(LeadFilterField.allCases.map(\.rawValue))
        #expect(fields.isDisjoint(with: LeadFilter.presentationProperties))
        #expect(
            properties == fields.union(LeadFilter.presentationProperties),
            "not handled as a filter field: \(properties.subtracting(fields).subtracting(LeadFilter.presentationProperties).sorted())")
    }

    @Test(arguments: LeadFilterField.allCases)
    func eachFieldChangesItsOwnPropertyAndTheSQL(field: LeadFilterField) throws {
        let seed = Seed(
            admin: Self.user(.admin, id: 1), mia: Self.user(.manager, id: 2), sam: Self.user(.executive, id: 4242), riya: Self.user(.executive, id: 4343),
            leads: [], categories: [:], day10: "2026-01-10", day20: "2026-01-20")
        let plain = Self.describe(LeadFilter())
        for viewer in [seed.admin, seed.sam] {
            let unfiltered = try Self.clauses(LeadFilter(), viewer: viewer)
            for filter in Self.samples(field, seed) {
                // The case is named for the property it stands for, and only that property changes.
                let changed = Self.describe(filter).filter { plain[$0.key] != $0.value }.map(\.key)
                #expect(changed == [field.rawValue])
                #expect(filter.narrows(field))
                #expect(!LeadFilter().narrows(field))
                #expect(filter.isFiltered == (field != .deleted))
                // The SQL changes, and an executive's always keeps their own leads only.
                let clauses = try Self.clauses(filter, viewer: viewer)
                if field != .deleted || viewer.role == .admin {
                    #expect(clauses.conditions != unfiltered.conditions, "\(field) for \(viewer.role)")
                }
                if viewer.role == .executive {
                    #expect(clauses.conditions.contains("lead.ownerId = ?"))
                    #expect(clauses.arguments.description.contains("\(viewer.uid)"))
                }
                // Links reproduce the filter.
                #expect(LeadFilter(query: FormData(filter.queryItems()), fields: [seed.size, seed.hot]) == filter)
            }
        }
    }

    /// Which filters the trigger-kept tally answers (the fast path of the list, board and dashboard).
    @Test func theTallyCountsOnlyWhatItHolds() throws {
        let manager = Self.user(.manager), admin = Self.user(.admin), executive = Self.user(.executive)
        #expect(try Self.clauses(LeadFilter(), viewer: manager).usesTally)
        #expect(try Self.clauses(LeadFilter(), viewer: executive).usesTally)
        for field in LeadFilterField.allCases {
            let expected: Bool =
                switch field {
                case .owner, .stageId, .category: true
                case .q, .sourceId, .createdFrom, .createdTo, .customFields, .rating: false
                case .deleted: false  // for an admin: deleted leads are not in the tally
                }
            let seed = Seed(admin: admin, mia: manager, sam: executive, riya: executive, leads: [], categories: [:], day10: "2026-01-10", day20: "2026-01-20")
            for filter in Self.samples(field, seed) {
                let clauses = try Self.clauses(filter, viewer: admin)
                #expect(clauses.usesTally == expected, "\(field)")
                #expect(clauses.countSQL.contains("leadTally") == expected)
                #expect(clauses.stageTotalsSQL.contains("leadTally") == expected)
            }
        }
        // A manager asking for deleted leads gets the live ones, which the tally holds.
        var deleted = LeadFilter()
        deleted.deleted = true
        #expect(try Self.clauses(deleted, viewer: manager).usesTally)
        #expect(try Self.clauses(deleted, viewer: manager).conditions == Self.clauses(LeadFilter(), viewer: manager).conditions)
    }

    // MARK: - List, board, export and dashboard agree

    func exportedIds(_ app: TestApp, _ query: LeadQuery) async throws -> Set<Int64> {
        var ids: Set<Int64> = []
        var cursor: ExportCursor?
        repeat {
            let batch = try await app.database.exportBatch(query, after: cursor, limit: 7)
            ids.formUnion(batch.rows.map(\.id))
            cursor = batch.next
        } while cursor != nil
        return ids
    }

    @Test func listBoardExportAndDashboardAgreeForEveryFilterAndViewer() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seed(app)
        let all = [LeadFilter()] + LeadFilterField.allCases.flatMap { Self.samples($0, seed) }
        var combined = LeadFilter()
        combined.owner = .user(seed.sam.uid)
        combined.category = .open
        combined.sourceId = SourceID.website
        var usedTally = 0, usedRows = 0
        for viewer in [seed.admin, seed.mia, seed.sam] {
            for filter in all + [combined] {
                let name = "\(Self.describe(filter).filter { Self.describe(LeadFilter())[$0.key] != $0.value }) as \(viewer.email)"
                let expected = seed.leads.filter { Self.matches($0, filter, viewer: viewer, seed) }
                let query = LeadQuery(filter: filter, viewer: viewer)
                if try Self.clauses(filter, viewer: viewer).usesTally { usedTally += 1 } else { usedRows += 1 }

                // The list: its total (from the tally when it can) and its rows (from the lead table).
                let list = try await app.database.leadList(query)
                #expect(list.total == expected.count, "list total, \(name)")
                #expect(Set(list.rows.map(\.id)) == Set(expected.map(\.uid)), "list rows, \(name)")
                // The export reads every matching row in keyset batches.
                #expect(try await exportedIds(app, query) == Set(expected.map(\.uid)), "export, \(name)")
                // The board shows live leads in every stage: each column equals the list for that stage.
                var boardFilter = filter
                boardFilter.deleted = false
                boardFilter.stageId = nil
                let board = try await app.database.board(filter: filter, viewer: viewer)
                for column in board.columns {
                    let inColumn = seed.leads.filter { $0.stageId == column.stage.uid && Self.matches($0, boardFilter, viewer: viewer, seed) }
                    #expect(column.count == inColumn.count, "board count of \(column.stage.name), \(name)")
                    #expect(column.sumCents == inColumn.reduce(0) { $0 + $1.valueCents }, "board value of \(column.stage.name), \(name)")
                    #expect(Set(column.cards.map(\.id)) == Set(inColumn.map(\.uid)), "board cards of \(column.stage.name), \(name)")
                    var stageFilter = boardFilter
                    stageFilter.stageId = column.stage.uid
                    #expect(try await app.database.leadList(LeadQuery(filter: stageFilter, viewer: viewer)).total == column.count)
                }
            }
            // The dashboard's figures are the list's unfiltered totals per stage and per category.
            let dashboard = try await app.database.dashboard(viewer: viewer)
            for figure in dashboard.stages {
                var stageFilter = LeadFilter()
                stageFilter.stageId = figure.stage.uid
                let expected = seed.leads.filter { Self.matches($0, stageFilter, viewer: viewer, seed) }
                #expect(figure.count == expected.count, "dashboard \(figure.stage.name) as \(viewer.email)")
                #expect(figure.valueCents == expected.reduce(0) { $0 + $1.valueCents })
                #expect(try await app.database.leadList(LeadQuery(filter: stageFilter, viewer: viewer)).total == figure.count)
            }
            for category in [StageCategory.open, .won, .lost] {
                var categoryFilter = LeadFilter()
                categoryFilter.category = category
                #expect(dashboard.count(category) == (try await app.database.leadList(LeadQuery(filter: categoryFilter, viewer: viewer)).total))
            }
        }
        // Both ways of counting were exercised.
        #expect(usedTally > 0 && usedRows > 0)
    }

    @Test func reportsCountTheLeadsTheListShowsForTheSameRangeAndOwner() async throws {
        let app = try await TestApp.make()
        let seed = try await Self.seed(app)
        let range = ReportRange(from: seed.day10, to: seed.day20)
        for (viewer, ownerId) in [(seed.mia, nil), (seed.mia, seed.riya.id), (seed.admin, seed.sam.id), (seed.sam, nil), (seed.sam, seed.riya.id)] {
            var filter = LeadFilter()
            filter.createdFrom = range.from
            filter.createdTo = range.to
            // An executive's reports are their own leads whatever owner is asked for.
            if let ownerId, viewer.role != .executive { filter.owner = .user(ownerId) }
            let expected = seed.leads.filter { Self.matches($0, filter, viewer: viewer, seed) }
            #expect(expected.count > 0)
            let reports = try await app.database.reports(viewer: viewer, range: range, ownerId: ownerId)
            #expect(reports.totalCreated == expected.count, "\(viewer.email), owner \(String(describing: ownerId))")
            #expect(try await app.database.leadList(LeadQuery(filter: filter, viewer: viewer)).total == reports.totalCreated)
        }
    }
}
