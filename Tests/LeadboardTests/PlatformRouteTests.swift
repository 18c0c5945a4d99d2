import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

@Suite struct SessionTests {
    @Test func loginRotatesTheSessionAndPlantedIdsAreNeverAuthenticated() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let browser = Browser(client)
            // An attacker plants a session cookie before the victim logs in.
            browser.cookies[CookieJar.session] = "planted-session-value-planted-session-value"
            let page = try await browser.login("ann@example.com")
            #expect(page.status == .seeOther)
            let issued = try #require(browser.cookies[CookieJar.session])
            #expect(issued != "planted-session-value-planted-session-value")
            // The planted value does not authenticate.
            let attacker = Browser(client)
            attacker.cookies[CookieJar.session] = "planted-session-value-planted-session-value"
            #expect(try await attacker.get("/").status == .seeOther)
            // Logging in again gives a new id and ends the previous session.
            let second = try await browser.login("ann@example.com")
            #expect(second.status == .seeOther)
            #expect(browser.cookies[CookieJar.session] != issued)
            let stale = Browser(client)
            stale.cookies[CookieJar.session] = issued
            #expect(try await stale.get("/").status == .seeOther)
        }
    }

    @Test func sessionCookieIsHttpOnlyLaxAndOnlyItsDigestIsStored() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.get("/login")
            let response = try await browser.post("/login", [("email", "ann@example.com"), ("password", Fixtures.password)])
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("lb_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let token = try #require(browser.cookies[CookieJar.session])
            let stored = try await app.database.pool.read { db in try String.fetchAll(db, sql: "SELECT tokenHash FROM session") }
            #expect(stored == [SHA256Hasher.hex(token)])
        }
    }

    @Test func secureCookiesFlagAddsSecure() async throws {
        let app = try await TestApp.make { $0.secureCookies = true }
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.get("/login")
            let response = try await browser.post("/login", [("email", "ann@example.com"), ("password", Fixtures.password)])
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("lb_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func idleAndAbsoluteExpiry() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "ann@example.com", role: .executive)
            clock.advance(11 * 3600)
            #expect(try await browser.get("/").status == .ok)
            clock.advance(13 * 3600)  // idle for more than 12 h
            #expect(try await browser.get("/").status == .seeOther)

            let busy = Browser(client)
            try await busy.login("ann@example.com")
            for _ in 0..<15 {  // active every 11 h (165 h in all): still inside 7 days
                clock.advance(11 * 3600)
                #expect(try await busy.get("/").status == .ok)
            }
            clock.advance(4 * 3600)  // 169 h: past the absolute lifetime although never idle
            #expect(try await busy.get("/").status == .seeOther)
        }
    }

    @Test func logoutDeletesTheSession() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "ann@example.com", role: .manager)
            let token = try #require(browser.cookies[CookieJar.session])
            let out = try await browser.post("/logout")
            #expect(out.status == .seeOther)
            #expect(out.location == "/login")
            #expect(try await app.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session") } == 0)
            let replay = Browser(client)
            replay.cookies[CookieJar.session] = token
            #expect(try await replay.get("/").status == .seeOther)
            // The flash is shown once on the login page.
            let login = try await browser.get("/login")
            #expect(login.contains("You have signed out."))
            #expect(!(try await browser.get("/login").contains("You have signed out.")))
        }
    }

    @Test func deactivationAndDemotionApplyOnTheNextRequest() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            let other = try await app.signedIn(client, as: "second@example.com", role: .admin)
            #expect(try await other.get("/admin/users").status == .ok)
            let otherUser = try #require(try await app.database.user(email: "second@example.com"))
            var page = try await admin.post("/admin/users/\(otherUser.uid)", [("name", "Second"), ("role", "manager"), ("active", "1")])
            #expect(page.status == .seeOther)
            #expect(try await other.get("/admin/users").status == .forbidden)
            page = try await admin.post("/admin/users/\(otherUser.uid)", [("name", "Second"), ("role", "manager")])
            #expect(page.status == .seeOther)
            #expect(try await other.get("/").status == .seeOther)
            // A deactivated user cannot sign in again.
            let again = try await Browser(client).login("second@example.com")
            #expect(again.status == .unprocessableContent)
        }
    }

    @Test func changingPasswordEndsOtherSessions() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let laptop = try await app.signedIn(client, as: "ann@example.com", role: .executive)
            let phone = Browser(client)
            try await phone.login("ann@example.com")
            let wrong = try await laptop.post("/account/password", [("current_password", "nope nope nope"), ("new_password", "short")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.contains("That is not your current password."))
            #expect(wrong.contains("Use at least 12 characters."))
            let ok = try await laptop.post("/account/password", [("current_password", Fixtures.password), ("new_password", "a brand new passphrase")])
            #expect(ok.status == .seeOther)
            #expect(try await laptop.get("/").status == .ok)
            #expect(try await phone.get("/").status == .seeOther)
            #expect(try await Browser(client).login("ann@example.com", password: "a brand new passphrase").status == .seeOther)
        }
    }
}

@Suite struct LoginTests {
    @Test func unknownEmailAndWrongPasswordGetTheSameAnswer() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let a = try await Browser(client).login("ann@example.com", password: "wrong password!!")
            let b = try await Browser(client).login("nobody@example.com", password: "wrong password!!")
            #expect(a.status == .unprocessableContent)
            #expect(b.status == a.status)
            #expect(a.contains("Email or password is incorrect."))
            #expect(b.contains("Email or password is incorrect."))
        }
    }

    @Test func aWeakerStoredHashIsUpgradedAtLogin() async throws {
        let app = try await TestApp.make()
        let weak = try PasswordHasher(memoryKiB: 4096, iterations: 1, parallelism: 1).hashBlocking(Fixtures.password)
        let user = try await app.database.createUser(email: "old@example.com", name: "Old", role: .manager, passwordHash: weak)
        try await app.run { client in
            #expect(try await Browser(client).login("old@example.com").status == .seeOther)
            let stored = try #require(try await app.database.user(id: user.uid)).passwordHash
            #expect(stored != weak)
            #expect(stored.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
            #expect(try await Browser(client).login("old@example.com").status == .seeOther)
        }
    }

    @Test func nextIsHonouredOnlyForLocalPaths() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let local = try await Browser(client).login("ann@example.com", next: "/account?tab=1")
            #expect(local.location == "/account?tab=1")
            for target in ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/\t/evil.example"] {
                let page = try await Browser(client).login("ann@example.com", next: target)
                #expect(page.location == "/")
            }
        }
    }

    @Test func anonymousVisitorsAreSentToLoginWithNext() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let page = try await Browser(client).get("/account")
            #expect(page.status == .seeOther)
            #expect(page.location == "/login?next=%2Faccount")
        }
    }

    @Test func accountThrottlingBlocksEvenTheRightPasswordUntilTheWindowPasses() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            for _ in 0..<10 {
                #expect(try await Browser(client).login("ann@example.com", password: "wrong password!!").status == .unprocessableContent)
            }
            let blocked = try await Browser(client).login("ann@example.com")
            #expect(blocked.status == .tooManyRequests)
            let retry = try #require(blocked.headers[.retryAfter].flatMap { Int($0) })
            #expect(retry > 0 && retry <= 600)
            clock.advance(601)
            #expect(try await Browser(client).login("ann@example.com").status == .seeOther)
        }
    }

    @Test func clientAddressThrottlingCoversManyAccounts() async throws {
        let app = try await TestApp.make { $0.trustProxyHeaders = true }
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let attacker = Browser(client)
            let headers: HTTPFields = [Header.xForwardedFor: "203.0.113.9"]
            try await attacker.get("/login", headers: headers)
            for i in 0..<10 {
                let page = try await attacker.post("/login", [("email", "user\(i)@example.com"), ("password", "guess guess guess")], headers: headers)
                #expect(page.status == .unprocessableContent)
            }
            let page = try await attacker.post("/login", [("email", "ann@example.com"), ("password", Fixtures.password)], headers: headers)
            #expect(page.status == .tooManyRequests)
            // Another address is not affected.
            let colleague = Browser(client)
            try await colleague.get("/login", headers: [Header.xForwardedFor: "198.51.100.7"])
            let ok = try await colleague.post("/login", [("email", "ann@example.com"), ("password", Fixtures.password)], headers: [Header.xForwardedFor: "198.51.100.7"])
            #expect(ok.status == .seeOther)
        }
    }
}

@Suite struct RequestProtectionTests {
    @Test func stateChangesWithoutTheRightCSRFTokenAreRefusedAndChangeNothing() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            let other = try await app.signedIn(client, as: "other@example.com", role: .admin)
            let fields = [("email", "new@example.com"), ("name", "New"), ("role", "executive"), ("password", "a long password 123")]
            #expect(try await admin.post("/admin/users", fields, includeCSRF: false).status == .forbidden)
            #expect(try await admin.post("/admin/users", fields, csrf: "wrong-token").status == .forbidden)
            #expect(try await admin.post("/admin/users", fields, csrf: try #require(other.csrf)).status == .forbidden)
            #expect(try await app.database.user(email: "new@example.com") == nil)
            // A cross-origin request with the right token is refused too.
            let crossOrigin = try await admin.post("/admin/users", fields, headers: [Header.origin: "https://evil.example"])
            #expect(crossOrigin.status == .forbidden)
            #expect(try await app.database.user(email: "new@example.com") == nil)
            // The header form of the token works for scripts.
            let viaHeader = try await admin.post("/admin/users", fields, includeCSRF: false, headers: [Header.csrfToken: try #require(admin.csrf)])
            #expect(viaHeader.status == .seeOther)
            #expect(try await app.database.user(email: "new@example.com") != nil)
        }
    }

    @Test func loginFormNeedsItsCSRFTokenToo() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.get("/login")
            let page = try await browser.post("/login", [("email", "ann@example.com"), ("password", Fixtures.password)], includeCSRF: false)
            #expect(page.status == .forbidden)
            #expect(browser.cookies[CookieJar.session] == nil)
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "ann@example.com", role: .manager)
            for path in ["/", "/login", "/no-such-page", "/static/css/app.css"] {
                let page = try await browser.get(path)
                let csp = try #require(page.headers[.contentSecurityPolicy])
                for directive in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"] {
                    #expect(csp.contains(directive))
                }
                #expect(!csp.contains("unsafe-inline"))
                #expect(page.headers[Header.xFrameOptions] == "DENY")
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                #expect(page.headers[Header.referrerPolicy] == "same-origin")
                #expect(page.headers[.server] == nil)
            }
            #expect(try await browser.get("/").headers[.cacheControl] == "no-store")
        }
    }

    @Test func pagesHaveNoInlineScriptOrHandlers() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let browser = try await app.signedIn(client, as: "ann@example.com", role: .admin)
            for path in ["/", "/account", "/admin/users", "/admin/users/new", "/login"] {
                let body = try await browser.get(path).body
                #expect(!body.contains("<script>"))
                #expect(body.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)
            }
        }
    }

    @Test func adminPagesAreForAdminsOnly() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let manager = try await app.signedIn(client, as: "m@example.com", role: .manager)
            let exec = try await app.signedIn(client, as: "e@example.com", role: .executive)
            for browser in [manager, exec] {
                #expect(try await browser.get("/admin/users").status == .forbidden)
                #expect(try await browser.get("/admin/users/new").status == .forbidden)
                let attempt = try await browser.post("/admin/users", [("email", "x@example.com"), ("name", "X"), ("role", "admin"), ("password", "a long password 123")])
                #expect(attempt.status == .forbidden)
            }
            #expect(try await app.database.user(email: "x@example.com") == nil)
            let forbidden = try await exec.get("/admin/users")
            #expect(forbidden.contains("Reference:"))
            #expect(forbidden.contains("Sign out"))
        }
    }

    @Test func malformedRequestsGet400Or404NotA500() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            #expect(try await admin.get("/admin/users/99999999999999999999/edit").status == .notFound)
            #expect(try await admin.get("/admin/users/abc/edit").status == .notFound)
            #expect(try await admin.get("/admin/users/424242/edit").status == .notFound)
            #expect(try await admin.get("/login?next=%ZZ").status == .badRequest)
            let token = try #require(admin.csrf)
            #expect(try await admin.postRaw("/admin/users", body: "_csrf=\(token)&name=%E0%A4").status == .badRequest)
            var invalidUTF8 = ByteBuffer()
            invalidUTF8.writeString("_csrf=\(token)&name=")
            invalidUTF8.writeBytes([0xff, 0xfe, 0xfd])
            #expect(try await admin.postBytes("/admin/users", body: invalidUTF8, contentType: "application/x-www-form-urlencoded").status == .badRequest)
            let huge = "_csrf=\(token)&name=" + String(repeating: "a", count: 2 << 20)
            #expect(try await admin.postRaw("/admin/users", body: huge).status == .contentTooLarge)
            let missing = try await admin.get("/nothing/here")
            #expect(missing.status == .notFound)
            #expect(missing.contains("Reference:"))
        }
    }

    @Test func healthCheckNeedsNoLogin() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let page = try await Browser(client).get("/healthz")
            #expect(page.status == .ok)
            #expect(page.body == "ok")
        }
    }
}

@Suite struct AdminUserTests {
    @Test func adminCreatesAUserWithValidationMessages() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            let bad = try await admin.post("/admin/users", [("email", "not-an-email"), ("name", ""), ("role", "overlord"), ("password", "short")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.contains("Enter a valid email address"))
            #expect(bad.contains("Name is required."))
            #expect(bad.contains("Choose a role."))
            #expect(bad.contains("Use at least 12 characters."))
            #expect(bad.contains("value=\"not-an-email\""))
            let dup = try await admin.post("/admin/users", [("email", "BOSS@example.com"), ("name", "Dup"), ("role", "manager"), ("password", "a long password 123")])
            #expect(dup.contains("A user with this email already exists."))
            let ok = try await admin.post("/admin/users", [("email", "new@example.com"), ("name", "<b>New</b>"), ("role", "manager"), ("password", "a long password 123")])
            #expect(ok.status == .seeOther)
            let list = try await admin.get("/admin/users")
            #expect(list.contains("&lt;b&gt;New&lt;/b&gt;"))
            #expect(!list.contains("<b>New</b>"))
            #expect(try await Browser(client).login("new@example.com", password: "a long password 123").status == .seeOther)
        }
    }

    @Test func theLastActiveAdminCannotBeDemotedOrDeactivated() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            let me = try #require(try await app.database.user(email: "boss@example.com"))
            let demote = try await admin.post("/admin/users/\(me.uid)", [("name", "Boss"), ("role", "manager"), ("active", "1")])
            #expect(demote.status == .unprocessableContent)
            #expect(demote.contains("At least one active admin must remain"))
            let deactivate = try await admin.post("/admin/users/\(me.uid)", [("name", "Boss"), ("role", "admin")])
            #expect(deactivate.status == .unprocessableContent)
            #expect(try await app.database.user(id: me.uid)?.role == .admin)
            #expect(try await app.database.user(id: me.uid)?.isActive == true)
            // With a second active admin, stepping down works.
            try await app.createUser("deputy@example.com", role: .admin)
            let ok = try await admin.post("/admin/users/\(me.uid)", [("name", "Boss"), ("role", "manager"), ("active", "1")])
            #expect(ok.status == .seeOther)
            #expect(try await app.database.user(id: me.uid)?.role == .manager)
        }
    }

    @Test func adminSettingAPasswordEndsThatUsersSessions() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            let exec = try await app.signedIn(client, as: "e@example.com", role: .executive)
            let user = try #require(try await app.database.user(email: "e@example.com"))
            let short = try await admin.post("/admin/users/\(user.uid)/password", [("password", "tiny")])
            #expect(short.status == .unprocessableContent)
            #expect(try await exec.get("/").status == .ok)
            let ok = try await admin.post("/admin/users/\(user.uid)/password", [("password", "reset by the admin 1")])
            #expect(ok.status == .seeOther)
            #expect(try await exec.get("/").status == .seeOther)
            #expect(try await admin.get("/").status == .ok)
        }
    }
}
