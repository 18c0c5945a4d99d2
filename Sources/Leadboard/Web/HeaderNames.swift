import Hummingbird

/// Header names HTTPTypes does not predefine.
typealias HeaderName = HTTPFields.Element.Name

enum Header {
    static let csrfToken = HeaderName("X-CSRF-Token")!
    static let secFetchSite = HeaderName("Sec-Fetch-Site")!
    static let origin = HeaderName("Origin")!
    static let xFrameOptions = HeaderName("X-Frame-Options")!
    static let referrerPolicy = HeaderName("Referrer-Policy")!
    static let crossOriginOpenerPolicy = HeaderName("Cross-Origin-Opener-Policy")!
    static let xForwardedFor = HeaderName("X-Forwarded-For")!
}
