import Foundation

/// The kinds of scoring rule. Each rule adds its points (−100…100) when its condition holds; the
/// score is the sum clamped to 0…100.
public enum ScoringRuleKind: String, Sendable, Codable, CaseIterable {
    /// A built-in or custom field has a value.
    case filled
    /// A field equals one of `choices`.
    case equals
    /// A numeric field (built-in `value` or a custom number) is at least / at most `number`.
    case atLeast = "at_least", atMost = "at_most"
    /// The lead's source is one of `choices` (source ids).
    case source
    /// The lead was created more than `days` days ago.
    case ageOver = "age_over"
    /// Nothing happened on the lead (no activity entry) for more than `days` days.
    case noActivity = "no_activity"
    /// An open task is older than `days` days (overdue; stage tasks have no due date of their own yet).
    case overdueTasks = "overdue_tasks"

    /// Rules whose result changes with time alone: the daily rescore re-evaluates them.
    public var isTimeBased: Bool { [.ageOver, .noActivity, .overdueTasks].contains(self) }
    public var usesField: Bool { [.filled, .equals, .atLeast, .atMost].contains(self) }
    public var usesDays: Bool { isTimeBased }
    public var usesNumber: Bool { self == .atLeast || self == .atMost }
    public var usesChoices: Bool { self == .equals || self == .source }
}

/// Hot, warm or cold, by the two admin-set thresholds.
public enum Rating: String, Sendable, CaseIterable {
    case hot, warm, cold

    public static func of(score: Int, hot: Int, warm: Int) -> Rating {
        score >= hot ? .hot : score >= warm ? .warm : .cold
    }

    public var label: String { rawValue.capitalized }
}

public enum Score {
    /// The stored score: the sum of the points of the rules that applied, clamped to 0…100.
    public static func clamp(_ sum: Int) -> Int { min(100, max(0, sum)) }
}
