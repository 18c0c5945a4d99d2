import GRDB

/// What a user may do. Executives work their own leads; managers oversee all leads; admins also run
/// users and the pipeline.
public enum Role: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case admin, manager, executive

    public var label: String {
        switch self {
        case .admin: "Admin"
        case .manager: "Manager"
        case .executive: "Sales executive"
        }
    }

    /// Managers and admins see every lead; executives only their own.
    public var seesAllLeads: Bool { self != .executive }
}
