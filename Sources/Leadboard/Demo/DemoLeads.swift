import Foundation

/// A small, fast, seedable generator (SplitMix64) so demo data is the same for the same seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum DemoVocabulary {
    static let firstNames = [
        "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas", "Mia",
        "Levi", "Harper", "Ethan", "Aisha", "Arjun", "Chen", "Fatima", "Hiro", "Ingrid", "Jamal", "Kofi", "Lena", "Marco",
        "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zara", "Diego",
    ]
    static let lastNames = [
        "Smith", "Johnson", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson", "Thomas", "Moore",
        "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King",
        "Wright", "Scott", "Nguyen", "Hill", "Patel", "Kim", "Okafor", "Silva", "Rossi", "Müller", "Novak", "Haddad",
        "Kowalski", "Tanaka", "Berg", "Costa", "Singh",
    ]
    static let companyStems = [
        "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay", "Soylent", "Tyrell",
        "Cyberdyne", "Aperture", "Gringotts", "Oscorp", "Massive Dynamic", "Blue Sun", "Monarch", "Nakatomi", "Pied Piper",
        "Bluth", "Dunder", "Prestige", "Sterling", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Proseware",
    ]
    static let companySuffixes = ["Inc", "Ltd", "GmbH", "Group", "Labs", "Systems", "Partners", "Logistics", "Foods", "Health"]
    static let noteTexts = [
        "Called, left a voicemail. Will try again Thursday.",
        "Had a great intro call. They are evaluating three vendors.",
        "Sent pricing sheet and case studies.",
        "Decision maker is the VP of Operations; budget approved for Q3.",
        "Asked for a demo with their IT team next week.",
        "Concerned about onboarding time — share the migration plan.",
        "Met at the trade show; interested in the enterprise plan.",
        "Follow up after their board meeting.",
        "Legal is reviewing the contract draft.",
        "Prefers email over phone. Timezone is CET.",
    ]
    static let lostReasons = ["Price too high", "Chose a competitor", "No budget this year", "Went silent", "Bad timing"]
}

extension DemoData {
    /// Adds `count` realistic leads spread over the past year: owners, sources, values, stages
    /// reached step by step, notes and activity. Deterministic for a given seed and clock.
    public func seedLeads(count: Int, seed: UInt64, batchSize: Int = 5000) async throws -> Int {
        guard count > 0 else { return 0 }
        var rng = SeededGenerator(seed: seed)
        let now = database.now
        let (stages, sources, users) = try await database.demoReferences()
        let openStages = stages.filter { $0.category == .open }
        guard let won = stages.first(where: { $0.category == .won }), let lost = stages.first(where: { $0.category == .lost }),
            !openStages.isEmpty
        else { return 0 }
        let executives = users.filter { $0.role == .executive }
        let owners = executives.isEmpty ? users : executives
        let creator = users.first { $0.role != .executive } ?? users.first
        var remaining = count
        var made = 0
        while remaining > 0 {
            let batch = min(batchSize, remaining)
            remaining -= batch
            let generated = (0..<batch).map { _ in
                makeLead(rng: &rng, now: now, openStages: openStages, won: won, lost: lost, sources: sources, owners: owners)
            }
            try await database.insertDemoLeads(generated, creatorId: creator?.id)
            made += batch
        }
        try database.refreshStatistics(force: true)
        return made
    }

    private func makeLead(
        rng: inout SeededGenerator, now: Date, openStages: [Stage], won: Stage, lost: Stage, sources: [Source], owners: [User]
    ) -> DemoLead {
        let first = DemoVocabulary.firstNames.randomElement(using: &rng)!
        let last = DemoVocabulary.lastNames.randomElement(using: &rng)!
        let stem = DemoVocabulary.companyStems.randomElement(using: &rng)!
        let company = "\(stem) \(DemoVocabulary.companySuffixes.randomElement(using: &rng)!)"
        let domain = stem.lowercased().replacingOccurrences(of: " ", with: "") + ".example"
        let email = "\(first.lowercased()).\(last.lowercased().folding(options: .diacriticInsensitive, locale: nil))@\(domain)"
        let phone = "+1 555 \(Int.random(in: 100...999, using: &rng)) \(Int.random(in: 1000...9999, using: &rng))"
        let age = Double.random(in: 0...(365 * 86400), using: &rng)
        let createdAt = now.addingTimeInterval(-age)
        // How far along the pipeline it got: older leads are more often closed.
        var path = [DemoLead.Step(stage: openStages[0], at: createdAt)]
        let maxSteps = Int.random(in: 0...openStages.count, using: &rng)
        var t = createdAt
        var lostReason: String?
        for index in 0..<maxSteps {
            let gap = Double.random(in: 3600...(20 * 86400), using: &rng)
            guard t.addingTimeInterval(gap) < now else { break }
            t = t.addingTimeInterval(gap)
            if index > 0, Int.random(in: 0..<5, using: &rng) == 0 {
                lostReason = DemoVocabulary.lostReasons.randomElement(using: &rng)!
                path.append(DemoLead.Step(stage: lost, at: t))
                break
            }
            if index + 1 < openStages.count {
                path.append(DemoLead.Step(stage: openStages[index + 1], at: t))
            } else {
                path.append(DemoLead.Step(stage: won, at: t))
            }
        }
        var notes: [(String, Date)] = []
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let at = createdAt.addingTimeInterval(Double.random(in: 0...max(60, now.timeIntervalSince(createdAt)), using: &rng))
            notes.append((DemoVocabulary.noteTexts.randomElement(using: &rng)!, at))
        }
        let updatedAt = ([path.last!.at] + notes.map(\.1)).max()!
        let ownerId: Int64? = Int.random(in: 0..<10, using: &rng) == 0 ? nil : owners.randomElement(using: &rng)?.id
        let close = Day.string(createdAt.addingTimeInterval(Double.random(in: 14...120, using: &rng) * 86400))
        return DemoLead(
            name: "\(first) \(last)", email: email, phone: phone, company: company, sourceId: sources.randomElement(using: &rng)?.id,
            valueCents: Int64.random(in: 5...1500, using: &rng) * 10_000, expectedClose: close, ownerId: ownerId,
            createdAt: createdAt, updatedAt: updatedAt, path: path, lostReason: lostReason, notes: notes)
    }
}
