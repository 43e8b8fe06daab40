import Dispatch
import Testing
@testable import Search

@Suite("Inverted indexes under concurrent use")
struct ConcurrencyTests {
    @Sendable static func document(_ id: Int) -> String {
        (0..<6).map { BM25IndexTests.words[(id * 7 + $0 * 3) % BM25IndexTests.words.count] }.joined(separator: " ")
    }

    @Sendable static func vector(_ id: Int) -> SparseVector {
        try! SparseVector(indices: [UInt32(id % 13), UInt32(13 + id % 7)], values: [Float(id % 5 + 1), 1])
    }

    @Test("searches run beside a writer without tearing; the final state equals a serial build")
    func readersBesideWriter() throws {
        let text = try BM25Index()
        let sparse = SparseIndex(modifier: .idf)
        let words = BM25IndexTests.words
        let document = Self.document, vector = Self.vector
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            if worker == 0 {
                for id in 0..<1_500 {
                    try? text.add(id: UInt32(id), text: document(id))
                    sparse.upsert(id: UInt32(id), vector: vector(id))
                    if id % 10 == 9 {
                        text.remove(id: UInt32(id - 5))
                        sparse.remove(id: UInt32(id - 5))
                    }
                }
            } else {
                for round in 0..<300 {
                    let hits = text.search(words[round % words.count], limit: 10)
                    #expect(hits.count <= 10)
                    #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
                    _ = sparse.search(try! SparseVector(indices: [UInt32(round % 13)], values: [1]), limit: 10)
                }
            }
        }
        let serialText = try BM25Index()
        let serialSparse = SparseIndex(modifier: .idf)
        for id in 0..<1_500 where !(id % 10 == 4) {
            try serialText.add(id: UInt32(id), text: document(id))
            serialSparse.upsert(id: UInt32(id), vector: vector(id))
        }
        #expect(text.count == serialText.count)
        #expect(sparse.count == serialSparse.count)
        for word in words { #expect(text.search(word, limit: 20) == serialText.search(word, limit: 20)) }
        for index in 0..<UInt32(20) {
            let query = try SparseVector(indices: [index], values: [1])
            #expect(sparse.search(query, limit: 20) == serialSparse.search(query, limit: 20))
        }
    }
}
