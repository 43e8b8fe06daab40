import Foundation
import Testing
@testable import Search

@Suite("Sparse index")
struct SparseIndexTests {
    static func randomVector(_ random: inout SeededRandom, dimensions: UInt32, maxTerms: Int, negative: Bool) -> SparseVector {
        let n = Int.random(in: 1...maxTerms, using: &random)
        var indices = Set<UInt32>()
        while indices.count < n { indices.insert(UInt32.random(in: 0..<dimensions, using: &random)) }
        // Small integer weights make equal scores (ties) common.
        let values = indices.map { _ in Float(Int.random(in: (negative ? -3 : 1)...4, using: &random)) }
        return try! SparseVector(indices: Array(indices), values: values)
    }

    @Test("bad vectors are rejected with typed errors")
    func validation() {
        #expect(throws: SparseVectorError.lengthMismatch(indices: 2, values: 1)) {
            try SparseVector(indices: [1, 2], values: [1])
        }
        #expect(throws: SparseVectorError.duplicateIndex(3)) { try SparseVector(indices: [3, 1, 3], values: [1, 2, 3]) }
        #expect(throws: SparseVectorError.nonFiniteValue(position: 1)) {
            try SparseVector(indices: [1, 2], values: [1, .nan])
        }
        #expect(throws: SparseVectorError.nonFiniteValue(position: 0)) {
            try SparseVector(indices: [1], values: [.infinity])
        }
        #expect(throws: Never.self) { try SparseVector(indices: [], values: []) }
    }

    @Test("scores are dot products over shared indices; only points sharing an index are returned")
    func semantics() throws {
        let index = SparseIndex()
        index.upsert(id: 0, vector: try SparseVector(indices: [1, 2], values: [1, 2]))
        index.upsert(id: 1, vector: try SparseVector(indices: [2, 3], values: [3, -1]))
        index.upsert(id: 2, vector: try SparseVector(indices: [7], values: [5]))
        let hits = index.search(try SparseVector(indices: [2, 3], values: [1, 1]), limit: 10)
        #expect(hits == [SearchHit(id: 0, score: 2), SearchHit(id: 1, score: 2)])  // tie → lower id first
        #expect(index.search(try SparseVector(indices: [9], values: [1]), limit: 10).isEmpty)
        // Overwrite replaces, remove forgets.
        index.upsert(id: 0, vector: try SparseVector(indices: [7], values: [1]))
        #expect(index.search(try SparseVector(indices: [2], values: [1]), limit: 10) == [SearchHit(id: 1, score: 3)])
        #expect(index.remove(id: 2))
        #expect(!index.remove(id: 2))
        #expect(index.search(try SparseVector(indices: [7], values: [2]), limit: 10) == [SearchHit(id: 0, score: 2)])
        #expect(index.count == 2)
        #expect(index.vector(id: 0) == (try SparseVector(indices: [7], values: [1])))
    }

    @Test("the idf modifier scales query weights by ln((N − df + 0.5)/(df + 0.5) + 1) from live statistics")
    func idf() throws {
        let index = SparseIndex(modifier: .idf)
        for id in 0..<UInt32(10) {
            let indices: [UInt32] = id < 3 ? [1, 2] : [2]
            index.upsert(id: id, vector: try SparseVector(indices: indices, values: indices.map { _ in 0.5 }))
        }
        let hits = index.search(try SparseVector(indices: [1, 2], values: [2, 1]), limit: 3)
        let idf1 = log((10 - 3 + 0.5) / (3 + 0.5) + 1), idf2 = log((10 - 10 + 0.5) / (10 + 0.5) + 1)
        let expected = Float(Double(Float(2 * idf1) * 0.5) + Double(Float(1 * idf2) * 0.5))
        #expect(hits.map(\.id) == [0, 1, 2])
        #expect(abs(hits[0].score - expected) <= 1e-6 * expected)
        index.remove(id: 0)
        #expect(abs(index.idf(term: 1) - Float(log((9 - 2 + 0.5) / (2 + 0.5) + 1))) < 1e-6)
    }

    @Test("pruned top-k equals exhaustive top-k on random corpora, with ties, negatives, filters and updates",
          arguments: [1, 2, 3, 4])
    func prunedEqualsExhaustive(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let negative = seed.isMultiple(of: 2)
        let dimensions: UInt32 = seed == 3 ? 12 : 200
        let index = SparseIndex(modifier: seed == 4 ? .idf : .none)
        let documents = 3_000
        for id in 0..<UInt32(documents) {
            index.upsert(id: id, vector: Self.randomVector(&random, dimensions: dimensions, maxTerms: 8, negative: negative))
        }
        // Overwrites and deletions in the middle of the lists.
        for _ in 0..<300 {
            let id = UInt32.random(in: 0..<UInt32(documents), using: &random)
            if Bool.random(using: &random) {
                index.remove(id: id)
            } else {
                index.upsert(id: id, vector: Self.randomVector(&random, dimensions: dimensions, maxTerms: 8, negative: negative))
            }
        }
        var allow = AllowList(capacity: documents)
        for id in 0..<UInt32(documents) where Int.random(in: 0..<3, using: &random) > 0 { allow.insert(id) }
        for _ in 0..<60 {
            let query = Self.randomVector(&random, dimensions: dimensions, maxTerms: 6, negative: negative)
            for limit in [1, 10, 100] {
                #expect(index.search(query, limit: limit, filter: NoFilter())
                    == index.searchExhaustive(query, limit: limit, filter: NoFilter()))
                #expect(index.search(query, limit: limit, filter: allow)
                    == index.searchExhaustive(query, limit: limit, filter: allow))
            }
        }
    }

    @Test("bulk restore from documents() gives the same index")
    func restore() {
        var random = SeededRandom(seed: 11)
        let index = SparseIndex(modifier: .idf)
        for id in stride(from: UInt32(0), to: 500, by: 1) where id % 7 != 3 {
            index.upsert(id: id, vector: Self.randomVector(&random, dimensions: 50, maxTerms: 5, negative: true))
        }
        let restored = SparseIndex(modifier: .idf, documents: index.documents().reversed())
        #expect(restored.count == index.count)
        for _ in 0..<20 {
            let query = Self.randomVector(&random, dimensions: 50, maxTerms: 4, negative: true)
            #expect(restored.search(query, limit: 20) == index.search(query, limit: 20))
        }
        #expect(restored.vector(id: 10) == index.vector(id: 10))
    }
}
