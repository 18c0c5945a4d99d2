/// What a user may do. Executives work their own leads; managers oversee all leads; admins also run
/// users and the pipeline. What each role may do with leads is decided in `LeadPolicy`.
public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, manager, executive

    public var label: String {
        switch self {
        case .admin: "Admin"
        case .manager: "Manager"
        case .executive: "Sales executive"
        }
    }
}
