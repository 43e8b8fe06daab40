/// The Snowball English ("Porter2") stemmer, written from the published algorithm
/// (snowballstem.org/algorithms/english, current revision: R1 exceptions gener/commun/arsen/past/univers/
/// later/emerg/organ/inter, the -eed and -ing exception handling inside Step 1b, -ogist → -og).
///
/// Words are sequences of Unicode scalars, already lower-cased. Only `a e i o u y` are vowels; every other
/// scalar (digits, `_`, accented or non-Latin letters) counts as a non-vowel, as in Snowball's UTF-8 build.
/// The stemmer keeps a scratch buffer, so reuse one instance (it is a value type: one per thread).
public struct EnglishStemmer: Sendable {
    /// Which published revision of the algorithm to run.
    public enum Revision: Sendable {
        /// The current algorithm (the default; what PyStemmer 3 implements).
        case current
        /// Snowball 2.x, before the 2025 changes: R1 exceptions gener/commun/arsen only, no -ogist rule,
        /// undoubling after a/e/o too (added → ad), and the whole-word exceptions (dying/lying/tying; inning/outing/canning/herring/earring/
        /// proceed/exceed/succeed invariant after Step 1a) instead of their generalisations.
        /// This is what the Rust `rust-stemmers` crate (and so fastembed's Qdrant/bm25) implements.
        case snowball2
    }

    /// The word being stemmed, as scalar values.
    private var w: [UInt32] = []
    private var p1 = 0
    private var p2 = 0
    private var yFound = false
    private let revision: Revision

    public init(revision: Revision = .current) {
        self.revision = revision
        w.reserveCapacity(32)
    }

    /// The stem of `word` (lower-case input).
    public mutating func stem(_ word: String) -> String {
        w.removeAll(keepingCapacity: true)
        for scalar in word.unicodeScalars { w.append(scalar.value) }
        stemBuffer()
        var out = String.UnicodeScalarView()
        for value in w { out.append(Unicode.Scalar(value)!) }
        return String(out)
    }

    /// Stems `scalars` in place (lower-case input).
    public mutating func stem(scalars: inout [UInt32]) {
        swap(&w, &scalars)
        stemBuffer()
        swap(&w, &scalars)
    }

    // MARK: Character classes

    private static let a: UInt32 = 0x61, e: UInt32 = 0x65, i: UInt32 = 0x69, o: UInt32 = 0x6F
    private static let u: UInt32 = 0x75, y: UInt32 = 0x79, Y: UInt32 = 0x59, l: UInt32 = 0x6C
    private static let s: UInt32 = 0x73, t: UInt32 = 0x74, apostrophe: UInt32 = 0x27

    @inline(__always)
    private static func isVowel(_ c: UInt32) -> Bool {
        c == a || c == e || c == i || c == o || c == u || c == y
    }

    /// Vowels plus `w`, `x` and `Y` (the set a short syllable may not end in).
    @inline(__always)
    private static func isVowelWXY(_ c: UInt32) -> Bool {
        isVowel(c) || c == 0x77 || c == 0x78 || c == Y
    }

    private static func isValidLIEnding(_ c: UInt32) -> Bool {
        switch c {
        case 0x63, 0x64, 0x65, 0x67, 0x68, 0x6B, 0x6D, 0x6E, 0x72, 0x74: true  // c d e g h k m n r t
        default: false
        }
    }

    // MARK: Suffix helpers (all work on the prefix w[0..<end])

    private static func scalars(_ text: StaticString) -> [UInt32] {
        var out: [UInt32] = []
        text.withUTF8Buffer { for byte in $0 { out.append(UInt32(byte)) } }
        return out
    }

    private func hasPrefix(_ prefix: [UInt32]) -> Bool {
        guard prefix.count <= w.count else { return false }
        for k in 0..<prefix.count where w[k] != prefix[k] { return false }
        return true
    }

    private func hasSuffix(_ suffix: [UInt32], end: Int) -> Bool {
        guard suffix.count <= end else { return false }
        let start = end - suffix.count
        for k in 0..<suffix.count where w[start + k] != suffix[k] { return false }
        return true
    }

    /// The longest of `candidates` (sorted longest first) ending at `end`, as its index.
    private func longestSuffix(_ candidates: [[UInt32]], end: Int) -> Int? {
        candidates.firstIndex { hasSuffix($0, end: end) }
    }

    private mutating func replaceSuffix(length: Int, with replacement: [UInt32]) {
        w.removeLast(length)
        w.append(contentsOf: replacement)
    }

    /// Snowball's `shortv` evaluated backwards from `end`.
    private func endsInShortSyllable(end: Int) -> Bool {
        if end >= 3, !Self.isVowelWXY(w[end - 1]), Self.isVowel(w[end - 2]), !Self.isVowel(w[end - 3]) { return true }
        if end == 2, !Self.isVowel(w[1]), Self.isVowel(w[0]) { return true }
        return revision == .current && hasSuffix(Self.past, end: end)
    }

    // MARK: Tables

    private static let exceptions: [[UInt32]: [UInt32]] = {
        var table: [[UInt32]: [UInt32]] = [:]
        let changes: [(StaticString, StaticString)] = [
            ("skis", "ski"), ("skies", "sky"), ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"),
            ("early", "earli"), ("only", "onli"), ("singly", "singl"),
            ("sky", "sky"), ("news", "news"), ("howe", "howe"), ("atlas", "atlas"), ("cosmos", "cosmos"),
            ("bias", "bias"), ("andes", "andes"),
        ]
        for (word, stem) in changes { table[scalars(word)] = scalars(stem) }
        return table
    }()

    private static let regionPrefixes: [[UInt32]] =
        ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter"].map { scalars($0) }
    private static let legacyRegionPrefixes: [[UInt32]] = ["gener", "commun", "arsen"].map { scalars($0) }
    private static let legacyExceptions: [[UInt32]: [UInt32]] = [
        scalars("dying"): scalars("die"), scalars("lying"): scalars("lie"), scalars("tying"): scalars("tie"),
    ]
    /// Snowball 2.x: words left as they are after Step 1a.
    private static let legacyInvariants: Set<[UInt32]> =
        Set(["inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"].map { scalars($0) })
    private static let ogist = scalars("ogist")
    private static let past = scalars("past")

    private static let step1aApostrophe = ["'s'", "'s", "'"].map { scalars($0) }
    private static let step1aSuffixes = ["sses", "ied", "ies", "us", "ss", "s"].map { scalars($0) }
    private static let step1bSuffixes = ["eedly", "ingly", "edly", "eed", "ing", "ed"].map { scalars($0) }
    private static let eedExceptions = ["proc", "exc", "succ"].map { scalars($0) }
    private static let ingExceptions = ["inn", "out", "cann", "herr", "earr", "even"].map { scalars($0) }
    private static let doubles = ["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"].map { scalars($0) }
    private static let step1bRestoreE = ["at", "bl", "iz"].map { scalars($0) }

    /// Step 2 suffixes and replacements, longest first (ties resolved by list order, which never matters:
    /// two different suffixes of equal length cannot both end a word).
    private static let step2: [([UInt32], [UInt32])] = [
        ("ization", "ize"), ("ational", "ate"), ("fulness", "ful"), ("ousness", "ous"), ("iveness", "ive"),
        ("tional", "tion"), ("biliti", "ble"), ("lessli", "less"),
        ("entli", "ent"), ("ation", "ate"), ("alism", "al"), ("aliti", "al"), ("ousli", "ous"),
        ("iviti", "ive"), ("fulli", "ful"), ("ogist", "og"),
        ("enci", "ence"), ("anci", "ance"), ("abli", "able"), ("izer", "ize"), ("ator", "ate"),
        ("alli", "al"),
        ("bli", "ble"), ("ogi", "og"),
        ("li", ""),
    ].map { (scalars($0.0), scalars($0.1)) }

    private static let step3: [([UInt32], [UInt32])] = [
        ("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"),
        ("ative", ""), ("ical", "ic"), ("ness", ""), ("ful", ""),
    ].map { (scalars($0.0), scalars($0.1)) }

    private static let step4 = [
        "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive",
        "ize", "ion", "al", "er", "ic",
    ].map { scalars($0) }

    // MARK: The algorithm

    private mutating func stemBuffer() {
        if let replacement = Self.exceptions[w] ?? (revision == .snowball2 ? Self.legacyExceptions[w] : nil) {
            w = replacement
            return
        }
        guard w.count >= 3 else { return }
        prelude()
        markRegions()
        step1a()
        if revision == .snowball2, Self.legacyInvariants.contains(w) { return }
        step1b()
        step1c()
        step2()
        step3()
        step4()
        step5()
        if yFound {
            for k in w.indices where w[k] == Self.Y { w[k] = Self.y }
        }
    }

    private mutating func prelude() {
        yFound = false
        if w.first == Self.apostrophe { w.removeFirst() }
        guard !w.isEmpty else { return }
        if w[0] == Self.y {
            w[0] = Self.Y
            yFound = true
        }
        var k = 1
        while k < w.count {
            if w[k] == Self.y, Self.isVowel(w[k - 1]) {
                w[k] = Self.Y
                yFound = true
            }
            k += 1
        }
    }

    private mutating func markRegions() {
        p1 = w.count
        p2 = w.count
        var cursor: Int
        let prefixes = revision == .current ? Self.regionPrefixes : Self.legacyRegionPrefixes
        if let prefix = prefixes.first(where: { hasPrefix($0) }) {
            cursor = prefix.count
        } else {
            guard let after = goPastVowelThenNonVowel(from: 0) else { return }
            cursor = after
        }
        p1 = cursor
        guard let after = goPastVowelThenNonVowel(from: cursor) else { return }
        p2 = after
    }

    /// Position just after the first non-vowel that follows a vowel, searching from `start`.
    private func goPastVowelThenNonVowel(from start: Int) -> Int? {
        var k = start
        while k < w.count, !Self.isVowel(w[k]) { k += 1 }
        guard k < w.count else { return nil }
        k += 1
        while k < w.count, Self.isVowel(w[k]) { k += 1 }
        guard k < w.count else { return nil }
        return k + 1
    }

    private mutating func step1a() {
        if let index = Self.step1aApostrophe.firstIndex(where: { hasSuffix($0, end: w.count) }) {
            w.removeLast(Self.step1aApostrophe[index].count)
        }
        guard let index = longestSuffix(Self.step1aSuffixes, end: w.count) else { return }
        let suffix = Self.step1aSuffixes[index]
        let stemEnd = w.count - suffix.count
        switch index {
        case 0:  // sses → ss
            w.removeLast(2)
        case 1, 2:  // ied, ies → i after two or more letters, else ie
            replaceSuffix(length: 3, with: stemEnd >= 2 ? [Self.i] : [Self.i, Self.e])
        case 5:  // s → delete if a vowel occurs before the letter preceding it
            guard stemEnd >= 1 else { return }
            if w[0..<(stemEnd - 1)].contains(where: Self.isVowel) { w.removeLast() }
        default:  // us, ss: unchanged
            return
        }
    }

    private mutating func step1b() {
        guard let index = longestSuffix(Self.step1bSuffixes, end: w.count) else { return }
        let suffix = Self.step1bSuffixes[index]
        let stemEnd = w.count - suffix.count
        switch index {
        case 0, 3:  // eedly, eed → ee in R1, except proceed/exceed/succeed
            guard stemEnd >= p1 else { return }
            if revision == .current, Self.eedExceptions.contains(where: { $0.count == stemEnd && hasSuffix($0, end: stemEnd) }) { return }
            replaceSuffix(length: suffix.count, with: [Self.e, Self.e])
            return
        case 4 where revision == .current:  // ing: exceptional cases first
            if stemEnd == 2, w[1] == Self.y, !Self.isVowel(w[0]) {
                // dying → die, lying → lie, tying → tie, vying → vie
                replaceSuffix(length: 4, with: [Self.i, Self.e])
                return
            }
            if Self.ingExceptions.contains(where: { $0.count == stemEnd && hasSuffix($0, end: stemEnd) }) { return }
        default:
            break
        }
        // ed, edly, ing, ingly: delete if the stem has a vowel, then tidy the new ending.
        guard w[0..<stemEnd].contains(where: Self.isVowel) else { return }
        w.removeLast(suffix.count)
        if Self.step1bRestoreE.contains(where: { hasSuffix($0, end: w.count) }) {
            w.append(Self.e)
        } else if Self.doubles.contains(where: { hasSuffix($0, end: w.count) }) {
            // Undouble, unless the word is a/e/o followed by the double (add, err, egg ...).
            let isAEO = revision == .current && w.count == 3 && (w[0] == Self.a || w[0] == Self.e || w[0] == Self.o)
            if !isAEO { w.removeLast() }
        } else if p1 == w.count, endsInShortSyllable(end: w.count) {
            w.append(Self.e)
        }
    }

    private mutating func step1c() {
        guard w.count >= 3, let last = w.last, last == Self.y || last == Self.Y else { return }
        if !Self.isVowel(w[w.count - 2]) { w[w.count - 1] = Self.i }
    }

    private mutating func step2() {
        let legacy = revision == .snowball2
        guard let index = Self.step2.firstIndex(where: { !(legacy && $0.0 == Self.ogist) && hasSuffix($0.0, end: w.count) }) else { return }
        let (suffix, replacement) = Self.step2[index]
        let stemEnd = w.count - suffix.count
        guard stemEnd >= p1 else { return }
        switch index {
        case 23:  // ogi → og after l
            guard stemEnd >= 1, w[stemEnd - 1] == Self.l else { return }
        case 24:  // li → delete after a valid li-ending
            guard stemEnd >= 1, Self.isValidLIEnding(w[stemEnd - 1]) else { return }
        default:
            break
        }
        replaceSuffix(length: suffix.count, with: replacement)
    }

    private mutating func step3() {
        guard let index = Self.step3.firstIndex(where: { hasSuffix($0.0, end: w.count) }) else { return }
        let (suffix, replacement) = Self.step3[index]
        let stemEnd = w.count - suffix.count
        guard stemEnd >= p1 else { return }
        if index == 5, stemEnd < p2 { return }  // ative: only in R2
        replaceSuffix(length: suffix.count, with: replacement)
    }

    private mutating func step4() {
        guard let index = Self.step4.firstIndex(where: { hasSuffix($0, end: w.count) }) else { return }
        let suffix = Self.step4[index]
        let stemEnd = w.count - suffix.count
        guard stemEnd >= p2 else { return }
        if index == 14 {  // ion: after s or t
            guard stemEnd >= 1, w[stemEnd - 1] == Self.s || w[stemEnd - 1] == Self.t else { return }
        }
        w.removeLast(suffix.count)
    }

    private mutating func step5() {
        guard let last = w.last else { return }
        let stemEnd = w.count - 1
        if last == Self.e {
            if stemEnd >= p2 || (stemEnd >= p1 && !endsInShortSyllable(end: stemEnd)) { w.removeLast() }
        } else if last == Self.l {
            if stemEnd >= p2, stemEnd >= 1, w[stemEnd - 1] == Self.l { w.removeLast() }
        }
    }
}
