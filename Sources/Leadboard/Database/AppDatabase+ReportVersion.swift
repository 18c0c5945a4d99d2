import Foundation
import GRDB

extension ActivityKind {
    /// Whether an activity of this kind can change what reports count (leads, stages, owners, values).
    /// Notes, files and tasks do not. An exhaustive switch, so a new kind must be classified here.
    var changesReports: Bool {
        switch self {
        case .created, .updated, .assigned, .stageChanged, .deleted, .restored, .imported: true
        case .noteAdded, .noteDeleted, .fileAdded, .fileDeleted, .taskCompleted, .taskReopened: false
        }
    }
}

extension AppDatabase {
    /// Identifies the data reports are computed from: the newest activity of a kind that changes
    /// reports (every lead write records one in its transaction), and signatures of the stage, source
    /// and user tables (renames and reorders). Equal versions mean equal reports.
    public func reportDataVersion() async throws -> String {
        let kinds = ActivityKind.allCases.filter(\.changesReports).map(\.rawValue)
        let placeholders = databaseQuestionMarks(count: kinds.count)
        return try await pool.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT COALESCE((SELECT id FROM activity WHERE kind IN (\(placeholders)) ORDER BY id DESC LIMIT 1), 0) || '/' ||
                           COALESCE((SELECT group_concat(id || ':' || name || ':' || category || ':' || isActive || ':' || position, ',') FROM stage), '') || '/' ||
                           COALESCE((SELECT group_concat(id || ':' || name, ',') FROM source), '') || '/' ||
                           COALESCE((SELECT MAX(updatedAt) FROM user), '')
                    """,
                arguments: StatementArguments(kinds)) ?? ""
        }
    }
}
