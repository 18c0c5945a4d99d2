import Foundation
import Logging

/// Rescores every lead in the background after the rules change (and for the daily re-measurement
/// of time-based rules), one short write transaction per batch so other writers wait at most one
/// batch. One run at a time: a request during a run makes it run once more afterwards, so the last
/// rules always win.
actor RescoreJob {
    /// What the admin page shows.
    struct Status: Sendable, Equatable {
        var running = false
        var progress: RescoreProgress?
        var lastError: String?
    }

    private var status = Status()
    private var pendingAgain = false
    private var pendingTimeBased = false
    private var task: Task<Void, Never>?
    private let batchSize: Int64
    private let logger = Logger(label: "leadboard.rescore")
    /// The running batch loop's progress, written from inside `rescoreAll` without hopping onto the actor.
    private let live = LiveProgress()

    init(batchSize: Int64 = 20_000) {
        self.batchSize = batchSize
    }

    var current: Status {
        var status = self.status
        if status.running { status.progress = live.value }
        return status
    }

    /// Starts a rescore of all leads, or queues one more after the run in progress. `timeBased`
    /// re-measures time-based rules from now first.
    func request(database: AppDatabase, timeBased: Bool = false) {
        if status.running {
            pendingAgain = true
            pendingTimeBased = pendingTimeBased || timeBased
            return
        }
        start(database: database, timeBased: timeBased)
    }

    private func start(database: AppDatabase, timeBased: Bool) {
        status = Status(running: true, progress: nil, lastError: nil)
        live.value = nil
        let batchSize = self.batchSize
        let live = self.live
        task = Task {
            do {
                let final = try await database.rescoreAll(timeBased: timeBased, batchSize: batchSize) { progress in live.value = progress }
                self.record(final)
                self.finished(database: database, error: nil)
            } catch {
                self.finished(database: database, error: error)
            }
        }
    }

    private func record(_ progress: RescoreProgress) {
        status.progress = progress
    }

    private func finished(database: AppDatabase, error: Error?) {
        if let error {
            logger.error("Rescoring failed: \(error)")
            status.lastError = "The last rescore stopped: \(error)"
        }
        status.running = false
        task = nil
        if pendingAgain {
            let timeBased = pendingTimeBased
            pendingAgain = false
            pendingTimeBased = false
            start(database: database, timeBased: timeBased)
        }
    }

    /// Waits until no run is in progress or queued (tests, and the daily service between checks).
    func waitUntilIdle() async {
        // `finished` may start the queued run: wait for that one too.
        while let task { await task.value }
    }
}

/// A progress value shared between the batch loop and the actor.
private final class LiveProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: RescoreProgress?
    var value: RescoreProgress? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
