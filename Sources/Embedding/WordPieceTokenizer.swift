import Foundation

/// The BERT uncased WordPiece tokenizer, as Hugging Face `tokenizers` runs it for all-MiniLM-L6-v2
/// (`BertNormalizer` → `BertPreTokenizer` → `WordPiece`):
///
/// 1. clean-up: drop U+0000, U+FFFD and control, format, private-use and surrogate characters
///    (Cc, Cf, Co, Cs; unassigned code points stay, as in `tokenizers`) except tab, CR and LF;
///    every `White_Space` character becomes a word boundary;
/// 2. CJK ideographs become words of their own;
/// 3. accents are stripped (canonical decomposition, NFD, then nonspacing marks, Mn, are dropped);
/// 4. lower-casing, character by character (full Unicode mapping, no context);
/// 5. punctuation (ASCII punctuation or any Unicode P* category) becomes a word of its own;
/// 6. each word is split greedily into the longest vocabulary pieces (`##` marks a continuation);
///    a word longer than 100 characters, or one that cannot be split, becomes `[UNK]`.
///
/// The ids are wrapped in `[CLS]` … `[SEP]` and truncated so that at most `maxLength` ids come out.
/// The text is processed as a stream and the work stops once the budget is full, so a 1 MB text
/// costs about as much as its first few hundred words.
public struct WordPieceTokenizer: Sendable {
    /// Token → id (the line number in vocab.txt, from 0).
    public let vocabulary: [String: Int32]
    public let clsID: Int32
    public let sepID: Int32
    public let unknownID: Int32
    public let paddingID: Int32
    /// Words longer than this many characters become `[UNK]` (BERT's `max_input_chars_per_word`).
    public let maxCharactersPerWord = 100
    /// The longest vocabulary entry in Unicode scalars (without `##`); bounds the greedy search.
    private let longestPiece: Int

    /// Reads `vocab.txt`: one token per line, the id being the line number.
    public init(vocabularyURL: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: vocabularyURL)
        } catch {
            throw EmbeddingError.modelFilesMissing(
                directory: vocabularyURL.deletingLastPathComponent().path, missing: [vocabularyURL.lastPathComponent])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EmbeddingError.invalidModel("\(vocabularyURL.path) is not UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines)
    }

    /// Builds the tokenizer from the vocabulary in id order.
    public init(tokens: [String]) throws {
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        var longest = 1
        for (id, token) in tokens.enumerated() where vocabulary[token] == nil {
            vocabulary[token] = Int32(id)
            let bare = token.hasPrefix("##") ? token.dropFirst(2) : Substring(token)
            longest = max(longest, bare.unicodeScalars.count)
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else { throw EmbeddingError.invalidModel("vocabulary has no \(token)") }
            return id
        }
        self.vocabulary = vocabulary
        self.clsID = try id("[CLS]")
        self.sepID = try id("[SEP]")
        self.unknownID = try id("[UNK]")
        self.paddingID = try id("[PAD]")
        self.longestPiece = longest
    }

    /// The ids of `text`: `[CLS]`, at most `maxLength - 2` word pieces, `[SEP]`.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        var state = EncodingState(budget: maxLength - 2)
        state.ids.reserveCapacity(min(maxLength, text.utf8.count + 2))
        state.ids.append(clsID)
        for scalar in text.unicodeScalars {
            if state.full { break }
            feed(scalar, into: &state)
        }
        finishWord(&state)
        if state.ids.count > maxLength - 1 { state.ids.removeLast(state.ids.count - (maxLength - 1)) }
        state.ids.append(sepID)
        return state.ids
    }

    // MARK: - Normalisation and pre-tokenisation

    /// The word being collected and the ids so far.
    private struct EncodingState {
        var ids: [Int32] = []
        var word: [Unicode.Scalar] = []
        /// Characters in the current word (counted past `maxCharactersPerWord` without storing them).
        var wordLength = 0
        let budget: Int
        init(budget: Int) { self.budget = budget }
        /// True once `budget` word pieces (after `[CLS]`) are there: the rest of the text cannot show.
        var full: Bool { ids.count - 1 >= budget }
    }

    @inline(__always)
    private func feed(_ scalar: Unicode.Scalar, into state: inout EncodingState) {
        let value = scalar.value
        if value < 0x80 {
            // ASCII fast path: the same rules, without table look-ups.
            switch value {
            case 0x09, 0x0A, 0x0D, 0x20:
                finishWord(&state)
            case 0x00..<0x20, 0x7F:
                return // control characters are dropped
            case 0x41...0x5A:
                append(Unicode.Scalar(value + 0x20)!, to: &state)
            case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
                finishWord(&state)
                append(scalar, to: &state)
                finishWord(&state)
            default:
                append(scalar, to: &state)
            }
            return
        }
        let properties = scalar.properties
        if value == 0xFFFD || Self.isOther(properties.generalCategory) { return }
        if properties.isWhitespace { finishWord(&state); return }
        let isCJK = Self.isCJKIdeograph(value)
        if isCJK { finishWord(&state) }
        for decomposed in Self.canonicalDecomposition(scalar) {
            if decomposed.properties.generalCategory == .nonspacingMark { continue }
            for lower in decomposed.properties.lowercaseMapping.unicodeScalars {
                if lower.properties.isWhitespace {
                    finishWord(&state)
                } else if Self.isPunctuation(lower) {
                    finishWord(&state)
                    append(lower, to: &state)
                    finishWord(&state)
                } else {
                    append(lower, to: &state)
                }
            }
        }
        if isCJK { finishWord(&state) }
    }

    @inline(__always)
    private func append(_ scalar: Unicode.Scalar, to state: inout EncodingState) {
        state.wordLength += 1
        if state.wordLength <= maxCharactersPerWord { state.word.append(scalar) }
    }

    private func finishWord(_ state: inout EncodingState) {
        guard state.wordLength > 0 else { return }
        defer {
            state.word.removeAll(keepingCapacity: true)
            state.wordLength = 0
        }
        if state.full { return }
        if state.wordLength > maxCharactersPerWord {
            state.ids.append(unknownID)
            return
        }
        appendPieces(of: state.word, to: &state.ids)
    }

    /// Greedy longest-match-first WordPiece; a word with an unmatched part becomes one `[UNK]`.
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        let mark = ids.count
        var start = 0
        var candidate = String.UnicodeScalarView()
        while start < word.count {
            var end = min(word.count, start + longestPiece)
            var found: Int32?
            while end > start {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: "##".unicodeScalars) }
                candidate.append(contentsOf: word[start..<end])
                if let id = vocabulary[String(candidate)] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeLast(ids.count - mark)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }

    // MARK: - Character classes

    /// Characters BERT's clean-up removes: Cc, Cf, Co, Cs (Hugging Face `tokenizers` keeps unassigned
    /// code points, which then become `[UNK]`; checked against it on random Unicode text).
    private static func isOther(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// BERT punctuation: ASCII punctuation (including `$+<=>^`|~`) or any Unicode P* category.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
                || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value)
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks BERT splits into single-character words.
    private static func isCJKIdeograph(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }

    /// The canonical decomposition (NFD) of one non-ASCII scalar.
    private static func canonicalDecomposition(_ scalar: Unicode.Scalar) -> String.UnicodeScalarView {
        // Most scalars have no decomposition; the property check avoids a Foundation round trip.
        if scalar.properties.canonicalCombiningClass == .notReordered,
           !mayDecompose(scalar) {
            return String.UnicodeScalarView([scalar])
        }
        return String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars
    }

    /// False for scalars known to have no canonical decomposition (a cheap filter, not exact).
    private static func mayDecompose(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        // CJK unified ideographs and the common Hangul-free blocks without decompositions.
        if (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value) { return false }
        return true
    }
}
