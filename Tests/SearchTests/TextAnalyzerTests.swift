import Testing
@testable import Search

@Suite("Text analyzer")
struct TextAnalyzerTests {
    // Expected values are Python's: re.findall(r"(?u)\b\w\w+\b", s.lower()), bm25s STOPWORDS_EN, PyStemmer.
    @Test("tokens follow Python's (?u)\\b\\w\\w+\\b on lower-cased text")
    func tokens() {
        let analyzer = TextAnalyzer.english
        #expect(analyzer.tokens("Hello, World! C++ and os.path.join don't x y_z")
            == ["hello", "world", "and", "os", "path", "join", "don", "y_z"])
        #expect(analyzer.tokens("ÜBER Straße naïve café 1½ ²x Ωmega")
            == ["über", "straße", "naïve", "café", "1½", "²x", "ωmega"])
        #expect(analyzer.tokens("日本語 テキスト a1 b2 __init__ İstanbul")
            == ["日本語", "テキスト", "a1", "b2", "__init__", "stanbul"])
        #expect(analyzer.tokens("") == [])
        #expect(analyzer.tokens("a b c") == [])
    }

    @Test("terms drop Lucene's stop words and stem with Porter2")
    func terms() {
        let analyzer = TextAnalyzer.english
        #expect(analyzer.terms("The QUICK brown foxes were running into the generously-sized databases_2024")
            == ["quick", "brown", "fox", "were", "run", "generous", "size", "databases_2024"])
        #expect(analyzer.terms("ÜBER Straße naïve café") == ["über", "straße", "naïv", "café"])
        #expect(TextAnalyzer.englishStopWords.count == 33)
        let plain = TextAnalyzer(stopWords: [], stemming: false)
        #expect(plain.terms("The running foxes") == ["the", "running", "foxes"])
    }
}
