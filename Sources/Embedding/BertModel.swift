import CEmbeddingKernels
import Foundation

/// The keys of a BERT `config.json` that the encoder uses.
struct BertConfig: Decodable, Sendable {
    var hiddenSize: Int
    var numAttentionHeads: Int
    var numHiddenLayers: Int
    var intermediateSize: Int
    var layerNormEps: Float
    var maxPositionEmbeddings: Int
    var vocabSize: Int
    var typeVocabSize: Int
    var hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case numAttentionHeads = "num_attention_heads"
        case numHiddenLayers = "num_hidden_layers"
        case intermediateSize = "intermediate_size"
        case layerNormEps = "layer_norm_eps"
        case maxPositionEmbeddings = "max_position_embeddings"
        case vocabSize = "vocab_size"
        case typeVocabSize = "type_vocab_size"
        case hiddenAct = "hidden_act"
    }

    var headSize: Int { hiddenSize / numAttentionHeads }
}

/// A dense layer's weight matrix: PyTorch's `[outputs, inputs]`, row-major f32 (so `y = x · Wᵀ + b`
/// is `sgemm(NoTrans, Trans)`), and optionally the same matrix rounded to IEEE fp16 (nearest even)
/// and packed as panels (`cembedding_pack_f16_panels`) for the few-rows product of short queries.
///
/// Invariant: `values.count == outputs * inputs`; `halfPanels`, when present, holds
/// `cembedding_f16_panels_count(outputs, inputs)` values converted from exactly `values`.
struct DenseWeight: Sendable {
    let outputs: Int
    let inputs: Int
    let values: [Float]
    /// nil when fp16 is disabled or a value is beyond fp16's range (±65504), which would become ±inf.
    let halfPanels: [UInt16]?

    /// fp16's largest finite value; larger magnitudes round to infinity.
    static let halfMaximum: Float = 65504

    init(values: [Float], outputs: Int, inputs: Int, halfPrecision: Bool) {
        precondition(values.count == outputs * inputs, "a [\(outputs), \(inputs)] weight needs \(outputs * inputs) values")
        self.outputs = outputs
        self.inputs = inputs
        self.values = values
        let fits = values.allSatisfy { abs($0) <= Self.halfMaximum }
        halfPanels = halfPrecision && fits ? Self.packHalfPanels(values, outputs: outputs, inputs: inputs) : nil
    }

    /// The fp16 panel copy of `values` (done once at model load).
    private static func packHalfPanels(_ values: [Float], outputs: Int, inputs: Int) -> [UInt16] {
        let count = cembedding_f16_panels_count(Int32(outputs), Int32(inputs))
        return [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            values.withUnsafeBufferPointer { w in
                cembedding_pack_f16_panels(Int32(outputs), Int32(inputs), w.baseAddress!, Int32(inputs), buffer.baseAddress!)
            }
            initialized = count
        }
    }
}

/// One transformer layer's weights. Query, key and value are fused into one `[3H, H]` matrix.
struct BertLayerWeights: Sendable {
    var qkvWeight: DenseWeight
    var qkvBias: [Float]
    var attentionOutputWeight: DenseWeight
    var attentionOutputBias: [Float]
    var attentionNormWeight: [Float]
    var attentionNormBias: [Float]
    var intermediateWeight: DenseWeight
    var intermediateBias: [Float]
    var outputWeight: DenseWeight
    var outputBias: [Float]
    var outputNormWeight: [Float]
    var outputNormBias: [Float]
}

/// The weights of a BERT encoder (embeddings + layers), read from safetensors.
struct BertWeights: Sendable {
    var wordEmbeddings: [Float]
    var positionEmbeddings: [Float]
    var tokenTypeEmbeddings: [Float]
    var embeddingNormWeight: [Float]
    var embeddingNormBias: [Float]
    var layers: [BertLayerWeights]

    /// Reads the weights; with `halfPrecision`, each dense layer also gets its fp16 panel copy.
    init(file: SafeTensorsFile, config: BertConfig, halfPrecision: Bool = true) throws {
        let h = config.hiddenSize, i = config.intermediateSize
        // Some exports prefix every name with "bert." — accept both.
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil ? "bert." : ""
        func load(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(prefix + name, shape: shape) }
        func dense(_ values: [Float], _ outputs: Int, _ inputs: Int) -> DenseWeight {
            DenseWeight(values: values, outputs: outputs, inputs: inputs, halfPrecision: halfPrecision)
        }
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [config.vocabSize, h])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try load("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])
        embeddingNormWeight = try load("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [h])
        layers = try (0..<config.numHiddenLayers).map { index in
            let p = "encoder.layer.\(index)."
            return BertLayerWeights(
                qkvWeight: dense(try load(p + "attention.self.query.weight", [h, h])
                    + load(p + "attention.self.key.weight", [h, h])
                    + load(p + "attention.self.value.weight", [h, h]), 3 * h, h),
                qkvBias: try load(p + "attention.self.query.bias", [h])
                    + load(p + "attention.self.key.bias", [h])
                    + load(p + "attention.self.value.bias", [h]),
                attentionOutputWeight: dense(try load(p + "attention.output.dense.weight", [h, h]), h, h),
                attentionOutputBias: try load(p + "attention.output.dense.bias", [h]),
                attentionNormWeight: try load(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [h]),
                intermediateWeight: dense(try load(p + "intermediate.dense.weight", [i, h]), i, h),
                intermediateBias: try load(p + "intermediate.dense.bias", [i]),
                outputWeight: dense(try load(p + "output.dense.weight", [h, i]), h, i),
                outputBias: try load(p + "output.dense.bias", [h]),
                outputNormWeight: try load(p + "output.LayerNorm.weight", [h]),
                outputNormBias: try load(p + "output.LayerNorm.bias", [h])
            )
        }
    }
}
