import Foundation
import Hummingbird

/// Decoded `application/x-www-form-urlencoded` data (a body or a query string).
/// Malformed percent-encoding or invalid UTF-8 is a 400, never a crash.
public struct FormData: Sendable {
    public private(set) var values: [String: [String]] = [:]

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (k, v) in pairs { values[k, default: []].append(v) }
    }

    public init(urlEncoded string: Substring) throws {
        for pair in string.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1]) : ""
            values[key, default: []].append(value)
        }
    }

    public init(bytes: ByteBuffer) throws {
        guard let string = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw HTTPError(.badRequest, message: "The form was not valid UTF-8.")
        }
        try self.init(urlEncoded: Substring(string))
    }

    /// The first value for `key`, or nil.
    public subscript(_ key: String) -> String? { values[key]?.first }

    /// The first value trimmed of surrounding white space ("" when absent).
    public func trimmed(_ key: String) -> String {
        (values[key]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func all(_ key: String) -> [String] { values[key] ?? [] }

    public func has(_ key: String) -> Bool { values[key] != nil }

    private static func decode(_ raw: Substring) throws -> String {
        let plus = raw.replacingOccurrences(of: "+", with: " ")
        guard let decoded = plus.removingPercentEncoding else {
            throw HTTPError(.badRequest, message: "The request contained malformed percent-encoding.")
        }
        if decoded.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw HTTPError(.badRequest, message: "The request contained a NUL character.")
        }
        return decoded
    }
}

extension Request {
    /// The query string decoded strictly (400 on malformed encoding).
    public func query() throws -> FormData {
        try FormData(urlEncoded: Substring(uri.query ?? ""))
    }
}
