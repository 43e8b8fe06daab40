import Foundation
import JSON
import Search
import Storage
import Synchronization
import Testing
@testable import CollectionStore

private func temporaryEnvironment() throws -> Environment {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("campus-hard-\(UUID().uuidString)").path
    return try Environment.open(path: path)
}

private func point(_ id: UInt64, _ vector: [Float], _ payload: [String: JSONValue] = [:]) -> PointInput {
    PointInput(id: .number(id), vectors: ["": .dense(vector)], payload: payload)
}

/// Inputs that used to crash the process, corrupt a directory or tear a read, each now refused
/// before anything is committed (or handled), with the collection unchanged afterwards.
@Suite("Collection hardening")
struct HardeningTests {
    let config = CollectionConfig(vectors: ["": DenseVectorConfig(size: 4, distance: .cosine)], unnamedVector: true)

    @Test("an empty filter selects every point (it used to hit a force unwrap)")
    func emptyFilterSelectsAll() throws {
        let collection = try CollectionRegistry(environment: try temporaryEnvironment()).create(name: "c", config: config)
        try collection.upsert((1...5).map { point($0, [1, Float($0), 0, 0]) })
        #expect(try collection.ids(matching: Filter()).count == 5)
        try collection.delete(ids: try collection.ids(matching: Filter()))
        #expect(collection.pointsCount == 0)
    }

    @Test("a Cosine vector whose Float norm overflows is normalised correctly; a zero vector changes nothing")
    func cosineNormOverflow() throws {
        let collection = try CollectionRegistry(environment: try temporaryEnvironment()).create(name: "c", config: config)
        try collection.upsert([point(1, [1e20, 1e20, 0, 0])])
        let stored = try collection.retrieve(ids: [.number(1)], withPayload: .none, withVector: .all)
        guard case .dense(let vector)? = stored.first?.vectors?[""] else { Issue.record("no vector"); return }
        #expect(abs(vector[0] - 0.70710677) < 1e-6 && abs(vector[1] - 0.70710677) < 1e-6)
        let operation = collection.lastOperationID
        #expect(throws: CollectionError.self) { try collection.upsert([point(2, [0, 0, 0, 0])]) }
        #expect(throws: CollectionError.self) { try collection.upsert([point(2, [.infinity, 0, 0, 0])]) }
        #expect(collection.lastOperationID == operation)
        // The next write gets the next operation id and a fresh internal id: no point listed twice.
        try collection.upsert([point(2, [0, 1, 0, 0])], wait: true)
        #expect(collection.lastOperationID == operation + 1)
        let page = try collection.scroll(offset: nil, limit: 10, filter: nil, withPayload: .none, withVector: .none)
        #expect(page.points.map(\.id) == [.number(1), .number(2)])
    }

    @Test("a query offset near Int.max is refused without overflowing")
    func hugeOffset() throws {
        let collection = try CollectionRegistry(environment: try temporaryEnvironment()).create(name: "c", config: config)
        var query = QueryRequest()
        query.query = .nearest(.dense([1, 0, 0, 0]))
        query.offset = .max
        #expect(throws: CollectionError.self) { _ = try collection.query(query) }
        query.offset = 0
        query.limit = .max
        #expect(throws: CollectionError.self) { _ = try collection.query(query) }
    }

    @Test("payload keys and payloads deeper than the bound are refused and change nothing")
    func payloadDepth() throws {
        let collection = try CollectionRegistry(environment: try temporaryEnvironment()).create(name: "c", config: config)
        try collection.upsert([point(1, [1, 0, 0, 0], ["a": .int(1)])])
        let deepKey = Array(repeating: "k", count: 100_000).joined(separator: ".")
        #expect(throws: CollectionError.self) { try collection.updatePayload(.set(["x": .int(1)], key: deepKey), ids: [.number(1)]) }
        // A key just under the bound with a payload that would push the result past it.
        var nested = JSONValue.int(1)
        for _ in 0..<20 { nested = .object(["n": nested]) }
        let key = Array(repeating: "k", count: 50).joined(separator: ".")
        #expect(throws: CollectionError.self) { try collection.updatePayload(.set(["x": nested], key: key), ids: [.number(1)]) }
        var tooDeep = JSONValue.int(1)
        for _ in 0..<VectorCollection.maxPayloadDepth { tooDeep = .array([tooDeep]) }
        #expect(throws: CollectionError.self) { try collection.upsert([point(2, [1, 0, 0, 0], ["deep": tooDeep])]) }
        let stored = try collection.retrieve(ids: [.number(1), .number(2)], withPayload: .all, withVector: .none)
        #expect(stored.count == 1 && stored[0].payload == ["a": .int(1)])
        // Within the bound it works, and survives a reopen.
        try collection.updatePayload(.set(["x": .int(7)], key: "p.q.r"), ids: [.number(1)])
        #expect(try collection.retrieve(ids: [.number(1)], withPayload: .all, withVector: .none).first?.payload?["p"] == .object(["q": .object(["r": .object(["x": .int(7)])])]))
    }

    @Test("every engine limit is validated before a collection is committed")
    func engineLimits() throws {
        let environment = try temporaryEnvironment()
        let registry = try CollectionRegistry(environment: environment)
        let bad: [CollectionConfig] = [
            CollectionConfig(vectors: ["": DenseVectorConfig(size: 65_537, distance: .dot)]),
            CollectionConfig(vectors: ["": DenseVectorConfig(size: 0, distance: .dot)]),
            CollectionConfig(vectors: ["": DenseVectorConfig(size: 4, distance: .dot)], quantization: ScalarQuantization(quantile: 5)),
            CollectionConfig(vectors: ["": DenseVectorConfig(size: 4, distance: .dot, quantization: ScalarQuantization(quantile: 0.2))]),
            CollectionConfig(vectors: ["": DenseVectorConfig(size: 1, distance: .dot)], hnsw: HNSWParameters(fullScanThreshold: .max - 10)),
            CollectionConfig(vectors: Dictionary(uniqueKeysWithValues: (0..<65).map { ("v\($0)", DenseVectorConfig(size: 4, distance: .dot)) })),
        ]
        for (n, config) in bad.enumerated() {
            #expect(throws: CollectionError.self, "config \(n)") { try registry.create(name: "bad\(n)", config: config) }
        }
        #expect(registry.names().isEmpty)
        // The largest dimension Qdrant allows is accepted and opens.
        try registry.create(name: "wide", config: CollectionConfig(vectors: ["": DenseVectorConfig(size: 65_536, distance: .dot)]))
        #expect(try CollectionRegistry(environment: environment).names() == ["wide"])
    }

    @Test("a stored collection that cannot open is reported and deletable while the others serve")
    func unopenableCollectionIsIsolated() throws {
        let environment = try temporaryEnvironment()
        let registry = try CollectionRegistry(environment: environment)
        try registry.create(name: "good", config: config).upsert([point(1, [1, 0, 0, 0], ["k": .string("v")])])
        // Records an older version could have committed: a dimension the engine refuses, and bytes
        // that are not a record at all.
        let tables = try StoreTables(environment: environment)
        var broken = CollectionRecord(cid: 99, name: "wide", config: CollectionConfig(vectors: ["": DenseVectorConfig(size: 70_000, distance: .cosine)]),
                                      slots: ["": 0], createdAt: Date())
        broken.config.hnsw.m = 1
        try environment.write { txn in
            try tables.registry.put(JSONStored(broken), for: "wide", in: txn)
            try tables.vectors.put([1, 2, 3], for: Keys.vector(99, 0, 0), in: txn)
        }
        let garbage: Table<String, [UInt8]> = try environment.table("coll.registry")
        try environment.write { try garbage.put([0xFF, 0x00, 0x7B], for: "garbage", in: $0) }

        let reopened = try CollectionRegistry(environment: environment)
        #expect(reopened.unavailable.map(\.name) == ["garbage", "wide"])
        #expect(reopened.names() == ["garbage", "good", "wide"])
        #expect(throws: CollectionError.self) { _ = try reopened.collection(named: "wide") }
        #expect(try reopened.collection(named: "good").retrieve(ids: [.number(1)], withPayload: .all, withVector: .none).first?.payload == ["k": .string("v")])
        #expect(try reopened.delete(name: "wide"))
        #expect(try reopened.delete(name: "garbage"))
        #expect(try environment.read { txn in try tables.vectors.entries(in: txn, prefix: Keys.prefix(99)).count } == 0)
        #expect(try CollectionRegistry(environment: environment).unavailable.isEmpty)
    }

    @Test("a stored payload too deep to read back is served empty and reported, not a crash at start")
    func damagedPayloadAtOpen() throws {
        let environment = try temporaryEnvironment()
        let registry = try CollectionRegistry(environment: environment)
        let collection = try registry.create(name: "c", config: config)
        try collection.upsert([point(1, [1, 0, 0, 0], ["a": .int(1)]), point(2, [0, 1, 0, 0], ["b": .int(2)])])
        // What an older version stored for a 35,000-level `set_payload` key.
        var bytes: [UInt8] = [UInt8(PointID.number(1).sortKey.count)] + PointID.number(1).sortKey + Keys.bigEndian(UInt64(1))
        bytes += Array(String(repeating: "{\"k\":", count: 35_000).utf8) + Array("1".utf8) + Array(String(repeating: "}", count: 35_000).utf8)
        try environment.write { txn in try collection.tables.points.put(bytes, for: Keys.point(collection.cid, 0), in: txn) }

        let reopened = try CollectionRegistry(environment: environment).collection(named: "c")
        #expect(reopened.damagedPoints == 1)
        #expect(reopened.pointsCount == 2)
        let both = try reopened.retrieve(ids: [.number(1), .number(2)], withPayload: .all, withVector: .all)
        #expect(both.map(\.payload) == [[:], ["b": .int(2)]])
        try reopened.updatePayload(.overwrite(["fixed": .bool(true)]), ids: [.number(1)])
        #expect(try CollectionRegistry(environment: environment).collection(named: "c").damagedPoints == 0)
    }

    @Test("deleting a collection removes its graph checkpoints too")
    func deleteRemovesCheckpoints() throws {
        let environment = try temporaryEnvironment()
        let registry = try CollectionRegistry(environment: environment)
        let collection = try registry.create(name: "c", config: config)
        try collection.upsert((1...50).map { point($0, [1, Float($0), 2, 3]) })
        try collection.checkpoint()
        let tables = try StoreTables(environment: environment)
        let cid = collection.cid
        #expect(try environment.read { try tables.graphs.entries(in: $0, prefix: Keys.prefix(cid)).count } > 0)
        try registry.delete(name: "c")
        #expect(try environment.read { try tables.graphs.entries(in: $0, prefix: Keys.prefix(cid)).count } == 0)
    }

    @Test("checkpoints are due by written volume: a threshold and an eighth of the collection")
    func checkpointByVolume() throws {
        let registry = try CollectionRegistry(environment: try temporaryEnvironment())
        let collection = try registry.create(name: "c", config: config)
        try collection.upsert((1...100).map { point($0, [1, Float($0), 2, 3]) })
        #expect(collection.vectorsSinceCheckpoint == 100)
        #expect(collection.needsCheckpoint(byVolume: 50))
        #expect(!collection.needsCheckpoint(byVolume: 101))
        #expect(try registry.checkpointByVolume(minimumVectors: 50) == 1)
        #expect(collection.vectorsSinceCheckpoint == 0 && !collection.needsCheckpoint)
        try collection.upsert((1...10).map { point($0, [1, Float($0), 5, 3]) })
        // 10 vectors are under an eighth of the 100 points: not yet.
        #expect(!collection.needsCheckpoint(byVolume: 5))
    }

    @Test("readers never see one upsert's vector with another's payload, nor a point without its vector")
    func noTornReads() throws {
        let collection = try CollectionRegistry(environment: try temporaryEnvironment()).create(name: "c", config: config)
        let ids = (0..<20).map { PointID.number(UInt64($0)) }
        @Sendable func version(_ k: Int) -> [PointInput] {
            ids.map { PointInput(id: $0, vectors: ["": .dense([1, Float(k), 0, 0])], payload: ["k": .int(Int64(k))]) }
        }
        try collection.upsert(version(0))
        let torn = Atomic<Int>(0), read = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker < 2 {
                for k in 1...150 { try? collection.upsert(version(k * 2 + worker), wait: k % 2 == 0) }
            } else {
                for _ in 0..<300 {
                    guard let records = try? collection.retrieve(ids: ids, withPayload: .all, withVector: .all) else { continue }
                    for record in records {
                        read.add(1, ordering: .relaxed)
                        guard case .dense(let v)? = record.vectors?[""], case .int(let k)? = record.payload?["k"],
                              abs(v[1] / v[0] - Float(k)) < 1e-3 * max(1, Float(k)) else {
                            torn.add(1, ordering: .relaxed)
                            continue
                        }
                    }
                }
            }
        }
        #expect(read.load(ordering: .relaxed) > 0)
        #expect(torn.load(ordering: .relaxed) == 0)
    }
}
