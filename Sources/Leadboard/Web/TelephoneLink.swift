/// `tel:` links for phone numbers as people type them ("+1 (555) 010-2000", "0171 555 0100").
/// The shown text stays as typed; only the link is normalised, so a phone dials what it reads.
enum TelephoneLink {
    /// "tel:" followed by a "+" when the number starts with one, then every ASCII digit of it,
    /// in order; nil when the number has no digit (nothing to dial).
    static func href(_ phone: String) -> String? {
        let trimmed = phone.drop(while: { $0.isWhitespace })
        var digits = ""
        for scalar in trimmed.unicodeScalars where ("0"..."9").contains(scalar) { digits.unicodeScalars.append(scalar) }
        guard !digits.isEmpty else { return nil }
        return "tel:" + (trimmed.first == "+" ? "+" : "") + digits
    }
}
