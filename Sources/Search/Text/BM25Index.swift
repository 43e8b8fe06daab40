import Foundation

/// Why text was rejected by the BM25 index (the API maps it to 400/422; nothing is stored).
public enum TextIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is empty or only white space.
    case emptyText
    /// `k1` must be finite and ≥ 0, `b` within 0…1.
    case invalidParameters(String)

    public var description: String {
        switch self {
        case .emptyText: "text is empty"
        case let .invalidParameters(message): message
        }
    }
}

/// One document as the index stores it: its distinct terms and how often each occurs.
///
/// This is the persistence form: restoring from it needs no re-tokenising. The document length used by
/// BM25 is the sum of `frequencies` (the number of analysed tokens, stop words excluded).
public struct AnalyzedDocument: Sendable, Hashable, Codable {
    public var terms: [String]
    public var frequencies: [UInt32]

    public init(terms: [String], frequencies: [UInt32]) {
        precondition(terms.count == frequencies.count, "terms and frequencies differ in length")
        self.terms = terms
        self.frequencies = frequencies
    }

    /// Number of analysed tokens.
    public var length: Int { frequencies.reduce(0) { $0 + Int($1) } }
}

/// An in-memory BM25 text index scoring exactly like Lucene's `BM25Similarity`, with exact lengths:
///
///     score(d, q) = Σ_{t ∈ q} idf(t) · tf / (tf + k1 · (1 − b + b · dl / avgdl))
///     idf(t)      = ln(1 + (N − n + 0.5) / (n + 0.5))
///
/// N = documents in the index, n = documents containing t, dl = the document's analysed token count,
/// avgdl = Σ dl / N — all kept up to date on every add/remove. A term repeated in the query counts that many
/// times (as a Lucene/tantivy boolean query of its terms does). Per-term contributions are `Float`, summed in
/// `Double` and reported as `Float`; ties go to the lower internal id. Only documents containing at least
/// one query term are returned. Search is exact top-k with block-max MaxScore (`BlockMaxSearch`); postings
/// store term frequencies with each block's largest tf and smallest document length for its bound.
///
/// Configuration: `k1: Float` (default 1.2, finite, ≥ 0), `b: Float` (default 0.75, in 0…1),
/// `analyzer: TextAnalyzer` (default `.english`).
///
/// Thread safety: concurrent searches, mutations serialised behind a write lock.
public final class BM25Index: @unchecked Sendable {
    public let k1: Float
    public let b: Float
    public let analyzer: TextAnalyzer

    private let lock = ReadWriteLock()
    /// Term → dense term id; `termNames[id]` and `postings[id]` belong to it. Terms whose list empties keep
    /// their id (and an empty list) so ids stay stable.
    private var termIDs: [String: UInt32] = [:]
    private var termNames: [String] = []
    private var postings: [PostingList] = []
    /// Token (lower-cased, before stop words and stemming) → term id, or −1 for a stop word.
    private var tokenCache: [String: Int32] = [:]
    private static let tokenCacheLimit = 1 << 20
    private var stemmer = EnglishStemmer()

    /// Per internal id: its distinct term ids and frequencies (nil: absent), and its length.
    private var documentTerms: [DocumentTerms?] = []
    private var lengths: [Float] = []
    private var documentCount = 0
    private var totalLength = 0

    private struct DocumentTerms {
        var termIDs: [UInt32]
        var frequencies: [UInt32]
    }

    public init(k1: Float = 1.2, b: Float = 0.75, analyzer: TextAnalyzer = .english) throws(TextIndexError) {
        guard k1.isFinite, k1 >= 0 else { throw .invalidParameters("k1 must be a finite number ≥ 0, got \(k1)") }
        guard b.isFinite, b >= 0, b <= 1 else { throw .invalidParameters("b must be between 0 and 1, got \(b)") }
        self.k1 = k1
        self.b = b
        self.analyzer = analyzer
    }

    /// Bulk restore from stored documents (any order; a later duplicate id wins). No text is analysed.
    public convenience init(
        k1: Float = 1.2, b: Float = 0.75, analyzer: TextAnalyzer = .english,
        documents: [(UInt32, AnalyzedDocument)]
    ) throws(TextIndexError) {
        try self.init(k1: k1, b: b, analyzer: analyzer)
        if zip(documents, documents.dropFirst()).allSatisfy({ $0.0 < $1.0 }) {
            // Already in increasing id order (as `documents()` returns them): every posting is an append.
            for (id, document) in documents { addLocked(id: id, document: document) }
            return
        }
        var latest: [UInt32: AnalyzedDocument] = [:]
        latest.reserveCapacity(documents.count)
        for (id, document) in documents { latest[id] = document }
        for id in latest.keys.sorted() { addLocked(id: id, document: latest[id]!) }
    }

    // MARK: Statistics

    /// Number of documents.
    public var count: Int { lock.withReadLock { documentCount } }
    /// Number of distinct terms ever seen.
    public var termCount: Int { lock.withReadLock { termNames.count } }
    /// Mean analysed document length.
    public var averageLength: Double {
        lock.withReadLock { documentCount == 0 ? 0 : Double(totalLength) / Double(documentCount) }
    }

    /// Bytes held by postings, lengths, per-document term lists and the vocabulary (approximate).
    public var indexBytes: Int {
        lock.withReadLock {
            var bytes = postings.reduce(0) { $0 + $1.allocatedBytes }
            bytes += lengths.capacity * MemoryLayout<Float>.stride
            for document in documentTerms { if let document { bytes += document.termIDs.count * 8 + 32 } }
            for name in termNames { bytes += name.utf8.count + 24 }
            return bytes
        }
    }

    // MARK: Analysis

    /// The stored form of `text`: distinct terms (first-occurrence order) and their frequencies.
    public func analyze(_ text: String) throws(TextIndexError) -> AnalyzedDocument {
        guard text.contains(where: { !$0.isWhitespace }) else { throw .emptyText }
        var stemmer = EnglishStemmer()
        var position: [String: Int] = [:]
        var terms: [String] = []
        var frequencies: [UInt32] = []
        analyzer.forEachToken(in: text) { token in
            guard let term = analyzer.term(forToken: token, stemmer: &stemmer) else { return }
            if let p = position[term] {
                frequencies[p] += 1
            } else {
                position[term] = terms.count
                terms.append(term)
                frequencies.append(1)
            }
        }
        return AnalyzedDocument(terms: terms, frequencies: frequencies)
    }

    // MARK: Mutations

    /// Indexes `text` under `id`, replacing what `id` had. Empty text is rejected and changes nothing.
    public func add(id: UInt32, text: String) throws(TextIndexError) {
        guard text.contains(where: { !$0.isWhitespace }) else { throw .emptyText }
        lock.withWriteLock {
            let document = analyzeCachedLocked(text)
            _ = removeLocked(id)
            insertLocked(id: id, termIDs: document.termIDs, frequencies: document.frequencies)
        }
    }

    /// Indexes an already analysed document under `id`, replacing what `id` had.
    public func add(id: UInt32, document: AnalyzedDocument) {
        lock.withWriteLock { addLocked(id: id, document: document) }
    }

    private func addLocked(id: UInt32, document: AnalyzedDocument) {
        _ = removeLocked(id)
        var ids: [UInt32] = []
        var frequencies: [UInt32] = []
        ids.reserveCapacity(document.terms.count)
        frequencies.reserveCapacity(document.terms.count)
        for (term, frequency) in zip(document.terms, document.frequencies) where frequency > 0 {
            let termID = termIDLocked(term)
            // Documents are short: a linear scan beats hashing (terms are normally distinct already).
            if let k = ids.firstIndex(of: termID) {
                frequencies[k] += frequency
            } else {
                ids.append(termID)
                frequencies.append(frequency)
            }
        }
        insertLocked(id: id, termIDs: ids, frequencies: frequencies)
    }

    /// Removes `id`; returns whether it was indexed.
    @discardableResult
    public func remove(id: UInt32) -> Bool {
        lock.withWriteLock { removeLocked(id) }
    }

    /// The stored form of `id`.
    public func document(id: UInt32) -> AnalyzedDocument? {
        lock.withReadLock {
            guard Int(id) < documentTerms.count, let terms = documentTerms[Int(id)] else { return nil }
            return AnalyzedDocument(terms: terms.termIDs.map { termNames[Int($0)] }, frequencies: terms.frequencies)
        }
    }

    /// Every stored `(id, document)` in id order (for snapshots).
    public func documents() -> [(UInt32, AnalyzedDocument)] {
        lock.withReadLock {
            documentTerms.enumerated().compactMap { entry in
                entry.element.map {
                    (UInt32(entry.offset),
                     AnalyzedDocument(terms: $0.termIDs.map { termNames[Int($0)] }, frequencies: $0.frequencies))
                }
            }
        }
    }

    private func termIDLocked(_ term: String) -> UInt32 {
        if let id = termIDs[term] { return id }
        let id = UInt32(termNames.count)
        termIDs[term] = id
        termNames.append(term)
        postings.append(PostingList())
        return id
    }

    /// Analyses `text` through the token cache (stemming each distinct token once).
    private func analyzeCachedLocked(_ text: String) -> DocumentTerms {
        var ids: [UInt32] = []
        var frequencies: [UInt32] = []
        ids.reserveCapacity(32)
        frequencies.reserveCapacity(32)
        analyzer.forEachToken(in: text) { token in
            let cached: Int32
            if let hit = tokenCache[token] {
                cached = hit
            } else {
                if let term = analyzer.term(forToken: token, stemmer: &stemmer) {
                    cached = Int32(termIDLocked(term))
                } else {
                    cached = -1
                }
                if tokenCache.count < Self.tokenCacheLimit { tokenCache[token] = cached }
            }
            guard cached >= 0 else { return }
            let termID = UInt32(cached)
            // Documents are short: a linear scan over the distinct terms so far beats hashing.
            if let k = ids.firstIndex(of: termID) {
                frequencies[k] += 1
            } else {
                ids.append(termID)
                frequencies.append(1)
            }
        }
        return DocumentTerms(termIDs: ids, frequencies: frequencies)
    }

    private func insertLocked(id: UInt32, termIDs ids: [UInt32], frequencies: [UInt32]) {
        let index = Int(id)
        if index >= documentTerms.count {
            documentTerms.append(contentsOf: repeatElement(nil, count: index + 1 - documentTerms.count))
            lengths.append(contentsOf: repeatElement(0, count: index + 1 - lengths.count))
        }
        let length = frequencies.reduce(0) { $0 + Int($1) }
        documentTerms[index] = DocumentTerms(termIDs: ids, frequencies: frequencies)
        lengths[index] = Float(length)
        documentCount += 1
        totalLength += length
        let documentLength = Float(length)
        for (termID, frequency) in zip(ids, frequencies) {
            let list = postings[Int(termID)]
            list.insert(id: id, weight: Float(frequency), aux: documentLength, auxOf: { self.lengths[Int($0)] })
        }
    }

    private func removeLocked(_ id: UInt32) -> Bool {
        let index = Int(id)
        guard index < documentTerms.count, let old = documentTerms[index] else { return false }
        documentTerms[index] = nil
        for termID in old.termIDs {
            postings[Int(termID)].remove(id: id, auxOf: { self.lengths[Int($0)] })
        }
        totalLength -= Int(lengths[index])
        lengths[index] = 0
        documentCount -= 1
        return true
    }

    // MARK: Search

    /// The top `limit` documents for `text`, best first (exact, pruned). Text with no indexed term → [].
    public func search<F: CandidateFilter>(_ text: String, limit: Int, filter: F) -> [SearchHit] {
        lock.withReadLock {
            let terms = queryTermsLocked(text)
            return withModelLocked { model in
                BlockMaxSearch.topK(terms, model: model, limit: limit, filter: filter)
            }
        }
    }

    public func search(_ text: String, limit: Int) -> [SearchHit] {
        search(text, limit: limit, filter: NoFilter())
    }

    /// The same result as `search`, scoring every posting (reference for tests).
    public func searchExhaustive<F: CandidateFilter>(_ text: String, limit: Int, filter: F) -> [SearchHit] {
        lock.withReadLock {
            let terms = queryTermsLocked(text)
            return withModelLocked { model in
                BlockMaxSearch.exhaustive(terms, model: model, limit: limit, filter: filter)
            }
        }
    }

    /// Lucene's idf for a term in `n` of the current documents.
    public func idf(documentFrequency n: Int) -> Float {
        lock.withReadLock { idfLocked(n) }
    }

    private func idfLocked(_ n: Int) -> Float {
        let total = Double(documentCount), frequency = Double(n)
        return Float(log(1 + (total - frequency + 0.5) / (frequency + 0.5)))
    }

    /// The indexed terms of a query with their weights (idf × occurrences), in first-occurrence order.
    /// Tokens seen while indexing resolve through the token cache (read-only here); others are stemmed.
    private func queryTermsLocked(_ text: String) -> [WeightedPostings] {
        var ids: [UInt32] = []
        var occurrences: [Int] = []
        var stemmer: EnglishStemmer? = nil
        analyzer.forEachToken(in: text) { token in
            let termID: UInt32
            if let cached = tokenCache[token] {
                guard cached >= 0 else { return }
                termID = UInt32(cached)
            } else {
                if stemmer == nil { stemmer = EnglishStemmer() }
                guard let term = analyzer.term(forToken: token, stemmer: &stemmer!), let id = termIDs[term] else { return }
                termID = id
            }
            guard postings[Int(termID)].count > 0 else { return }
            if let k = ids.firstIndex(of: termID) {
                occurrences[k] += 1
            } else {
                ids.append(termID)
                occurrences.append(1)
            }
        }
        return zip(ids, occurrences).map { id, count in
            let list = postings[Int(id)]
            return WeightedPostings(postings: list, weight: idfLocked(list.count) * Float(count))
        }
    }

    private func withModelLocked<T>(_ body: (BM25Model) -> T) -> T {
        let average = documentCount == 0 ? 0 : Float(Double(totalLength) / Double(documentCount))
        return lengths.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else {
                // No document was ever added, so no posting exists and the model is never asked to score.
                let none: Float = 0
                return withUnsafePointer(to: none) { body(BM25Model(k1: k1, b: b, averageLength: 1, lengths: $0)) }
            }
            return body(BM25Model(k1: k1, b: b, averageLength: average, lengths: base))
        }
    }
}
