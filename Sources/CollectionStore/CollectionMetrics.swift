import Dispatch
import Instrumentation
import Metrics

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
/// Each stage's duration also goes to the `StageRecorder` in the caller's instrumentation context, if
/// any, so the server can say where one request's time went in its slow-request warning.
enum CollectionMetrics {
    /// A timed collection operation.
    enum Operation: Int, CaseIterable {
        case upsert, delete, payload, updateVectors, deleteVectors, query, scroll, count, retrieve

        var label: String {
            switch self {
            case .upsert: "upsert"
            case .delete: "delete"
            case .payload: "payload"
            case .updateVectors: "update_vectors"
            case .deleteVectors: "delete_vectors"
            case .query: "query"
            case .scroll: "scroll"
            case .count: "count"
            case .retrieve: "retrieve"
            }
        }
    }

    /// Timers indexed by `Operation.rawValue`.
    static let operations: [Metrics.Timer] = Operation.allCases.map {
        Metrics.Timer(label: "campus_collection_operation_duration_seconds", dimensions: [("operation", $0.label)], preferredDisplayUnit: .seconds)
    }
    /// Timers indexed by `QueryStage.rawValue`.
    static let stages: [Metrics.Timer] = QueryStage.allCases.map {
        Metrics.Timer(label: "campus_query_stage_duration_seconds", dimensions: [("stage", $0.name)], preferredDisplayUnit: .seconds)
    }
    static let pointsWritten = Counter(label: "campus_points_written_total")
    static let resultsPerQuery = Recorder(label: "campus_query_results", aggregate: true)

    /// Runs `body` and records its duration under the operation's timer.
    @inline(__always)
    static func measure<R>(_ operation: Operation, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { operations[operation.rawValue].recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- start)) }
        return try body()
    }

    /// Runs `body` and records its duration under the stage's timer and, when the instrumentation context
    /// carries one, with the caller's `StageRecorder` (one clock reading pair for both).
    @inline(__always)
    static func stage<R>(_ stage: QueryStage, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = DispatchTime.now().uptimeNanoseconds &- start
            stages[stage.rawValue].recordNanoseconds(Int64(elapsed))
            InstrumentationContext.current?[StageRecorderKey.self]?.record(stage: stage.name, nanoseconds: elapsed)
        }
        return try body()
    }
}

/// The stages of a query, as metrics and recorders name them.
public enum QueryStage: Int, CaseIterable, Sendable {
    /// Allow-list planning from the filter.
    case filter
    /// The HNSW walk or the exact scan.
    case dense
    /// The inverted-index walk.
    case sparse
    /// RRF or DBSF over the prefetches.
    case fusion
    /// Payload and vector read-back of the answered points.
    case fetch

    public var name: String {
        switch self {
        case .filter: "filter"
        case .dense: "dense"
        case .sparse: "sparse"
        case .fusion: "fusion"
        case .fetch: "fetch"
        }
    }
}

/// Receives the duration of every stage that ends inside an instrumentation context carrying it (under
/// `StageRecorderKey`): the server keeps one per request for its slow-request warning.
///
/// A query's stages take microseconds, so the collection reports them with one task-local read each rather than
/// as swift-distributed-tracing spans: a span costs a global tracer lookup behind a lock, several dynamic casts
/// and a boxed allocation, about 2 % of a one-client search. Slower work (embedding) opens spans, and the
/// server's tracer hands their durations to the same recorder.
public protocol StageRecorder: AnyObject, Sendable {
    func record(stage: String, nanoseconds: UInt64)
}

/// The instrumentation-context key of a `StageRecorder`.
public enum StageRecorderKey: InstrumentationContextKey {
    public typealias Value = any StageRecorder
    public static var nameOverride: String? { "campus-stages" }
}
