import Foundation

/// The server's signing key: 32 random bytes kept in the data folder (`secret.key`, readable by the
/// owner only), so that values it signed (the flash cookie) stay valid across restarts and every
/// process serving the same folder agrees on it.
public struct ServerKey: Sendable {
    public let bytes: [UInt8]

    public static let fileName = "secret.key"

    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case tooShort(String)
        public var description: String {
            switch self {
            case .unreadable(let path): "Cannot read the server key \(path): check its owner and permissions."
            case .tooShort(let path): "The server key \(path) is damaged (shorter than 32 bytes): delete it to make a new one."
            }
        }
    }

    /// Reads the key, or creates it when the folder has none. Creation goes through a temporary file and
    /// `link`, so two processes starting at once end up with the same key.
    public static func loadOrCreate(inDirectory directory: String) throws -> ServerKey {
        let path = (directory as NSString).appendingPathComponent(fileName)
        if !FileManager.default.fileExists(atPath: path) {
            let temporary = path + ".\(UUID().uuidString).part"
            let created = FileManager.default.createFile(
                atPath: temporary, contents: Data(Secrets.randomBytes(32)), attributes: [.posixPermissions: 0o600])
            if created {
                _ = link(temporary, path)  // fails harmlessly when another process won the race
                unlink(temporary)
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure.unreadable(path) }
        guard data.count >= 32 else { throw Failure.tooShort(path) }
        return ServerKey(bytes: Array(data))
    }
}
