import Foundation

/// Reads RFC 4180 CSV records from a file in fixed-size chunks (bounded memory at any file size).
/// Works on bytes, so a row with invalid UTF-8 is reported as that row, with its line number,
/// instead of ending the whole read (CSV.swift's reader stops at the first decoding error; export
/// writes with our own encoder in `CSVText.swift`).
public final class CSVRecordReader {
    public struct Record {
        /// The 1-based line on which the record starts.
        public var line: Int
        public var fields: [[UInt8]]
    }

    public enum Failure: Error { case cannotOpen }

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var started = false

    public init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure.cannotOpen }
        self.handle = handle
    }

    deinit { try? handle.close() }

    private func fill() -> Bool {
        if position < buffer.count { return true }
        if atEnd { return false }
        let data = handle.readData(ofLength: 256 * 1024)
        if data.isEmpty {
            atEnd = true
            return false
        }
        buffer = [UInt8](data)
        position = 0
        if !started {
            started = true
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // UTF-8 byte order mark
        }
        return position < buffer.count
    }

    private func peek() -> UInt8? { fill() ? buffer[position] : nil }

    private func advance() -> UInt8? {
        guard fill() else { return nil }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public func next() -> Record? {
        while true {
            guard peek() != nil else { return nil }
            let startLine = line
            var fields: [[UInt8]] = []
            var field: [UInt8] = []
            var quoted = false
            var fieldStarted = false
            var endOfRecord = false
            while !endOfRecord, let byte = advance() {
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if peek() == UInt8(ascii: "\"") {
                            _ = advance()
                            field.append(byte)
                        } else {
                            quoted = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: ","):
                    fields.append(field)
                    field = []
                    fieldStarted = false
                case UInt8(ascii: "\""):
                    if !fieldStarted && field.isEmpty { quoted = true; fieldStarted = true } else { field.append(byte) }
                case UInt8(ascii: "\r"):
                    if peek() == UInt8(ascii: "\n") { _ = advance() }
                    line += 1
                    endOfRecord = true
                case UInt8(ascii: "\n"):
                    line += 1
                    endOfRecord = true
                default:
                    field.append(byte)
                    fieldStarted = true
                }
            }
            fields.append(field)
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            return Record(line: startLine, fields: fields)
        }
    }
}
