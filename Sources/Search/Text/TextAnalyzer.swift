/// Turns text into index terms, reproducibly by other engines (bm25s, tantivy, Lucene-style pipelines).
///
/// The default pipeline, in order:
/// 1. Unicode lower-casing (each scalar's full lower-case mapping, like Python's `str.lower()`; Python's
///    context-dependent final-sigma rule is not applied);
/// 2. tokens = the maximal runs of two or more word characters, i.e. the matches of Python's
///    `(?u)\b\w\w+\b`, where a word character is `_` or a scalar Python's `str.isalnum()` accepts
///    (general category L* or a numeric type);
/// 3. Lucene's 33 English stop words removed (compared before stemming);
/// 4. the Snowball English (Porter2) stemmer (`EnglishStemmer`).
///
/// Configuration (`TextAnalyzer.init`):
/// - `stopWords: Set<String>` — lower-case words dropped after tokenising; default `englishStopWords`.
/// - `stemming: Bool` — apply the English stemmer; default `true`.
public struct TextAnalyzer: Sendable {
    /// Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET` (33 words).
    public static let englishStopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with",
    ]

    public var stopWords: Set<String>
    public var stemming: Bool

    public init(stopWords: Set<String> = TextAnalyzer.englishStopWords, stemming: Bool = true) {
        self.stopWords = stopWords
        self.stemming = stemming
    }

    /// The default English analyzer.
    public static let english = TextAnalyzer()

    /// The index terms of `text`, in order, with repeats.
    public func terms(_ text: String) -> [String] {
        var stemmer = EnglishStemmer()
        var out: [String] = []
        forEachToken(in: text) { token in
            if let term = term(forToken: token, stemmer: &stemmer) { out.append(term) }
        }
        return out
    }

    /// The lower-cased tokens of `text` (step 1–2 only), in order.
    public func tokens(_ text: String) -> [String] {
        var out: [String] = []
        forEachToken(in: text) { out.append($0) }
        return out
    }

    /// The term a lower-cased token becomes, or nil when it is a stop word.
    public func term(forToken token: String, stemmer: inout EnglishStemmer) -> String? {
        if stopWords.contains(token) { return nil }
        return stemming ? stemmer.stem(token) : token
    }

    /// Calls `body` with each lower-cased token of `text` (steps 1–2).
    public func forEachToken(in text: String, _ body: (String) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var token: [UInt8] = []
            token.reserveCapacity(64)
            var scalarsInToken = 0

            func finish() {
                if scalarsInToken >= 2 { body(String(decoding: token, as: UTF8.self)) }
                token.removeAll(keepingCapacity: true)
                scalarsInToken = 0
            }

            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte < 0x80 {
                    index += 1
                    switch byte {
                    case 0x61...0x7A, 0x30...0x39, 0x5F:  // a-z 0-9 _
                        token.append(byte)
                        scalarsInToken += 1
                    case 0x41...0x5A:  // A-Z
                        token.append(byte | 0x20)
                        scalarsInToken += 1
                    default:
                        finish()
                    }
                    continue
                }
                // Non-ASCII: decode one scalar, lower-case it (possibly into several scalars), classify each.
                let (scalar, length) = Self.decodeScalar(bytes, at: index)
                index += length
                if scalar.properties.changesWhenLowercased {
                    for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                        if Self.isWordScalar(lower) {
                            token.append(contentsOf: UTF8.encode(lower)!)
                            scalarsInToken += 1
                        } else {
                            finish()
                        }
                    }
                } else if Self.isWordScalar(scalar) {
                    token.append(contentsOf: UTF8.encode(scalar)!)
                    scalarsInToken += 1
                } else {
                    finish()
                }
            }
            finish()
        }
    }

    /// Python's `\w` for `str` patterns: `_` or `str.isalnum()` (letters L*, or any numeric type).
    public static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39) || v == 0x5F
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// Decodes the UTF-8 scalar starting at `index` (the buffer comes from a valid `String`).
    @inline(__always)
    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        let length: Int
        var value: UInt32
        if lead < 0xE0 {
            length = 2; value = lead & 0x1F
        } else if lead < 0xF0 {
            length = 3; value = lead & 0x0F
        } else {
            length = 4; value = lead & 0x07
        }
        for k in 1..<length { value = (value << 6) | (UInt32(bytes[index + k]) & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}
