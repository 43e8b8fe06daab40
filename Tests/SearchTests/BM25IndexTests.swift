import Foundation
import Testing
@testable import Search

@Suite("BM25 index")
struct BM25IndexTests {
    static let words = ["apple", "banana", "cherry", "date", "elder", "fig", "grape", "honeydew", "kiwi", "lemon",
                        "mango", "nectarine", "olive", "papaya", "quince", "raspberry", "strawberry", "tomato"]

    static func randomText(_ random: inout SeededRandom, vocabulary: Int, length: ClosedRange<Int>) -> String {
        (0..<Int.random(in: length, using: &random))
            .map { _ in words[Int.random(in: 0..<vocabulary, using: &random)] }
            .joined(separator: " ")
    }

    /// Lucene BM25 in Float64, from the analysed documents (the independent re-scorer).
    static func reference(_ documents: [UInt32: [String]], query: [String], k1: Double, b: Double) -> [UInt32: Double] {
        let n = Double(documents.count)
        let average = Double(documents.values.reduce(0) { $0 + $1.count }) / n
        var df: [String: Int] = [:]
        for terms in documents.values { for term in Set(terms) { df[term, default: 0] += 1 } }
        var scores: [UInt32: Double] = [:]
        for (id, terms) in documents {
            var tf: [String: Int] = [:]
            for term in terms { tf[term, default: 0] += 1 }
            var score = 0.0, matched = false
            for term in query {
                guard let f = tf[term].map(Double.init), let d = df[term].map(Double.init) else { continue }
                matched = true
                let idf: Double = log(1 + (n - d + 0.5) / (d + 0.5))
                let lengthRatio: Double = Double(terms.count) / average
                let norm: Double = k1 * (1 - b + b * lengthRatio)
                score += idf * f / (f + norm)
            }
            if matched { scores[id] = score }
        }
        return scores
    }

    @Test("scores equal a Float64 Lucene re-scorer within 1e-5 relative", arguments: [(Float(1.2), Float(0.75)), (0.9, 0.4)])
    func matchesReference(k1: Float, b: Float) throws {
        var random = SeededRandom(seed: 3)
        let index = try BM25Index(k1: k1, b: b)
        var analysed: [UInt32: [String]] = [:]
        for id in 0..<UInt32(400) {
            let text = Self.randomText(&random, vocabulary: Self.words.count, length: 1...40)
            try index.add(id: id, text: text)
            analysed[id] = index.analyzer.terms(text)
        }
        for id in stride(from: UInt32(0), to: 400, by: 9) {
            index.remove(id: id)
            analysed[id] = nil
        }
        for _ in 0..<30 {
            let query = Self.randomText(&random, vocabulary: Self.words.count, length: 1...5)
            let expected = Self.reference(analysed, query: index.analyzer.terms(query), k1: Double(k1), b: Double(b))
            let hits = index.search(query, limit: 1_000)
            #expect(hits.count == expected.count)
            for hit in hits {
                let want = expected[hit.id]!
                #expect(abs(Double(hit.score) - want) <= 1e-5 * max(abs(want), 1e-12), "doc \(hit.id)")
            }
        }
    }

    @Test("pruned top-k equals exhaustive top-k on random corpora, ties included", arguments: [5, 6, 7])
    func prunedEqualsExhaustive(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let index = try BM25Index()
        let vocabulary = seed == 5 ? 4 : Self.words.count  // a tiny vocabulary makes many identical documents
        for id in 0..<UInt32(3_000) {
            try index.add(id: id, text: Self.randomText(&random, vocabulary: vocabulary, length: 1...12))
        }
        for _ in 0..<200 {
            let id = UInt32.random(in: 0..<3_000, using: &random)
            if Bool.random(using: &random) {
                index.remove(id: id)
            } else {
                try index.add(id: id, text: Self.randomText(&random, vocabulary: vocabulary, length: 1...12))
            }
        }
        var allow = AllowList(capacity: 3_000)
        for id in 0..<UInt32(3_000) where id % 3 != 0 { allow.insert(id) }
        for _ in 0..<50 {
            let query = Self.randomText(&random, vocabulary: vocabulary, length: 1...6)
            for limit in [1, 10, 50] {
                #expect(index.search(query, limit: limit, filter: NoFilter())
                    == index.searchExhaustive(query, limit: limit, filter: NoFilter()))
                #expect(index.search(query, limit: limit, filter: allow)
                    == index.searchExhaustive(query, limit: limit, filter: allow))
            }
        }
    }

    @Test("statistics stay exact under removal and overwrite: same results as a fresh build")
    func incrementalStatistics() throws {
        var random = SeededRandom(seed: 9)
        let index = try BM25Index()
        var texts: [UInt32: String] = [:]
        for id in 0..<UInt32(300) {
            let text = Self.randomText(&random, vocabulary: 10, length: 1...20)
            try index.add(id: id, text: text)
            texts[id] = text
        }
        for id in stride(from: UInt32(0), to: 300, by: 4) { index.remove(id: id); texts[id] = nil }
        for id in stride(from: UInt32(1), to: 300, by: 10) {
            let text = Self.randomText(&random, vocabulary: 10, length: 1...20)
            try index.add(id: id, text: text)
            texts[id] = text
        }
        let fresh = try BM25Index()
        for (id, text) in texts.sorted(by: { $0.key < $1.key }) { try fresh.add(id: id, text: text) }
        #expect(index.count == fresh.count)
        #expect(index.averageLength == fresh.averageLength)
        for _ in 0..<20 {
            let query = Self.randomText(&random, vocabulary: 10, length: 1...4)
            #expect(index.search(query, limit: 25) == fresh.search(query, limit: 25))
        }
        // Restoring from the stored per-document term frequencies needs no text.
        let restored = try BM25Index(documents: index.documents())
        let query = "apple banana cherry"
        #expect(restored.search(query, limit: 25) == index.search(query, limit: 25))
        #expect(restored.document(id: 1) == index.document(id: 1))
    }

    @Test("bad input is rejected and changes nothing")
    func badInput() throws {
        let index = try BM25Index()
        try index.add(id: 0, text: "running dogs")
        #expect(throws: TextIndexError.emptyText) { try index.add(id: 0, text: "  \n ") }
        #expect(throws: TextIndexError.emptyText) { try index.add(id: 1, text: "") }
        #expect(index.count == 1)
        #expect(index.search("dog", limit: 5).map(\.id) == [0])
        #expect(index.search("", limit: 5).isEmpty)
        #expect(index.search("the of", limit: 5).isEmpty)
        #expect(throws: TextIndexError.self) { try BM25Index(k1: -1) }
        #expect(throws: TextIndexError.self) { try BM25Index(b: 1.5) }
    }
}
