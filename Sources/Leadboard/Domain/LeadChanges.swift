import Foundation

extension Lead {
    /// The field changes from this lead to `after`, in the order and wording the activity timeline
    /// shows them: the one diff of the edit form (`AppDatabase.updateLead`) and the import's updates.
    /// Owner and stage changes are not in it: they have their own activities (assignment, move).
    /// `sources` names the source ids (a missing one reads as empty).
    func fieldChanges(to after: Lead, sources: [Source]) -> [ActivityDetail.Change] {
        func sourceName(_ id: Int64?) -> String { sources.first { $0.id == id }?.name ?? "" }
        let fields: [(String, String, String)] = [
            ("Name", name, after.name),
            ("Email", email, after.email),
            ("Phone", phone, after.phone),
            ("Company", company, after.company),
            ("Source", sourceName(sourceId), sourceName(after.sourceId)),
            ("Value", Money.plain(valueCents), Money.plain(after.valueCents)),
            ("Expected close", expectedCloseDate ?? "", after.expectedCloseDate ?? ""),
        ]
        return fields.filter { $0.1 != $0.2 }.map { ActivityDetail.Change(field: $0.0, from: $0.1, to: $0.2) }
    }
}
