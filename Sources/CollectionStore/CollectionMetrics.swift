import Dispatch
import Metrics
import Tracing

/// swift-metrics instruments for collection operations and the stages of a query.
///
/// - `campus_collection_operation_duration_seconds{operation}`: upsert, delete, payload, update_vectors,
///   delete_vectors, query, scroll, count, retrieve.
/// - `campus_query_stage_duration_seconds{stage}`: filter (allow-list planning), dense (HNSW or exact walk),
///   sparse (inverted index), fusion, fetch (payload and vector read-back). Embedding and its cache are the
///   Embedding room's `campus_embedding_seconds{stage}`.
/// - `campus_query_results`: points answered per query (histogram).
/// - `campus_points_written_total`: points upserted.
///
/// Each stage is also a span (swift-distributed-tracing) named after it, so a tracer can see where one
/// request's time went: the server's collects them for its slow-request warning.
enum CollectionMetrics {
    static let operations: [String: Metrics.Timer] = Dictionary(uniqueKeysWithValues:
        ["upsert", "delete", "payload", "update_vectors", "delete_vectors", "query", "scroll", "count", "retrieve"].map {
            ($0, Metrics.Timer(label: "campus_collection_operation_duration_seconds", dimensions: [("operation", $0)], preferredDisplayUnit: .seconds))
        })
    static let stages: [String: Metrics.Timer] = Dictionary(uniqueKeysWithValues:
        ["filter", "dense", "sparse", "fusion", "fetch"].map {
            ($0, Metrics.Timer(label: "campus_query_stage_duration_seconds", dimensions: [("stage", $0)], preferredDisplayUnit: .seconds))
        })
    static let pointsWritten = Counter(label: "campus_points_written_total")
    static let resultsPerQuery = Recorder(label: "campus_query_results", aggregate: true)

    /// Runs `body` and records its duration under the operation's timer.
    @inline(__always)
    static func measure<R>(_ operation: String, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { operations[operation]?.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        return try body()
    }

    @inline(__always)
    static func stage<R>(_ stage: String, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { stages[stage]?.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        return try withSpan(stage) { _ in try body() }
    }
}
