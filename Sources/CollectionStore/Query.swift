import Foundation
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

    public init() {}
}

extension VectorCollection {
    /// The largest `limit + offset` a query (or a prefetch's `limit`) may ask for.
    public static let maxQueryLimit = 100_000
    /// The most prefetches one query may hold, counting nested ones (each runs a search).
    public static let maxPrefetches = 64

    /// Runs a query: prefetches (with the root filter ANDed in), then the root ranking, offset, limit.
    public func query(_ request: QueryRequest) throws -> [PointRecord] {
        try CollectionMetrics.measure("query") { try runQuery(request) }
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
            return Array(page.points.dropFirst(request.offset)).map { var p = $0; p.score = 0; return p }
        }
        let rootAllowed = try CollectionMetrics.stage("filter") { try allowList(for: request.filter) }
        let ranked = try run(request, depth: 0, inherited: rootAllowed, limit: request.limit + request.offset)
        let window = Array(ranked.hits.dropFirst(request.offset).prefix(request.limit))
        let items: [(UInt32, LivePoint, Float?)] = stateLock.withSharedLock {
            window.compactMap { hit in
                guard Int(hit.id) < state.points.count, let point = state.points[Int(hit.id)] else { return nil }
                return (hit.id, point, hit.score)
            }
        }
        return try CollectionMetrics.stage("fetch") { try records(items, withPayload: request.withPayload, withVector: request.withVector) }
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
    }

    private func run(_ request: QueryRequest, depth: Int, inherited: AllowList?, limit: Int) throws -> Ranked {
        guard depth < 8 else { throw CollectionError.invalid("prefetch nesting deeper than 8 levels") }
        var allowed = inherited
        if depth > 0, let own = try allowList(for: request.filter) {
            if allowed == nil { allowed = own } else { allowed!.formIntersection(own) }
        }
        var ranked: Ranked
        if request.prefetch.isEmpty {
            guard let query = request.query else { throw CollectionError.invalid("a prefetch needs a query") }
            ranked = try nearest(query, using: request.using ?? "", limit: limit, ef: request.hnswEf, exact: request.exact, allowed: allowed)
        } else {
            let lists = try request.prefetch.map { prefetch in
                try run(prefetch, depth: depth + 1, inherited: allowed, limit: max(prefetch.limit, 1))
            }
            switch request.query {
            case .fusion(let method)?:
                ranked = Ranked(hits: try CollectionMetrics.stage("fusion") { try fuse(lists, method: method, limit: limit) }, higherIsBetter: true)
            case let query?:
                // Re-rank the union of the prefetch candidates by the root query.
                var candidates = AllowList(capacity: stateLock.withSharedLock { state.points.count })
                for list in lists { for hit in list.hits where Int(hit.id) < candidates.capacity { candidates.insert(hit.id) } }
                ranked = try nearest(query, using: request.using ?? "", limit: limit, ef: request.hnswEf, exact: true, allowed: candidates)
            case nil:
                ranked = lists[0]
            }
        }
        if let threshold = request.scoreThreshold {
            ranked.hits.removeAll { ranked.higherIsBetter ? $0.score < threshold : $0.score > threshold }
        }
        ranked.hits = Array(ranked.hits.prefix(limit))
        return ranked
    }

    private func nearest(_ query: QueryInput, using vectorName: String, limit: Int, ef: Int?, exact: Bool, allowed: AllowList?) throws -> Ranked {
        let vector: VectorValue
        switch query {
        case .nearest(let value): vector = value
        case .nearestPoint(let id):
            guard let stored = try storedVector(of: id, name: vectorName) else {
                throw CollectionError.invalid("point \(id) has no vector `\(vectorName)`")
            }
            vector = stored
        case .fusion:
            throw CollectionError.invalid("fusion needs prefetches to fuse")
        }
        switch vector {
        case .dense(let raw):
            guard let index = dense[vectorName], let vectorConfig = config.vectors[vectorName] else {
                if config.sparseVectors[vectorName] != nil { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
                throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
            }
            let prepared = try prepareDense(raw, config: vectorConfig, name: vectorName)
            let ef = max(ef ?? config.hnswParameters(for: vectorName).efConstruct, limit)
            let hits = try CollectionMetrics.stage("search") { try index.search(prepared, limit: limit, ef: ef, exact: exact, filter: allowed) }
            return Ranked(hits: hits, higherIsBetter: vectorConfig.distance.higherIsBetter)
        case .sparse(let indices, let values):
            guard let index = sparse[vectorName] else {
                if config.vectors[vectorName] != nil { throw CollectionError.invalid("Conversion between sparse and regular vectors failed") }
                throw CollectionError.invalid("Not existing vector name error: \(vectorName.isEmpty ? "default vector" : vectorName)")
            }
            let (sortedIndices, sortedValues) = try prepareSparse(indices: indices, values: values, name: vectorName)
            let hits = try CollectionMetrics.stage("search") { try index.search(indices: sortedIndices, values: sortedValues, limit: limit, filter: allowed) }
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
