import Embedding
import Foundation

/// Paths and shared objects for the Embedding tests.
enum TestSupport {
    /// The package root, found from this file's path (Tests/EmbeddingTests/Support.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The model that `scripts/setup.sh` (or `bash scripts/fetch-model.sh`) unpacks.
    static let modelDirectory = packageRoot.appendingPathComponent("data/models/all-MiniLM-L6-v2").path

    /// One embedder for all tests (loading copies ~90 MB of weights).
    static let model: Result<MiniLMEmbedder, any Error> = Result(catching: {
        try MiniLMEmbedder(modelDirectory: modelDirectory, configuration: .init(threads: 2, batchSize: 8))
    })

    static func loadModel() throws -> MiniLMEmbedder { try model.get() }

    static func tokenizer() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabularyURL: URL(fileURLWithPath: modelDirectory).appendingPathComponent("vocab.txt"))
    }

    /// One line of Fixtures/minilm_reference.jsonl (sentence-transformers on PyTorch).
    struct Reference: Decodable, Sendable {
        var id: Int
        var category: String
        var text: String
        var input_ids: [Int32]
        var embedding: [Float]
    }

    static let references: [Reference] = {
        guard let url = Bundle.module.url(forResource: "Fixtures/minilm_reference", withExtension: "jsonl"),
              let data = try? Data(contentsOf: url)
        else { fatalError("Fixtures/minilm_reference.jsonl is missing from the test bundle") }
        return data.split(separator: UInt8(ascii: "\n")).map { line in
            try! JSONDecoder().decode(Reference.self, from: Data(line))
        }
    }()

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
