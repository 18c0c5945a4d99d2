import Foundation

/// Remembers computed reports until the data they read changes. Every change to a lead writes an
/// activity row in its transaction, so the newest id among the kinds of activity that change what
/// reports count (notes, files and tasks do not), with the stage, source and user tables'
/// signatures for renames, identifies the data a report was computed from. A report over a
/// million leads costs seconds; seen again unchanged, it costs one small query.
actor ReportCache {
    struct Key: Hashable {
        var scope: Int64?  // nil: every lead (managers and admins); else the executive's id
        var ownerId: Int64?
        var from: String
        var to: String
        var version: String
    }

    private var entries: [Key: Reports] = [:]
    private var order: [Key] = []
    private let capacity = 64

    func reports(database: AppDatabase, viewer: User, range: ReportRange, ownerId: Int64?) async throws -> Reports {
        let version = try await database.reportDataVersion()
        let key = Key(
            scope: LeadPolicy.visibility(for: viewer).ownerId, ownerId: LeadPolicy.canReportByOwner(viewer) ? ownerId : nil, from: range.from, to: range.to,
            version: version)
        if let cached = entries[key] { return cached }
        let fresh = try await database.reports(viewer: viewer, range: range, ownerId: ownerId)
        entries[key] = fresh
        order.append(key)
        if order.count > capacity { entries[order.removeFirst()] = nil }
        return fresh
    }
}
