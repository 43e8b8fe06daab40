import Testing
@testable import Search

@Suite("Multivector index (MaxSim)")
struct MultiVectorIndexTests {
    @Test("MaxSim under dot: Σ over query rows of the best document row, ranked best first")
    func dotMaxSim() throws {
        let index = MultiVectorIndex(dimension: 2, metric: .dot)
        try index.upsert(id: 0, matrix: [[1, 0], [0, 1]])
        try index.upsert(id: 1, matrix: [[2, 0]])
        try index.upsert(id: 2, matrix: [[0, 3], [1, 1]])
        // Query rows [1,0] and [0,1]: id 0 → 1 + 1; id 1 → 2 + 0; id 2 → max(0,1) + max(3,1) = 4.
        let hits = try index.search([[1, 0], [0, 1]], limit: 3, filter: NoFilter())
        #expect(hits.map(\.id) == [2, 0, 1])
        #expect(hits.map(\.score) == [4, 2, 2])
        #expect(try index.search([[1, 0], [0, 1]], limit: 1, filter: AllowList(capacity: 3, ids: [1])).map(\.id) == [1])
        #expect(index.count == 3 && index.contains(id: 2))
        index.remove(id: 2)
        #expect(!index.contains(id: 2) && index.count == 2)
        #expect(try index.search([[0, 1]], limit: 5, filter: NoFilter()).map(\.id) == [0, 1])
    }

    @Test("cosine rows are unit-normalised; Euclid reports √|Σ best −‖q − d‖²|, nearest first")
    func cosineAndEuclid() throws {
        let cosine = MultiVectorIndex(dimension: 2, metric: .cosine)
        try cosine.upsert(id: 0, matrix: [[3, 4]])
        #expect(cosine.matrix(id: 0) == [[0.6, 0.8]])
        let cos = try cosine.search([[10, 0]], limit: 1, filter: NoFilter())
        #expect(abs(cos[0].score - 0.6) < 1e-6)

        let euclid = MultiVectorIndex(dimension: 2, metric: .euclid)
        try euclid.upsert(id: 0, matrix: [[0, 0], [5, 5]])
        try euclid.upsert(id: 1, matrix: [[1, 1]])
        // Query [[0,0],[4,4]]: id 0 → 0 + 2 = 2 → √2; id 1 → 2 + 18 = 20 → √20.
        let hits = try euclid.search([[0, 0], [4, 4]], limit: 2, filter: NoFilter())
        #expect(hits.map(\.id) == [0, 1])
        #expect(abs(hits[0].score - Float(2).squareRoot()) < 1e-6 && abs(hits[1].score - Float(20).squareRoot()) < 1e-5)
    }

    @Test("bad matrices are refused and change nothing")
    func refusals() throws {
        let index = MultiVectorIndex(dimension: 2, metric: .cosine)
        #expect(throws: MultiVectorError.empty) { try index.upsert(id: 0, matrix: []) }
        #expect(throws: MultiVectorError.wrongDimension(expected: 2, actual: 3)) { try index.upsert(id: 0, matrix: [[1, 2], [1, 2, 3]]) }
        #expect(throws: MultiVectorError.nonFinite) { try index.upsert(id: 0, matrix: [[.nan, 1]]) }
        #expect(throws: MultiVectorError.zeroVector) { try index.upsert(id: 0, matrix: [[0, 0]]) }
        #expect(throws: MultiVectorError.wrongDimension(expected: 2, actual: 1)) { try index.search([[1]], limit: 1, filter: NoFilter()) }
        #expect(index.count == 0)
    }

    @Test("scoreByExamples hands the scorer one MaxSim per example")
    func examples() throws {
        let index = MultiVectorIndex(dimension: 2, metric: .dot)
        try index.upsert(id: 0, matrix: [[1, 0]])
        try index.upsert(id: 1, matrix: [[0, 1]])
        // Score = sim(example 0) − sim(example 1).
        let hits = try index.scoreByExamples([[[1, 0]], [[0, 1]]], limit: 2, filter: NoFilter()) { $0[0] - $0[1] }
        #expect(hits.map(\.id) == [0, 1] && hits.map(\.score) == [1, -1])
    }
}
