import Foundation

/// How many attachment bytes a user, and everyone together, may keep. Usage is the sum of the sizes
/// of the attachment rows that exist (a soft-deleted lead keeps its files, so they still count).
public struct UploadQuota: Sendable, Equatable {
    public var perUserBytes: Int64
    public var totalBytes: Int64

    public init(perUserBytes: Int64, totalBytes: Int64) {
        self.perUserBytes = perUserBytes
        self.totalBytes = totalBytes
    }

    /// Stored bytes: the uploader's own and everyone's.
    public struct Usage: Sendable, Equatable {
        public var user: Int64
        public var total: Int64
        public init(user: Int64, total: Int64) {
            self.user = user
            self.total = total
        }
    }

    /// Why an upload does not fit, with the numbers the message names.
    public struct Exceeded: Error, Sendable, Equatable {
        public enum Scope: Sendable { case user, total }
        public var scope: Scope
        public var limit: Int64
        public var used: Int64

        public var message: String {
            let left = UploadQuota.describe(max(0, limit - used))
            switch scope {
            case .user:
                return "This file does not fit in your upload quota of \(UploadQuota.describe(limit)): you have used "
                    + "\(UploadQuota.describe(used)) (\(left) left). Nothing was stored. Delete files you no longer need, or ask an admin."
            case .total:
                return "This file does not fit in the server's total upload quota of \(UploadQuota.describe(limit)): "
                    + "\(UploadQuota.describe(used)) is in use (\(left) left). Nothing was stored. Ask an admin."
            }
        }
    }

    /// Bytes the user may still add (the smaller of their own room and the server's).
    public func remaining(_ usage: Usage) -> Int64 {
        max(0, min(perUserBytes - usage.user, totalBytes - usage.total))
    }

    /// nil when `size` more bytes fit, else which quota it would exceed (the user's first).
    public func refusal(adding size: Int64, to usage: Usage) -> Exceeded? {
        if usage.user + size > perUserBytes { return Exceeded(scope: .user, limit: perUserBytes, used: usage.user) }
        if usage.total + size > totalBytes { return Exceeded(scope: .total, limit: totalBytes, used: usage.total) }
        return nil
    }

    /// Binary units, as the flags are given: "1 GiB", "12.5 MiB", "300 KiB", "0 bytes".
    public static func describe(_ bytes: Int64) -> String {
        let units: [(Int64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, unit) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            let text = bytes % size == 0 || value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
            return "\(text) \(unit)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
