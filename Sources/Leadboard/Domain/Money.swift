import Foundation

/// Money is stored as integer cents and shown with two decimals and thousands separators.
public enum Money {
    public static let symbol = "$"
    /// $999,999,999.99: ample for one lead, and sums over 92 million leads still fit in Int64.
    public static let maximumCents: Int64 = 99_999_999_999

    /// Parses "1234", "1,234.5", "$ 1,234.50" into cents; nil for anything else (negative, 3 decimals, letters).
    public static func parse(_ text: String) -> Int64? {
        var s = text.trimmingCharacters(in: .whitespaces)
        for prefix in ["$", "€", "£"] where s.hasPrefix(prefix) { s = String(s.dropFirst()).trimmingCharacters(in: .whitespaces) }
        s = s.replacingOccurrences(of: ",", with: "")
        guard !s.isEmpty, s.count <= 20 else { return nil }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty || parts.count == 2,
            whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber)
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 2, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
        while fraction.count < 2 { fraction += "0" }
        guard whole.count <= 12, let units = Int64(whole.isEmpty ? "0" : String(whole)), let cents = Int64(fraction) else { return nil }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: 100)
        let (total, overflowAdding) = scaled.addingReportingOverflow(cents)
        guard !overflow, !overflowAdding, total <= maximumCents else { return nil }
        return total
    }

    /// "1234.50": the plain form used in CSV and form fields.
    public static func plain(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        let fraction = value % 100
        return "\(sign)\(value / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// "$1,234.50".
    public static func display(_ cents: Int64) -> String {
        let value = abs(cents)
        var whole = String(value / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        let fraction = value % 100
        return "\(cents < 0 ? "-" : "")\(symbol)\(whole)\(grouped).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
