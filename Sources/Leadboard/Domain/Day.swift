import Foundation

/// Calendar days as `YYYY-MM-DD` strings, in UTC.
public enum Day {
    static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// The normalised day if `text` is a real date (`2026-02-30` is not).
    public static func parse(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            text.unicodeScalars.allSatisfy({ $0 == "-" || ("0"..."9").contains($0) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1900...9999).contains(y)
        else { return nil }
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)),
            calendar.component(.month, from: date) == m, calendar.component(.day, from: date) == d
        else { return nil }
        return String(text)
    }

    public static func start(of day: String) -> Date? {
        guard Day.parse(day) != nil else { return nil }
        let p = day.split(separator: "-").compactMap { Int($0) }
        return calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2]))
    }

    public static func string(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// `YYYYMM` of a date, for lead references.
    public static func month(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d%02d", c.year!, c.month!)
    }
}
