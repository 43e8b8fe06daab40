import CollectionStore
import Logging
import Synchronization
import Tracing

/// Where one request's time went, for its slow-request warning. The observation middleware puts a
/// `RequestStages` into the request's instrumentation context under `StageRecorderKey` (swift-distributed-
/// tracing's task-local `InstrumentationContext`, which child tasks and `CPUWork` hops carry along). The
/// collection reports its query stages `filter`, `dense`, `sparse`, `fusion`, `fetch` to it directly
/// (microsecond work, reported without spans); the process's tracer, `StageTracer`, adds every span that ends
/// inside the request — `embedding`, `embedding_cache_lookup`, `embedding_cache_store`.
///
/// Invariants: a span adds its duration once, when it ends; totals are per operation name, in the order the
/// names first ended. At most `maxNames` names are kept (a request opening more is not one to debug from a
/// log line). Nothing is exported.
final class RequestStages: StageRecorder {
    static let maxNames = 32

    struct Total: Sendable, Equatable {
        var name: String
        var nanoseconds: UInt64
        var count: Int
    }

    private let totals = Mutex<[Total]>([])

    /// The totals so far, in the order their names first ended.
    var current: [Total] { totals.withLock { $0 } }

    func record(stage: String, nanoseconds: UInt64) { add(stage, nanoseconds: nanoseconds) }

    func add(_ name: String, nanoseconds: UInt64) {
        totals.withLock { totals in
            if let index = totals.firstIndex(where: { $0.name == name }) {
                totals[index].nanoseconds &+= nanoseconds
                totals[index].count += 1
            } else if totals.count < Self.maxNames {
                totals.append(Total(name: name, nanoseconds: nanoseconds, count: 1))
            }
        }
    }

    /// The totals as log metadata: `{"dense": "1.204", "fetch": "0.031 (2)", …}` in milliseconds, with the
    /// number of spans when more than one.
    var metadata: Logger.Metadata.Value? {
        let totals = current
        guard !totals.isEmpty else { return nil }
        var stages: Logger.Metadata = [:]
        for total in totals {
            let milliseconds = RequestObservationMiddleware.milliseconds(total.nanoseconds)
            stages[total.name] = .string(total.count > 1 ? "\(milliseconds) (\(total.count))" : milliseconds)
        }
        return .dictionary(stages)
    }

}

/// The process's tracer: a span started where the instrumentation context carries a `StageRecorder` records
/// into it; anywhere else (jobs, tools) it records nothing. Bound once per process with `bootstrap()` (swift-
/// distributed-tracing allows one bootstrap), before the first application is built.
///
/// It is bootstrapped rather than bound per request with `withTracer`: that binding's async form ran the rest
/// of the request on the global executor instead of the event loop, 40–60 µs more per request with one client.
struct StageTracer: Tracer {
    typealias Span = StageSpan

    private static let installed: Void = InstrumentationSystem.bootstrap(StageTracer())

    /// Installs the tracer (once; later calls do nothing).
    static func bootstrap() { _ = installed }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> StageSpan {
        let context = context()
        let stages = context[StageRecorderKey.self]
        return StageSpan(operationName: operationName, context: context, start: stages == nil ? 0 : instant().nanosecondsSinceEpoch, stages: stages)
    }

    func forceFlush() {}

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract.Carrier == Carrier {}

    func inject<Carrier, Inject: Injector>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {}
}

/// One span: its name and start; on `end` its duration is added to the request's stages (when it has any).
/// Attributes, events, links and status are not kept, and a rename after the start is not seen: the stage
/// log needs names and durations only.
struct StageSpan: Tracing.Span {
    let context: InstrumentationContext
    private let name: String
    private let start: UInt64
    private let stages: (any StageRecorder)?

    init(operationName: String, context: InstrumentationContext, start: UInt64, stages: (any StageRecorder)?) {
        self.context = context
        self.name = operationName
        self.start = start
        self.stages = stages
    }

    var operationName: String {
        get { name }
        nonmutating set {}
    }

    var attributes: SpanAttributes {
        get { [:] }
        nonmutating set {}
    }

    var isRecording: Bool { stages != nil }

    func setStatus(_ status: SpanStatus) {}
    func addEvent(_ event: SpanEvent) {}
    func addLink(_ link: SpanLink) {}
    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {}

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let stages else { return }
        let end = instant().nanosecondsSinceEpoch
        stages.record(stage: name, nanoseconds: end >= start ? end - start : 0)
    }
}
