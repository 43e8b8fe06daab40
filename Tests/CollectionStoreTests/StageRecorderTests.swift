import Foundation
import Instrumentation
import JSON
import Storage
import Synchronization
import Testing
@testable import CollectionStore

/// Collects what a query reports, as the server's per-request `RequestStages` does.
private final class Collected: StageRecorder {
    let stages = Mutex<[(String, UInt64)]>([])
    func record(stage: String, nanoseconds: UInt64) { stages.withLock { $0.append((stage, nanoseconds)) } }
    var names: [String] { stages.withLock { $0.map(\.0) } }
}

@Suite("Query stage recorder")
struct StageRecorderTests {
    private func collection() throws -> VectorCollection {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("campus-stages-\(UUID().uuidString)").path
        let config = CollectionConfig(vectors: ["dense": DenseVectorConfig(size: 2, distance: .dot)], sparseVectors: ["text": SparseVectorConfig()])
        let collection = try CollectionRegistry(environment: try Environment.open(path: path)).create(name: "c", config: config)
        try collection.upsert([
            PointInput(id: .number(1), vectors: ["dense": .dense([1, 0]), "text": .sparse(indices: [3, 9], values: [1, 2])], payload: ["k": .int(1)]),
            PointInput(id: .number(2), vectors: ["dense": .dense([0, 1]), "text": .sparse(indices: [3], values: [1])], payload: ["k": .int(2)]),
        ])
        return collection
    }

    private func nearest(_ vector: VectorValue, using name: String) -> QueryRequest {
        var request = QueryRequest()
        request.query = .nearest(vector)
        request.using = name
        return request
    }

    private func run(_ collection: VectorCollection, _ request: QueryRequest, into recorder: Collected) throws -> [PointRecord] {
        var context = InstrumentationContext.topLevel
        context[StageRecorderKey.self] = recorder
        return try InstrumentationContext.withValue(context) { try collection.query(request) }
    }

    @Test("a dense query reports filter, dense and fetch, in the order they ran")
    func dense() throws {
        let collection = try collection()
        let request = nearest(.dense([1, 0]), using: "dense")
        let recorder = Collected()
        let start = DispatchTime.now().uptimeNanoseconds
        let hits = try run(collection, request, into: recorder)
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        #expect(hits.first?.id == .number(1))
        #expect(recorder.names == ["filter", "dense", "fetch"])
        // Durations are clock readings inside the query: together no longer than the whole call took.
        #expect(recorder.stages.withLock { $0.reduce(0) { $0 + $1.1 } } <= elapsed)
    }

    @Test("a hybrid query reports both searches and the fusion; nothing is reported outside a recorder's context")
    func hybrid() throws {
        let collection = try collection()
        var request = QueryRequest()
        request.prefetch = [nearest(.dense([1, 0]), using: "dense"), nearest(.sparse(indices: [9], values: [1]), using: "text")]
        request.query = .fusion(.rrf())
        let recorder = Collected()
        _ = try run(collection, request, into: recorder)
        #expect(Set(recorder.names) == ["filter", "dense", "sparse", "fusion", "fetch"])
        #expect(recorder.names.last == "fetch")
        let before = recorder.names.count
        _ = try collection.query(request)
        #expect(recorder.names.count == before)
    }
}
