import Search

/// Turns examples into vectors of one vector space: raw vectors as given, point ids by their stored
/// vector (in `lookup`'s collection and vector name when set). Ids of this collection's points are
/// collected in `excluded`, which the query leaves out of its results, as Qdrant does.
struct ExampleResolver {
    let collection: VectorCollection
    let vectorName: String
    let lookup: ExampleSource?
    private(set) var excluded: [UInt32] = []

    init(collection: VectorCollection, vectorName: String, lookup: ExampleSource?) {
        self.collection = collection
        self.vectorName = vectorName
        self.lookup = lookup
    }

    mutating func vector(_ example: RecommendExample) throws -> VectorValue {
        switch example {
        case .vector(let value):
            return value
        case .point(let id):
            let source = lookup?.collection ?? collection
            let name = lookup?.vectorName ?? vectorName
            guard source.slots[name] != nil else {
                throw CollectionError.invalid("Not existing vector name error: \(name.isEmpty ? "default vector" : name)")
            }
            guard let iid = source.stateLock.withSharedLock({ source.state.internalIDs[id] }) else {
                throw CollectionError.pointNotFound(id)
            }
            if lookup == nil { excluded.append(iid) }
            guard let stored = try source.storedVector(of: id, name: name) else {
                throw CollectionError.invalid("point \(id) has no vector `\(name)`")
            }
            return stored
        }
    }
}

/// The scores of Qdrant's example-based queries, from a point's core similarities to the examples
/// (dot product, or the negated squared distance under Euclid; see `HNSWIndex.scoreByExamples`),
/// in Float as Qdrant computes them:
/// - `bestScore`: the best positive similarity p and best negative n (−∞ when there are none);
///   sigmoid(p) when p > n, else −sigmoid(n), with sigmoid(x) = (x / (1 + |x|) + 1) / 2.
/// - `sumScores`: Σ positive − Σ negative.
/// - `discover`: examples are [target, pos₁, neg₁, pos₂, neg₂, …]; Σ sign(posᵢ − negᵢ) plus
///   sigmoid(target similarity), so the context pairs rank first and the target orders within a rank.
/// - `context`: examples are [pos₁, neg₁, …]; Σ fastSigmoid(min(posᵢ − negᵢ − ε, 0)), ε = Float's ulp of 1.
enum ExampleScoring: Equatable {
    case bestScore(positives: Int)
    case sumScores(positives: Int)
    case discover
    case context
    /// Relevance feedback: similarities are [target, feedback examples…].
    case naiveFeedback(a: Float, pairs: [FeedbackPair])

    /// A weighted pair of feedback examples (indices into the feedback list).
    struct FeedbackPair: Equatable {
        var positive: Int
        var negative: Int
        var weight: Float
    }

    static func fastSigmoid(_ x: Float) -> Float { x.isNaN || x.isInfinite ? x : x / (1 + abs(x)) }
    static func scaledSigmoid(_ x: Float) -> Float { 0.5 * (fastSigmoid(x) + 1) }

    func score(_ similarities: UnsafeBufferPointer<Float>) -> Float {
        switch self {
        case .bestScore(let positives):
            var best = -Float.infinity, worst = -Float.infinity
            for (i, s) in similarities.enumerated() {
                if i < positives { best = max(best, s) } else { worst = max(worst, s) }
            }
            return best > worst ? Self.scaledSigmoid(best) : -Self.scaledSigmoid(worst)
        case .sumScores(let positives):
            var sum: Float = 0
            for (i, s) in similarities.enumerated() { sum += i < positives ? s : -s }
            return sum
        case .discover:
            guard let target = similarities.first else { return 0 }
            var rank = 0
            var i = 1
            while i + 1 < similarities.count {
                let (p, n) = (similarities[i], similarities[i + 1])
                rank += p > n ? 1 : (p == n ? 0 : -1)
                i += 2
            }
            return Float(rank) + Self.scaledSigmoid(target)
        case .context:
            var sum: Float = 0
            var i = 0
            while i + 1 < similarities.count {
                sum += Self.fastSigmoid(min(similarities[i] - similarities[i + 1] - Float.ulpOfOne, 0))
                i += 2
            }
            return sum
        case .naiveFeedback(let a, let pairs):
            guard let target = similarities.first else { return 0 }
            var score = a * target
            for pair in pairs { score += pair.weight * (similarities[1 + pair.positive] - similarities[1 + pair.negative]) }
            return score
        }
    }

    /// `average_vector`'s target: avg(positive) + (avg(positive) − avg(negative)), or avg(positive)
    /// alone. Dense vectors average per component (in Double); sparse vectors over the union of
    /// their indices, a missing index counting as 0. Multivectors, as Qdrant: one query matrix of
    /// every positive row and every negative row negated.
    static func averageTarget(positive: [VectorValue], negative: [VectorValue]) throws -> VectorValue {
        guard let first = positive.first else { throw CollectionError.invalid("recommend: at least one positive example is required") }
        switch first {
        case .multi:
            var rows: [[Float]] = []
            for value in positive {
                guard case .multi(let matrix) = value else { throw CollectionError.invalid("Conversion between multi and regular vectors failed") }
                rows += matrix
            }
            for value in negative {
                guard case .multi(let matrix) = value else { throw CollectionError.invalid("Conversion between multi and regular vectors failed") }
                rows += matrix.map { $0.map { -$0 } }
            }
            return .multi(rows)
        case .dense:
            func average(_ vectors: [VectorValue]) throws -> [Double]? {
                guard !vectors.isEmpty else { return nil }
                var sum: [Double] = []
                for value in vectors {
                    guard case .dense(let raw) = value else { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
                    if sum.isEmpty { sum = Array(repeating: 0, count: raw.count) }
                    guard raw.count == sum.count else {
                        throw CollectionError.invalid("Vector dimension error: expected dim: \(sum.count), got \(raw.count)")
                    }
                    for i in raw.indices { sum[i] += Double(raw[i]) }
                }
                return sum.map { $0 / Double(vectors.count) }
            }
            guard let pos = try average(positive) else { throw CollectionError.invalid("recommend: at least one positive example is required") }
            guard let neg = try average(negative) else { return .dense(pos.map(Float.init)) }
            guard neg.count == pos.count else {
                throw CollectionError.invalid("Vector dimension error: expected dim: \(pos.count), got \(neg.count)")
            }
            return .dense(pos.indices.map { Float(pos[$0] + (pos[$0] - neg[$0])) })
        case .sparse:
            func average(_ vectors: [VectorValue]) throws -> [UInt32: Double]? {
                guard !vectors.isEmpty else { return nil }
                var sum: [UInt32: Double] = [:]
                for value in vectors {
                    guard case .sparse(let indices, let values) = value else {
                        throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                    }
                    guard indices.count == values.count else { throw CollectionError.validation("sparse vector: indices and values differ in length") }
                    for (i, v) in zip(indices, values) { sum[i, default: 0] += Double(v) }
                }
                return sum.mapValues { $0 / Double(vectors.count) }
            }
            guard var merged = try average(positive) else { throw CollectionError.invalid("recommend: at least one positive example is required") }
            if let neg = try average(negative) {
                for key in Set(merged.keys).union(neg.keys) {
                    let p = merged[key] ?? 0
                    merged[key] = p + p - (neg[key] ?? 0)
                }
            }
            let indices = merged.keys.sorted()
            return .sparse(indices: indices, values: indices.map { Float(merged[$0] ?? 0) })
        }
    }
}

extension VectorCollection {
    /// Ranks the allowed points of `vectorName` by `scoring` over their similarities to `examples`
    /// (a full scan of that vector space; higher first), leaving out `excluded`.
    func scoreByExamples(_ examples: [VectorValue], scoring: ExampleScoring, using vectorName: String,
                         limit: Int, allowed: AllowList?, excluded: [UInt32]) throws -> Ranked {
        let wanted = limit + excluded.count
        let score = { (similarities: UnsafeBufferPointer<Float>) in scoring.score(similarities) }
        var hits: [SearchHit]
        if let index = dense[vectorName] {
            let vectors = try examples.map { example -> [Float] in
                guard case .dense(let raw) = example else { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
                return raw
            }
            do {
                hits = try CollectionMetrics.stage(.dense) {
                    if let allowed { return try index.scoreByExamples(vectors, limit: wanted, filter: allowed, score: score) }
                    return try index.scoreByExamples(vectors, limit: wanted, filter: NoFilter(), score: score)
                }
            } catch let error as VectorError {
                throw CollectionError.invalid("\(error)")
            }
        } else if let index = multi[vectorName] {
            let matrices = try examples.map { example -> [[Float]] in
                switch example {
                case .multi(let rows): return rows
                case .dense(let row): return [row]
                case .sparse: throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                }
            }
            do {
                hits = try CollectionMetrics.stage(.dense) {
                    if let allowed { return try index.scoreByExamples(matrices, limit: wanted, filter: allowed, score: score) }
                    return try index.scoreByExamples(matrices, limit: wanted, filter: NoFilter(), score: score)
                }
            } catch let error as MultiVectorError {
                throw CollectionError.invalid("\(error)")
            }
        } else if let index = sparse[vectorName] {
            let vectors = try examples.map { example -> SparseVector in
                guard case .sparse(let indices, let values) = example else {
                    throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
                }
                let (sortedIndices, sortedValues) = try prepareSparse(indices: indices, values: values, name: vectorName)
                do { return try SparseVector(indices: sortedIndices, values: sortedValues) } catch { throw CollectionError.validation("\(error)") }
            }
            hits = CollectionMetrics.stage(.sparse) {
                if let allowed { return index.scoreByExamples(vectors, limit: wanted, filter: allowed, score: score) }
                return index.scoreByExamples(vectors, limit: wanted, filter: NoFilter(), score: score)
            }
        } else {
            throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
        }
        hits.removeAll { excluded.contains($0.id) }
        return Ranked(hits: Array(hits.prefix(limit)), higherIsBetter: true)
    }
}

// MARK: Maximal marginal relevance

extension VectorCollection {
    /// Re-ranks nearest `hits` by maximal marginal relevance (see `MaximalMarginalRelevance`), as
    /// Qdrant: pending candidates in hit order, the pick removed by swapping the last pending one
    /// into its place, ties to the last maximum; at most `limit`.
    func diversify(_ hits: [SearchHit], query: VectorValue, using vectorName: String, diversity: Float, limit: Int) throws -> [SearchHit] {
        guard !hits.isEmpty else { return [] }
        let similarity = try pairSimilarity(hits.map(\.id), query: query, using: vectorName)
        let lambda = 1 - diversity
        func lastArgmax(_ values: [Float]) -> Int {
            var best = 0
            for (i, v) in values.enumerated() where v >= values[best] { best = i }
            return best
        }
        var pending = Array(hits.indices)
        func swapRemove(_ position: Int) -> Int {
            let picked = pending[position]
            pending[position] = pending[pending.count - 1]
            pending.removeLast()
            return picked
        }
        var selected = [swapRemove(lastArgmax(pending.map { similarity.relevance[$0] }))]
        while selected.count < limit, !pending.isEmpty {
            let scores = pending.map { candidate -> Float in
                let redundancy = selected.map { similarity.between(candidate, $0) }.max() ?? -.infinity
                return lambda * similarity.relevance[candidate] - (1 - lambda) * redundancy
            }
            if scores.allSatisfy({ $0 == -.infinity }) { break }
            selected.append(swapRemove(lastArgmax(scores)))
        }
        return selected.map { hits[$0] }
    }

    /// Core similarities (see `ExampleScoring`) of the query to each candidate and between candidates.
    private func pairSimilarity(_ ids: [UInt32], query: VectorValue, using vectorName: String) throws
        -> (relevance: [Float], between: (Int, Int) -> Float) {
        if let index = multi[vectorName] {
            let rows: [[Float]]
            switch query {
            case .multi(let m): rows = m
            case .dense(let r): rows = [r]
            case .sparse: throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
            }
            let prepared: [Float]
            do { prepared = try index.prepare(rows) } catch { throw CollectionError.invalid("\(error)") }
            let q = stride(from: 0, to: prepared.count, by: index.dimension).map { Array(prepared[$0..<($0 + index.dimension)]) }
            let matrices = ids.map { index.matrix(id: $0) ?? [] }
            let relevance = matrices.map { index.coreSimilarity(q, $0) }
            return (relevance, { index.coreSimilarity(matrices[$0], matrices[$1]) })
        }
        if let index = dense[vectorName], let config = engineConfig.vectors[vectorName] {
            guard case .dense(let raw) = query else { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
            let q = try prepareDense(raw, config: config, name: vectorName)
            let vectors = ids.map { index.vector(id: $0) ?? [] }
            let euclid = config.distance == .euclid
            func core(_ a: [Float], _ b: [Float]) -> Float {
                guard a.count == b.count else { return -.infinity }
                var s: Float = 0
                if euclid {
                    for i in a.indices { let d = a[i] - b[i]; s += d * d }
                    return -s
                }
                for i in a.indices { s += a[i] * b[i] }
                return s
            }
            return (vectors.map { core(q, $0) }, { core(vectors[$0], vectors[$1]) })
        }
        if let index = sparse[vectorName] {
            guard case .sparse(let indices, let values) = query else { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
            let (si, sv) = try prepareSparse(indices: indices, values: values, name: vectorName)
            let q: SparseVector
            do { q = try SparseVector(indices: si, values: sv) } catch { throw CollectionError.validation("\(error)") }
            let vectors = ids.map { index.vector(id: $0).map { $0.isSortedByIndex ? $0 : $0.sorted() } }
            func core(_ a: SparseVector?, _ b: SparseVector?) -> Float {
                guard let a, let b else { return 0 }
                return Float(a.sortedDot(b))
            }
            return (vectors.map { core(q, $0) }, { core(vectors[$0], vectors[$1]) })
        }
        throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
    }
}
