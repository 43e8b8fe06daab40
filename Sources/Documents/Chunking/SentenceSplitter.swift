/// Sentence boundaries for the chunker: after `.`, `!`, `?` or `…` (and any closing quotes or brackets) followed
/// by whitespace and a character that is not a lower-case letter (so "e.g. this" stays whole), and after the CJK
/// full stops `。！？` directly. Abbreviations before a capital ("Dr. Smith") do split; the chunker only uses
/// boundaries as places where a cut is allowed, so such a split costs nothing.
enum SentenceSplitter {
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            let character = characters[i]
            current.append(character)
            i += 1
            if "。！？".contains(character) {
                append(&current, to: &sentences)
                continue
            }
            guard ".!?…".contains(character) else { continue }
            while i < characters.count, "\"')]}’”»".contains(characters[i]) {
                current.append(characters[i])
                i += 1
            }
            guard i < characters.count, characters[i].isWhitespace else { continue }
            var next = i
            while next < characters.count, characters[next].isWhitespace { next += 1 }
            if next < characters.count, characters[next].isLowercase { continue }
            append(&current, to: &sentences)
            i = next
        }
        append(&current, to: &sentences)
        return sentences
    }

    private static func append(_ sentence: inout String, to sentences: inout [String]) {
        let trimmed = sentence.trimmingWhitespace()
        if !trimmed.isEmpty { sentences.append(trimmed) }
        sentence = ""
    }
}
