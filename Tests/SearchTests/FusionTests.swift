import Testing
@testable import Search

@Suite("Fusion")
struct FusionTests {
    let dense = [SearchHit(id: 1, score: 0.9), SearchHit(id: 2, score: 0.8), SearchHit(id: 3, score: 0.1)]
    let sparse = [SearchHit(id: 3, score: 12), SearchHit(id: 4, score: 7)]

    @Test("RRF: Σ 1/(k + pos) with 0-based positions, k = 2 by default")
    func rrf() {
        let fused = Fusion.rrf([dense, sparse], limit: 10)
        // 3: 1/(2+2) + 1/(2+0) = 0.75; 1: 0.5; 4: 1/3; 2: 1/3 → tie by lower id.
        #expect(fused.map(\.id) == [3, 1, 2, 4])
        #expect(abs(fused[0].score - 0.75) < 1e-7)
        #expect(abs(fused[1].score - 0.5) < 1e-7)
        let k60 = Fusion.rrf([dense], k: 60, limit: 1)
        #expect(abs(k60[0].score - 1.0 / 60) < 1e-7)
        #expect(Fusion.rrf([dense, sparse], limit: 2).count == 2)
    }

    @Test("RRF weights: 1/((pos + 1)/w + k − 1); weight ≤ 0 contributes nothing")
    func rrfWeights() throws {
        let fused = Fusion.rrf([dense, sparse], weights: [2, 0], limit: 10)
        // dense only: pos 0 → 1/(0.5 + 1) = 2/3; pos 1 → 1/(1 + 1) = 0.5; pos 2 → 1/(1.5 + 1) = 0.4.
        #expect(fused.map(\.id) == [1, 2, 3, 4])
        #expect(abs(fused[0].score - 2.0 / 3) < 1e-6)
        #expect(abs(fused[2].score - 0.4) < 1e-6)
        #expect(fused[3].score == 0)
        #expect(throws: FusionError.weightCountMismatch(weights: 1, lists: 2)) {
            try Fusion.validate(k: 2, weights: [1], listCount: 2)
        }
        #expect(throws: FusionError.invalidK(0)) { try Fusion.validate(k: 0, weights: nil, listCount: 2) }
    }

    @Test("DBSF: (s − (μ − 3σ)) / 6σ with the sample σ; one element or σ = 0 gives 0.5")
    func dbsf() {
        let fused = Fusion.dbsf([dense, sparse], limit: 10)
        func normalised(_ scores: [Double], _ s: Double) -> Double {
            let mean = scores.reduce(0, +) / Double(scores.count)
            let variance = scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count - 1)
            let sigma = variance.squareRoot()
            return (s - (mean - 3 * sigma)) / (6 * sigma)
        }
        let d = [0.9, 0.8, 0.1].map { Double(Float($0)) }, sp = [12.0, 7.0]
        let expected: [UInt32: Double] = [
            1: normalised(d, d[0]), 2: normalised(d, d[1]), 3: normalised(d, d[2]) + normalised(sp, 12),
            4: normalised(sp, 7),
        ]
        #expect(fused.count == 4)
        for hit in fused { #expect(abs(Double(hit.score) - expected[hit.id]!) < 1e-6, "\(hit.id)") }
        #expect(fused.first?.id == 3)
        let single = Fusion.dbsf([[SearchHit(id: 9, score: 3)], [SearchHit(id: 8, score: 1), SearchHit(id: 7, score: 1)]], limit: 5)
        #expect(single.map(\.score) == [0.5, 0.5, 0.5])
        #expect(Fusion.dbsf([[], dense], limit: 1).map(\.id) == [1])
    }

    @Test("DBSF treats distance lists (lower is better) so that closer points contribute more")
    func dbsfDistances() {
        let euclid = [SearchHit(id: 5, score: 0.1), SearchHit(id: 6, score: 0.5), SearchHit(id: 7, score: 2.0)]
        let fused = Fusion.dbsf([euclid], higherIsBetter: [false], limit: 3)
        #expect(fused.map(\.id) == [5, 6, 7])
    }
}
