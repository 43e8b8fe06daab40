import Foundation
import Testing
@testable import Search

@Suite("Snowball English stemmer")
struct StemmerTests {
    /// (word, stem) pairs produced by PyStemmer from Snowball's English vocabulary
    /// (scripts/make_stemmer_fixture.py).
    static func fixture() throws -> [(String, String)] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/snowball-english.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    @Test("stems equal Snowball's published output on the fixture vocabulary")
    func fixtureVocabulary() throws {
        let pairs = try Self.fixture()
        #expect(pairs.count > 5000)
        var stemmer = EnglishStemmer()
        var mismatches: [String] = []
        for (word, expected) in pairs {
            let got = stemmer.stem(word)
            if got != expected { mismatches.append("\(word): \(got) ≠ \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(20))")
    }

    @Test("exceptions, regions and Step 1b special cases")
    func specialCases() {
        var stemmer = EnglishStemmer()
        let cases: [(String, String)] = [
            ("skies", "sky"), ("dying", "die"), ("vying", "vie"), ("inning", "inning"), ("proceed", "proceed"),
            ("agreed", "agre"), ("international", "internat"), ("organization", "organiz"), ("pasted", "paste"),
            ("geologist", "geolog"), ("added", "add"), ("hopping", "hop"), ("generously", "generous"),
            ("cries", "cri"), ("ties", "tie"), ("gas", "gas"), ("kiwis", "kiwi"), ("by", "by"), ("yelling", "yell"),
            ("sayings", "say"), ("naïve", "naïv"), ("databases_2024", "databases_2024"),
        ]
        for (word, stem) in cases { #expect(stemmer.stem(word) == stem, "\(word)") }
    }
}
