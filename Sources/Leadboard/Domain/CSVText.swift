import CSV
import Foundation

/// CSV output (RFC 4180 quoting via CSV.swift) with spreadsheet-formula neutralisation.
public enum CSVText {
    /// Characters that make a spreadsheet treat a cell as a formula.
    static let dangerousFirst: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// Prefixes a cell that a spreadsheet would evaluate with `'`. A cell that already starts with `'`
    /// gets one too, so that `unneutralise` can tell the two apart and every value round-trips.
    public static func neutralise(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, first == "'" || dangerousFirst.contains(Character(first)) else { return cell }
        return "'" + cell
    }

    /// Undoes `neutralise` on import, so that an export round-trips.
    public static func unneutralise(_ cell: String) -> String {
        let scalars = cell.unicodeScalars
        guard scalars.first == "'", let second = scalars.dropFirst().first, second == "'" || dangerousFirst.contains(Character(second)) else {
            return cell
        }
        return String(String.UnicodeScalarView(scalars.dropFirst()))
    }

    /// Encodes rows (CRLF line ends, a final line end included). Cells in `numericColumns` are
    /// numbers the app wrote itself and stay as they are; every other cell is neutralised.
    public static func encode(_ rows: [[String]], numericColumns: Set<Int>) throws -> String {
        let stream = OutputStream.toMemory()
        stream.open()
        defer { stream.close() }
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in rows {
            try writer.write(row: row.enumerated().map { numericColumns.contains($0.offset) ? $0.element : neutralise($0.element) })
        }
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { return "" }
        var text = String(decoding: data, as: UTF8.self)
        if !rows.isEmpty { text += "\r\n" }
        return text
    }
}
