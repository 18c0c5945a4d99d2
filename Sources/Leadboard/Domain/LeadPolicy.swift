/// Who may do what with leads. Visibility itself is applied in SQL (`LeadQuery`); these rules
/// decide which actions a visible lead offers.
public enum LeadPolicy {
    public static func canAssign(_ user: User) -> Bool { user.role.seesAllLeads }
    public static func canDelete(_ user: User) -> Bool { user.role.seesAllLeads }
    public static func canRestore(_ user: User) -> Bool { user.role == .admin }
    public static func canImport(_ user: User) -> Bool { user.role.seesAllLeads }
    public static func canDeleteNote(authorId: Int64?, user: User) -> Bool { user.role == .admin || authorId == user.id }
    public static func canDeleteAttachment(uploaderId: Int64?, user: User) -> Bool {
        user.role.seesAllLeads || uploaderId == user.id
    }
}
