import Foundation
import JSON
import Search
import Storage
import Synchronization
import Testing
@testable import CollectionStore

/// Adding and removing named vector spaces of an existing collection: the reopened instance serves
/// them, the retired one takes no writes, removed vectors are gone from storage, and all of it
/// survives reopening the environment.
@Suite("Vector spaces added and removed")
struct VectorSpaceChangeTests {
    static func environment() throws -> Environment {
        try Environment.open(path: FileManager.default.temporaryDirectory.appendingPathComponent("campus-spaces-\(UUID().uuidString)").path)
    }

    static func vector(_ value: VectorValue?) -> [Float]? {
        if case .dense(let v)? = value { v } else { nil }
    }

    @Test("add dense, multivector and sparse spaces; remove one; re-add it with another size; reopen")
    func addRemoveReopen() throws {
        let environment = try Self.environment()
        let registry = try CollectionRegistry(environment: environment)
        let original = try registry.create(name: "c", config: CollectionConfig(vectors: ["text": DenseVectorConfig(size: 2, distance: .dot)]))
        try original.upsert((1...4).map { PointInput(id: .number(UInt64($0)), vectors: ["text": .dense([Float($0), 1])], payload: ["n": .int(Int64($0))]) })

        var multi = DenseVectorConfig(size: 2, distance: .dot)
        multi.multivector = MultiVectorConfig(comparator: .maxSim)
        try registry.changeVectorSpaces(of: "c", .addDense(name: "image", multi))
        try registry.changeVectorSpaces(of: "c", .addSparse(name: "words", SparseVectorConfig(modifier: .idf)))
        let grown = try registry.collection(named: "c")
        #expect(grown !== original)
        #expect(grown.config.vectors["image"]?.multivector != nil && grown.config.sparseVectors["words"] != nil)
        #expect(grown.pointsCount == 4)
        // The retired instance refuses writes instead of writing beside engines nobody serves.
        #expect(throws: CollectionError.self) { try original.upsert([PointInput(id: .number(9), vectors: ["text": .dense([1, 1])])]) }
        #expect(grown.pointsCount == 4)

        try grown.upsert([PointInput(id: .number(2), vectors: ["text": .dense([2, 1]), "image": .multi([[1, 0], [0, 1]]),
                                                               "words": .sparse(indices: [3], values: [1])], payload: ["n": .int(2)])])
        var byImage = QueryRequest()
        byImage.query = .nearest(.multi([[1, 0]]))
        byImage.using = "image"
        #expect(try grown.query(byImage).map(\.id) == [.number(2)])
        var byText = QueryRequest()
        byText.query = .nearest(.dense([1, 0]))
        byText.using = "text"
        #expect(try grown.query(byText).map(\.id) == [.number(4), .number(3), .number(2), .number(1)])

        try registry.changeVectorSpaces(of: "c", .remove(name: "image"))
        let shrunk = try registry.collection(named: "c")
        #expect(shrunk.config.vectors.keys.sorted() == ["text"])
        #expect(throws: CollectionError.self) { try shrunk.query(byImage) }
        let kept = try shrunk.retrieve(ids: [.number(2)], withPayload: .all, withVector: .all)
        #expect(kept.first?.vectors?.keys.sorted() == ["text", "words"] && kept.first?.payload == ["n": .int(2)])

        // Re-added with another size: nothing of the old space comes back.
        try registry.changeVectorSpaces(of: "c", .addDense(name: "image", DenseVectorConfig(size: 3, distance: .euclid)))
        let readded = try registry.collection(named: "c")
        #expect(try readded.retrieve(ids: [.number(2)], withPayload: .none, withVector: .names(["image"])).first?.vectors?["image"] == nil)
        try readded.upsert([PointInput(id: .number(7), vectors: ["text": .dense([0, 1]), "image": .dense([1, 2, 3])])])
        try readded.checkpoint()

        // A fresh registry on the same environment sees the same spaces and vectors.
        let reopened = try CollectionRegistry(environment: environment).collection(named: "c")
        #expect(reopened.config.vectors["image"]?.size == 3 && reopened.config.sparseVectors["words"] != nil)
        #expect(reopened.pointsCount == 5)
        #expect(Self.vector(try reopened.retrieve(ids: [.number(7)], withPayload: .none, withVector: .all).first?.vectors?["image"]) == [1, 2, 3])
        var byNewImage = QueryRequest()
        byNewImage.query = .nearest(.dense([1, 2, 3]))
        byNewImage.using = "image"
        #expect(try reopened.query(byNewImage).map(\.id) == [.number(7)])
    }

    @Test("writes racing a reconfiguration are either refused with retry or kept: no acknowledged write is lost")
    func racingWrites() async throws {
        let environment = try Self.environment()
        let registry = try CollectionRegistry(environment: environment)
        try registry.create(name: "c", config: CollectionConfig(vectors: ["text": DenseVectorConfig(size: 2, distance: .dot)]))
        final class Tally: Sendable {
            let acknowledged = Mutex<[UInt64]>([])
            let retried = Mutex(0)
        }
        let tally = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    // A writer keeps the instance it resolved (as a request does between resolving the
                    // collection and writing) and resolves again only when told to retry.
                    var target = try registry.collection(named: "c")
                    for i in 0..<150 {
                        let id = UInt64(writer * 1_000 + i)
                        while true {
                            do {
                                try target.upsert([PointInput(id: .number(id), vectors: ["text": .dense([1, Float(i)])])])
                                tally.acknowledged.withLock { $0.append(id) }
                                break
                            } catch CollectionError.retry {
                                tally.retried.withLock { $0 += 1 }
                                target = try registry.collection(named: "c")
                            }
                        }
                    }
                }
            }
            group.addTask {
                for round in 0..<10 {
                    try registry.changeVectorSpaces(of: "c", .addSparse(name: "s\(round)", SparseVectorConfig(modifier: .none)))
                    try registry.changeVectorSpaces(of: "c", .remove(name: "s\(round)"))
                }
            }
            try await group.waitForAll()
        }
        let ids = tally.acknowledged.withLock { Set($0) }
        #expect(ids.count == 600)
        let final = try registry.collection(named: "c")
        #expect(final.pointsCount == 600)
        #expect(Set(try final.retrieve(ids: ids.map { .number($0) }, withPayload: .none, withVector: .none).map(\.id)) == Set(ids.map { .number($0) }))
        // And after reopening the environment.
        #expect(try CollectionRegistry(environment: environment).collection(named: "c").pointsCount == 600)
    }

    @Test("refusals: taken or missing names, the unnamed vector, limits; nothing changes")
    func refusals() throws {
        let environment = try Self.environment()
        let registry = try CollectionRegistry(environment: environment)
        try registry.create(name: "named", config: CollectionConfig(vectors: ["text": DenseVectorConfig(size: 2, distance: .dot)]))
        try registry.create(name: "plain", config: CollectionConfig(vectors: ["": DenseVectorConfig(size: 2, distance: .dot)], unnamedVector: true))
        let before = try registry.collection(named: "named")
        #expect(throws: CollectionError.invalid("vector name `text` already exists in this collection")) {
            try registry.changeVectorSpaces(of: "named", .addSparse(name: "text", SparseVectorConfig(modifier: .none)))
        }
        #expect(throws: CollectionError.invalid("Not existing vector name error: nope")) {
            try registry.changeVectorSpaces(of: "named", .remove(name: "nope"))
        }
        #expect(throws: CollectionError.self) { try registry.changeVectorSpaces(of: "plain", .addDense(name: "d", DenseVectorConfig(size: 2, distance: .dot))) }
        #expect(throws: CollectionError.self) { try registry.changeVectorSpaces(of: "plain", .remove(name: "")) }
        #expect(throws: CollectionError.self) { try registry.changeVectorSpaces(of: "named", .addDense(name: "big", DenseVectorConfig(size: 0, distance: .dot))) }
        #expect(throws: CollectionError.collectionNotFound("missing")) { try registry.changeVectorSpaces(of: "missing", .remove(name: "text")) }
        // Nothing was reopened by a refused change.
        #expect(try registry.collection(named: "named") === before)
        #expect(try CollectionRegistry(environment: environment).collection(named: "named").config.vectors.keys.sorted() == ["text"])
    }
}
