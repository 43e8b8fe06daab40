/// Turns text into the sparse vectors fastembed's `Qdrant/bm25` model makes, so vectors built by a
/// client with fastembed and by the server agree term for term.
///
/// The pipeline, as fastembed runs it for English:
/// 1. every character that is neither a word character (Python `\w`) nor whitespace becomes a space;
/// 2. the text is lower-cased and split into maximal runs of word characters;
/// 3. NLTK's 179 English stop words and tokens longer than 40 characters are dropped;
/// 4. each token is stemmed with Snowball English as rust-stemmers implements it (`EnglishStemmer`, revision `.snowball2`);
/// 5. a term's index is `abs(murmur3_x86_32(term, seed 0))`, its UTF-8 bytes hashed as a signed 32-bit value.
///
/// Documents get BM25's saturated term frequency, `tf·(k+1) / (tf + k·(1 − b + b·len/avgLen))` with
/// `len` the number of kept terms; queries get weight 1 per distinct term. The collection's `idf`
/// modifier supplies the IDF part at query time.
///
/// - `k` (Float, default 1.2), `b` (Float, default 0.75), `averageLength` (Float, default 256),
///   `maxTokenLength` (Int, default 40): fastembed's defaults.
public struct QdrantBM25Encoder: Sendable {
    public var k: Float = 1.2
    public var b: Float = 0.75
    public var averageLength: Float = 256
    public var maxTokenLength: Int = 40

    public init() {}

    /// The model names this encoder answers to (compared case-insensitively).
    public static let modelNames: Set<String> = ["qdrant/bm25"]

    /// NLTK's English stop words (the list fastembed's `Qdrant/bm25` ships as `english.txt`).
    public static let stopWords: Set<String> = [
        "a", "about", "above", "after", "again", "against", "ain", "all", "am", "an", "and", "any", "are", "aren",
        "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "couldn", "couldn't", "d", "did", "didn", "didn't", "do", "does", "doesn", "doesn't", "doing", "don",
        "don't", "down", "during", "each", "few", "for", "from", "further", "had", "hadn", "hadn't", "has", "hasn",
        "hasn't", "have", "haven", "haven't", "having", "he", "her", "here", "hers", "herself", "him", "himself",
        "his", "how", "i", "if", "in", "into", "is", "isn", "isn't", "it", "it's", "its", "itself", "just", "ll",
        "m", "ma", "me", "mightn", "mightn't", "more", "most", "mustn", "mustn't", "my", "myself", "needn",
        "needn't", "no", "nor", "not", "now", "o", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
        "ourselves", "out", "over", "own", "re", "s", "same", "shan", "shan't", "she", "she's", "should",
        "should've", "shouldn", "shouldn't", "so", "some", "such", "t", "than", "that", "that'll", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too",
        "under", "until", "up", "ve", "very", "was", "wasn", "wasn't", "we", "were", "weren", "weren't", "what",
        "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won", "won't", "wouldn",
        "wouldn't", "y", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves",
    ]

    /// The stemmed terms of `text`, in order (steps 1–4).
    public func terms(_ text: String) -> [String] {
        var stemmer = EnglishStemmer(revision: .snowball2)
        var terms: [String] = []
        var token = String.UnicodeScalarView()
        func finish() {
            defer { token = String.UnicodeScalarView() }
            guard !token.isEmpty else { return }
            let word = String(token)
            guard !Self.stopWords.contains(word), token.count <= maxTokenLength else { return }
            let stem = stemmer.stem(word)
            if !stem.isEmpty { terms.append(stem) }
        }
        for scalar in text.lowercased().unicodeScalars {
            if TextAnalyzer.isWordScalar(scalar) {
                token.append(scalar)
            } else {
                finish()
            }
        }
        finish()
        return terms
    }

    /// A document's sparse vector: BM25 term-frequency weights, indices ascending.
    public func document(_ text: String) -> SparseVector {
        let terms = terms(text)
        var counts: [UInt32: Int] = [:]
        for term in terms { counts[Self.index(of: term), default: 0] += 1 }
        let length = Float(terms.count)
        let norm = k * (1 - b + b * length / averageLength)
        let indices = counts.keys.sorted()
        let values = indices.map { index -> Float in
            let tf = Float(counts[index]!)
            return tf * (k + 1) / (tf + norm)
        }
        return try! SparseVector(indices: indices, values: values)  // distinct indices, finite values
    }

    /// A query's sparse vector: weight 1 for each distinct term, indices ascending.
    public func query(_ text: String) -> SparseVector {
        let indices = Set(terms(text).map(Self.index(of:))).sorted()
        return try! SparseVector(indices: indices, values: Array(repeating: 1, count: indices.count))
    }

    /// `abs(mmh3.hash(term))`: MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes, read as signed.
    public static func index(of term: String) -> UInt32 {
        let hash = Int32(bitPattern: murmur3(Array(term.utf8), seed: 0))
        return hash == .min ? UInt32(1) << 31 : UInt32(abs(hash))
    }

    /// MurmurHash3_x86_32.
    public static func murmur3(_ bytes: [UInt8], seed: UInt32) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51, c2: UInt32 = 0x1b87_3593
        var h = seed
        let blocks = bytes.count / 4
        for i in 0..<blocks {
            var k = UInt32(bytes[i * 4]) | UInt32(bytes[i * 4 + 1]) << 8 | UInt32(bytes[i * 4 + 2]) << 16 | UInt32(bytes[i * 4 + 3]) << 24
            k &*= c1
            k = k << 15 | k >> 17
            k &*= c2
            h ^= k
            h = h << 13 | h >> 19
            h = h &* 5 &+ 0xe654_6b64
        }
        var k: UInt32 = 0
        let tail = blocks * 4
        switch bytes.count & 3 {
        case 3: k ^= UInt32(bytes[tail + 2]) << 16; fallthrough
        case 2: k ^= UInt32(bytes[tail + 1]) << 8; fallthrough
        case 1:
            k ^= UInt32(bytes[tail])
            k &*= c1
            k = k << 15 | k >> 17
            k &*= c2
            h ^= k
        default: break
        }
        h ^= UInt32(truncatingIfNeeded: bytes.count)
        h ^= h >> 16
        h &*= 0x85eb_ca6b
        h ^= h >> 13
        h &*= 0xc2b2_ae35
        h ^= h >> 16
        return h
    }
}
