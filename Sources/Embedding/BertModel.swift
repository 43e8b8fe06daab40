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

/// One transformer layer's weights. Linear weights are PyTorch's `[out, in]`, row-major, so
/// `y = x · Wᵀ + b` is `sgemm(NoTrans, Trans)`. Query, key and value are fused into one `[3H, H]` matrix.
struct BertLayerWeights: Sendable {
    var qkvWeight: [Float]
    var qkvBias: [Float]
    var attentionOutputWeight: [Float]
    var attentionOutputBias: [Float]
    var attentionNormWeight: [Float]
    var attentionNormBias: [Float]
    var intermediateWeight: [Float]
    var intermediateBias: [Float]
    var outputWeight: [Float]
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

    init(file: SafeTensorsFile, config: BertConfig) throws {
        let h = config.hiddenSize, i = config.intermediateSize
        // Some exports prefix every name with "bert." — accept both.
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil ? "bert." : ""
        func load(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(prefix + name, shape: shape) }
        wordEmbeddings = try load("embeddings.word_embeddings.weight", [config.vocabSize, h])
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try load("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])
        embeddingNormWeight = try load("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [h])
        layers = try (0..<config.numHiddenLayers).map { index in
            let p = "encoder.layer.\(index)."
            return BertLayerWeights(
                qkvWeight: try load(p + "attention.self.query.weight", [h, h])
                    + load(p + "attention.self.key.weight", [h, h])
                    + load(p + "attention.self.value.weight", [h, h]),
                qkvBias: try load(p + "attention.self.query.bias", [h])
                    + load(p + "attention.self.key.bias", [h])
                    + load(p + "attention.self.value.bias", [h]),
                attentionOutputWeight: try load(p + "attention.output.dense.weight", [h, h]),
                attentionOutputBias: try load(p + "attention.output.dense.bias", [h]),
                attentionNormWeight: try load(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [h]),
                intermediateWeight: try load(p + "intermediate.dense.weight", [i, h]),
                intermediateBias: try load(p + "intermediate.dense.bias", [i]),
                outputWeight: try load(p + "output.dense.weight", [h, i]),
                outputBias: try load(p + "output.dense.bias", [h]),
                outputNormWeight: try load(p + "output.LayerNorm.weight", [h]),
                outputNormBias: try load(p + "output.LayerNorm.bias", [h])
            )
        }
    }
}
