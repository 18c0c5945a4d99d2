import CArgon2
import Dispatch
import Foundation

/// argon2id password hashing in PHC string format, through Debian's libargon2.
public struct PasswordHasher: Sendable {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    /// OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1.
    public static let standard = PasswordHasher(memoryKiB: 19456, iterations: 2, parallelism: 1)

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    public enum Failure: Error { case hashing(Int32) }

    public static let minimumLength = 12
    public static let maximumLength = 128

    /// Returns a message for a password that is too short, too long or known from data breaches, or nil.
    /// Every place that sets a password (account, admin, command line) asks this one function.
    public static func problem(with password: String) -> String? {
        let count = password.count
        if count < minimumLength { return "Use at least \(minimumLength) characters." }
        if count > maximumLength { return "Use at most \(maximumLength) characters." }
        if BreachedPasswords.contains(password) {
            return "This password appears in lists of passwords leaked in data breaches, so attackers try it first. Choose another."
        }
        return nil
    }

    /// Hashes synchronously (tens of milliseconds of CPU): call `hash(_:)` from async code.
    public func hashBlocking(_ password: String) throws -> String {
        let salt = Secrets.randomBytes(16)
        let hashLength = 32
        let encodedLength = argon2_encodedlen(iterations, memoryKiB, parallelism, UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let pwd = Array(password.utf8)
        let result = pwd.withUnsafeBytes { pwdPtr in
            salt.withUnsafeBytes { saltPtr in
                argon2id_hash_encoded(
                    iterations, memoryKiB, parallelism,
                    pwdPtr.baseAddress, pwd.count,
                    saltPtr.baseAddress, salt.count,
                    hashLength, &encoded, encodedLength)
            }
        }
        guard result == ARGON2_OK.rawValue else { throw Failure.hashing(result) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func verifyBlocking(_ password: String, against encoded: String) -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        let pwd = Array(password.utf8)
        let result = pwd.withUnsafeBytes { ptr in
            argon2id_verify(encoded, ptr.baseAddress, pwd.count)
        }
        return result == ARGON2_OK.rawValue
    }

    /// Hashes on a background queue so the server's threads keep serving.
    public func hash(_ password: String) async throws -> String {
        try await Self.offload { try self.hashBlocking(password) }
    }

    public func verify(_ password: String, against encoded: String) async -> Bool {
        (try? await Self.offload { self.verifyBlocking(password, against: encoded) }) ?? false
    }

    /// True when the stored hash was made with weaker parameters than ours (or is not argon2id).
    public func needsRehash(_ encoded: String) -> Bool {
        guard let params = Self.parameters(of: encoded) else { return true }
        return params.m < memoryKiB || params.t < iterations || params.p != parallelism
    }

    /// Reads m, t, p from a PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`.
    public static func parameters(of encoded: String) -> (m: UInt32, t: UInt32, p: UInt32)? {
        let parts = encoded.split(separator: "$")
        guard parts.count == 5, parts[0] == "argon2id" else { return nil }
        var m: UInt32?, t: UInt32?, p: UInt32?
        for pair in parts[2].split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let value = UInt32(kv[1]) else { return nil }
            switch kv[0] {
            case "m": m = value
            case "t": t = value
            case "p": p = value
            default: break
            }
        }
        guard let m, let t, let p else { return nil }
        return (m, t, p)
    }

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
