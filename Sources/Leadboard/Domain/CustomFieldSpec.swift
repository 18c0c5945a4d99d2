import Foundation

/// What a custom field belongs to. Leads and stage tasks use them now; contacts and companies reuse
/// the same definitions later (the `entity` column of `customField`).
public enum FieldEntity: String, Sendable, Codable, CaseIterable {
    case lead, task, contact, company
}

/// The kinds of custom field an admin can define.
public enum FieldType: String, Sendable, Codable, CaseIterable {
    case text, longText = "long_text", integer, decimal, boolean, date, datetime, select, multiSelect = "multi_select", email, url, phone

    public var label: String {
        switch self {
        case .text: "Text"
        case .longText: "Long text"
        case .integer: "Whole number"
        case .decimal: "Decimal number"
        case .boolean: "Yes / no"
        case .date: "Date"
        case .datetime: "Date and time"
        case .select: "Choice (one)"
        case .multiSelect: "Choice (several)"
        case .email: "Email"
        case .url: "Web address"
        case .phone: "Phone"
        }
    }

    /// Types whose rules include a maximum length (and, for `text`, a pattern).
    public var hasMaxLength: Bool { self == .text || self == .longText }
    /// Types whose rules include a minimum and maximum.
    public var isNumeric: Bool { self == .integer || self == .decimal }
    /// Types whose values are chosen from `options`.
    public var hasOptions: Bool { self == .select || self == .multiSelect }
    /// Types whose values are words a full-text search should find.
    public var isSearchableText: Bool { [.text, .longText, .select, .multiSelect, .email, .url, .phone].contains(self) }
    /// Types offered as list filters (`cf_<key>=`).
    public var isFilterable: Bool { self == .select || self == .boolean }
}

/// The type-specific rules of a field. Only the rules of the field's type are used.
public struct FieldRules: Sendable, Codable, Equatable {
    public var maxLength: Int?
    /// A regular expression the whole text must match (`text` only).
    public var pattern: String?
    public var min: Double?
    public var max: Double?
    public var options: [String]?

    public init(maxLength: Int? = nil, pattern: String? = nil, min: Double? = nil, max: Double? = nil, options: [String]? = nil) {
        self.maxLength = maxLength
        self.pattern = pattern
        self.min = min
        self.max = max
        self.options = options
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(data: encoder.encode(self), encoding: .utf8)) ?? "{}"
    }

    public static func decode(_ json: String) -> FieldRules {
        (try? JSONDecoder().decode(FieldRules.self, from: Data(json.utf8))) ?? FieldRules()
    }
}

/// A stored custom field value, typed. `date` is `YYYY-MM-DD`, `datetime` `YYYY-MM-DDTHH:MM` (UTC),
/// `select`, `email`, `url`, `phone` and the texts are `.text`; `multi_select` is `.list`.
public enum FieldValue: Sendable, Equatable, Hashable {
    case text(String)
    case integer(Int64)
    case decimal(Double)
    case boolean(Bool)
    case list([String])

    /// The value as a person reads it (lead page, card, activity).
    public var display: String {
        switch self {
        case .text(let text): text
        case .integer(let n): String(n)
        case .decimal(let d): FieldValue.decimalText(d)
        case .boolean(let b): b ? "Yes" : "No"
        case .list(let items): items.joined(separator: ", ")
        }
    }

    /// The value as a form field or CSV cell holds it; `FieldSpec.parse` reads it back.
    public var plain: String {
        switch self {
        case .text(let text): text
        case .integer(let n): String(n)
        case .decimal(let d): FieldValue.decimalText(d)
        case .boolean(let b): b ? "true" : "false"
        case .list(let items): items.joined(separator: "; ")
        }
    }

    /// The form inputs' values (one per chosen option for `multi_select`).
    public var formValues: [String] {
        if case .list(let items) = self { return items }
        return [plain]
    }

    /// Shortest text that reads back as the same number ("12.5", "3", "1e-07", "1e+20"); the parser
    /// accepts every form written here.
    static func decimalText(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }
}

/// A field's type, rules and wording: everything needed to check a value. The one home of custom
/// field validation, used by the lead form, the CSV import, task completion and the admin page
/// (defaults, and stored values against changed rules).
public struct FieldSpec: Sendable, Equatable {
    public var label: String
    public var type: FieldType
    public var isRequired: Bool
    public var rules: FieldRules

    public init(label: String, type: FieldType, isRequired: Bool = false, rules: FieldRules = FieldRules()) {
        self.label = label
        self.type = type
        self.isRequired = isRequired
        self.rules = rules
    }

    public static let longTextLimit = 10_000
    public static let textLimit = 500

    /// Reads what a form or CSV cell sent (several values for `multi_select`; the others use the
    /// first). Empty input is `nil` (or a message when the field is required). Otherwise the typed
    /// value, or a message for the field.
    public func parse(_ raw: [String]) -> Result<FieldValue?, FieldError> {
        let values = raw.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard let first = values.first else {
            return isRequired ? .failure(FieldError("\(label) is required.")) : .success(nil)
        }
        let value: FieldValue
        switch type {
        case .text, .longText, .email, .url, .phone, .select:
            value = .text(first)
        case .integer:
            guard let n = Int64(first.replacingOccurrences(of: ",", with: "")) else {
                return .failure(FieldError("\(label) must be a whole number, like 42."))
            }
            value = .integer(n)
        case .decimal:
            let cleaned = first.replacingOccurrences(of: ",", with: "")
            // Exponents too ("1e-07"): very small and very large decimals are written that way.
            guard cleaned.allSatisfy({ $0.isASCII && ($0.isNumber || ".-+eE".contains($0)) }), let d = Double(cleaned), d.isFinite else {
                return .failure(FieldError("\(label) must be a number, like 12.5."))
            }
            value = .decimal(d)
        case .boolean:
            switch first.lowercased() {
            case "true", "yes", "1", "on", "y": value = .boolean(true)
            case "false", "no", "0", "off", "n": value = .boolean(false)
            default: return .failure(FieldError("\(label) must be yes or no."))
            }
        case .date:
            guard let day = Day.parse(first) else { return .failure(FieldError("\(label) must be a real date like 2026-03-31.")) }
            value = .text(day)
        case .datetime:
            guard let moment = FieldSpec.parseDateTime(first) else {
                return .failure(FieldError("\(label) must be a date and time like 2026-03-31T14:30."))
            }
            value = .text(moment)
        case .multiSelect:
            // A CSV cell holds the options separated by semicolons; a form sends one value per option.
            let items = values.count == 1 ? first.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : values
            var seen = Set<String>()
            value = .list(items.filter { seen.insert($0).inserted })
        }
        if let message = check(value) { return .failure(FieldError(message)) }
        return .success(value)
    }

    /// Checks a typed value against the rules: a message, or nil when it passes. Also used to count
    /// stored values that a changed rule would break.
    public func check(_ value: FieldValue) -> String? {
        switch (type, value) {
        case (.text, .text(let text)), (.longText, .text(let text)):
            let limit = min(rules.maxLength ?? (type == .text ? FieldSpec.textLimit : FieldSpec.longTextLimit),
                            type == .text ? FieldSpec.textLimit : FieldSpec.longTextLimit)
            if text.unicodeScalars.count > limit { return "\(label) must be at most \(limit) characters." }
            if type == .text, let pattern = rules.pattern, !pattern.isEmpty, !FieldSpec.matches(text, pattern: pattern) {
                return "\(label) does not have the expected format."
            }
            return nil
        case (.integer, .integer(let n)):
            return rangeMessage(Double(n))
        case (.decimal, .decimal(let d)):
            return rangeMessage(d)
        case (.boolean, .boolean):
            return nil
        case (.date, .text(let text)):
            return Day.parse(text) == nil ? "\(label) must be a real date like 2026-03-31." : nil
        case (.datetime, .text(let text)):
            return FieldSpec.parseDateTime(text) == nil ? "\(label) must be a date and time like 2026-03-31T14:30." : nil
        case (.select, .text(let text)):
            return (rules.options ?? []).contains(text) ? nil : "Choose one of the options for \(label)."
        case (.multiSelect, .list(let items)):
            let options = rules.options ?? []
            if let unknown = items.first(where: { !options.contains($0) }) { return "“\(unknown)” is not an option for \(label)." }
            return nil
        case (.email, .text(let text)):
            return Validate.email(text, required: false).map { _ in "\(label) must be an email address, like name@example.com." }
        case (.url, .text(let text)):
            if text.unicodeScalars.count > 2000 { return "\(label) must be at most 2000 characters." }
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host?.isEmpty == false
            else { return "\(label) must be a web address starting with http:// or https://." }
            return nil
        case (.phone, .text(let text)):
            if text.unicodeScalars.count > 50 { return "\(label) must be at most 50 characters." }
            if !text.allSatisfy({ $0.isASCII && ($0.isNumber || " +-().x/".contains($0)) }) || !text.contains(where: \.isNumber) {
                return "\(label) must be a phone number (digits, spaces and + - ( ) only)."
            }
            return nil
        default:
            return "\(label) has a value of the wrong type."
        }
    }

    private func rangeMessage(_ n: Double) -> String? {
        if let min = rules.min, n < min { return "\(label) must be at least \(FieldValue.decimalText(min))." }
        if let max = rules.max, n > max { return "\(label) must be at most \(FieldValue.decimalText(max))." }
        return nil
    }

    /// `YYYY-MM-DDTHH:MM` (a space instead of `T` and trailing seconds are accepted) normalised to
    /// `YYYY-MM-DDTHH:MM`, or nil when it is not a real moment.
    public static func parseDateTime(_ text: String) -> String? {
        let normalised = text.replacingOccurrences(of: " ", with: "T")
        let parts = normalised.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, let day = Day.parse(String(parts[0])) else { return nil }
        let time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(time.count), time.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let h = Int(time[0]), let m = Int(time[1]), h < 24, m < 60, time.count == 2 || Int(time[2])! < 60
        else { return nil }
        return "\(day)T\(time[0]):\(time[1])"
    }

    /// Whether `pattern` is a regular expression this product accepts (checked when the admin saves it).
    public static func isValidPattern(_ pattern: String) -> Bool {
        (try? NSRegularExpression(pattern: pattern)) != nil
    }

    static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

public struct FieldError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
