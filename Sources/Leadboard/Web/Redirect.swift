import Foundation
import Hummingbird

/// Redirect targets taken from user input must stay on this site.
public enum LocalRedirect {
    /// Returns `candidate` as a normalised local absolute path (`/x`), else nil. Refuses `//host`,
    /// `/\host`, backslashes anywhere, schemes, and control characters that browsers strip. Collapses
    /// dot-segments and repeated slashes in the path (`/.//evil.example` becomes `/evil.example`) and
    /// percent-encodes everything that is not printable ASCII, so the `Location` header is plain ASCII.
    public static func sanitize(_ candidate: String?) -> String? {
        guard let candidate, candidate.hasPrefix("/"), candidate.count <= 2000 else { return nil }
        let scalars = candidate.unicodeScalars
        if scalars.contains(where: { $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }) { return nil }
        if candidate.hasPrefix("//") { return nil }
        let pathEnd = candidate.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? candidate.endIndex
        return percentEncoded(normalisedPath(candidate[..<pathEnd]) + candidate[pathEnd...])
    }

    /// RFC 3986 remove_dot_segments, with empty segments (repeated slashes) dropped as well.
    /// `%2e` counts as a dot, as browsers read it.
    static func normalisedPath(_ path: Substring) -> String {
        var kept: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment.lowercased() {
            case ".", "%2e": continue
            case "..", ".%2e", "%2e.", "%2e%2e": if !kept.isEmpty { kept.removeLast() }
            default: kept.append(segment)
            }
        }
        let trailingSlash = path.count > 1 && path.hasSuffix("/") && !kept.isEmpty
        return "/" + kept.joined(separator: "/") + (trailingSlash ? "/" : "")
    }

    /// Percent-encodes bytes outside printable ASCII and the few ASCII characters a URL may not hold;
    /// existing `%xx` escapes are kept.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte > 0x20, byte < 0x7f, !"\"<>`{}|^ ".utf8.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
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
