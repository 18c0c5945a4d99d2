import Foundation
import GRDB
import Testing

@testable import Leadboard

@Suite struct PasswordAndDigestTests {
    @Test func hashIsArgon2idInPHCFormatWithStrongParameters() throws {
        let hash = try PasswordHasher.standard.hashBlocking("a long enough password")
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        let params = try #require(PasswordHasher.parameters(of: hash))
        #expect(params.m >= 19456 && params.t >= 2 && params.p == 1)
    }

    @Test func verificationAcceptsOnlyTheRightPassword() throws {
        let hasher = PasswordHasher.standard
        let hash = try hasher.hashBlocking("a long enough password")
        #expect(hasher.verifyBlocking("a long enough password", against: hash))
        #expect(!hasher.verifyBlocking("a long enough passworD", against: hash))
        #expect(!hasher.verifyBlocking("a long enough password", against: "not a hash"))
    }

    @Test func saltsDiffer() throws {
        let a = try PasswordHasher.standard.hashBlocking("same password here")
        let b = try PasswordHasher.standard.hashBlocking("same password here")
        #expect(a != b)
    }

    @Test func weakerStoredParametersNeedRehash() throws {
        let weak = try PasswordHasher(memoryKiB: 4096, iterations: 1, parallelism: 1).hashBlocking("a long enough password")
        #expect(PasswordHasher.standard.needsRehash(weak))
        #expect(!PasswordHasher.standard.needsRehash(try PasswordHasher.standard.hashBlocking("a long enough password")))
        #expect(PasswordHasher.standard.needsRehash("$2b$10$bcrypt-style"))
    }

    @Test func passwordLengthRule() {
        #expect(PasswordHasher.problem(with: String(repeating: "x", count: 11)) != nil)
        #expect(PasswordHasher.problem(with: String(repeating: "x", count: 12)) == nil)
        #expect(PasswordHasher.problem(with: String(repeating: "x", count: 128)) == nil)
        #expect(PasswordHasher.problem(with: String(repeating: "x", count: 129)) != nil)
    }

    @Test func sha256MatchesPublishedVectors() {
        #expect(SHA256Hasher.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Hasher.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var incremental = SHA256Hasher()
        for chunk in ["abcdbcdecdefdefg", "efghfghighijhijkijkljklmklmnlmnomnopnopq"] { incremental.update(Array(chunk.utf8)) }
        #expect(Hex.encode(incremental.finalize()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func tokensAre256BitAndUnique() {
        let a = Secrets.token(), b = Secrets.token()
        #expect(a.count == 43)
        #expect(a != b)
        #expect(!a.contains("+") && !a.contains("/") && !a.contains("="))
    }
}

@Suite struct RedirectSafetyTests {
    @Test(arguments: ["/", "/leads", "/leads?stage=2&q=a%20b", "/admin/users/3/edit"])
    func localPathsAreKept(path: String) {
        #expect(LocalRedirect.sanitize(path) == path)
    }

    @Test(arguments: [
        "//evil.example", "/\\evil.example", "https://evil.example", "http:/evil", "evil.example", "", "/\t/evil.example",
        "/\n/evil", "javascript:alert(1)", "/foo\\bar",
    ])
    func foreignTargetsAreRefused(path: String) {
        #expect(LocalRedirect.sanitize(path) == nil)
    }
}

@Suite struct DatabaseConfigurationTests {
    @Test func writerRunsWithFullSynchronousForeignKeysAndWAL() async throws {
        let app = try await TestApp.make()
        #expect(try app.database.writerSynchronousMode() == 2)
        let (fk, journal) = try await app.database.pool.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA foreign_keys")!, try String.fetchOne(db, sql: "PRAGMA journal_mode")!)
        }
        #expect(fk == 1)
        #expect(journal == "wal")
    }

    @Test func emailsAreUniqueIgnoringCase() async throws {
        let app = try await TestApp.make()
        try await app.createUser("Pat@Example.com", role: .manager)
        await #expect(throws: UserChangeError.emailTaken) {
            try await app.createUser("pat@example.COM", role: .executive)
        }
        #expect(try await app.database.user(email: "PAT@example.com")?.role == .manager)
    }

    @Test func formDataRejectsMalformedEncoding() {
        #expect(throws: (any Error).self) { try FormData(urlEncoded: "a=%ZZ") }
        #expect(throws: (any Error).self) { try FormData(urlEncoded: "a=%FF%FE") }
        #expect(throws: (any Error).self) { try FormData(urlEncoded: "a=%00") }
        let form = try? FormData(urlEncoded: "name=A+b%26c&x=1&x=2&empty=")
        #expect(form?["name"] == "A b&c")
        #expect(form?.all("x") == ["1", "2"])
        #expect(form?["empty"] == "")
    }
}
