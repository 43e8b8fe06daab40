import CollectionStore
import Logging
import ServiceLifecycle

/// Persists HNSW graphs in the background and once more at graceful shutdown, so a restart restores
/// graphs instead of rebuilding them. Writes are durable without it (they are replayed on open);
/// checkpoints only bound how much replay an open needs.
///
/// - `interval` (Duration, default 60 s): how often collections with new writes are checkpointed.
struct CheckpointService: Service {
    let registry: CollectionRegistry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                checkpoint(reason: "periodic")
            }
        }
        checkpoint(reason: "shutdown")
    }

    private func checkpoint(reason: String) {
        do {
            let count = try registry.checkpointAll()
            if count > 0 { logger.info("checkpointed HNSW graphs", metadata: ["collections": "\(count)", "reason": "\(reason)"]) }
        } catch {
            logger.error("checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}
