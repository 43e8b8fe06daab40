import CBLAS
import Dispatch
import Foundation
import Metrics
import Synchronization

/// all-MiniLM-L6-v2 (or any BERT encoder with the same file layout) run natively on OpenBLAS.
///
/// Texts are tokenized (`WordPieceTokenizer`), sorted by length, cut into batches of
/// `batchSize` texts, and each batch runs as one packed forward pass (`BertEncoder`). With
/// `threads > 1`, that many workers take batches concurrently, each on its own workspace, with
/// OpenBLAS itself single-threaded (set process-wide at init: parallelism comes from the workers).
///
/// The async `embed` runs on a dedicated dispatch queue and resumes the caller when done, so a
/// request handler never blocks its event loop or the cooperative pool.
public final class MiniLMEmbedder: Embedder {
    /// Options of the native embedder.
    public struct Configuration: Sendable {
        /// `threads` (Int, default 1): workers that run batches concurrently (1...256).
        public var threads: Int = 1
        /// `batchSize` (Int, default 32): texts per forward pass (1...4096).
        public var batchSize: Int = 32
        /// `maxBatchTokens` (Int, default 4096): a batch also ends before its tokens exceed this
        /// (a batch of one longer text is allowed); bounds each workspace to ~4096 × 13.5 KB.
        public var maxBatchTokens: Int = 4096
        /// `retainedWorkspaces` (Int, default 4): scratch workspaces kept for reuse between calls.
        public var retainedWorkspaces: Int = 4
        /// `maxLength` (Int?, default nil = `max_seq_length` of sentence_bert_config.json, else 256):
        /// token ids per text including `[CLS]`/`[SEP]`; longer texts are truncated.
        public var maxLength: Int?
        /// `modelName` (String, default `sentence-transformers/all-MiniLM-L6-v2`): the name reported to clients.
        public var modelName: String = MiniLMEmbedder.defaultModelName
        /// `halfPrecisionWeights` (Bool, default true): keep an fp16 copy of the dense layers' weights
        /// (+~21 MB for MiniLM) for forward passes of at most `BertEncoder.skinnyRowLimit` tokens
        /// (one short query): they then read half the bytes (the weights fit the L3 cache), ~2.5× faster
        /// on Zen 4 (6.4 → 2.6 ms p50), with cosine ≥ 0.99999 to the f32 result (components within
        /// ~2e-4). Larger batches always use the f32 weights. false: f32 everywhere.
        public var halfPrecisionWeights: Bool = true

        public init(threads: Int = 1, batchSize: Int = 32, maxBatchTokens: Int = 4096, maxLength: Int? = nil,
                    retainedWorkspaces: Int = 4, modelName: String = MiniLMEmbedder.defaultModelName,
                    halfPrecisionWeights: Bool = true) {
            self.threads = threads
            self.batchSize = batchSize
            self.maxBatchTokens = maxBatchTokens
            self.retainedWorkspaces = retainedWorkspaces
            self.maxLength = maxLength
            self.modelName = modelName
            self.halfPrecisionWeights = halfPrecisionWeights
        }
    }

    public static let defaultModelName = "sentence-transformers/all-MiniLM-L6-v2"
    /// The files a model directory must hold.
    public static let requiredFiles = ["model.safetensors", "vocab.txt", "config.json"]

    public let modelName: String
    public var dimension: Int { encoder.config.hiddenSize }
    public let tokenizer: WordPieceTokenizer
    public let configuration: Configuration
    /// Token ids per text, `[CLS]`/`[SEP]` included.
    public let maxLength: Int

    private let encoder: BertEncoder
    private let workspaces = Mutex<[BertWorkspace]>([])
    private let queue = DispatchQueue(label: "campus.embedding.minilm", qos: .userInitiated, attributes: .concurrent)
    private let tokenizeTimer = EmbeddingMetrics.stage("tokenize")
    private let forwardTimer = EmbeddingMetrics.stage("forward")
    private let textsCounter: Counter

    /// Loads the model from `modelDirectory` (model.safetensors, vocab.txt, config.json).
    public convenience init(modelDirectory: String, threads: Int = 1) throws {
        try self.init(modelDirectory: modelDirectory, configuration: Configuration(threads: threads))
    }

    public init(modelDirectory: String, configuration: Configuration) throws {
        guard (1...256).contains(configuration.threads) else {
            throw EmbeddingError.invalidConfiguration("threads must be 1...256, got \(configuration.threads)")
        }
        guard (1...4096).contains(configuration.batchSize) else {
            throw EmbeddingError.invalidConfiguration("batchSize must be 1...4096, got \(configuration.batchSize)")
        }
        guard configuration.maxBatchTokens >= 1, configuration.retainedWorkspaces >= 0 else {
            throw EmbeddingError.invalidConfiguration("maxBatchTokens must be ≥ 1 and retainedWorkspaces ≥ 0")
        }
        let directory = URL(fileURLWithPath: modelDirectory)
        let missing = Self.requiredFiles.filter {
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        guard missing.isEmpty else { throw EmbeddingError.modelFilesMissing(directory: modelDirectory, missing: missing) }

        let config: BertConfig
        do {
            config = try JSONDecoder().decode(BertConfig.self, from: Data(contentsOf: directory.appendingPathComponent("config.json")))
        } catch {
            throw EmbeddingError.invalidModel("\(directory.appendingPathComponent("config.json").path): \(error)")
        }
        guard config.hiddenAct == "gelu" else {
            throw EmbeddingError.invalidModel("hidden_act \(config.hiddenAct) is not supported (only gelu)")
        }
        guard config.hiddenSize % 8 == 0, config.hiddenSize % config.numAttentionHeads == 0 else {
            throw EmbeddingError.invalidModel("hidden_size \(config.hiddenSize) must be a multiple of 8 and of num_attention_heads")
        }
        let maxLength = configuration.maxLength ?? Self.sentenceBertMaxLength(directory) ?? 256
        guard (2...config.maxPositionEmbeddings).contains(maxLength) else {
            throw EmbeddingError.invalidConfiguration("maxLength must be 2...\(config.maxPositionEmbeddings), got \(maxLength)")
        }
        let tokenizer = try WordPieceTokenizer(vocabularyURL: directory.appendingPathComponent("vocab.txt"))
        guard tokenizer.vocabulary.count <= config.vocabSize,
              tokenizer.vocabulary.values.allSatisfy({ $0 < config.vocabSize }) else {
            throw EmbeddingError.invalidModel("vocab.txt has ids beyond vocab_size \(config.vocabSize)")
        }
        let file = try SafeTensorsFile(path: directory.appendingPathComponent("model.safetensors").path)
        let weights = try BertWeights(file: file, config: config, halfPrecision: configuration.halfPrecisionWeights)

        self.encoder = BertEncoder(config: config, weights: weights)
        self.tokenizer = tokenizer
        self.configuration = configuration
        self.maxLength = maxLength
        self.modelName = configuration.modelName
        self.textsCounter = EmbeddingMetrics.texts(model: configuration.modelName)
        // Our workers are the parallelism; OpenBLAS threads inside each sgemm would oversubscribe the cores.
        openblas_set_num_threads(1)
    }

    /// `max_seq_length` from sentence_bert_config.json, when the file is there.
    private static func sentenceBertMaxLength(_ directory: URL) -> Int? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("sentence_bert_config.json")),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (object["max_seq_length"] as? NSNumber)?.intValue
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if texts.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result(catching: { try self.embedSync(texts) }))
            }
        }
    }

    /// Embeds on the calling thread (plus `threads - 1` helpers); for tools and benchmarks.
    public func embedSync(_ texts: [String]) throws -> [[Float]] {
        let start = ContinuousClock.now
        let ids = texts.map { tokenizer.encode($0, maxLength: maxLength) }
        tokenizeTimer.record(since: start)
        return embedSync(tokenIDs: ids)
    }

    /// Embeds already tokenized texts (each from `tokenizer.encode`, so every id is in the vocabulary).
    public func embedSync(tokenIDs ids: [[Int32]]) -> [[Float]] {
        if ids.isEmpty { return [] }
        let start = ContinuousClock.now
        let h = dimension
        // Longest first: similar lengths share a batch and the largest workspace is made first.
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        let batches = Self.batches(order.map { ids[$0].count }, maxTexts: configuration.batchSize,
                                   maxTokens: configuration.maxBatchTokens, workers: configuration.threads)
        let batchCount = batches.count
        let output = OutputRows(base: .allocate(capacity: ids.count * h))
        defer { output.base.deallocate() }

        let runBatch: @Sendable (Int, BertWorkspace) -> Void = { batch, workspace in
            let members = order[batches[batch]]
            let sequences = members.map { ids[$0][...] }
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: members.count * h)
            defer { scratch.deallocate() }
            self.encoder.encode(sequences, into: scratch, workspace: workspace)
            for (row, index) in members.enumerated() {
                (output.base + index * h).update(from: scratch + row * h, count: h)
            }
        }

        let workers = min(configuration.threads, batchCount)
        if workers <= 1 {
            let workspace = takeWorkspace()
            for batch in 0..<batchCount { runBatch(batch, workspace) }
            returnWorkspace(workspace)
        } else {
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let workspace = takeWorkspace()
                while true {
                    let batch = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if batch >= batchCount { break }
                    runBatch(batch, workspace)
                }
                returnWorkspace(workspace)
            }
        }
        forwardTimer.record(since: start)
        textsCounter.increment(by: ids.count)
        return (0..<ids.count).map { Array(UnsafeBufferPointer(start: output.base + $0 * h, count: h)) }
    }

    /// Consecutive ranges of `lengths` with at most `maxTexts` entries and `maxTokens` tokens each
    /// (a single longer entry makes a batch of its own).
    ///
    /// With `workers > 1`, when greedy packing would leave the last round short (3 batches for 2 workers:
    /// one worker idles through the third), the texts are instead cut into whole rounds of `workers`
    /// shares of about equal tokens, each then packed within the limits, so the workers finish together.
    /// A call that fits one batch stays one batch.
    static func batches(_ lengths: [Int], maxTexts: Int, maxTokens: Int, workers: Int = 1) -> [Range<Int>] {
        let greedy = packed(lengths.indices, lengths, maxTexts: maxTexts, maxTokens: maxTokens)
        guard workers > 1, greedy.count > 1, greedy.count % workers != 0 else { return greedy }
        let shares = workers * ((greedy.count + workers - 1) / workers)
        let total = lengths.reduce(0, +)
        var result: [Range<Int>] = []
        var start = 0, before = 0, share = 0
        for (index, length) in lengths.enumerated() {
            // An entry belongs to the share its middle token falls in.
            let mine = min(shares - 1, (2 * before + length) * shares / (2 * max(total, 1)))
            if mine != share {
                result += packed(start..<index, lengths, maxTexts: maxTexts, maxTokens: maxTokens)
                start = index
                share = mine
            }
            before += length
        }
        result += packed(start..<lengths.count, lengths, maxTexts: maxTexts, maxTokens: maxTokens)
        return result
    }

    /// `range` of `lengths` packed greedily into batches within the two limits.
    private static func packed(_ range: Range<Int>, _ lengths: [Int], maxTexts: Int, maxTokens: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound, tokens = 0
        for index in range {
            if index > start, index - start >= maxTexts || tokens + lengths[index] > maxTokens {
                result.append(start..<index)
                start = index
                tokens = 0
            }
            tokens += lengths[index]
        }
        if start < range.upperBound { result.append(start..<range.upperBound) }
        return result
    }

    private func takeWorkspace() -> BertWorkspace {
        workspaces.withLock { $0.popLast() } ?? BertWorkspace()
    }

    private func returnWorkspace(_ workspace: BertWorkspace) {
        workspaces.withLock { pool in
            if pool.count < configuration.retainedWorkspaces { pool.append(workspace) }
        }
    }
}

/// The result matrix shared by the workers of one `embedSync` call; each worker writes only the rows
/// of its own batches, and the caller reads them after all workers finished.
private struct OutputRows: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}
