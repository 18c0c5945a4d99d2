/// Which leads a user's reads and writes may touch. The policy decides it (`LeadPolicy.visibility(for:)`);
/// the database layer applies it inside the SQL, so an executive's queries always carry `ownerId = ?`.
public enum LeadVisibility: Sendable, Equatable {
    case all
    case ownedBy(Int64)

    /// The owner every query must be limited to, or nil when every lead is visible.
    public var ownerId: Int64? {
        switch self {
        case .all: nil
        case .ownedBy(let id): id
        }
    }
}

/// Who may do what with leads: every permission question about leads is answered here, and the
/// database layer takes the answer (a visibility, `mayOverride`) instead of asking the role itself.
public enum LeadPolicy {
    /// Managers and admins see every lead; executives only their own.
    public static func seesAllLeads(_ user: User) -> Bool { user.role != .executive }
    public static func visibility(for user: User) -> LeadVisibility { seesAllLeads(user) ? .all : .ownedBy(user.uid) }
    /// Deleted leads are listed (and restored) by admins only.
    public static func canSeeDeleted(_ user: User) -> Bool { user.role == .admin }
    /// A manager or admin may move a lead on although required tasks are open (with a comment).
    public static func canOverrideGates(_ user: User) -> Bool { seesAllLeads(user) }
    public static func canAssign(_ user: User) -> Bool { seesAllLeads(user) }
    public static func canDelete(_ user: User) -> Bool { seesAllLeads(user) }
    public static func canRestore(_ user: User) -> Bool { user.role == .admin }
    public static func canImport(_ user: User) -> Bool { seesAllLeads(user) }
    /// Reports by owner, and the owner filter of the reports, are for those who see every lead.
    public static func canReportByOwner(_ user: User) -> Bool { seesAllLeads(user) }
    public static func canDeleteNote(authorId: Int64?, user: User) -> Bool { user.role == .admin || authorId == user.id }
    public static func canDeleteAttachment(uploaderId: Int64?, user: User) -> Bool {
        seesAllLeads(user) || uploaderId == user.id
    }
}
