@testable import Embedding
import Foundation
import Testing

/// Fidelity against sentence-transformers on PyTorch (Fixtures/minilm_reference.jsonl).
@Suite struct MiniLMReferenceTests {
    @Test func fixtureCoversTheHardCases() {
        let categories = Set(TestSupport.references.map(\.category))
        #expect(TestSupport.references.count == 32)
        for category in ["empty", "accents", "unicode", "punctuation", "truncation", "code", "oov"] {
            #expect(categories.contains(category), "fixture lacks \(category)")
        }
    }

    @Test func tokenIDsMatchTheReferenceForEveryText() throws {
        let tokenizer = try TestSupport.tokenizer()
        for reference in TestSupport.references {
            let ids = tokenizer.encode(reference.text)
            #expect(ids == reference.input_ids, "text \(reference.id) (\(reference.category)): \(reference.text.debugDescription)")
        }
    }

    // The model tests are async and embed through `embed` (a dispatch queue), so they do not hold the
    // cooperative threads that every other test of the process needs.
    @Test func embeddingsMatchTheReferenceForEveryText() async throws {
        let model = try TestSupport.loadModel()
        let references = TestSupport.references
        let vectors = try await model.embed(references.map(\.text))
        #expect(vectors.count == references.count)
        for (reference, vector) in zip(references, vectors) {
            #expect(vector.count == 384)
            let cosine = TestSupport.cosine(vector, reference.embedding)
            let maxAbs = TestSupport.maxAbsDifference(vector, reference.embedding)
            #expect(cosine >= 0.9999, "text \(reference.id) (\(reference.category)): cosine \(cosine)")
            #expect(maxAbs <= 5e-5, "text \(reference.id) (\(reference.category)): max abs difference \(maxAbs)")
        }
    }

    @Test func batchingAndThreadsDoNotChangeResults() async throws {
        // With f32 weights everywhere: short texts alone run the packing-free f32 kernel; together they
        // run sgemm. (fp16 weights change short passes by up to ~2e-4: HalfPrecisionModelTests.)
        let model = try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory,
                                       configuration: .init(threads: 2, batchSize: 8, halfPrecisionWeights: false))
        let references = Array(TestSupport.references.prefix(12))
        let together = try await model.embed(references.map(\.text))
        let single = try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory,
                                        configuration: .init(threads: 1, batchSize: 1, halfPrecisionWeights: false))
        for (reference, vector) in zip(references, together) {
            let alone = try await single.embed([reference.text])[0]
            #expect(TestSupport.maxAbsDifference(alone, vector) < 1e-5)
            #expect(TestSupport.cosine(alone, reference.embedding) >= 0.9999)
        }
    }

    @Test func asyncEmbedMatchesSyncAndKeepsOrder() async throws {
        let model = try TestSupport.loadModel()
        let texts = ["hello world", "", "a much longer sentence about linear algebra and vectors", "hello world"]
        let viaAsync = try await model.embed(texts)
        let viaSync = try model.embedSync(texts)
        #expect(viaAsync == viaSync)
        #expect(viaAsync[0] == viaAsync[3])
        #expect(try await model.embed([]).isEmpty)
    }

    @Test func hugeTextIsTruncatedToTheModelLength() async throws {
        let model = try TestSupport.loadModel()
        let megabyte = String(repeating: "lorem ipsum dolor sit amet ", count: 40_000)
        let ids = model.tokenizer.encode(megabyte)
        #expect(ids.count == 256)
        let prefix = String(megabyte.prefix(4000))
        let vectors = try await model.embed([megabyte, prefix])
        #expect(TestSupport.maxAbsDifference(vectors[0], vectors[1]) < 1e-6)
    }

    @Test func missingModelFilesNameTheSetupCommand() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            try MiniLMEmbedder(modelDirectory: directory.path)
        } throws: { error in
            guard case let EmbeddingError.modelFilesMissing(_, missing) = error else { return false }
            let message = "\(error)"
            return missing.count == 3 && message.contains("make setup") && message.contains("scripts/fetch-model.sh")
        }
    }

    @Test func corruptSafetensorsIsAnInvalidModel() throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = URL(fileURLWithPath: TestSupport.modelDirectory)
        for name in ["vocab.txt", "config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        var bogus = Data()
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { bogus.append(contentsOf: $0) }
        bogus.append(contentsOf: Array("{}".utf8))
        try bogus.write(to: directory.appendingPathComponent("model.safetensors"))
        #expect {
            try MiniLMEmbedder(modelDirectory: directory.path)
        } throws: { error in
            if case EmbeddingError.invalidModel = error { return true }
            return false
        }
    }

    @Test func invalidConfigurationIsRejected() {
        #expect(throws: EmbeddingError.self) {
            try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory, configuration: .init(threads: 0))
        }
        #expect(throws: EmbeddingError.self) {
            try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory, configuration: .init(maxLength: 1000))
        }
    }

    @Test func batchesRespectTextAndTokenLimits() {
        let lengths = [300, 200, 100, 100, 50, 10, 10, 10]
        let batches = MiniLMEmbedder.batches(lengths, maxTexts: 3, maxTokens: 250)
        #expect(batches == [0..<1, 1..<2, 2..<5, 5..<8])
        #expect(MiniLMEmbedder.batches([], maxTexts: 3, maxTokens: 10).isEmpty)
    }

    @Test func batchesComeInWholeRoundsForTheWorkers() {
        // The report.pdf shape: 52 texts of 44...256 tokens, longest first. Greedy packing made 3 batches.
        let lengths = Array(repeating: 256, count: 18) + Array(repeating: 225, count: 30) + [200, 137, 90, 46]
        #expect(MiniLMEmbedder.batches(lengths, maxTexts: 32, maxTokens: 4096).count == 3)
        for workers in [2, 3, 4] {
            let batches = MiniLMEmbedder.batches(lengths, maxTexts: 32, maxTokens: 4096, workers: workers)
            #expect(batches.count % workers == 0, "workers \(workers): \(batches)")
            #expect(batches.first?.lowerBound == 0 && batches.last?.upperBound == lengths.count)
            #expect(zip(batches, batches.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            let tokens = batches.map { lengths[$0].reduce(0, +) }
            #expect(tokens.allSatisfy { $0 <= 4096 })
            // Equal shares up to one text.
            #expect(tokens.max()! - tokens.min()! <= 256 + 225, "workers \(workers): \(tokens)")
        }
        // The limits still hold inside a share, and one long text is a batch of its own.
        let tight = MiniLMEmbedder.batches([300, 200, 100, 100, 50, 10, 10, 10], maxTexts: 3, maxTokens: 250, workers: 2)
        #expect(tight.allSatisfy { $0.count <= 3 })
        #expect(tight.first == 0..<1)
        #expect(tight.dropFirst().allSatisfy { [300, 200, 100, 100, 50, 10, 10, 10][$0].reduce(0, +) <= 250 })
        #expect(MiniLMEmbedder.batches([], maxTexts: 3, maxTokens: 10, workers: 2).isEmpty)
    }
}
