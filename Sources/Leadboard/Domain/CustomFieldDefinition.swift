import Foundation

/// A custom field definition as the admin page saves it, already typed. `problems()` is the one home
/// of the definition rules (key, wording, rules by type, default); the form and the database both
/// run it. Key and type are fixed once the field exists (`AppDatabase.updateCustomField` refuses a
/// change), and so are the entity and the task template.
public struct CustomFieldInput: Sendable, Equatable {
    public var entity: FieldEntity
    /// The stage task template whose completion asks for the field (`entity == .task` only).
    public var taskTemplateId: Int64?
    public var key: String
    public var label: String
    public var type: FieldType
    public var isRequired: Bool
    public var helpText: String
    public var placeholder: String
    /// nil: after the last field of its list (create) or where it was (update).
    public var position: Int?
    public var isActive: Bool
    /// Shown on the board card and in the JSON (lead fields only).
    public var showOnCard: Bool
    /// Only the rules of `type` are kept (`FieldRules.normalised(for:)`).
    public var rules: FieldRules
    /// The default as `FieldValue.plain` prints it, or nil for none.
    public var defaultValue: String?

    public init(
        entity: FieldEntity = .lead, taskTemplateId: Int64? = nil, key: String, label: String, type: FieldType, isRequired: Bool = false,
        helpText: String = "", placeholder: String = "", position: Int? = nil, isActive: Bool = true, showOnCard: Bool = false,
        rules: FieldRules = FieldRules(), defaultValue: String? = nil
    ) {
        self.entity = entity
        self.taskTemplateId = taskTemplateId
        self.key = key
        self.label = label
        self.type = type
        self.isRequired = isRequired
        self.helpText = helpText
        self.placeholder = placeholder
        self.position = position
        self.isActive = isActive
        self.showOnCard = showOnCard
        self.rules = rules
        self.defaultValue = defaultValue
    }

    public static let keyLimit = 40
    public static let labelLimit = 80
    public static let helpLimit = 300
    public static let placeholderLimit = 100
    public static let optionLimit = 100
    public static let optionCount = 200
    public static let patternLimit = 500
    public static let positionLimit = 100_000

    /// The spec values are checked with.
    public var spec: FieldSpec { FieldSpec(label: label, type: type, isRequired: isRequired, rules: rules) }

    /// Messages by form field name (`key`, `label`, `max_length`, `options`, `default_value`, …);
    /// empty when the definition may be saved (uniqueness of the key and the stored values are the
    /// database's to check).
    public func problems() -> [String: String] {
        var errors: [String: String] = [:]
        errors["key"] = Self.keyProblem(key)
        errors["label"] = Validate.text(label, label: "Label", required: true, max: Self.labelLimit)
        errors["help_text"] = Validate.text(helpText, label: "Help text", required: false, max: Self.helpLimit)
        errors["placeholder"] = Validate.text(placeholder, label: "Placeholder", required: false, max: Self.placeholderLimit)
        if let position, !(0...Self.positionLimit).contains(position) {
            errors["position"] = "Position must be a whole number from 0 to \(Self.positionLimit)."
        }
        if (entity == .task) != (taskTemplateId != nil) { errors["template_id"] = "Task fields belong to one stage task template." }
        if entity != .lead && showOnCard { errors["show_on_card"] = "Only lead fields can be shown on the board card." }
        let ruleProblems = Self.ruleProblems(rules, type: type)
        for (field, message) in ruleProblems { errors[field] = message }
        if ruleProblems.isEmpty, let defaultValue {
            // The default passes the field's own rules, exactly as a value typed on the form would.
            switch FieldSpec(label: "Default value", type: type, rules: rules).parse([defaultValue]) {
            case .failure(let error): errors["default_value"] = error.message
            case .success(let value): if value == nil { errors["default_value"] = "Default value is empty." }
            }
        }
        return errors
    }

    /// Letters, digits and underscores, 1 to 40 of them.
    public static func keyProblem(_ key: String) -> String? {
        if key.isEmpty { return "Key is required." }
        if key.unicodeScalars.count > keyLimit { return "Key must be at most \(keyLimit) characters." }
        if !key.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) {
            return "Key may contain only letters, digits and underscores, like budget_eur."
        }
        return nil
    }

    /// The rules of `type` that are out of range, by form field name.
    static func ruleProblems(_ rules: FieldRules, type: FieldType) -> [String: String] {
        var errors: [String: String] = [:]
        if type.hasMaxLength, let maxLength = rules.maxLength {
            let limit = type == .text ? FieldSpec.textLimit : FieldSpec.longTextLimit
            if !(1...limit).contains(maxLength) { errors["max_length"] = "Maximum length must be a whole number from 1 to \(limit)." }
        }
        if type == .text, let pattern = rules.pattern {
            if pattern.unicodeScalars.count > patternLimit {
                errors["pattern"] = "Pattern must be at most \(patternLimit) characters."
            } else if !FieldSpec.isValidPattern(pattern) {
                errors["pattern"] = "Pattern is not a valid regular expression."
            }
        }
        if type.isNumeric, let min = rules.min, let max = rules.max, min > max {
            errors["max"] = "Maximum must be at least the minimum (\(FieldValue.decimalText(min)))."
        }
        if type.hasOptions {
            let options = rules.options ?? []
            var seen = Set<String>()
            if options.isEmpty {
                errors["options"] = "Add at least one option, one per line."
            } else if options.count > optionCount {
                errors["options"] = "Options: at most \(optionCount)."
            } else if let bad = options.first(where: { $0.contains(";") }) {
                errors["options"] = "Option “\(bad)” contains “;”, which separates options in CSV files."
            } else if let long = options.first(where: { $0.unicodeScalars.count > optionLimit }) {
                errors["options"] = "Option “\(long.prefix(30))…” is longer than \(optionLimit) characters."
            } else if let blank = options.first(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) != $0 || $0.isEmpty }) {
                errors["options"] = "Option “\(blank)” starts or ends with a space."
            } else if let twice = options.first(where: { !seen.insert($0.lowercased()).inserted }) {
                errors["options"] = "Option “\(twice)” appears twice."
            }
        }
        return errors
    }
}

extension FieldRules {
    /// Only the rules that apply to `type`: a changed type-independent leftover never counts as a
    /// rule change, and the stored JSON says what the page shows.
    public func normalised(for type: FieldType) -> FieldRules {
        var rules = FieldRules()
        if type.hasMaxLength { rules.maxLength = maxLength }
        if type == .text, let pattern, !pattern.isEmpty { rules.pattern = pattern }
        if type.isNumeric {
            rules.min = min
            rules.max = max
        }
        if type.hasOptions { rules.options = options }
        return rules
    }

    /// Whether these rules may refuse a value that `old` accepted (for a field of `type`): a lower
    /// maximum length, a new or changed pattern, a raised minimum or lowered maximum, an option
    /// removed. Only then are the stored values read and checked; loosening a rule never needs it.
    public func mayRefuseMore(than old: FieldRules, type: FieldType) -> Bool {
        let new = normalised(for: type), old = old.normalised(for: type)
        if type.hasMaxLength {
            let limit = type == .text ? FieldSpec.textLimit : FieldSpec.longTextLimit
            if Swift.min(new.maxLength ?? limit, limit) < Swift.min(old.maxLength ?? limit, limit) { return true }
        }
        if let pattern = new.pattern, pattern != old.pattern { return true }
        if let min = new.min, old.min.map({ min > $0 }) ?? true { return true }
        if let max = new.max, old.max.map({ max < $0 }) ?? true { return true }
        if type.hasOptions, !Set(old.options ?? []).isSubset(of: Set(new.options ?? [])) { return true }
        return false
    }

    /// A short description for the admin list ("at most 50 characters, pattern", "10 to 100", "3 options").
    public func summary(for type: FieldType) -> String {
        var parts: [String] = []
        if type.hasMaxLength, let maxLength { parts.append("at most \(maxLength) characters") }
        if type == .text, pattern != nil { parts.append("pattern") }
        if type.isNumeric {
            switch (min, max) {
            case let (min?, max?): parts.append("\(FieldValue.decimalText(min)) to \(FieldValue.decimalText(max))")
            case let (min?, nil): parts.append("at least \(FieldValue.decimalText(min))")
            case let (nil, max?): parts.append("at most \(FieldValue.decimalText(max))")
            case (nil, nil): break
            }
        }
        if type.hasOptions { parts.append((options ?? []).joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }
}

/// What the admin form sent, as typed: kept to show the form again, and read into a
/// `CustomFieldInput` by `read()` with a message per form field when something is wrong.
public struct CustomFieldDraft: Sendable, Equatable {
    public var entity = FieldEntity.lead.rawValue
    public var templateId = ""
    public var key = ""
    public var label = ""
    public var type = FieldType.text.rawValue
    public var isRequired = false
    public var helpText = ""
    public var placeholder = ""
    public var position = ""
    public var isActive = true
    public var showOnCard = false
    public var maxLength = ""
    public var pattern = ""
    public var min = ""
    public var max = ""
    /// One option per line.
    public var options = ""
    public var defaultValue = ""

    public init() {}

    /// The draft of a stored definition (the edit form).
    public init(_ input: CustomFieldInput) {
        entity = input.entity.rawValue
        templateId = input.taskTemplateId.map(String.init) ?? ""
        key = input.key
        label = input.label
        type = input.type.rawValue
        isRequired = input.isRequired
        helpText = input.helpText
        placeholder = input.placeholder
        position = input.position.map(String.init) ?? ""
        isActive = input.isActive
        showOnCard = input.showOnCard
        maxLength = input.rules.maxLength.map(String.init) ?? ""
        pattern = input.rules.pattern ?? ""
        min = input.rules.min.map(FieldValue.decimalText) ?? ""
        max = input.rules.max.map(FieldValue.decimalText) ?? ""
        options = (input.rules.options ?? []).joined(separator: "\n")
        defaultValue = input.defaultValue ?? ""
    }

    /// The typed definition, or messages by form field name. The default is stored normalised
    /// (`FieldValue.plain`), as the form will show it next time.
    public func read() -> (input: CustomFieldInput?, errors: [String: String]) {
        var errors: [String: String] = [:]
        let entity = FieldEntity(rawValue: entity)
        if entity != .lead && entity != .task { errors["entity"] = "Fields can be defined for leads or for a stage task." }
        var templateId: Int64? = nil
        if entity == .task {
            templateId = Int64(self.templateId)
            if templateId == nil { errors["template_id"] = "Choose the stage task the field belongs to." }
        }
        guard let type = FieldType(rawValue: type) else {
            errors["type"] = "Choose a type."
            return (nil, errors)
        }
        var rules = FieldRules()
        if type.hasMaxLength, !maxLength.isEmpty {
            if let n = Int(maxLength) { rules.maxLength = n } else { errors["max_length"] = "Maximum length must be a whole number, like 200." }
        }
        if type == .text, !pattern.isEmpty { rules.pattern = pattern }
        if type.isNumeric {
            rules.min = number(min, label: "Minimum", type: type, field: "min", errors: &errors)
            rules.max = number(max, label: "Maximum", type: type, field: "max", errors: &errors)
        }
        if type.hasOptions {
            rules.options = options.components(separatedBy: .newlines).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var position: Int? = nil
        if !self.position.isEmpty {
            position = Int(self.position)
            if position == nil { errors["position"] = "Position must be a whole number from 0 to \(CustomFieldInput.positionLimit)." }
        }
        var input = CustomFieldInput(
            entity: entity ?? .lead, taskTemplateId: templateId, key: key, label: label, type: type, isRequired: isRequired, helpText: helpText,
            placeholder: placeholder, position: position, isActive: isActive, showOnCard: entity == .lead && showOnCard, rules: rules,
            defaultValue: defaultValue.isEmpty ? nil : defaultValue)
        for (field, message) in input.problems() where errors[field] == nil { errors[field] = message }
        guard errors.isEmpty else { return (nil, errors) }
        if let text = input.defaultValue, case .success(let value?) = FieldSpec(label: "Default value", type: type, rules: rules).parse([text]) {
            input.defaultValue = value.plain
        }
        return (input, [:])
    }

    private func number(_ text: String, label: String, type: FieldType, field: String, errors: inout [String: String]) -> Double? {
        switch FieldSpec(label: label, type: type).parse([text]) {
        case .success(.integer(let n)?): return Double(n)
        case .success(.decimal(let d)?): return d
        case .success: return nil
        case .failure(let error):
            errors[field] = error.message
            return nil
        }
    }
}
