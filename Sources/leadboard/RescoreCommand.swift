import ArgumentParser
import Foundation
import Leadboard

struct Rescore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every lead's score, re-measuring the rules about time from now.",
        discussion: """
            Runs in batches of short transactions, so a server using the same data folder keeps \
            writing meanwhile. Progress goes to stderr; the summary to stdout.
            """)
    @OptionGroup var data: DataOptions
    @Option(help: "Leads per transaction.") var batchSize: Int64 = 20_000

    func validate() throws {
        guard (100...1_000_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 100 to 1000000.") }
    }

    func run() async throws {
        let database = try data.open()
        let start = Date()
        let batches = BatchTimes(start: start)
        let result = try await database.rescoreAll(timeBased: true, batchSize: batchSize) { progress in
            batches.lap()
            FileHandle.standardError.write(Data("\rRescoring: \(progress.done) of \(progress.total) leads".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print(
            String(
                format: "Rescored %lld leads in %.1f s (%d batches, the longest %.2f s); %d scores changed", result.total,
                Date().timeIntervalSince(start), batches.count, batches.longest, result.changed))
    }
}

/// How long each batch took (from one progress report to the next), for the summary line.
private final class BatchTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Date
    private(set) var count = 0
    private(set) var longest: TimeInterval = 0

    init(start: Date) { last = start }

    func lap() {
        lock.withLock {
            let now = Date()
            longest = max(longest, now.timeIntervalSince(last))
            last = now
            count += 1
        }
    }
}
