import Foundation
import Hummingbird

/// Names and attributes of the cookies the app sets. All are HttpOnly and SameSite.
struct CookieJar: Sendable {
    static let session = "lb_session"
    static let preLoginCSRF = "lb_csrf"
    static let flash = "lb_flash"

    let secure: Bool

    func session(_ token: String) -> Cookie {
        Cookie(name: Self.session, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func preLoginCSRF(_ token: String) -> Cookie {
        Cookie(name: Self.preLoginCSRF, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func flash(_ flash: Flash) -> Cookie {
        let encoded = Secrets.base64URL(Array("\(flash.kind.rawValue):\(flash.message)".utf8))
        return Cookie(name: Self.flash, value: encoded, maxAge: 120, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func expired(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    static func decodeFlash(_ value: String) -> Flash? {
        var base64 = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":"), let kind = Flash.Kind(rawValue: String(text[..<colon]))
        else { return nil }
        return Flash(kind: kind, message: String(text[text.index(after: colon)...].prefix(500)))
    }
}

/// Post/Redirect/Get helpers.
enum Redirect {
    static func to(_ location: String, flash: Flash? = nil, cookies: CookieJar? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let flash, let cookies { response.setCookie(cookies.flash(flash)) }
        return response
    }
}
