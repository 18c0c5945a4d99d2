import Crypto
import Foundation

/// SHA-256 from swift-crypto (BoringSSL on Linux), for session-token digests, attachment checksums and
/// static-file ETags. Incremental, so large files are hashed while they stream to disk.
public struct SHA256Hasher: Sendable {
    private var digest = Crypto.SHA256()

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            digest.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if done == nil { digest.update(data: Array(bytes)) }
    }

    public mutating func finalize() -> [UInt8] {
        Array(digest.finalize())
    }

    /// One-shot digest as lowercase hex.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return Hex.encode(hasher.finalize())
    }

    public static func hex(_ string: String) -> String { hex(Array(string.utf8)) }
}

/// HMAC-SHA256 from swift-crypto: signs values the server hands out and must recognise again.
public enum MessageAuthentication {
    /// The 32-byte tag of `message` under `key`.
    public static func sign(_ message: some DataProtocol, key: [UInt8]) -> [UInt8] {
        Array(HMAC<Crypto.SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// True when `tag` is the tag of `message` under `key` (compared in constant time).
    public static func verify(_ tag: [UInt8], for message: some DataProtocol, key: [UInt8]) -> Bool {
        HMAC<Crypto.SHA256>.isValidAuthenticationCode(tag, authenticating: message, using: SymmetricKey(data: key))
    }
}

enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
