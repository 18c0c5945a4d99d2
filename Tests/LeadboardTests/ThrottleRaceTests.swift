import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Leadboard

/// The password-guessing limit holds under concurrent attempts: each attempt is reserved in the same
/// transaction as the check, so parallel guesses cannot all read "no failures yet".
@Suite struct ThrottleRaceTests {
    @Test func concurrentWrongPasswordsGetNoMoreVerificationsThanTheLimit() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            // Each attacker has its own pre-login CSRF cookie, as 30 browsers would.
            var attackers: [Browser] = []
            for _ in 0..<30 {
                let attacker = Browser(client)
                try await attacker.get("/login")
                attackers.append(attacker)
            }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for attacker in attackers {
                    group.addTask { try await attacker.post("/login", [("email", "ann@example.com"), ("password", "wrong guess number")]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let verified = statuses.filter { $0 == .unprocessableContent }.count
            let refused = statuses.filter { $0 == .tooManyRequests }.count
            #expect(verified + refused == 30)
            #expect(verified <= app.services.configuration.loginFailureLimit)
            #expect(refused >= 30 - app.services.configuration.loginFailureLimit)
            // The right password is refused too now: the account is locked for the window.
            #expect(try await Browser(client).login("ann@example.com").status == .tooManyRequests)
        }
    }

    @Test func anEmptyPasswordGuessesNothingAndDoesNotCount() async throws {
        let app = try await TestApp.make()
        try await app.createUser("ann@example.com", role: .manager)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.get("/login")
            for _ in 0..<12 {
                let page = try await browser.post("/login", [("email", "ann@example.com"), ("password", "")])
                #expect(page.status == .unprocessableContent)
            }
            #expect(try await Browser(client).login("ann@example.com").status == .seeOther)
        }
    }
}
