import Foundation

/// Readable text on an admin-chosen stage colour. Badges are filled with the stage's `#rrggbb`, and
/// their text is black or white, whichever contrasts more by WCAG 2 relative luminance. One of the two
/// always reaches at least 4.58:1 (the worst case is a colour whose luminance is about 0.18), so any
/// colour an admin picks gives badge text that passes WCAG AA (4.5:1) in the light and the dark theme.
public enum StageColor {
    public static let black = "#000000"
    public static let white = "#ffffff"

    /// WCAG 2 relative luminance (0 = black, 1 = white) of `#rrggbb`; nil for anything else.
    public static func relativeLuminance(_ hex: String) -> Double? {
        let digits = Array(hex.utf8)
        let isHex: (UInt8) -> Bool = { (48...57).contains($0) || (65...70).contains($0) || (97...102).contains($0) }
        guard digits.count == 7, digits[0] == UInt8(ascii: "#"), digits.dropFirst().allSatisfy(isHex) else { return nil }
        var channels: [Double] = []
        for start in stride(from: 1, to: 7, by: 2) {
            guard let byte = UInt8(String(decoding: digits[start..<start + 2], as: UTF8.self), radix: 16) else { return nil }
            let value = Double(byte) / 255
            channels.append(value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4))
        }
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    }

    /// WCAG 2 contrast ratio between two `#rrggbb` colours (1 to 21); nil if either is malformed.
    public static func contrastRatio(_ first: String, _ second: String) -> Double? {
        guard let a = relativeLuminance(first), let b = relativeLuminance(second) else { return nil }
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// `#000000` or `#ffffff`, whichever is more readable on `background` (black for a malformed
    /// colour, which the schema never lets through).
    public static func textColor(on background: String) -> String {
        guard let luminance = relativeLuminance(background) else { return black }
        // Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); black wins when
        // (L + 0.05)² > 0.0525. Ties go to black.
        return (luminance + 0.05) * (luminance + 0.05) >= 0.0525 ? black : white
    }

    /// The `/stages.css` rule for one stage: its colour as `--stage` and the text colour as `--stage-ink`.
    public static func cssRule(className: String, color: String) -> String {
        ".\(className){--stage:\(color);--stage-ink:\(textColor(on: color))}\n"
    }
}
