import CoreMetrics
import Metrics
import Storage

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
/// `record` runs on the committer thread after the callers were resumed. Instruments are made with the data
/// directory from `factory` (default: `MetricsSystem.factory`; the server bootstraps its backend before it opens
/// the data directory), so every series exists, at zero, from start-up.
final class GroupCommitMetrics: Sendable {
    private let commits: Counter
    private let failedCommits: Counter
    private let writes: Counter
    private let failedWrites: Counter
    private let batchSize: Recorder
    private let commitTime: Metrics.Timer
    private let queueTime: Metrics.Timer

    init(factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        commits = Counter(label: "campus_group_commits_total", dimensions: [("outcome", "committed")], factory: factory)
        failedCommits = Counter(label: "campus_group_commits_total", dimensions: [("outcome", "failed")], factory: factory)
        writes = Counter(label: "campus_group_commit_writes_total", dimensions: [("outcome", "committed")], factory: factory)
        failedWrites = Counter(label: "campus_group_commit_writes_total", dimensions: [("outcome", "failed")], factory: factory)
        batchSize = Recorder(label: "campus_group_commit_batch_size", aggregate: true, factory: factory)
        commitTime = Metrics.Timer(label: "campus_group_commit_seconds", preferredDisplayUnit: .seconds, factory: factory)
        queueTime = Metrics.Timer(label: "campus_group_commit_queue_seconds", preferredDisplayUnit: .seconds, factory: factory)
    }

    func record(_ report: GroupCommitter.CommitReport) {
        if report.committed {
            commits.increment()
            writes.increment(by: report.writes - report.failedWrites)
            failedWrites.increment(by: report.failedWrites)
        } else {
            failedCommits.increment()
            failedWrites.increment(by: report.writes)
        }
        batchSize.record(report.writes)
        commitTime.recordNanoseconds(Int64(clamping: report.commitNanoseconds))
        queueTime.recordNanoseconds(Int64(clamping: report.queuedNanoseconds))
    }
}
