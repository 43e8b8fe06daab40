import Foundation
import Testing
@testable import Search

@Suite("HNSW index")
struct HNSWIndexTests {
    @Test("recall@10 against exact search is at least 0.95", arguments: DistanceMetric.allCases)
    func recallAgainstExact(metric: DistanceMetric) throws {
        let (index, data) = try makeIndex(count: 2_000, dim: 24, metric: metric)
        let queries = nearbyQueries(data, count: 50, seed: 99)
        let approx = try queries.map { try index.search($0, limit: 10, ef: 64) }
        let exact = try queries.map { try index.exactSearch($0, limit: 10) }
        #expect(recall(approx, exact) >= 0.95)
        #expect(index.count == 2_000)
        for hits in approx {
            #expect(hits.count == 10)
            let scores = hits.map(\.score)
            // Best first: descending for similarity, ascending for Euclidean distance.
            #expect(scores == (metric.higherIsBetter ? scores.sorted(by: >) : scores.sorted()))
        }
    }

    @Test("scores follow Qdrant: cosine/dot give the dot product, euclid the distance")
    func scoreConventions() throws {
        let a: [Float] = [3, 4], b: [Float] = [1, 0]
        let cosine = try HNSWIndex(dimension: 2, metric: .cosine)
        try cosine.insert(id: 0, vector: a)
        #expect(abs(try cosine.search(b, limit: 1)[0].score - 0.6) < 1e-6)
        #expect(cosine.vector(id: 0).map { $0.map { ($0 * 10).rounded() } } == [6, 8])
        let dot = try HNSWIndex(dimension: 2, metric: .dot)
        try dot.insert(id: 0, vector: a)
        #expect(try dot.search(b, limit: 1)[0].score == 3)
        let euclid = try HNSWIndex(dimension: 2, metric: .euclid)
        try euclid.insert(id: 0, vector: a)
        #expect(abs(try euclid.search(b, limit: 1)[0].score - Float(20).squareRoot()) < 1e-5)
    }

    @Test("inserts from two threads while another thread searches")
    func concurrentInsertAndSearch() throws {
        let dim = 16
        let data = clusteredVectors(count: 1_500, dim: dim, seed: 3)
        let index = try HNSWIndex(dimension: dim, metric: .euclid, configuration: .init(efConstruct: 48))
        try index.insert(id: 0, vector: data[0])
        let done = ManagedFlag()
        let searcher = Thread {
            var rng = TestRNG(seed: 5)
            while !done.value {
                let hits = (try? index.search(rng.vector(dim), limit: 5)) ?? []
                precondition(hits.allSatisfy { Int($0.id) < data.count })
            }
            done.searcherFinished()
        }
        searcher.start()
        try index.insert(batch: (1..<data.count).map { (UInt32($0), data[$0]) }, threads: 2)
        done.set()
        done.waitForSearcher()
        #expect(index.count == data.count)
        let queries = clusteredVectors(count: 30, dim: dim, seed: 11)
        let approx = try queries.map { try index.search($0, limit: 10, ef: 64) }
        let exact = try queries.map { try index.exactSearch($0, limit: 10) }
        #expect(recall(approx, exact) >= 0.95)
    }

    @Test("removed points never come back; the graph stays navigable; vacuum reclaims slots")
    func deleteRepairAndVacuum() throws {
        let (index, data) = try makeIndex(count: 1_500, dim: 16, metric: .cosine)
        var removed = Set<UInt32>()
        for id in stride(from: UInt32(0), to: 1_500, by: 3) { index.remove(id: id); removed.insert(id) }
        index.remove(id: 99_999)  // absent: no error
        #expect(index.count == 1_500 - removed.count)
        #expect(!index.contains(id: 0) && index.contains(id: 1))
        #expect(index.vector(id: 0) == nil)
        let queries = Array(data.prefix(40))  // the removed points' own vectors are the hardest probes
        func check() throws {
            let approx = try queries.map { try index.search($0, limit: 10, ef: 64) }
            for hits in approx { #expect(hits.allSatisfy { !removed.contains($0.id) }) }
            let exact = try queries.map { try index.exactSearch($0, limit: 10) }
            for hits in exact { #expect(hits.allSatisfy { !removed.contains($0.id) }) }
            #expect(recall(approx, exact) >= 0.95)
        }
        try check()
        #expect(index.deletedCount == removed.count)
        #expect(index.vacuum() == removed.count)
        #expect(index.deletedCount == 0)
        try check()
        // Reclaimed slots take new points.
        try index.insert(id: 0, vector: data[1])
        #expect(index.contains(id: 0))
        #expect(try index.search(data[1], limit: 2).map(\.id).contains(0))
    }

    @Test("an insert with an existing id replaces the vector")
    func update() throws {
        let (index, data) = try makeIndex(count: 500, dim: 8, metric: .euclid)
        let far = [Float](repeating: 50, count: 8)
        try index.insert(id: 7, vector: far)
        #expect(index.count == 500)
        #expect(index.vector(id: 7) == far)
        #expect(try index.search(far, limit: 1)[0].id == 7)
        #expect(try index.search(data[7], limit: 10).allSatisfy { $0.id != 7 })
    }

    @Test("filtered recall stays at least 0.95 from 0.1 % to 100 % of the points",
          arguments: [0.001, 0.01, 0.1, 1.0])
    func filteredRecall(fraction: Double) throws {
        let n = 3_000
        let (index, data) = try makeIndex(count: n, dim: 16, metric: .dot)
        var rng = TestRNG(seed: 17)
        var allow = AllowList(capacity: n)
        let wanted = max(1, Int(Double(n) * fraction))
        while allow.count < wanted { allow.insert(UInt32(rng.next() % UInt64(n))) }
        let queries = nearbyQueries(data, count: 30, seed: 23)
        let approx = try queries.map { try index.search($0, limit: 10, filter: allow) }
        let exact = try queries.map { try index.exactSearch($0, limit: 10, filter: allow) }
        for hits in approx {
            #expect(hits.allSatisfy { allow.allows($0.id) })
            #expect(hits.count == min(10, wanted))
        }
        #expect(recall(approx, exact) >= 0.95)
    }

    @Test("the filtered graph walk (no exact fallback) keeps recall on a 20 % filter")
    func filteredGraphWalk() throws {
        let n = 3_000
        let config = HNSWConfiguration(efConstruct: 64, fullScanThreshold: 0, exactCostFactor: 0)
        let (index, _) = try makeIndex(count: n, dim: 16, metric: .euclid, configuration: config)
        let allow = AllowList(capacity: n, ids: (0..<UInt32(n)).filter { $0 % 5 == 0 })
        let queries = clusteredVectors(count: 30, dim: 16, seed: 29)
        let approx = try queries.map { try index.search($0, limit: 10, ef: 64, filter: allow) }
        let exact = try queries.map { try index.exactSearch($0, limit: 10, filter: allow) }
        for hits in approx { #expect(hits.allSatisfy { allow.allows($0.id) }) }
        #expect(recall(approx, exact) >= 0.95)
    }

    @Test("batched exact search (sgemm) matches the single-query scan", arguments: DistanceMetric.allCases)
    func batchedExact(metric: DistanceMetric) throws {
        let (index, _) = try makeIndex(count: 700, dim: 20, metric: metric)
        index.remove(id: 3)
        let queries = clusteredVectors(count: 12, dim: 20, seed: 31)
        let allow = AllowList(capacity: 700, ids: (0..<UInt32(700)).filter { $0 % 2 == 1 })
        let batch = try index.exactSearch(batch: queries, limit: 5, filter: allow)
        for (q, hits) in zip(queries, batch) {
            let single = try index.exactSearch(q, limit: 5, filter: allow)
            #expect(hits.map(\.id) == single.map(\.id))
            for (a, b) in zip(hits, single) { #expect(abs(a.score - b.score) <= 1e-3 * max(1, abs(b.score))) }
        }
    }

    @Test("a snapshot restores the same index without rebuilding")
    func snapshotRoundTrip() throws {
        let (index, _) = try makeIndex(count: 800, dim: 12, metric: .cosine)
        index.remove(id: 5)
        let snapshot = index.snapshot()
        #expect(snapshot.inconsistency == nil)
        let restored = try HNSWIndex(restoring: snapshot)
        #expect(restored.count == index.count)
        #expect(restored.snapshot() == snapshot)
        let queries = clusteredVectors(count: 20, dim: 12, seed: 41)
        for q in queries { #expect(try restored.search(q, limit: 10) == index.search(q, limit: 10)) }
        var broken = snapshot
        broken.vectors.removeLast()
        #expect(throws: HNSWSnapshotError.self) { try HNSWIndex.restore(broken) }
        // A restored index keeps taking inserts.
        try restored.insert(id: 800, vector: [Float](repeating: 1, count: 12))
        #expect(restored.contains(id: 800))
    }

    @Test("int8 quantization walks with codes and rescoring returns exact f32 scores")
    func int8Rescoring() throws {
        let config = HNSWConfiguration(efConstruct: 64, quantization: .int8Default)
        let (index, _) = try makeIndex(count: 2_000, dim: 32, metric: .cosine, configuration: config)
        let queries = clusteredVectors(count: 40, dim: 32, seed: 43)
        let approx = try queries.map { try index.search($0, limit: 10, ef: 64) }
        let exact = try queries.map { try index.exactSearch($0, limit: 10) }
        #expect(recall(approx, exact) >= 0.9)
        for (q, hits) in zip(queries, approx) {
            let norm = q.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for hit in hits {
                let stored = index.vector(id: hit.id)!
                let f32 = zip(stored, q).reduce(Float(0)) { $0 + $1.0 * $1.1 } / norm
                #expect(abs(hit.score - f32) < 1e-4)
            }
        }
        let snapshot = index.snapshot()
        #expect(snapshot.quantizerRange.count == 2)
        let restored = try HNSWIndex(restoring: snapshot)
        #expect(try restored.search(queries[0], limit: 10) == index.search(queries[0], limit: 10))
    }

    @Test("bad input throws a typed error and changes nothing")
    func badInput() throws {
        let index = try HNSWIndex(dimension: 3, metric: .cosine)
        try index.insert(id: 1, vector: [1, 2, 3])
        #expect(throws: VectorError.wrongDimension(expected: 3, actual: 2)) { try index.insert(id: 2, vector: [1, 2]) }
        #expect(throws: VectorError.nonFinite(index: 1)) { try index.insert(id: 1, vector: [1, .nan, 3]) }
        #expect(throws: VectorError.nonFinite(index: 2)) { try index.insert(id: 1, vector: [1, 2, .infinity]) }
        #expect(throws: VectorError.zeroVector) { try index.insert(id: 1, vector: [0, 0, 0]) }
        #expect(throws: VectorError.zeroVector) { try index.search([0, 0, 0], limit: 3) }
        #expect(throws: VectorError.invalidLimit(0)) { try index.search([1, 0, 0], limit: 0) }
        #expect(throws: VectorError.wrongDimension(expected: 3, actual: 2)) {
            try index.insert(batch: [(5, [1, 1, 1]), (6, [1, 1])], threads: 2)
        }
        #expect(index.count == 1)
        #expect(!index.contains(id: 5))
        let stored = try #require(index.vector(id: 1))
        #expect(abs(stored[2] - Float(3) / Float(14).squareRoot()) < 1e-6)
        let empty = try HNSWIndex(dimension: 3, metric: .dot)
        #expect(try empty.search([1, 2, 3], limit: 5).isEmpty)
    }
}

/// A flag the test thread sets and a searcher thread polls, with a semaphore for the join.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private let finished = DispatchSemaphore(value: 0)
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
    func searcherFinished() { finished.signal() }
    func waitForSearcher() { finished.wait() }
}
