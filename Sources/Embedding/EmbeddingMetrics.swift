import Metrics

/// The Embedding room's metrics (swift-metrics; the server exports them on /metrics):
///
/// - `campus_embedding_seconds{stage}` (timer): `tokenize` and `forward` (native model), `remote`
///   (one HTTP call to a provider), `cache_lookup` and `cache_store` (embedding cache);
/// - `campus_embedding_cache_hits_total{tier}` (counter): `tier` is `memory` or `lmdb`;
/// - `campus_embedding_cache_misses_total` (counter);
/// - `campus_embedding_texts_total{model}` (counter): texts embedded by a model (cache misses only);
/// - `campus_embedding_remote_retries_total` (counter): retried provider calls.
///
/// Handles are made when an embedder or cache is created, so create those after
/// `MetricsSystem.bootstrap`.
struct EmbeddingMetrics: Sendable {
    static let secondsLabel = "campus_embedding_seconds"

    static func stage(_ stage: String) -> Timer {
        Timer(label: secondsLabel, dimensions: [("stage", stage)])
    }

    static func texts(model: String) -> Counter {
        Counter(label: "campus_embedding_texts_total", dimensions: [("model", model)])
    }
}

extension Timer {
    /// Records the time since `start` (a `ContinuousClock` instant).
    func record(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
