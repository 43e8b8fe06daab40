@testable import Embedding
import Foundation
import Testing

/// Tokenizer rules on a tiny hand-made vocabulary (the reference file checks the real one).
@Suite struct WordPieceTokenizerTests {
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "hello", "world",
                         "!", ",", "cafe", "机", "器", "$", "a", "##b"]

    func tokenizer() throws -> WordPieceTokenizer { try WordPieceTokenizer(tokens: Self.tokens) }

    func pieces(_ text: String, maxLength: Int = 256) throws -> [String] {
        try tokenizer().encode(text, maxLength: maxLength).map { Self.tokens[Int($0)] }
    }

    @Test func greedyLongestMatchWithContinuations() throws {
        #expect(try pieces("unaffable") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        #expect(try pieces("unaffablex") == ["[CLS]", "[UNK]", "[SEP]"])
        #expect(try pieces("abbb") == ["[CLS]", "a", "##b", "##b", "##b", "[SEP]"])
    }

    @Test func lowerCasingAccentsPunctuationAndCJK() throws {
        #expect(try pieces("HELLO,World!") == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
        #expect(try pieces("Café") == ["[CLS]", "cafe", "[SEP]"])
        #expect(try pieces("cafe\u{301}") == ["[CLS]", "cafe", "[SEP]"])
        #expect(try pieces("机器hello") == ["[CLS]", "机", "器", "hello", "[SEP]"])
        #expect(try pieces("$hello") == ["[CLS]", "$", "hello", "[SEP]"])
    }

    @Test func controlCharactersAreDroppedAndWhitespaceSplits() throws {
        #expect(try pieces("hel\u{0}lo\u{200B}") == ["[CLS]", "hello", "[SEP]"])
        // Private use is dropped; an unassigned code point stays (and spoils its word), as in `tokenizers`.
        #expect(try pieces("hel\u{E000}lo") == ["[CLS]", "hello", "[SEP]"])
        #expect(try pieces("hello \u{0378}hello") == ["[CLS]", "hello", "[UNK]", "[SEP]"])
        #expect(try pieces("hello\u{3000}world\u{2028}\t") == ["[CLS]", "hello", "world", "[SEP]"])
        #expect(try pieces("") == ["[CLS]", "[SEP]"])
        #expect(try pieces(" \n\u{A0}") == ["[CLS]", "[SEP]"])
    }

    @Test func longWordsBecomeUnknownAndTruncationKeepsSep() throws {
        #expect(try pieces("a" + String(repeating: "b", count: 99)).count == 2 + 100)
        #expect(try pieces("a" + String(repeating: "b", count: 100)) == ["[CLS]", "[UNK]", "[SEP]"])
        #expect(try pieces("hello world hello world", maxLength: 4) == ["[CLS]", "hello", "world", "[SEP]"])
        #expect(try pieces("unaffable", maxLength: 3) == ["[CLS]", "un", "[SEP]"])
    }

    @Test func vocabularyWithoutSpecialTokensIsRejected() {
        #expect(throws: EmbeddingError.self) { try WordPieceTokenizer(tokens: ["hello"]) }
    }
}
