import Foundation
import Testing
@testable import Search

/// The encoder against vectors made in Python with the libraries fastembed's `Qdrant/bm25` uses
/// (mmh3, py_rust_stemmers), by `scripts/make_bm25_fixture.py`.
@Suite("Qdrant/bm25-compatible sparse vectors")
struct QdrantBM25EncoderTests {
    struct Vector: Decodable { var indices: [UInt32]; var values: [Double] }
    struct Case: Decodable { var text: String; var document: Vector; var query: Vector; var terms: [String] }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/qdrant_bm25.json")
        return (try? JSONDecoder().decode([Case].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test("MurmurHash3 x86_32 matches mmh3")
    func murmur() {
        #expect(QdrantBM25Encoder.murmur3(Array("".utf8), seed: 0) == 0)
        #expect(Int32(bitPattern: QdrantBM25Encoder.murmur3(Array("foo".utf8), seed: 0)) == -156_908_512)
        #expect(Int32(bitPattern: QdrantBM25Encoder.murmur3(Array("hello".utf8), seed: 0)) == 613_153_351)
    }

    @Test("terms, document and query vectors equal the reference", arguments: cases.indices)
    func reference(_ index: Int) throws {
        let reference = Self.cases[index]
        let encoder = QdrantBM25Encoder()
        #expect(encoder.terms(reference.text) == reference.terms, "\(reference.text)")
        let document = encoder.document(reference.text)
        #expect(document.indices == reference.document.indices)
        for (ours, theirs) in zip(document.values, reference.document.values) {
            #expect(abs(Double(ours) - theirs) <= 1e-6 * max(1, theirs))
        }
        let query = encoder.query(reference.text)
        #expect(query.indices == reference.query.indices)
        #expect(query.values.allSatisfy { $0 == 1 })
    }

    @Test("the fixture is present")
    func fixture() { #expect(Self.cases.count == 21) }
}
