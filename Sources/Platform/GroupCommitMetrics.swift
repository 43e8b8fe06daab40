import CoreMetrics
import Metrics
import Storage
import Synchronization

/// swift-metrics instruments of the data directory's group committer (Prometheus names):
///
/// - `campus_group_commits_total{outcome}` (counter): outermost write transactions, `committed` or `failed`
///   (the commit itself failed and every caller got its error).
/// - `campus_group_commit_writes_total{outcome}` (counter): the writes they held, `committed` or `failed` (a
///   write whose own error aborted only its changes, such as a quota or validation refusal).
/// - `campus_group_commit_batch_size` (histogram): writes per transaction; how well concurrent callers share
///   one commit and its syncs.
/// - `campus_group_commit_seconds` (timer): from the start of a transaction to its commit's return (running
///   the writes and syncing the data file and the meta page).
/// - `campus_group_commit_queue_seconds` (timer): how long a batch's oldest write waited for its transaction.
///
/// `record` runs on the committer thread after the callers were resumed. Instruments come from `factory`
/// (default: `MetricsSystem.factory` at the first report, so a process bootstraps its backend first).
final class GroupCommitMetrics: Sendable {
    private struct Instruments {
        let commits: Counter
        let failedCommits: Counter
        let writes: Counter
        let failedWrites: Counter
        let batchSize: Recorder
        let commitTime: Metrics.Timer
        let queueTime: Metrics.Timer

        init(factory: any MetricsFactory) {
            commits = Counter(label: "campus_group_commits_total", dimensions: [("outcome", "committed")], factory: factory)
            failedCommits = Counter(label: "campus_group_commits_total", dimensions: [("outcome", "failed")], factory: factory)
            writes = Counter(label: "campus_group_commit_writes_total", dimensions: [("outcome", "committed")], factory: factory)
            failedWrites = Counter(label: "campus_group_commit_writes_total", dimensions: [("outcome", "failed")], factory: factory)
            batchSize = Recorder(label: "campus_group_commit_batch_size", aggregate: true, factory: factory)
            commitTime = Metrics.Timer(label: "campus_group_commit_seconds", preferredDisplayUnit: .seconds, factory: factory)
            queueTime = Metrics.Timer(label: "campus_group_commit_queue_seconds", preferredDisplayUnit: .seconds, factory: factory)
        }
    }

    private let factory: (any MetricsFactory)?
    private let instruments = Mutex<Instruments?>(nil)

    init(factory: (any MetricsFactory)? = nil) { self.factory = factory }

    func record(_ report: GroupCommitter.CommitReport) {
        let instruments = instruments.withLock { instruments in
            if let made = instruments { return made }
            let made = Instruments(factory: factory ?? MetricsSystem.factory)
            instruments = made
            return made
        }
        if report.committed {
            instruments.commits.increment()
            instruments.writes.increment(by: report.writes - report.failedWrites)
            instruments.failedWrites.increment(by: report.failedWrites)
        } else {
            instruments.failedCommits.increment()
            instruments.failedWrites.increment(by: report.writes)
        }
        instruments.batchSize.record(report.writes)
        instruments.commitTime.recordNanoseconds(Int64(clamping: report.commitNanoseconds))
        instruments.queueTime.recordNanoseconds(Int64(clamping: report.queuedNanoseconds))
    }
}
