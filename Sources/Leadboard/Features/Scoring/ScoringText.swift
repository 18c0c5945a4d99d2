import Foundation
import Mustache

/// Rules in words ("Budget at least 5,000", "Source is Website or Referral", "No activity for 14 days")
/// and points as signed numbers ("+10", "−15"): the admin page and a lead's breakdown say the same.
enum ScoringText {
    /// The built-in fields a rule may name, in the order the form offers them.
    static let builtInFields: [(key: String, label: String)] = [
        ("name", "Name"), ("email", "Email"), ("phone", "Phone"), ("company", "Company"), ("source", "Source"),
        ("value", "Value"), ("expected_close_date", "Expected close date"), ("owner", "Owner"), ("stage", "Stage"),
    ]

    /// Built-in fields whose choices are ids of sources, users or stages.
    static let idFields: Set<String> = ["source", "owner", "stage"]

    static func fieldLabel(_ key: String, _ vocabulary: ScoringVocabulary) -> String {
        if let builtIn = builtInFields.first(where: { $0.key == key }) { return builtIn.label }
        if let field = vocabulary.field(key) { return field.label }
        return "A removed field"
    }

    static func kindLabel(_ kind: ScoringRuleKind) -> String {
        switch kind {
        case .filled: "Field is filled"
        case .equals: "Field is one of"
        case .atLeast: "Number at least"
        case .atMost: "Number at most"
        case .source: "Source is one of"
        case .ageOver: "Created more than N days ago"
        case .noActivity: "No activity for N days"
        case .overdueTasks: "An open task older than N days"
        }
    }

    static func points(_ points: Int) -> String {
        points > 0 ? "+\(points)" : points < 0 ? "−\(-points)" : "0"
    }

    /// 5000 → "5,000"; 2.5 → "2.5".
    static func number(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.numberStyle = .decimal
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.groupingSize = 3
        formatter.maximumFractionDigits = 6
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func days(_ days: Int?) -> String {
        let n = days ?? 0
        return n == 1 ? "1 day" : "\(n) days"
    }

    /// A choice as people know it: ids of sources, stages and owners become names.
    static func choiceLabel(_ choice: String, field: String, _ vocabulary: ScoringVocabulary) -> String {
        guard let id = Int64(choice) else { return choice }
        switch field {
        case "source": return vocabulary.sources.first { $0.id == id }?.name ?? "a removed source"
        case "stage": return vocabulary.stages.first { $0.id == id }?.name ?? "a removed stage"
        case "owner": return vocabulary.users.first { $0.id == id }?.name ?? "a removed user"
        default: return choice
        }
    }

    static func orList(_ items: [String]) -> String {
        switch items.count {
        case 0: return "—"
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " or " + items.last!
        }
    }

    /// The rule's condition in words, without its points.
    static func describe(_ rule: ScoringRule, _ vocabulary: ScoringVocabulary) -> String {
        let label = fieldLabel(rule.field, vocabulary)
        switch rule.kind {
        case .filled:
            return "\(label) is filled"
        case .equals:
            let field = ScoringModel.builtInFields[rule.field] != nil ? rule.field : ""
            return "\(label) is " + orList(rule.choiceList.map { choiceLabel($0, field: field, vocabulary) })
        case .atLeast:
            return "\(label) at least \(rule.number.map(number) ?? "—")"
        case .atMost:
            return "\(label) at most \(rule.number.map(number) ?? "—")"
        case .source:
            return "Source is " + orList(rule.choiceList.map { choiceLabel($0, field: "source", vocabulary) })
        case .ageOver:
            return "Created more than \(days(rule.days)) ago"
        case .noActivity:
            return "No activity for \(days(rule.days))"
        case .overdueTasks:
            return "An open task older than \(days(rule.days))"
        }
    }
}

/// A lead's score on its page: the number, the rating badge and every rule that applied.
struct ScoreBreakdownView: MustacheParent, Sendable {
    let breakdown: ScoreBreakdown

    struct Line: MustacheParent, Sendable {
        let description: String
        let points: String
        let negative: Bool
        func child(named name: String) -> Any? {
            switch name {
            case "description": description
            case "points": points
            case "negative": negative
            default: nil
            }
        }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "score": breakdown.score
        case "rating": breakdown.rating.rawValue
        case "ratingLabel": breakdown.rating.label
        case "lines":
            breakdown.contributions.map {
                Line(description: ScoringText.describe($0.rule, breakdown.vocabulary), points: ScoringText.points($0.points), negative: $0.points < 0)
            }
        case "hasLines": !breakdown.contributions.isEmpty
        default: nil
        }
    }
}
