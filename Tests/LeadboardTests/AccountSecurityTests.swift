import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// Signs in through the login form from a given address (needs `trustProxyHeaders`) and browser.
private func signIn(
    _ client: any TestClientProtocol, _ email: String, from address: String, userAgent: String = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
) async throws -> Browser {
    let browser = Browser(client)
    let headers: HTTPFields = [Header.xForwardedFor: address, .userAgent: userAgent]
    try await browser.get("/login", headers: headers)
    let page = try await browser.post("/login", [("email", email), ("password", Fixtures.password)], headers: headers)
    #expect(page.status == .seeOther)
    try await browser.get("/account", headers: headers)  // the session's CSRF token
    return browser
}

@Suite struct AccountPasswordThrottleTests {
    @Test func wrongCurrentPasswordsCountAgainstTheAccountAndTheClientLikeFailedLogins() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock) { $0.trustProxyHeaders = true }
        try await app.createUser("ann@example.com", role: .executive)
        try await app.createUser("bob@example.com", role: .executive)
        try await app.run { client in
            let here: HTTPFields = [Header.xForwardedFor: "203.0.113.9"]
            let ann = try await signIn(client, "ann@example.com", from: "203.0.113.9")
            for _ in 0..<10 {
                let wrong = try await ann.post(
                    "/account/password", [("current_password", "not my password at all"), ("new_password", "a brand new passphrase")], headers: here)
                #expect(wrong.status == .unprocessableContent)
                #expect(wrong.contains("That is not your current password."))
            }
            // Over the limit even the right current password is refused, with the wait.
            let blocked = try await ann.post(
                "/account/password", [("current_password", Fixtures.password), ("new_password", "a brand new passphrase")], headers: here)
            #expect(blocked.status == .tooManyRequests)
            let retry = try #require(blocked.headers[.retryAfter].flatMap { Int($0) })
            #expect(retry > 0 && retry <= 600)
            #expect(blocked.contains("Too many failed password attempts. Try again in 10 minutes."))
            #expect(try await app.user("ann@example.com").passwordHash == Fixtures.passwordHash)

            // The same counters as the login form: the account is blocked from another address ...
            let elsewhere: HTTPFields = [Header.xForwardedFor: "198.51.100.7"]
            let login = Browser(client)
            try await login.get("/login", headers: elsewhere)
            let annLogin = try await login.post("/login", [("email", "ann@example.com"), ("password", Fixtures.password)], headers: elsewhere)
            #expect(annLogin.status == .tooManyRequests)
            // ... and this address is blocked for other accounts.
            let bob = Browser(client)
            try await bob.get("/login", headers: here)
            let bobLogin = try await bob.post("/login", [("email", "bob@example.com"), ("password", Fixtures.password)], headers: here)
            #expect(bobLogin.status == .tooManyRequests)

            clock.advance(601)
            let ok = try await ann.post(
                "/account/password", [("current_password", Fixtures.password), ("new_password", "a brand new passphrase")], headers: here)
            #expect(ok.status == .seeOther)
        }
    }

    @Test func failedLoginsBlockThePasswordChangeOfASignedInSession() async throws {
        let app = try await TestApp.make { $0.trustProxyHeaders = true }
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let ann = try await signIn(client, "ann@example.com", from: "198.51.100.7")
            let attacker = Browser(client)
            let there: HTTPFields = [Header.xForwardedFor: "203.0.113.9"]
            try await attacker.get("/login", headers: there)
            for _ in 0..<10 {
                let page = try await attacker.post("/login", [("email", "ann@example.com"), ("password", "guess guess guess")], headers: there)
                #expect(page.status == .unprocessableContent)
            }
            let page = try await ann.post(
                "/account/password", [("current_password", Fixtures.password), ("new_password", "a brand new passphrase")],
                headers: [Header.xForwardedFor: "198.51.100.7"])
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
            #expect(try await app.user("ann@example.com").passwordHash == Fixtures.passwordHash)
        }
    }
}

@Suite struct UploadQuotaTests {
    @Test func anUploadOverTheUsersQuotaIsA413NamingTheLimitAndStoresNothing() async throws {
        let app = try await TestApp.make { $0.userQuotaBytes = 100 * 1024 }
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Quota", owner: try await app.user("sam@example.com"))
            #expect(try await sam.upload(toLead: lead.uid, filename: "first.bin", bytes: sampleBytes(60 * 1024)).status == .seeOther)

            // 50 KiB more would pass the 100 KiB quota: refused while it streams in.
            let refused = try await sam.upload(toLead: lead.uid, filename: "second.bin", bytes: sampleBytes(50 * 1024))
            #expect(refused.status == .contentTooLarge)
            #expect(refused.contains("your upload quota of 100 KiB: you have used 60 KiB (40 KiB left). Nothing was stored."))
            #expect(try await app.attachmentCount() == 1)
            #expect(try app.uploadedFiles().count == 1)

            // The limit applies while the file streams in: a body cut off after 50 KiB is refused for
            // the quota (413) as soon as the file passes what is left, not read to its end (a 400).
            var cut = ByteBuffer()
            cut.writeString("--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\r\n")
            cut.writeBytes(sampleBytes(50 * 1024))
            let streamed = try await sam.postBytes(
                "/leads/\(lead.uid)/attachments?_csrf=\(try #require(sam.csrf))", body: cut, contentType: MultipartBody.contentType)
            #expect(streamed.status == .contentTooLarge)
            #expect(try app.uploadedFiles().count == 1)

            // A file that fits what is left is still accepted.
            #expect(try await sam.upload(toLead: lead.uid, filename: "third.bin", bytes: sampleBytes(40 * 1024)).status == .seeOther)
            // With the quota full, even a tiny file is refused before its body is read.
            let full = try await sam.upload(toLead: lead.uid, filename: "tiny.txt", bytes: sampleBytes(1))
            #expect(full.status == .contentTooLarge)
            #expect(full.contains("you have used 100 KiB (0 bytes left)"))
            #expect(try await app.attachmentCount() == 2)
            #expect(try app.uploadedFiles().count == 2)
        }
    }

    @Test func theTotalQuotaCoversEveryoneTogether() async throws {
        let app = try await TestApp.make { $0.totalQuotaBytes = 100 * 1024 }
        try await app.run { client in
            let ann = try await app.signedIn(client, as: "ann@example.com", role: .manager)
            let bob = try await app.signedIn(client, as: "bob@example.com", role: .manager)
            let lead = try await app.createLead("Shared", owner: try await app.user("ann@example.com"))
            #expect(try await ann.upload(toLead: lead.uid, filename: "a.bin", bytes: sampleBytes(80 * 1024)).status == .seeOther)
            let refused = try await bob.upload(toLead: lead.uid, filename: "b.bin", bytes: sampleBytes(30 * 1024))
            #expect(refused.status == .contentTooLarge)
            #expect(refused.contains("total upload quota of 100 KiB"))
            #expect(refused.contains("80 KiB is in use (20 KiB left). Nothing was stored."))
            #expect(try await app.attachmentCount() == 1)
            #expect(try app.uploadedFiles().count == 1)
        }
    }

    @Test func theRecordingTransactionRefusesAFileThatNoLongerFits() async throws {
        // Two uploads that each fitted when they started cannot both be recorded.
        let app = try await TestApp.make()
        let sam = try await app.createUser("sam@example.com", role: .executive)
        let lead = try await app.createLead("Race", owner: sam)
        let quota = UploadQuota(perUserBytes: 1000, totalBytes: 10_000)
        func attachment(_ name: String, size: Int64) -> Leadboard.Attachment {
            Leadboard.Attachment(
                id: nil, leadId: lead.uid, uploaderId: sam.id, originalName: name, storedName: name, contentType: "text/plain", size: size,
                sha256: "", createdAt: Date())
        }
        _ = try await app.database.addAttachment(attachment("one", size: 600), actor: sam, quota: quota)
        await #expect(throws: UploadQuota.Exceeded(scope: .user, limit: 1000, used: 600)) {
            _ = try await app.database.addAttachment(attachment("two", size: 600), actor: sam, quota: quota)
        }
        #expect(try await app.attachmentCount() == 1)
    }

    @Test func usageIsShownOnTheAccountPageAndTheAdminUserList() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let sam = try await app.signedIn(client, as: "sam@example.com", role: .executive)
            let lead = try await app.createLead("Usage", owner: try await app.user("sam@example.com"))
            #expect(try await sam.upload(toLead: lead.uid, filename: "a.bin", bytes: sampleBytes(3 * 1024)).status == .seeOther)
            #expect(try await sam.upload(toLead: lead.uid, filename: "b.bin", bytes: sampleBytes(1536)).status == .seeOther)

            let account = try await sam.get("/account")
            #expect(account.contains("<dt>Files</dt><dd>4.5 KiB of your 1 GiB quota</dd>"))

            let admin = try await app.signedIn(client, as: "root@example.com", role: .admin)
            let users = try await admin.get("/admin/users")
            #expect(users.status == .ok)
            let samRow = try #require(users.body.range(of: "sam@example.com"))
            let rowEnd = try #require(users.body[samRow.upperBound...].range(of: "</tr>"))
            #expect(users.body[samRow.upperBound..<rowEnd.lowerBound].contains("<td>4.5 KiB of 1 GiB</td>"))
            #expect(users.contains("<td>0 bytes of 1 GiB</td>"))  // the admin has stored nothing
            #expect(users.contains("4.5 KiB of the 10 GiB total quota"))
        }
    }
}

@Suite struct AccountSessionListTests {
    static let firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    static let safariIPhone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

    private func sessions(_ app: TestApp, _ email: String) async throws -> [Session] {
        let config = app.services.configuration
        return try await app.database.liveSessions(
            userId: try await app.user(email).uid, idleTimeout: config.sessionIdleTimeout, absoluteLifetime: config.sessionAbsoluteLifetime)
    }

    @Test func theAccountPageListsOwnSessionsWithDeviceAddressAndThisSessionMarked() async throws {
        let app = try await TestApp.make { $0.trustProxyHeaders = true }
        try await app.createUser("ann@example.com", role: .executive)
        try await app.createUser("bob@example.com", role: .executive)
        try await app.run { client in
            let laptop = try await signIn(client, "ann@example.com", from: "198.51.100.7", userAgent: Self.firefoxLinux)
            _ = try await signIn(client, "ann@example.com", from: "203.0.113.5", userAgent: Self.safariIPhone)
            _ = try await signIn(client, "bob@example.com", from: "192.0.2.44", userAgent: "curl/8.1.2")

            let page = try await laptop.get("/account", headers: [Header.xForwardedFor: "198.51.100.7"])
            #expect(page.status == .ok)
            let list = try #require(page.body.range(of: "id=\"sessions\"")).upperBound
            let rows = String(page.body[list...])
            #expect(rows.contains("<td>Firefox on Linux <span class=\"pill\">this session</span></td>"))
            #expect(rows.contains("<td>Safari on iPhone</td>"))
            #expect(rows.contains("<td>198.51.100.7</td>"))
            #expect(rows.contains("<td>203.0.113.5</td>"))
            #expect(rows.components(separatedBy: "this session").count == 2)
            // Only the other session has a sign-out button, and there is the "all others" form.
            let phone = try #require(try await sessions(app, "ann@example.com").first { $0.userAgent == Self.safariIPhone })
            #expect(rows.contains("action=\"/account/sessions/\(try #require(phone.id))/end\""))
            #expect(rows.components(separatedBy: "/end\"").count == 2)
            #expect(rows.contains("action=\"/account/sessions/end-others\""))
            // Another user's sessions are not listed.
            #expect(!rows.contains("192.0.2.44"))
            #expect(!rows.contains("curl"))
        }
    }

    @Test func endingTheOtherSessionsSignsThemOutAndKeepsThisOne() async throws {
        let app = try await TestApp.make()
        try await app.createUser("bob@example.com", role: .executive)
        try await app.run { client in
            let laptop = try await app.signedIn(client, as: "ann@example.com", role: .executive)
            let phone = Browser(client)
            try await phone.login("ann@example.com")
            let tablet = Browser(client)
            try await tablet.login("ann@example.com")
            let bob = Browser(client)
            try await bob.login("bob@example.com")
            #expect(try await phone.get("/").status == .ok)

            let ended = try await laptop.post("/account/sessions/end-others")
            #expect(ended.status == .seeOther)
            #expect(ended.location == "/account#sessions")
            let account = try await laptop.get("/account")
            #expect(account.status == .ok)
            #expect(account.contains("Signed out 2 other sessions."))
            // Their cookies no longer work.
            #expect(try await phone.get("/").status == .seeOther)
            #expect(try await tablet.get("/leads").status == .seeOther)
            #expect(try await bob.get("/").status == .ok)
            #expect(try await sessions(app, "ann@example.com").count == 1)
        }
    }

    @Test func oneSessionCanBeEndedButNeverAnotherUsers() async throws {
        let app = try await TestApp.make()
        try await app.createUser("bob@example.com", role: .admin)
        try await app.run { client in
            let laptop = try await app.signedIn(client, as: "ann@example.com", role: .executive)
            let phone = Browser(client)
            try await phone.login("ann@example.com", next: nil)
            let bob = Browser(client)
            try await bob.login("bob@example.com")
            let bobSession = try #require(try await sessions(app, "bob@example.com").first?.id)
            let annSessions = try await sessions(app, "ann@example.com")
            #expect(annSessions.count == 2)

            // Someone else's session, an unknown id, and a malformed id: all 404, nothing ended.
            #expect(try await laptop.post("/account/sessions/\(bobSession)/end").status == .notFound)
            #expect(try await laptop.post("/account/sessions/987654/end").status == .notFound)
            #expect(try await laptop.post("/account/sessions/abc/end").status == .notFound)
            #expect(try await bob.get("/").status == .ok)
            // Even an admin cannot end another user's session from their account page.
            let annPhone = try #require(annSessions.compactMap(\.id).max())  // the later sign-in
            #expect(try await bob.post("/account/sessions/\(annPhone)/end").status == .notFound)
            #expect(try await phone.get("/").status == .ok)

            // The user's own other session can be ended.
            let ended = try await laptop.post("/account/sessions/\(annPhone)/end")
            #expect(ended.status == .seeOther)
            #expect(try await phone.get("/").status == .seeOther)
            #expect(try await laptop.get("/").status == .ok)
            // Without the CSRF token nothing happens.
            let bobOther = Browser(client)
            try await bobOther.login("bob@example.com")
            #expect(try await bob.post("/account/sessions/end-others", includeCSRF: false).status == .forbidden)
            #expect(try await bobOther.get("/").status == .ok)
        }
    }

    @Test func userAgentsBecomeShortDeviceNames() {
        #expect(DeviceDescription.describe(Self.firefoxLinux) == "Firefox on Linux")
        #expect(DeviceDescription.describe(Self.safariIPhone) == "Safari on iPhone")
        #expect(
            DeviceDescription.describe(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")
                == "Edge on Windows")
        #expect(
            DeviceDescription.describe(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")
                == "Chrome on macOS")
        #expect(
            DeviceDescription.describe(
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36")
                == "Chrome on Android")
        #expect(DeviceDescription.describe("curl/8.1.2") == "curl")
        #expect(DeviceDescription.describe(nil) == "Unknown device")
        #expect(DeviceDescription.describe("  ") == "Unknown device")
    }
}
