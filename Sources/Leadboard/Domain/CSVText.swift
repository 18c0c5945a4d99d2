import Foundation

/// CSV output (RFC 4180: fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF line
/// ends) with spreadsheet-formula neutralisation. Written here rather than with CSV.swift, whose writer
/// hands the stream one Unicode scalar at a time: measured on a million leads, the export took 327 s.
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
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 160)
        for row in rows {
            for (index, cell) in row.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(numericColumns.contains(index) ? cell : neutralise(cell), to: &out)
            }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ cell: String, to out: inout [UInt8]) {
        let bytes = cell.utf8
        let comma: UInt8 = 0x2C, quote: UInt8 = 0x22
        let needsQuotes = bytes.contains { (byte: UInt8) -> Bool in byte == comma || byte == quote || byte == 0x0D || byte == 0x0A }
        guard needsQuotes else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }
}
