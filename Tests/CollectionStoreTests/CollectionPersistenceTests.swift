import Foundation
import Search
import Storage
import Testing
@testable import CollectionStore

private func temporaryEnvironment() throws -> Environment {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("campus-coll-\(UUID().uuidString)").path
    return try Environment.open(path: path)
}

private func randomVector(_ rng: inout SystemRandomNumberGenerator, dimension: Int) -> [Float] {
    (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }
}

@Suite("Collections persist and reopen")
struct CollectionPersistenceTests {
    /// Full-scan threshold 0: non-exact queries walk the (restored) graph even in these small collections.
    let config = CollectionConfig(
        vectors: ["dense": DenseVectorConfig(size: 16, distance: .cosine)],
        sparseVectors: ["sparse": SparseVectorConfig(modifier: .idf)],
        hnsw: HNSWParameters(fullScanThreshold: 0)
    )

    @Test("a reopened collection restores its checkpointed graph, replays later writes and forgets later deletes")
    func checkpointReplayReopen() throws {
        let environment = try temporaryEnvironment()
        var rng = SystemRandomNumberGenerator()
        let registry = try CollectionRegistry(environment: environment)
        let collection = try registry.create(name: "lessons", config: config)
        let first = (0..<600).map { i in
            PointInput(id: .number(UInt64(i)), vectors: ["dense": .dense(randomVector(&rng, dimension: 16)),
                                                         "sparse": .sparse(indices: [UInt32(i % 7), 100], values: [1, 0.5])],
                       payload: ["i": .int(Int64(i))])
        }
        try collection.upsert(first)
        #expect(collection.needsCheckpoint)
        try collection.checkpoint()
        #expect(!collection.needsCheckpoint)
        // After the checkpoint: new points, a replaced vector, deletions.
        let later = (600..<700).map { i in
            PointInput(id: .number(UInt64(i)), vectors: ["dense": .dense(randomVector(&rng, dimension: 16))], payload: ["i": .int(Int64(i))])
        }
        try collection.upsert(later)
        try collection.upsert([PointInput(id: .number(5), vectors: ["dense": .dense(first[9].vectors["dense"].map { if case .dense(let v) = $0 { v } else { [] } }!)])])
        try collection.delete(ids: [.number(1), .number(650)])

        var query = QueryRequest()
        query.query = .nearest(first[9].vectors["dense"]!)
        query.using = "dense"
        query.limit = 20
        query.exact = true
        let before = try collection.query(query).map(\.id)

        let reopened = try CollectionRegistry(environment: environment).collection(named: "lessons")
        #expect(reopened.pointsCount == 698)
        let after = try reopened.query(query).map(\.id)
        #expect(after == before)
        #expect(after.contains(.number(5)) && after.contains(.number(9)))
        var approximate = query
        approximate.exact = false
        let graph = try reopened.query(approximate).map(\.id)
        #expect(!graph.contains(.number(1)) && !graph.contains(.number(650)))
        #expect(Set(graph.prefix(10)).intersection(Set(before.prefix(10))).count >= 9)
        // Sparse vectors and payloads came back too.
        var sparse = QueryRequest()
        sparse.query = .nearest(.sparse(indices: [3], values: [1]))
        sparse.using = "sparse"
        sparse.limit = 200
        let sparseHits = try reopened.query(sparse).map(\.id)
        // Points i < 600 with i % 7 == 3 carry index 3 (ids 3, 10, …, 598); none was deleted or replaced.
        #expect(sparseHits.count == 86)
        #expect(try reopened.retrieve(ids: [.number(650), .number(651)], withPayload: .all, withVector: .none).map(\.payload) == [["i": .int(651)]])
    }

    @Test("multivectors are committed, searched by MaxSim and restored on reopen")
    func multivectorsReopen() throws {
        let environment = try temporaryEnvironment()
        var colbert = DenseVectorConfig(size: 2, distance: .dot)
        colbert.multivector = MultiVectorConfig(comparator: .maxSim)
        let config = CollectionConfig(vectors: ["colbert": colbert, "dense": DenseVectorConfig(size: 2, distance: .dot)])
        let collection = try CollectionRegistry(environment: environment).create(name: "late", config: config)
        try collection.upsert([
            PointInput(id: .number(1), vectors: ["colbert": .multi([[1, 0], [0, 1]]), "dense": .dense([1, 0])]),
            PointInput(id: .number(2), vectors: ["colbert": .multi([[2, 0]])]),
            PointInput(id: .number(3), vectors: ["colbert": .multi([[0, 3], [1, 1]])]),
        ])
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["colbert": .dense([1, 0])])]) }
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["dense": .multi([[1, 0]])])]) }
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["colbert": .multi([[1, 0, 0]])])]) }
        var query = QueryRequest()
        query.query = .nearest(.multi([[1, 0], [0, 1]]))
        query.using = "colbert"
        query.withVector = .all
        let before = try collection.query(query)
        #expect(before.map(\.id) == [.number(3), .number(1), .number(2)])
        #expect(before.map(\.score) == [4, 2, 2])
        #expect(before[0].vectors?["colbert"] == .multi([[0, 3], [1, 1]]))

        let reopened = try CollectionRegistry(environment: environment).collection(named: "late")
        let after = try reopened.query(query)
        #expect(after.map(\.id) == before.map(\.id) && after.map(\.score) == before.map(\.score))
        #expect(reopened.config.vectors["colbert"]?.multivector == MultiVectorConfig(comparator: .maxSim))
        // A plain vector asks as a one-row multivector.
        var single = query
        single.query = .nearest(.dense([0, 1]))
        #expect(try reopened.query(single).map(\.id).first == .number(3))
    }

    /// Vector i: a pattern that repeats every 11 ids, plus i on the first component, so no two are parallel.
    static func distinctVector(_ i: Int) -> [Float] {
        var vector: [Float] = (0..<16).map { j in Float((j * 7 + i) % 11) + 1 }
        vector[0] += Float(i)
        return vector
    }

    @Test("an unreadable graph checkpoint is ignored and the graph rebuilt from the committed vectors")
    func unreadableCheckpoint() throws {
        let environment = try temporaryEnvironment()
        let collection = try CollectionRegistry(environment: environment).create(name: "c", config: config)
        try collection.upsert((0..<50).map { i in
            PointInput(id: .number(UInt64(i)), vectors: ["dense": .dense(Self.distinctVector(i))])
        })
        try collection.checkpoint()
        // Overwrite the checkpoint header with bytes of another format.
        let key = GraphCheckpoint.key(collection.cid, collection.slots["dense"]!, part: 0, chunk: 0)
        try environment.write { txn in try collection.tables.graphs.put(Array(#"{"format":"older"}"#.utf8), for: key, in: txn) }
        let reopened = try CollectionRegistry(environment: environment).collection(named: "c")
        #expect(reopened.pointsCount == 50)
        var query = QueryRequest()
        query.query = .nearest(.dense(Self.distinctVector(3)))
        query.using = "dense"
        query.limit = 1
        #expect(try reopened.query(query).first?.id == .number(3))
    }

    @Test("writes acknowledged without waiting are indexed in commit order; past the byte budget they index before answering")
    func backgroundIndexingAndBackPressure() throws {
        let environment = try temporaryEnvironment()
        var rng = SystemRandomNumberGenerator()
        let collection = try CollectionRegistry(environment: environment).create(name: "queue", config: config)
        func point(_ i: Int) -> PointInput {
            PointInput(id: .number(UInt64(i)), vectors: ["dense": .dense(randomVector(&rng, dimension: 16))])
        }
        func graphFinds(_ input: PointInput) throws -> Bool {
            var query = QueryRequest()
            query.query = .nearest(input.vectors["dense"]!)
            query.using = "dense"
            query.limit = 10
            query.hnswEf = 64
            return try collection.query(query).contains { $0.id == input.id }
        }
        // No budget: a wait=false write applies its effects before it returns.
        collection.maxQueuedBytes = 0
        let first = (0..<50).map(point)
        try collection.upsert(first, wait: false)
        #expect(collection.queuedWriteCount == 0)
        #expect(try first.allSatisfy(graphFinds))
        // A large budget: writes queue up, are durable and counted at once, and all land in the graph.
        collection.maxQueuedBytes = 1 << 30
        var later: [PointInput] = []
        for batch in 0..<20 {
            let points = (0..<25).map { point(100 + batch * 25 + $0) }
            later += points
            try collection.upsert(points, wait: false)
        }
        #expect(collection.pointsCount == 550)
        collection.waitForIndexing()
        #expect(collection.queuedWriteCount == 0)
        #expect(try later.allSatisfy(graphFinds))
    }

    @Test("a failed validation changes nothing")
    func atomicRejection() throws {
        let environment = try temporaryEnvironment()
        let collection = try CollectionRegistry(environment: environment).create(name: "c", config: config)
        try collection.upsert([PointInput(id: .number(1), vectors: ["dense": .dense(Array(repeating: 1, count: 16))])])
        let bad = [
            PointInput(id: .number(2), vectors: ["dense": .dense(Array(repeating: 1, count: 16))]),
            PointInput(id: .number(3), vectors: ["dense": .dense(Array(repeating: 1, count: 15))]),
        ]
        #expect(throws: CollectionError.invalid("Vector dimension error: expected dim: 16, got 15")) { try collection.upsert(bad) }
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["dense": .dense(Array(repeating: 0, count: 16))])]) }
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["dense": .dense([.nan] + Array(repeating: 1, count: 15))])]) }
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["sparse": .sparse(indices: [1, 1], values: [1, 2])])]) }
        #expect(throws: CollectionError.self) { try collection.upsert([PointInput(id: .number(4), vectors: ["nope": .dense([1])])]) }
        #expect(collection.pointsCount == 1)
        let reopened = try CollectionRegistry(environment: environment).collection(named: "c")
        #expect(reopened.pointsCount == 1)
    }

    @Test("scroll walks ids in Qdrant order: integers, then UUIDs by value")
    func scrollOrder() throws {
        let environment = try temporaryEnvironment()
        let collection = try CollectionRegistry(environment: environment).create(name: "c", config: config)
        let uuids = (0..<3).map { _ in UUID() }
        let ids: [PointID] = [.number(10), .number(2), .number(UInt64(1) << 63 + 5)] + uuids.map { .uuid($0) }
        try collection.upsert(ids.map { PointInput(id: $0, vectors: ["dense": .dense(Array(repeating: 1, count: 16))]) })
        var seen: [PointID] = []
        var offset: PointID?
        repeat {
            let page = try collection.scroll(offset: offset, limit: 2, filter: nil, withPayload: .none, withVector: .none)
            seen += page.points.map(\.id)
            offset = page.next
        } while offset != nil
        #expect(seen == ids.sorted())
        #expect(Array(seen.prefix(3)) == [.number(2), .number(10), .number(UInt64(1) << 63 + 5)])
    }
}
