import Foundation
import JSON
import Search

/// How the results of several prefetches are combined.
public enum FusionMethod: Sendable, Equatable {
    /// Reciprocal rank fusion: Σ w / (k + pos), pos 0-based (Qdrant's default k = 2).
    case rrf(k: Int = 2, weights: [Float]? = nil)
    /// Distribution-based score fusion (μ ± 3σ normalisation per list).
    case dbsf
}

/// What a query (or a prefetch) ranks by.
public enum QueryInput: Sendable, Equatable {
    /// Nearest neighbours of this vector in the `using` space.
    case nearest(VectorValue)
    /// Nearest neighbours of the stored vector of this point.
    case nearestPoint(PointID)
    /// Fuse the prefetch results.
    case fusion(FusionMethod)
    /// Qdrant's `recommend`. `average_vector`: nearest to avg(positive) + (avg(positive) −
    /// avg(negative)) (just avg(positive) without negatives); `best_score` and `sum_scores` score
    /// every point by its similarities to the examples (see `ExampleScoring`). Examples given by id
    /// are left out of the results (unless looked up in another collection).
    case recommend(positive: [RecommendExample], negative: [RecommendExample], strategy: RecommendStrategy = .averageVector)
    /// Qdrant's discovery: points ranked by how many context pairs they are on the positive side
    /// of, then by closeness to `target`.
    case discover(target: RecommendExample, context: [ContextPair])
    /// Qdrant's context search: points penalised for each pair they are nearer the negative of.
    case context([ContextPair])
    /// `nearest` (a vector or a point id) re-ranked for diversity by maximal marginal relevance.
    indirect case diverse(QueryInput, MaximalMarginalRelevance)
    /// Points (or the prefetch candidates) ordered by a payload value, as an ordered scroll; each
    /// scores 1 and carries the value it was ordered by. `score_threshold` does not apply.
    case orderBy(ScrollOrder)
    /// Points (or the prefetch candidates) in random order, each scoring 1.
    case sample
    /// The prefetch candidates re-scored by a formula, highest first.
    case formula(ScoreFormula)
    /// Qdrant's relevance feedback (naive strategy): similarity to the target, moved towards the
    /// examples scored higher and away from those scored lower (see `RelevanceFeedback`).
    case relevanceFeedback(RelevanceFeedback)
}

/// `relevance_feedback` with the `naive` strategy: a point scores
/// a · sim(target, x) + Σ c · (sᵢ − sⱼ)^b · (sim(eᵢ, x) − sim(eⱼ, x)) over every ordered pair of
/// feedback examples whose scores differ (sᵢ > sⱼ). Examples given by id are left out of the results.
public struct RelevanceFeedback: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var example: RecommendExample
        public var score: Float
        public init(example: RecommendExample, score: Float) {
            self.example = example
            self.score = score
        }
    }

    public var target: RecommendExample
    public var feedback: [Item]
    public var a: Float
    public var b: Float
    public var c: Float

    /// The most feedback examples (every ordered pair of them is a term).
    public static let maxFeedback = 100

    public init(target: RecommendExample, feedback: [Item], a: Float, b: Float, c: Float) {
        self.target = target
        self.feedback = feedback
        self.a = a
        self.b = b
        self.c = c
    }

    /// The weighted pairs, as indices into `feedback`.
    var pairs: [ExampleScoring.FeedbackPair] {
        var pairs: [ExampleScoring.FeedbackPair] = []
        for (i, better) in feedback.enumerated() {
            for (j, worse) in feedback.enumerated() where i != j {
                let confidence = better.score - worse.score
                guard confidence > 0 else { continue }
                pairs.append(.init(positive: i, negative: j, weight: Foundation.pow(confidence, b) * c))
            }
        }
        return pairs
    }
}

/// `mmr` of a nearest query: from the `candidates` nearest points, pick greedily the one that
/// maximises (1 − diversity) · sim(query, c) − diversity · max over picked p of sim(c, p)
/// (core similarities), starting from the most relevant. Hits keep their nearest scores.
public struct MaximalMarginalRelevance: Sendable, Equatable {
    /// 0 (pure relevance) … 1 (pure diversity); Qdrant's default 0.5.
    public var diversity: Float
    /// Nearest candidates to choose from; nil: the query's limit.
    public var candidates: Int?

    /// The most candidates (every pair of them is compared).
    public static let maxCandidates = 1_000

    public init(diversity: Float = 0.5, candidates: Int? = nil) {
        self.diversity = diversity
        self.candidates = candidates
    }
}

/// A recommendation example: a vector, or a stored point's vector.
public enum RecommendExample: Sendable, Equatable {
    case vector(VectorValue)
    case point(PointID)
}

/// `recommend.strategy`.
public enum RecommendStrategy: String, Sendable, Equatable, CaseIterable {
    case averageVector = "average_vector"
    case bestScore = "best_score"
    case sumScores = "sum_scores"
}

/// A discovery or context pair.
public struct ContextPair: Sendable, Equatable {
    public var positive: RecommendExample
    public var negative: RecommendExample

    public init(positive: RecommendExample, negative: RecommendExample) {
        self.positive = positive
        self.negative = negative
    }
}

/// Where examples given by point id are looked up (Qdrant's `lookup_from`): another collection,
/// and its vector name (nil: the query's `using`).
public struct ExampleSource: Sendable {
    public var collection: VectorCollection
    public var vectorName: String?

    public init(collection: VectorCollection, vectorName: String?) {
        self.collection = collection
        self.vectorName = vectorName
    }
}

/// One query of Qdrant's universal query API, as the engine sees it (no wire format).
public struct QueryRequest: Sendable {
    public var prefetch: [QueryRequest] = []
    public var query: QueryInput?
    /// The vector space; nil means the unnamed vector "".
    public var using: String?
    public var filter: Filter?
    public var hnswEf: Int?
    public var exact: Bool = false
    public var scoreThreshold: Float?
    public var limit: Int = 10
    public var offset: Int = 0
    public var withPayload: PayloadSelector = .none
    public var withVector: VectorSelector = .none
    /// Where examples given by id come from; nil: this collection.
    public var lookupFrom: ExampleSource?

    public init() {}
}

extension VectorCollection {
    /// The largest `limit + offset` a query (or a prefetch's `limit`) may ask for.
    public static let maxQueryLimit = 100_000
    /// The most prefetches one query may hold, counting nested ones (each runs a search).
    public static let maxPrefetches = 64

    /// Runs a query: prefetches (with the root filter ANDed in), then the root ranking, offset, limit.
    public func query(_ request: QueryRequest) throws -> [PointRecord] {
        let records = try CollectionMetrics.measure(.query) { try runQuery(request) }
        CollectionMetrics.resultsPerQuery.record(records.count)
        return records
    }

    private func runQuery(_ request: QueryRequest) throws -> [PointRecord] {
        guard request.limit >= 1 else { throw CollectionError.validation("limit: value \(request.limit) invalid, must be 1 or larger") }
        guard request.offset >= 0 else { throw CollectionError.validation("offset: value \(request.offset) invalid, must be 0 or larger") }
        // Compared without adding, so no offset can overflow.
        guard request.limit <= Self.maxQueryLimit, request.offset <= Self.maxQueryLimit - request.limit else {
            throw CollectionError.validation("limit + offset: \(request.limit) + \(request.offset) exceeds the maximum \(Self.maxQueryLimit)")
        }
        try Self.checkPrefetches(request)
        if request.query == nil && request.prefetch.isEmpty {
            // Qdrant: no query and no prefetch → points in id order, like scroll.
            let page = try scroll(offset: nil, limit: request.limit + request.offset, filter: request.filter, withPayload: request.withPayload, withVector: request.withVector)
            // Qdrant scores these 1.0 (every point matches equally).
            return Array(page.points.dropFirst(request.offset)).map { var p = $0; p.score = 1; return p }
        }
        let rootAllowed = try CollectionMetrics.stage(.filter) { try allowList(for: request.filter) }
        // A random sample has no order to skip into: Qdrant ignores its offset.
        let offset: Int
        if case .sample? = request.query { offset = 0 } else { offset = request.offset }
        let ranked = try run(request, depth: 0, inherited: rootAllowed, limit: request.limit + offset)
        let window = Array(ranked.hits.dropFirst(offset).prefix(request.limit))
        let windowValues: [OrderValue?] = ranked.orderValues.map { Array($0.dropFirst(offset).prefix(request.limit)) }
            ?? Array(repeating: nil, count: window.count)
        let kept: [(iid: UInt32, point: LivePoint, score: Float?, value: OrderValue?)] = stateLock.withSharedLock {
            zip(window, windowValues).compactMap { hit, value in
                guard Int(hit.id) < state.points.count, let point = state.points[Int(hit.id)] else { return nil }
                return (hit.id, point, hit.score, value)
            }
        }
        var out = try CollectionMetrics.stage(.fetch) {
            try records(kept.map { ($0.iid, $0.point, $0.score) }, withPayload: request.withPayload, withVector: request.withVector)
        }
        if ranked.orderValues != nil {
            // `records` keeps the order and drops only points deleted since: match the survivors back.
            var r = 0
            for entry in kept where r < out.count && out[r].id == entry.point.id {
                out[r].orderValue = entry.value
                r += 1
            }
        }
        return out
    }

    /// Bounds a query's prefetch tree: at most `maxPrefetches` nodes, each limit within `maxQueryLimit`.
    static func checkPrefetches(_ request: QueryRequest) throws {
        var count = 0
        var pending = request.prefetch
        while let prefetch = pending.popLast() {
            count += 1
            guard count <= maxPrefetches else {
                throw CollectionError.validation("prefetch: more than \(maxPrefetches) prefetches in one query")
            }
            guard prefetch.limit >= 1, prefetch.limit <= maxQueryLimit else {
                throw CollectionError.validation("prefetch.limit: value \(prefetch.limit) invalid, must be from 1 to \(maxQueryLimit)")
            }
            pending.append(contentsOf: prefetch.prefetch)
        }
    }

    struct Ranked {
        var hits: [SearchHit]
        var higherIsBetter: Bool
        /// For `order_by`: the value each hit was ordered by, parallel to `hits` (a point holding
        /// several values appears once per value).
        var orderValues: [OrderValue]? = nil
        /// Whether `score_threshold` cuts this list (not for order_by and sample: every score is 1).
        var thresholdApplies = true
    }

    private func run(_ request: QueryRequest, depth: Int, inherited: AllowList?, limit: Int) throws -> Ranked {
        guard depth < 8 else { throw CollectionError.invalid("prefetch nesting deeper than 8 levels") }
        var allowed = inherited
        if depth > 0, let own = try allowList(for: request.filter) {
            if allowed == nil { allowed = own } else { allowed!.formIntersection(own) }
        }
        var ranked: Ranked
        if request.prefetch.isEmpty {
            switch request.query {
            case nil:
                // A prefetch without a query: its filter's points in id order, as a scroll.
                ranked = try inIDOrder(among: allowed, limit: limit)
            case .orderBy(let order)?:
                ranked = try ordered(by: order, among: allowed, limit: limit)
            case .sample?:
                ranked = sampled(among: allowed, limit: limit)
            case .formula?:
                throw CollectionError.invalid("cannot apply Formula without prefetches")
            case let query?:
                ranked = try nearest(query, using: request.using ?? "", limit: limit, ef: request.hnswEf, exact: request.exact, allowed: allowed,
                                     lookup: request.lookupFrom, scoreThreshold: request.scoreThreshold)
            }
        } else {
            let lists = try request.prefetch.map { prefetch in
                try run(prefetch, depth: depth + 1, inherited: allowed, limit: max(prefetch.limit, 1))
            }
            switch request.query {
            case .fusion(let method)?:
                ranked = Ranked(hits: try CollectionMetrics.stage(.fusion) { try fuse(lists, method: method, limit: limit) }, higherIsBetter: true)
            case .orderBy(let order)?:
                ranked = try ordered(by: order, among: candidates(of: lists), limit: limit)
            case .sample?:
                ranked = sampled(among: candidates(of: lists), limit: limit)
            case .formula(let formula)?:
                ranked = try rescore(lists, by: formula, limit: limit)
            case let query?:
                // Re-rank the union of the prefetch candidates by the root query.
                ranked = try nearest(query, using: request.using ?? "", limit: limit, ef: request.hnswEf, exact: true, allowed: candidates(of: lists), lookup: request.lookupFrom)
            case nil:
                ranked = lists[0]
            }
        }
        if let threshold = request.scoreThreshold, ranked.thresholdApplies {
            ranked.hits.removeAll { ranked.higherIsBetter ? $0.score < threshold : $0.score > threshold }
        }
        ranked.hits = Array(ranked.hits.prefix(limit))
        ranked.orderValues = ranked.orderValues.map { Array($0.prefix(limit)) }
        return ranked
    }

    /// The allowed points (nil: all) in id order, as a scroll, scoring 1.
    private func inIDOrder(among allowed: AllowList?, limit: Int) throws -> Ranked {
        var hits: [SearchHit] = []
        try forEachInIDOrder(allowed: allowed) { iid, _ in
            hits.append(SearchHit(id: iid, score: 1))
            return hits.count < limit
        }
        return Ranked(hits: hits, higherIsBetter: true, thresholdApplies: false)
    }

    /// The union of the prefetch results, as an allow-list.
    private func candidates(of lists: [Ranked]) -> AllowList {
        var candidates = AllowList(capacity: stateLock.withSharedLock { state.points.count })
        for list in lists { for hit in list.hits where Int(hit.id) < candidates.capacity { candidates.insert(hit.id) } }
        return candidates
    }

    /// `order_by` as a query: the allowed points by their values at the key (see `orderedRows`), scoring 1.
    private func ordered(by order: ScrollOrder, among allowed: AllowList?, limit: Int) throws -> Ranked {
        let rows = try orderedRows(order, allowed: allowed, limit: limit)
        return Ranked(hits: rows.map { SearchHit(id: $0.iid, score: 1) }, higherIsBetter: true,
                      orderValues: rows.map(\.value), thresholdApplies: false)
    }

    /// `sample: random`: `limit` of the allowed points drawn uniformly without replacement, scoring 1.
    private func sampled(among allowed: AllowList?, limit: Int) -> Ranked {
        var pool: [UInt32] = stateLock.withSharedLock {
            if let allowed { return allowed.ids.filter { Int($0) < state.points.count && state.points[Int($0)] != nil } }
            return state.live.ids
        }
        // A partial Fisher–Yates shuffle: the first `take` slots end up a uniform sample.
        let take = min(limit, pool.count)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<take { pool.swapAt(i, Int.random(in: i..<pool.count, using: &rng)) }
        return Ranked(hits: pool.prefix(take).map { SearchHit(id: $0, score: 1) }, higherIsBetter: true, thresholdApplies: false)
    }

    /// `formula`: every prefetch candidate scored by the formula, highest first (ties by internal id).
    private func rescore(_ lists: [Ranked], by formula: ScoreFormula, limit: Int) throws -> Ranked {
        try formula.validate()
        let scoreMaps: [[UInt32: Float]] = lists.map { list in
            // A point listed twice in one prefetch (order_by over several values) keeps its first score.
            Dictionary(list.hits.map { ($0.id, $0.score) }, uniquingKeysWith: { first, _ in first })
        }
        let ids = candidates(of: lists).ids
        let tokenized = payloadIndexes.tokenizedKeys
        let inputs: [(UInt32, PointID, [String: JSONValue])] = stateLock.withSharedLock {
            ids.compactMap { iid in
                guard Int(iid) < state.points.count, let point = state.points[Int(iid)] else { return nil }
                return (iid, point.id, point.payload)
            }
        }
        var scored: [SearchHit] = []
        scored.reserveCapacity(inputs.count)
        for (iid, id, payload) in inputs {
            let input = FormulaInput(
                id: id, payload: payload, scores: scoreMaps.map { $0[iid] },
                hasVector: { self.hasVector($0, iid) },
                tokenizedKeys: tokenized)
            scored.append(SearchHit(id: iid, score: try formula.score(input)))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return Ranked(hits: Array(scored.prefix(limit)), higherIsBetter: true)
    }

    /// `scoreThreshold` matters only to mmr, whose candidates must pass it before the diverse pick
    /// (as Qdrant); every other ranking is cut by the caller.
    private func nearest(_ query: QueryInput, using vectorName: String, limit: Int, ef: Int?, exact: Bool, allowed: AllowList?,
                         lookup: ExampleSource? = nil, scoreThreshold: Float? = nil) throws -> Ranked {
        let vector: VectorValue
        switch query {
        case .nearest(let value): vector = value
        case .nearestPoint(let id) where lookup != nil:
            // Looked up in another collection: nothing of this one is left out.
            var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
            return try nearest(.nearest(try examples.vector(.point(id))), using: vectorName, limit: limit, ef: ef, exact: exact, allowed: allowed)
        case .nearestPoint(let id):
            guard let stored = try storedVector(of: id, name: vectorName) else {
                throw CollectionError.invalid("point \(id) has no vector `\(vectorName)`")
            }
            // Qdrant leaves the point queried by out of its own results.
            guard let iid = stateLock.withSharedLock({ state.internalIDs[id] }) else { throw CollectionError.pointNotFound(id) }
            var ranked = try nearest(.nearest(stored), using: vectorName, limit: limit + 1, ef: ef, exact: exact, allowed: allowed)
            ranked.hits.removeAll { $0.id == iid }
            ranked.hits = Array(ranked.hits.prefix(limit))
            return ranked
        case .recommend(let positive, let negative, .averageVector):
            guard !positive.isEmpty else { throw CollectionError.invalid("recommend: at least one positive example is required") }
            var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
            let positives = try positive.map { try examples.vector($0) }
            let negatives = try negative.map { try examples.vector($0) }
            let target = try ExampleScoring.averageTarget(positive: positives, negative: negatives)
            var ranked = try nearest(.nearest(target), using: vectorName, limit: limit + examples.excluded.count, ef: ef, exact: exact, allowed: allowed)
            ranked.hits.removeAll { examples.excluded.contains($0.id) }
            ranked.hits = Array(ranked.hits.prefix(limit))
            return ranked
        case .recommend(let positive, let negative, let strategy):
            guard !positive.isEmpty || !negative.isEmpty else {
                throw CollectionError.invalid("recommend: no positive or negative examples given")
            }
            var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
            let vectors = try (positive + negative).map { try examples.vector($0) }
            let scoring = strategy == .bestScore
                ? ExampleScoring.bestScore(positives: positive.count) : ExampleScoring.sumScores(positives: positive.count)
            return try scoreByExamples(vectors, scoring: scoring, using: vectorName, limit: limit, allowed: allowed, excluded: examples.excluded)
        case .discover(let target, let context):
            var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
            var vectors = [try examples.vector(target)]
            for pair in context { vectors += [try examples.vector(pair.positive), try examples.vector(pair.negative)] }
            return try scoreByExamples(vectors, scoring: .discover, using: vectorName, limit: limit, allowed: allowed, excluded: examples.excluded)
        case .context(let pairs):
            guard !pairs.isEmpty else { throw CollectionError.invalid("context: at least one pair is required") }
            var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
            var vectors: [VectorValue] = []
            for pair in pairs { vectors += [try examples.vector(pair.positive), try examples.vector(pair.negative)] }
            return try scoreByExamples(vectors, scoring: .context, using: vectorName, limit: limit, allowed: allowed, excluded: examples.excluded)
        case .diverse(let inner, let mmr):
            guard mmr.diversity >= 0, mmr.diversity <= 1 else {
                throw CollectionError.validation("mmr.diversity: value \(mmr.diversity) invalid, must be from 0.0 to 1.0")
            }
            let candidateCount = mmr.candidates ?? limit
            guard candidateCount >= 1, candidateCount <= MaximalMarginalRelevance.maxCandidates else {
                throw CollectionError.validation("mmr.candidates_limit: value \(candidateCount) invalid, must be from 1 to \(MaximalMarginalRelevance.maxCandidates)")
            }
            let target: VectorValue
            switch inner {
            case .nearest(let value): target = value
            case .nearestPoint(let id):
                var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
                target = try examples.vector(.point(id))
            default: throw CollectionError.invalid("mmr applies to a nearest query")
            }
            var candidates = try nearest(inner, using: vectorName, limit: candidateCount, ef: ef, exact: exact, allowed: allowed, lookup: lookup)
            if let threshold = scoreThreshold {
                candidates.hits.removeAll { candidates.higherIsBetter ? $0.score < threshold : $0.score > threshold }
            }
            candidates.hits = try diversify(candidates.hits, query: target, using: vectorName, diversity: mmr.diversity, limit: limit)
            return candidates
        case .fusion:
            throw CollectionError.invalid("fusion needs prefetches to fuse")
        case .relevanceFeedback(let query):
            guard query.feedback.count <= RelevanceFeedback.maxFeedback else {
                throw CollectionError.validation("relevance_feedback.feedback: at most \(RelevanceFeedback.maxFeedback) examples")
            }
            guard [query.a, query.b, query.c].allSatisfy(\.isFinite) else {
                throw CollectionError.invalid("relevance_feedback.strategy.naive: a, b and c must be finite numbers")
            }
            var examples = ExampleResolver(collection: self, vectorName: vectorName, lookup: lookup)
            let vectors = try [examples.vector(query.target)] + query.feedback.map { try examples.vector($0.example) }
            let scoring = ExampleScoring.naiveFeedback(a: query.a, pairs: query.pairs)
            return try scoreByExamples(vectors, scoring: scoring, using: vectorName, limit: limit, allowed: allowed, excluded: examples.excluded)
        case .orderBy, .sample, .formula:
            throw CollectionError.invalid("order_by, sample and formula cannot be the query of mmr or a vector re-ranking")
        }
        if let index = multi[vectorName], let vectorConfig = engineConfig.vectors[vectorName] {
            // A plain vector asks as a multivector of one row.
            let rows: [[Float]]
            switch vector {
            case .multi(let matrix): rows = matrix
            case .dense(let row): rows = [row]
            case .sparse: throw CollectionError.invalid("Conversion between sparse and regular vectors failed")
            }
            do {
                let hits = try CollectionMetrics.stage(.dense) { () throws(MultiVectorError) -> [SearchHit] in
                    if let allowed { return try index.search(rows, limit: limit, filter: allowed) }
                    return try index.search(rows, limit: limit, filter: NoFilter())
                }
                return Ranked(hits: hits, higherIsBetter: vectorConfig.distance.higherIsBetter)
            } catch {
                throw CollectionError.invalid("\(vectorName.isEmpty ? "vector" : vectorName): \(error)")
            }
        }
        switch vector {
        case .multi:
            if engineConfig.vectors[vectorName] != nil || engineConfig.sparseVectors[vectorName] != nil {
                throw CollectionError.invalid("Conversion between multi and regular vectors failed")
            }
            throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
        case .dense(let raw):
            guard let index = dense[vectorName], let vectorConfig = engineConfig.vectors[vectorName] else {
                if engineConfig.sparseVectors[vectorName] != nil { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
                throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
            }
            let prepared = try prepareDense(raw, config: vectorConfig, name: vectorName)
            let ef = max(ef ?? engineConfig.hnswParameters(for: vectorName).efConstruct, limit)
            let hits = try CollectionMetrics.stage(.dense) { try index.search(prepared, limit: limit, ef: ef, exact: exact, filter: allowed) }
            return Ranked(hits: hits, higherIsBetter: vectorConfig.distance.higherIsBetter)
        case .sparse(let indices, let values):
            guard let index = sparse[vectorName] else {
                if engineConfig.vectors[vectorName] != nil { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
                throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
            }
            let (sortedIndices, sortedValues) = try prepareSparse(indices: indices, values: values, name: vectorName)
            let hits = try CollectionMetrics.stage(.sparse) { try index.search(indices: sortedIndices, values: sortedValues, limit: limit, filter: allowed) }
            return Ranked(hits: hits, higherIsBetter: true)
        }
    }

    private func fuse(_ lists: [Ranked], method: FusionMethod, limit: Int) throws -> [SearchHit] {
        switch method {
        case .rrf(let k, let weights):
            do {
                try Fusion.validate(k: k, weights: weights, listCount: lists.count)
            } catch {
                throw CollectionError.validation("\(error)")
            }
            return Fusion.rrf(lists.map(\.hits), k: k, weights: weights, limit: limit)
        case .dbsf:
            return Fusion.dbsf(lists.map(\.hits), higherIsBetter: lists.map(\.higherIsBetter), limit: limit)
        }
    }
}

// MARK: Groups

/// One group of a grouped query: the group's value and its best hits.
public struct PointGroup: Sendable {
    public var value: JSONValue
    public var hits: [PointRecord]
}

extension VectorCollection {
    /// The most candidates a grouped query examines.
    public static let maxGroupCandidates = 100_000

    /// Runs `request` and groups its hits by the values at `groupBy` (strings and integers; a point
    /// with several values joins each of their groups): at most `groups` groups, in the order of their
    /// best hit, each with up to `groupSize` hits. Candidates grow until enough groups are full or the
    /// ranking is exhausted, so no group is missed for want of candidates; prefetch limits grow with
    /// them (as Qdrant's local mode lifts them), so a prefetch's own limit does not starve the groups.
    public func queryGroups(_ request: QueryRequest, groupBy: String, groupSize: Int, groups: Int) throws -> [PointGroup] {
        guard let path = PayloadPath(groupBy) else { throw CollectionError.invalid("group_by: `\(groupBy)` is not a valid payload key") }
        guard groupSize >= 1, groups >= 1 else { throw CollectionError.validation("group_size and limit must be 1 or larger") }
        var candidates = min(Self.maxGroupCandidates, max(groups * groupSize * 4, 64))
        while true {
            var probe = request
            probe.limit = candidates
            probe.offset = 0
            Self.raisePrefetchLimits(&probe.prefetch, to: candidates)
            probe.withPayload = .all
            let hits = try query(probe)
            var order: [JSONValue] = []
            var members: [JSONValue: [PointRecord]] = [:]
            for hit in hits {
                var values: [JSONValue] = []
                path.forEachValue(in: hit.payload ?? [:]) { value in
                    value.forEachFlattened { element in
                        switch element {
                        case .string, .int, .uint: if !values.contains(element) { values.append(element) }
                        default: break
                        }
                    }
                }
                for value in values {
                    if members[value] == nil {
                        guard order.count < groups else { continue }
                        order.append(value)
                    }
                    if members[value, default: []].count < groupSize { members[value, default: []].append(hit) }
                }
            }
            let full = order.count == groups && order.allSatisfy { (members[$0]?.count ?? 0) >= groupSize }
            if full || hits.count < candidates || candidates >= Self.maxGroupCandidates {
                return order.map { value in
                    PointGroup(value: value, hits: (members[value] ?? []).map { hit in
                        var h = hit
                        h.payload = request.withPayload.apply(hit.payload ?? [:])
                        return h
                    })
                }
            }
            candidates = min(Self.maxGroupCandidates, candidates * 4)
        }
    }

    private static func raisePrefetchLimits(_ prefetches: inout [QueryRequest], to limit: Int) {
        for i in prefetches.indices {
            prefetches[i].limit = max(prefetches[i].limit, limit)
            raisePrefetchLimits(&prefetches[i].prefetch, to: limit)
        }
    }

    // MARK: Facets

    /// Counts the points passing `filter` per value at `key` (strings, integers, bools; each distinct
    /// value once per point), most frequent first, ties by value; at most `limit` values.
    public func facet(key: String, filter: Filter?, limit: Int) throws -> [(value: JSONValue, count: Int)] {
        guard let path = PayloadPath(key) else { throw CollectionError.invalid("key: `\(key)` is not a valid payload key") }
        guard limit >= 1 else { throw CollectionError.validation("limit: value \(limit) invalid, must be 1 or larger") }
        let allowed = try allowList(for: filter)
        var counts: [JSONValue: Int] = [:]
        stateLock.withSharedLock {
            for (iid, point) in state.points.enumerated() {
                guard let point, allowed?.allows(UInt32(iid)) ?? true else { continue }
                var seen: Set<JSONValue> = []
                path.forEachValue(in: point.payload) { value in
                    value.forEachFlattened { element in
                        switch element {
                        case .string, .int, .uint, .bool: if seen.insert(element).inserted { counts[element, default: 0] += 1 }
                        default: break
                        }
                    }
                }
            }
        }
        func rank(_ v: JSONValue) -> Int {
            switch v {
            case .bool: 0
            case .int, .uint: 1
            default: 2
            }
        }
        func less(_ a: JSONValue, _ b: JSONValue) -> Bool {
            if rank(a) != rank(b) { return rank(a) < rank(b) }
            switch (a, b) {
            case (.bool(let x), .bool(let y)): return !x && y
            case (.string(let x), .string(let y)): return x < y
            default: return (a.numberValue ?? 0) < (b.numberValue ?? 0)
            }
        }
        return counts.map { ($0.key, $0.value) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : less($0.0, $1.0) }
            .prefix(limit)
            .map { (value: $0.0, count: $0.1) }
    }
}

// MARK: Distance matrix

/// Qdrant's distance matrix: a random sample of points and, for each, its nearest others in the sample.
public struct DistanceMatrix: Sendable {
    /// The sampled points, in id order.
    public var ids: [PointID]
    /// For each sampled point (same order as `ids`): up to `limit` nearest other sampled points,
    /// best first, as (index into `ids`, score).
    public var neighbours: [[(index: Int, score: Float)]]
}

extension VectorCollection {
    /// The most points a distance matrix may sample (each is searched against all the others).
    public static let maxMatrixSample = 1_000

    /// Samples up to `sample` points that pass `filter` and have the vector `using`, then finds each
    /// one's `limit` nearest other sampled points (exactly). Fewer than 2 such points: empty.
    public func distanceMatrix<G: RandomNumberGenerator>(filter: Filter?, sample: Int, limit: Int, using vectorName: String,
                                                          generator: inout G) throws -> DistanceMatrix {
        guard sample >= 1, sample <= Self.maxMatrixSample else {
            throw CollectionError.validation("sample: value \(sample) invalid, must be from 1 to \(Self.maxMatrixSample)")
        }
        guard limit >= 1, limit <= Self.maxMatrixSample else {
            throw CollectionError.validation("limit: value \(limit) invalid, must be from 1 to \(Self.maxMatrixSample)")
        }
        guard dense[vectorName] != nil || sparse[vectorName] != nil || multi[vectorName] != nil else {
            throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
        }
        let withVector = Filter(must: [.hasVector(vectorName)]).and(filter)
        var candidates = try allowList(for: withVector)?.ids ?? []
        // A partial Fisher–Yates shuffle picks `sample` of them uniformly.
        let picked = min(sample, candidates.count)
        for i in 0..<picked { candidates.swapAt(i, Int.random(in: i..<candidates.count, using: &generator)) }
        let chosen: [(iid: UInt32, id: PointID)] = stateLock.withSharedLock {
            candidates.prefix(picked).compactMap { iid in state.points[Int(iid)].map { (iid, $0.id) } }
        }.sorted { $0.id < $1.id }
        guard chosen.count >= 2 else { return DistanceMatrix(ids: [], neighbours: []) }
        let capacity = stateLock.withSharedLock { state.points.count }
        let position = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($0.element.iid, $0.offset) })
        var neighbours: [[(index: Int, score: Float)]] = []
        neighbours.reserveCapacity(chosen.count)
        for (n, point) in chosen.enumerated() {
            guard let vector = try storedVector(of: point.id, name: vectorName) else {
                throw CollectionError.invalid("point \(point.id) has no vector `\(vectorName)`")
            }
            var others = AllowList(capacity: capacity)
            for (m, other) in chosen.enumerated() where m != n { others.insert(other.iid) }
            let ranked = try nearest(.nearest(vector), using: vectorName, limit: limit, ef: nil, exact: true, allowed: others)
            neighbours.append(ranked.hits.compactMap { hit in position[hit.id].map { (index: $0, score: hit.score) } })
        }
        return DistanceMatrix(ids: chosen.map(\.id), neighbours: neighbours)
    }
}
