import Foundation

/// Formats values for display. Pages receive strings that are ready to print.
public enum Format {
    /// Times are stored and shown in UTC until users have time zones of their own.
    static let utc = TimeZone(identifier: "UTC")!
    nonisolated(unsafe) private static let dateTimeFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.dateFormat = "d MMM yyyy, HH:mm"
        f.timeZone = utc  // never the server process's zone: TZ=America/New_York printed the previous day
        return f
    }()
    nonisolated(unsafe) private static let dateFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.dateFormat = "d MMM yyyy"
        f.timeZone = utc
        return f
    }()
    private static let lock = NSLock()

    public static func dateTime(_ date: Date?) -> String {
        guard let date else { return "—" }
        return lock.withLock { dateTimeFormatter.string(from: date) }
    }

    public static func date(_ date: Date?) -> String {
        guard let date else { return "—" }
        return lock.withLock { dateFormatter.string(from: date) }
    }
}

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
