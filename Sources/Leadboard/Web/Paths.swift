import Foundation

/// Redirect targets taken from user input must stay on this site.
public enum LocalRedirect {
    /// Returns `candidate` when it is a local absolute path (`/x`), else nil. Refuses `//host`,
    /// `/\host`, backslashes anywhere, schemes, and control characters that browsers strip.
    public static func sanitize(_ candidate: String?) -> String? {
        guard let candidate, candidate.hasPrefix("/"), candidate.count <= 2000 else { return nil }
        let scalars = candidate.unicodeScalars
        if scalars.contains(where: { $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }) { return nil }
        if candidate.hasPrefix("//") { return nil }
        return candidate
    }
}

/// Builds query strings with proper escaping.
public enum URLQuery {
    static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    public static func escape(_ string: String) -> String {
        string.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `path?k=v&...`, leaving out empty values.
    public static func build(_ path: String, _ items: [(String, String)]) -> String {
        let query = items.filter { !$0.1.isEmpty }.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        return query.isEmpty ? path : "\(path)?\(query)"
    }
}
