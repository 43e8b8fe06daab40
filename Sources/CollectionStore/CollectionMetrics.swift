import Dispatch
import Metrics

/// swift-metrics instruments for collection operations and the stages of a query.
///
/// - `campus_collection_operation_duration{operation}`: upsert, delete, payload, query, scroll, count.
/// - `campus_query_stage_duration{stage}`: filter (allow-list planning), search (engine walks),
///   fusion, fetch (payload and vector read-back).
/// - `campus_points_written_total`: points upserted.
enum CollectionMetrics {
    static let operations: [String: Metrics.Timer] = Dictionary(uniqueKeysWithValues:
        ["upsert", "delete", "payload", "query", "scroll", "count", "retrieve"].map {
            ($0, Metrics.Timer(label: "campus_collection_operation_duration", dimensions: [("operation", $0)], preferredDisplayUnit: .seconds))
        })
    static let stages: [String: Metrics.Timer] = Dictionary(uniqueKeysWithValues:
        ["filter", "search", "fusion", "fetch"].map {
            ($0, Metrics.Timer(label: "campus_query_stage_duration", dimensions: [("stage", $0)], preferredDisplayUnit: .seconds))
        })
    static let pointsWritten = Counter(label: "campus_points_written_total")

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
        return try body()
    }
}
