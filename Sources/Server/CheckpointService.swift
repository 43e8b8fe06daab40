import CollectionStore
import Logging
import ServiceLifecycle

/// Persists HNSW graphs in the background and once more at graceful shutdown, so a restart restores
/// graphs instead of rebuilding them. Writes are durable without it (they are replayed on open);
/// checkpoints only bound how much replay an open needs.
///
/// - `interval` (Duration, default 60 s): how often collections with new writes are checkpointed.
/// - `volumeVectors` (Int, default 20,000): checked every `volumeCheck` (1 s): a collection with this
///   many vectors written since its checkpoint (and at least an eighth of its size) is checkpointed
///   at once, so a burst of writes cannot make the next start replay for long.
struct CheckpointService: Service {
    let registry: CollectionRegistry
    let interval: Duration
    let volumeVectors: Int
    var volumeCheck: Duration = .seconds(1)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var sincePeriodic: Duration = .zero
            while !Task.isCancelled {
                let step = min(volumeCheck, interval)
                try await Task.sleep(for: step)
                sincePeriodic += step
                if sincePeriodic >= interval {
                    sincePeriodic = .zero
                    checkpoint(reason: "periodic") { try registry.checkpointAll() }
                } else {
                    checkpoint(reason: "volume") { try registry.checkpointByVolume(minimumVectors: volumeVectors) }
                }
            }
        }
        checkpoint(reason: "shutdown") { try registry.checkpointAll() }
    }

    private func checkpoint(reason: String, _ body: () throws -> Int) {
        do {
            let count = try body()
            if count > 0 { logger.info("checkpointed HNSW graphs", metadata: ["collections": "\(count)", "reason": "\(reason)"]) }
        } catch {
            logger.error("checkpoint failed", metadata: ["error": "\(error)", "reason": "\(reason)"])
        }
    }
}
