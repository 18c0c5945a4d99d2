import Foundation

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
