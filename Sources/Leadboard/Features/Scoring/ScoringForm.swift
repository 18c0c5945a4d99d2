import Foundation

/// The rule form as submitted (`kind`, `field`, `choices`, `number`, `days`, `points`), kept as text
/// so a refused form shows what was typed.
struct ScoringRuleForm: Sendable, Equatable {
    var kind = ""
    var field = ""
    /// One value a line (several `choices` fields are joined the same way).
    var choices = ""
    var number = ""
    var days = ""
    var points = ""

    init() {}

    init(form: FormData) {
        kind = form.trimmed("kind")
        field = form.trimmed("field")
        choices = form.all("choices").flatMap { $0.split(whereSeparator: \.isNewline) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
        number = form.trimmed("number")
        days = form.trimmed("days")
        points = form.trimmed("points")
    }

    /// A stored rule as the edit form shows it (ids of sources, stages and owners as names).
    init(rule: ScoringRule, vocabulary: ScoringVocabulary) {
        kind = rule.kind.rawValue
        field = rule.kind.usesField ? rule.field : ""
        let idField = rule.kind == .source ? "source" : (ScoringText.idFields.contains(rule.field) ? rule.field : "")
        choices = rule.choiceList.map { ScoringText.choiceLabel($0, field: idField, vocabulary) }.joined(separator: "\n")
        number = rule.number.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) } ?? ""
        days = rule.days.map(String.init) ?? ""
        points = String(rule.points)
    }

    var choiceList: [String] { choices.split(separator: "\n").map(String.init) }

    /// The rule, or messages by form field. Parameters a kind does not use are dropped.
    func validate(_ vocabulary: ScoringVocabulary) -> (ScoringRuleInput?, [String: String]) {
        var errors: [String: String] = [:]
        let pointsText = points.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "+", with: "")
        let parsedPoints = Int(pointsText)
        if parsedPoints == nil || !(-100...100).contains(parsedPoints!) {
            errors["points"] = points.isEmpty ? "Points are required: a whole number from −100 to 100." : "Points must be a whole number from −100 to 100."
        }
        guard let kind = ScoringRuleKind(rawValue: kind) else {
            errors["kind"] = "Choose what the rule checks."
            return (nil, errors)
        }
        var input = ScoringRuleInput(kind: kind, points: parsedPoints ?? 0)
        if kind.usesField {
            let custom = vocabulary.field(field)
            if field.isEmpty {
                errors["field"] = "Choose a field."
            } else if ScoringModel.builtInFields[field] == nil && custom == nil {
                errors["field"] = "Choose a field from the list."
            } else if kind.usesNumber && field != "value" && !(custom?.type.isNumeric ?? false) {
                errors["field"] = "Choose a number field: Value or a number custom field."
            } else {
                input.field = field
            }
        }
        if kind.usesNumber {
            let cleaned = number.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: " ", with: "")
                .replacingOccurrences(of: "−", with: "-")
            let text = cleaned.hasPrefix("$") ? String(cleaned.dropFirst()) : cleaned
            if let value = Double(text), value.isFinite, abs(value) < 1e15 {
                input.number = value
            } else {
                errors["number"] = number.isEmpty ? "Enter a number." : "Enter a number, like 5000 or 2.5."
            }
        }
        if kind.usesDays {
            if let value = Int(days), (1...3650).contains(value) {
                input.days = value
            } else {
                errors["days"] = days.isEmpty ? "Enter a number of days." : "Days must be a whole number from 1 to 3650."
            }
        }
        if kind.usesChoices {
            let list = choiceList
            if list.isEmpty {
                errors["choices"] = kind == .source ? "Enter at least one source." : "Enter at least one value."
            } else if list.count > 50 {
                errors["choices"] = "Enter at most 50 values."
            } else if kind == .source {
                switch Self.ids(list, names: vocabulary.sources.map { ($0.uid, $0.name) }, what: "source") {
                case .success(let ids): input.choices = ids
                case .failure(let error): errors["choices"] = error.message
                }
            } else if errors["field"] == nil {
                switch Self.choices(list, field: field, vocabulary) {
                case .success(let values): input.choices = values
                case .failure(let error): errors["choices"] = error.message
                }
            }
        }
        return errors.isEmpty ? (input, [:]) : (nil, errors)
    }

    /// Names (any case) or ids of sources, stages or users, stored as ids.
    static func ids(_ list: [String], names: [(Int64, String)], what: String) -> Result<[String], FieldError> {
        var ids: [String] = []
        for item in list {
            if let id = Int64(item), names.contains(where: { $0.0 == id }) {
                ids.append(String(id))
            } else if let match = names.first(where: { $0.1.caseInsensitiveCompare(item) == .orderedSame }) {
                ids.append(String(match.0))
            } else {
                return .failure(FieldError("There is no \(what) “\(item)”."))
            }
        }
        var seen = Set<String>()
        return .success(ids.filter { seen.insert($0).inserted })
    }

    /// The values a `field equals` rule compares with, checked against the field's type.
    static func choices(_ list: [String], field: String, _ vocabulary: ScoringVocabulary) -> Result<[String], FieldError> {
        switch field {
        case "source": return ids(list, names: vocabulary.sources.map { ($0.uid, $0.name) }, what: "source")
        case "stage": return ids(list, names: vocabulary.stages.map { ($0.uid, $0.name) }, what: "stage")
        case "owner":
            var people = vocabulary.users.map { ($0.uid, $0.name) }
            people += vocabulary.users.map { ($0.uid, $0.email) }
            return ids(list, names: people, what: "user")
        case "value":
            for item in list where Money.parse(item) == nil { return .failure(FieldError("“\(item)” is not an amount, like 5000 or 5,000.00.")) }
            return .success(list)
        case "expected_close_date":
            for item in list where Day.parse(item) == nil { return .failure(FieldError("“\(item)” is not a date like 2026-03-31.")) }
            return .success(list)
        default:
            guard let custom = vocabulary.field(field) else { return .success(list) }
            if custom.type.hasOptions {
                let options = custom.fieldRules.options ?? []
                var values: [String] = []
                for item in list {
                    guard let option = options.first(where: { $0.caseInsensitiveCompare(item) == .orderedSame }) else {
                        return .failure(FieldError("“\(item)” is not an option of \(custom.label) (\(options.joined(separator: ", ")))."))
                    }
                    values.append(option)
                }
                return .success(values)
            }
            // Read as the field's form reads a value, without its length or range rules.
            let loose = FieldSpec(label: custom.label, type: custom.type)
            for item in list {
                if case .failure(let error) = loose.parse([item]) { return .failure(FieldError("“\(item)”: \(error.message)")) }
            }
            return .success(list)
        }
    }
}

/// The thresholds form: `hot_threshold` and `warm_threshold`, 0 ≤ warm < hot ≤ 100.
struct ThresholdsForm: Sendable, Equatable {
    var hot = ""
    var warm = ""

    init(hot: String, warm: String) {
        self.hot = hot
        self.warm = warm
    }

    init(form: FormData) {
        hot = form.trimmed("hot_threshold")
        warm = form.trimmed("warm_threshold")
    }

    func validate() -> ((hot: Int, warm: Int)?, [String: String]) {
        var errors: [String: String] = [:]
        let hotValue = Int(hot), warmValue = Int(warm)
        if hotValue == nil || !(1...100).contains(hotValue!) { errors["hot_threshold"] = "Hot must be a whole number from 1 to 100." }
        if warmValue == nil || !(0...99).contains(warmValue!) { errors["warm_threshold"] = "Warm must be a whole number from 0 to 99." }
        if errors.isEmpty, let hotValue, let warmValue, warmValue >= hotValue {
            errors["warm_threshold"] = "Warm must be below hot (\(hotValue))."
        }
        guard errors.isEmpty, let hotValue, let warmValue else { return (nil, errors) }
        return ((hotValue, warmValue), [:])
    }
}
