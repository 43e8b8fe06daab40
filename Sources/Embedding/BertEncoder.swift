import CBLAS
import CEmbeddingKernels
import Foundation

/// Scratch memory for one forward pass; grows to the largest batch seen and is then reused.
/// Not thread-safe: one workspace is used by one thread at a time (`MiniLMEmbedder` pools them).
final class BertWorkspace: @unchecked Sendable {
    private(set) var hidden = Buffer()
    private(set) var qkv = Buffer()
    private(set) var context = Buffer()
    private(set) var intermediate = Buffer()
    private(set) var scores = Buffer()

    /// A growable, uninitialised float buffer.
    struct Buffer {
        private(set) var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 8)
        private(set) var capacity = 8
        mutating func reserve(_ count: Int) {
            guard count > capacity else { return }
            pointer.deallocate()
            capacity = max(count, capacity * 3 / 2)
            pointer = .allocate(capacity: capacity)
        }
        func free() { pointer.deallocate() }
    }

    func reserve(tokens: Int, longest: Int, config: BertConfig) {
        hidden.reserve(tokens * config.hiddenSize)
        qkv.reserve(tokens * 3 * config.hiddenSize)
        context.reserve(tokens * config.hiddenSize)
        intermediate.reserve(tokens * config.intermediateSize)
        scores.reserve(longest * longest)
    }

    deinit {
        hidden.free(); qkv.free(); context.free(); intermediate.free(); scores.free()
    }
}

/// The BERT encoder with mean pooling and L2 normalisation (sentence-transformers' pipeline for
/// all-MiniLM-L6-v2).
///
/// A batch is *packed*: the tokens of all its sequences lie back to back (no padding rows), so every
/// dense layer is one `sgemm` over all tokens of the batch, and attention runs per sequence and head
/// over exactly that sequence's tokens. This computes what a padded batch with an attention mask
/// computes (masked keys get weight exactly 0 there), without the padding work.
final class BertEncoder: Sendable {
    let config: BertConfig
    let weights: BertWeights

    init(config: BertConfig, weights: BertWeights) {
        self.config = config
        self.weights = weights
    }

    /// Embeds `sequences` (token ids with `[CLS]`/`[SEP]`, each 1...maxPositionEmbeddings long, every
    /// id < vocabSize) and writes one L2-normalised `hiddenSize` vector per sequence, in order, to `output`.
    func encode(_ sequences: [ArraySlice<Int32>], into output: UnsafeMutablePointer<Float>, workspace: BertWorkspace) {
        let h = config.hiddenSize
        let tokens = sequences.reduce(0) { $0 + $1.count }
        let longest = sequences.reduce(0) { max($0, $1.count) }
        guard tokens > 0 else { return }
        workspace.reserve(tokens: tokens, longest: longest, config: config)
        let hidden = workspace.hidden.pointer

        embed(sequences, into: hidden)
        for layer in weights.layers {
            attentionBlock(layer, sequences: sequences, tokens: tokens, workspace: workspace)
            feedForwardBlock(layer, tokens: tokens, workspace: workspace)
        }

        // Mean pooling over each sequence's tokens, then L2 normalisation.
        var offset = 0
        for (index, sequence) in sequences.enumerated() {
            let out = output + index * h
            out.update(repeating: 0, count: h)
            for t in offset..<(offset + sequence.count) {
                let row = hidden + t * h
                for j in 0..<h { out[j] += row[j] }
            }
            let count = Float(max(sequence.count, 1))
            var norm: Float = 0
            for j in 0..<h {
                out[j] /= count
                norm += out[j] * out[j]
            }
            let scale = 1 / max(norm.squareRoot(), 1e-12)
            for j in 0..<h { out[j] *= scale }
            offset += sequence.count
        }
    }

    /// Word + position + token-type(0) embeddings, then LayerNorm.
    private func embed(_ sequences: [ArraySlice<Int32>], into hidden: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize
        weights.wordEmbeddings.withUnsafeBufferPointer { words in
        weights.positionEmbeddings.withUnsafeBufferPointer { positions in
        weights.tokenTypeEmbeddings.withUnsafeBufferPointer { types in
        weights.embeddingNormWeight.withUnsafeBufferPointer { gamma in
        weights.embeddingNormBias.withUnsafeBufferPointer { beta in
            var t = 0
            for sequence in sequences {
                for (position, id) in sequence.enumerated() {
                    let row = hidden + t * h
                    let word = words.baseAddress! + Int(id) * h
                    let pos = positions.baseAddress! + position * h
                    for j in 0..<h { row[j] = word[j] + pos[j] + types[j] }
                    Kernels.layerNorm(row, adding: nil, weight: gamma.baseAddress!, bias: beta.baseAddress!,
                                      count: h, eps: config.layerNormEps)
                    t += 1
                }
            }
        }}}}}
    }

    /// `hidden ← LayerNorm(hidden + SelfAttention(hidden) · Woᵀ + bo)`.
    private func attentionBlock(_ layer: BertLayerWeights, sequences: [ArraySlice<Int32>], tokens: Int, workspace: BertWorkspace) {
        let h = config.hiddenSize, h3 = 3 * h, d = config.headSize
        let hidden = workspace.hidden.pointer, qkv = workspace.qkv.pointer
        let context = workspace.context.pointer, scores = workspace.scores.pointer
        let scale = 1 / Float(d).squareRoot()

        // Q | K | V for all tokens in one product: qkv[T, 3H] = hidden[T, H] · Wqkvᵀ + bqkv.
        layer.qkvBias.withUnsafeBufferPointer { Kernels.broadcastRows($0.baseAddress!, count: h3, into: qkv, rows: tokens) }
        Self.accumulateLinear(hidden, rows: tokens, weight: layer.qkvWeight, into: qkv)

        // Per sequence and head: softmax(Q Kᵀ / √d) V into the head's columns of `context`.
        var offset = 0
        for sequence in sequences {
            let length = Int32(sequence.count)
            for head in 0..<config.numAttentionHeads {
                let q = qkv + offset * h3 + head * d
                let k = q + h
                let v = q + 2 * h
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, length, length, Int32(d),
                            scale, q, Int32(h3), k, Int32(h3), 0, scores, length)
                Kernels.softmax(scores, rows: Int(length), count: Int(length))
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, length, Int32(d), length,
                            1, scores, length, v, Int32(h3), 0, context + offset * h + head * d, Int32(h))
            }
            offset += sequence.count
        }

        // Output projection added onto the residual already in `hidden`, then bias + LayerNorm.
        Self.accumulateLinear(context, rows: tokens, weight: layer.attentionOutputWeight, into: hidden)
        normalizeRows(hidden, tokens: tokens, bias: layer.attentionOutputBias,
                      gamma: layer.attentionNormWeight, beta: layer.attentionNormBias)
    }

    /// `hidden ← LayerNorm(hidden + GELU(hidden · Wiᵀ + bi) · Woᵀ + bo)`.
    private func feedForwardBlock(_ layer: BertLayerWeights, tokens: Int, workspace: BertWorkspace) {
        let inner = config.intermediateSize
        let hidden = workspace.hidden.pointer, intermediate = workspace.intermediate.pointer
        layer.intermediateBias.withUnsafeBufferPointer {
            Kernels.broadcastRows($0.baseAddress!, count: inner, into: intermediate, rows: tokens)
        }
        Self.accumulateLinear(hidden, rows: tokens, weight: layer.intermediateWeight, into: intermediate)
        Kernels.gelu(intermediate, count: tokens * inner)
        Self.accumulateLinear(intermediate, rows: tokens, weight: layer.outputWeight, into: hidden)
        normalizeRows(hidden, tokens: tokens, bias: layer.outputBias,
                      gamma: layer.outputNormWeight, beta: layer.outputNormBias)
    }

    /// Up to this many rows (tokens in a batch), `accumulateLinear` uses a packing-free kernel (fp16
    /// panels when the weight has them); above it, OpenBLAS `sgemm` over the f32 weights (whose
    /// per-call packing of W is amortised over many rows), so batch throughput and results are f32.
    static let skinnyRowLimit = 24

    /// `output[rows, weight.outputs] += input[rows, weight.inputs] · weightᵀ`.
    ///
    /// Few rows with fp16 panels: the weights are read as fp16 (half the bytes: the six layers then fit
    /// the L3 cache) and widened exactly to f32, so only the weights' rounding to fp16 differs from f32.
    static func accumulateLinear(_ input: UnsafePointer<Float>, rows: Int, weight: DenseWeight,
                                 into output: UnsafeMutablePointer<Float>) {
        let n = Int32(weight.outputs), k = Int32(weight.inputs)
        if rows <= skinnyRowLimit, let half = weight.halfPanels {
            half.withUnsafeBufferPointer { w in
                cembedding_gemm_f16_accumulate(Int32(rows), n, k, input, k, w.baseAddress!, output, n)
            }
            return
        }
        weight.values.withUnsafeBufferPointer { w in
            if rows <= skinnyRowLimit {
                cembedding_gemm_nt_accumulate(Int32(rows), n, k, input, k, w.baseAddress!, k, output, n)
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), n, k,
                            1, input, k, w.baseAddress!, k, 1, output, n)
            }
        }
    }

    private func normalizeRows(_ hidden: UnsafeMutablePointer<Float>, tokens: Int, bias: [Float], gamma: [Float], beta: [Float]) {
        let h = config.hiddenSize, eps = config.layerNormEps
        bias.withUnsafeBufferPointer { b in
        gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { be in
            for t in 0..<tokens {
                Kernels.layerNorm(hidden + t * h, adding: b.baseAddress!, weight: g.baseAddress!,
                                  bias: be.baseAddress!, count: h, eps: eps)
            }
        }}}
    }
}
