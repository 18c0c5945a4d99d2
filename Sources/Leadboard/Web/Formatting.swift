import Foundation

/// Formats values for display. Pages receive strings that are ready to print.
public enum Format {
    /// Times are stored and shown in UTC until users have time zones of their own.
    static let utc = TimeZone(identifier: "UTC")!
    private static let dateTimeFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.dateFormat = "d MMM yyyy, HH:mm"
        f.timeZone = utc  // never the server process's zone: TZ=America/New_York printed the previous day
        return f
    }()
    private static let dateFormatter: DateFormatter = {
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

    /// A `YYYY-MM-DD` day (reports, filters) in the same style as `date`: "4 Sep 2026".
    /// Text that is not a day is returned as it is.
    public static func day(_ day: String) -> String {
        Day.start(of: day).map(date) ?? day
    }
}
