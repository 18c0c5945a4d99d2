import Foundation
import Hummingbird

/// Names and attributes of the cookies the app sets. All are HttpOnly and SameSite.
struct CookieJar: Sendable {
    static let session = "lb_session"
    static let preLoginCSRF = "lb_csrf"
    static let flash = "lb_flash"

    let secure: Bool
    /// Signs the flash cookie, so that nobody can plant a message on someone else's page.
    let signingKey: [UInt8]

    func session(_ token: String) -> Cookie {
        Cookie(name: Self.session, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func preLoginCSRF(_ token: String) -> Cookie {
        Cookie(name: Self.preLoginCSRF, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func flash(_ flash: Flash) -> Cookie {
        Cookie(name: Self.flash, value: encodeFlash(flash), maxAge: Int(Self.flashLifetime), path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func expired(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// `payload.tag`, both base64url: the payload is `issuedAt:kind:message`, the tag its HMAC-SHA256
    /// under the server key (with a purpose prefix, so a tag made for another use never passes as a
    /// flash). The issue time bounds a replay to the cookie's two minutes even if a browser keeps it.
    func encodeFlash(_ flash: Flash, issuedAt: Date = Date()) -> String {
        let payload = Array("\(Int(issuedAt.timeIntervalSince1970)):\(flash.kind.rawValue):\(flash.message.prefix(500))".utf8)
        return Secrets.base64URL(payload) + "." + Secrets.base64URL(MessageAuthentication.sign(Self.flashPurpose + payload, key: signingKey))
    }

    /// The flash in a cookie value, or nil when it is malformed, older than two minutes, or its
    /// signature does not match.
    func decodeFlash(_ value: String, now: Date = Date()) -> Flash? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Secrets.decodeBase64URL(parts[0]), let tag = Secrets.decodeBase64URL(parts[1]),
            MessageAuthentication.verify(tag, for: Self.flashPurpose + payload, key: signingKey),
            let text = String(bytes: payload, encoding: .utf8)
        else { return nil }
        let fields = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let issued = Int(fields[0]), let kind = Flash.Kind(rawValue: String(fields[1])),
            abs(now.timeIntervalSince1970 - Double(issued)) <= Self.flashLifetime
        else { return nil }
        return Flash(kind: kind, message: String(fields[2].prefix(500)))
    }

    private static let flashPurpose = Array("leadboard.flash.v2\n".utf8)
    static let flashLifetime: TimeInterval = 120
}
