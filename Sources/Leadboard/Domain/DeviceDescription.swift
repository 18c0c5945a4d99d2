import Foundation

/// A short, readable name for the device behind a User-Agent ("Firefox on Linux", "Safari on
/// iPhone"), for the session list. Only recognises the common browsers and systems; anything else
/// is shown by its first product token ("curl"), and an absent header as "Unknown device".
public enum DeviceDescription {
    public static func describe(_ userAgent: String?) -> String {
        guard let agent = userAgent?.trimmingCharacters(in: .whitespaces), !agent.isEmpty else { return "Unknown device" }
        let browser = self.browser(agent)
        let system = self.system(agent)
        switch (browser, system) {
        case let (browser?, system?): return "\(browser) on \(system)"
        case let (browser?, nil): return browser
        case let (nil, system?): return "Browser on \(system)"
        case (nil, nil):
            // The first product token, without its version: "curl/8.1" → "curl".
            let product = agent.split(separator: " ").first.map { String($0.split(separator: "/").first ?? $0) } ?? agent
            return String(product.prefix(40))
        }
    }

    /// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    static func browser(_ agent: String) -> String? {
        let checks: [(String, String)] = [
            ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
            ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("Chromium/", "Chromium"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"),
        ]
        return checks.first { agent.contains($0.0) }?.1
    }

    static func system(_ agent: String) -> String? {
        let checks: [(String, String)] = [
            ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"), ("Windows", "Windows"),
            ("Macintosh", "macOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"),
        ]
        return checks.first { agent.contains($0.0) }?.1
    }
}
