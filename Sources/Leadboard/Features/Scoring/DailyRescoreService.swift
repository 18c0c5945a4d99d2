import Foundation
import Logging
import ServiceLifecycle

/// Re-measures time-based rules ("no activity for 14 days") while serving: at start-up and then
/// every hour it checks when they were last measured, and once that is more than a day ago it asks
/// the rescore job for a time-based run of all leads. At start-up it rescores all leads in any case.
struct DailyRescoreService: Service {
    let database: AppDatabase
    let job: RescoreJob
    var checkEvery: Duration = .seconds(3600)
    static let maximumAge: TimeInterval = 24 * 3600

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // A rescore cut short by a stop or crash would leave old scores behind until the next rule
            // change: every start rescores all leads once (2 s at a million leads when nothing changed).
            if await !check() { await job.request(database: database) }
            while !Task.isCancelled {
                try await Task.sleep(for: checkEvery)
                await check()
            }
        }
    }

    /// Starts a time-based rescore when the last one is more than a day old; true when it did.
    @discardableResult
    func check() async -> Bool {
        do {
            let asOf = try await database.scoringAsOf()
            guard database.clock.now().timeIntervalSince(asOf) > Self.maximumAge else { return false }
            await job.request(database: database, timeBased: true)
            return true
        } catch {
            Logger(label: "leadboard.rescore").error("Could not check when scores were last measured: \(error)")
            return false
        }
    }
}
