/// Who may run the admin areas (users, pipeline settings, sources). Lead permissions are `LeadPolicy`'s.
public enum AdminPolicy {
    public static func canAdminister(_ user: User) -> Bool { user.role == .admin }
}
