import Foundation

/// Plain checks on user input, each returning a message for the field or nil.
public enum Validate {
    public static func email(_ value: String, required: Bool) -> String? {
        if value.isEmpty { return required ? "Enter an email address." : nil }
        if value.unicodeScalars.count > 254 { return "Use at most 254 characters." }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !value.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" })
        else { return "Enter a valid email address, like name@example.com." }
        return nil
    }

    public static func text(_ value: String, label: String, required: Bool, max: Int) -> String? {
        if value.isEmpty { return required ? "\(label) is required." : nil }
        // Counted as SQLite's length() counts (code points), so the schema's CHECKs never disagree.
        if value.unicodeScalars.count > max { return "\(label) must be at most \(max) characters." }
        return nil
    }
}
