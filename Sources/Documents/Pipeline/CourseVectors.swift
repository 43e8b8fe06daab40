import CollectionStore
import Foundation
import JSON
import Search

/// Where a course's chunk vectors live, as whole commands (DESIGN's `VectorStore` seam: a remote-Qdrant
/// implementation could replace this one without touching the pipeline).
public protocol CourseVectorStore: Sendable {
    /// Replaces every point of `documentID` with `points` (ids deterministic, so a retry rewrites the same ids).
    func replace(documentID: UUID, with points: [PointInput]) throws
    /// The stored points of a document, with vectors and payloads (for copying a deduplicated file).
    func points(ofDocument documentID: UUID) throws -> [PointRecord]
    func delete(documentID: UUID) throws
    func delete(courseID: UUID) throws
    func query(_ request: QueryRequest) throws -> [PointRecord]
}

/// The platform's single collection `course_embeddings` (contract §9.1) in this server's own engine: a dense
/// vector `dense` (all-MiniLM-L6-v2, 384, Cosine, m 16, ef_construct 100), a sparse vector `sparse`
/// (qdrant/bm25 weights with the `idf` modifier, so BM25's IDF is live rather than per process as in the
/// platform: its defect 11), and keyword payload indexes on the ids filters use.
public final class CollectionCourseVectors: CourseVectorStore {
    public static let collectionName = "course_embeddings"
    public static let denseName = "dense"
    public static let sparseName = "sparse"
    /// all-MiniLM-L6-v2's width: the collection's size when no model is loaded yet.
    public static let defaultDimension = 384
    static let indexedFields = ["document_id", "course_id", "organization_id", "level", "chunk_id", "parent_chunk_id"]

    let registry: CollectionRegistry
    let dimension: Int

    public init(registry: CollectionRegistry, dimension: Int) {
        self.registry = registry
        self.dimension = dimension
    }

    /// The collection, created with its payload indexes on first use.
    func collection() throws -> VectorCollection {
        if registry.exists(Self.collectionName) { return try registry.collection(named: Self.collectionName) }
        let config = CollectionConfig(
            vectors: [Self.denseName: DenseVectorConfig(size: dimension, distance: .cosine)],
            sparseVectors: [Self.sparseName: SparseVectorConfig(modifier: .idf)],
            hnsw: HNSWParameters(m: 16, efConstruct: 100)
        )
        let created: VectorCollection
        do {
            created = try registry.create(name: Self.collectionName, config: config)
        } catch CollectionError.collectionExists {
            return try registry.collection(named: Self.collectionName)  // created meanwhile by another job
        }
        for field in Self.indexedFields { try created.createPayloadIndex(field: field, schema: PayloadFieldSchema(.keyword)) }
        return created
    }

    static func match(_ key: String, _ value: String) -> Condition {
        .field(FieldCondition(key: PayloadPath(firstKey: key), match: .value(.keyword(value))))
    }

    public func replace(documentID: UUID, with points: [PointInput]) throws {
        let collection = try collection()
        let stale = try collection.ids(matching: Filter(must: [Self.match("document_id", documentID.lowercasedString)]))
        let fresh = Set(points.map(\.id))
        let obsolete = stale.filter { !fresh.contains($0) }
        if !obsolete.isEmpty { try collection.delete(ids: obsolete, wait: true) }
        var start = 0
        while start < points.count {
            let batch = Array(points[start..<min(start + 256, points.count)])
            try collection.upsert(batch, wait: true)
            start += batch.count
        }
    }

    public func points(ofDocument documentID: UUID) throws -> [PointRecord] {
        let collection = try collection()
        var out: [PointRecord] = []
        var offset: PointID?
        let filter = Filter(must: [Self.match("document_id", documentID.lowercasedString)])
        repeat {
            let page = try collection.scroll(offset: offset, limit: 512, filter: filter, withPayload: .all, withVector: .all)
            out += page.points
            offset = page.next
        } while offset != nil
        return out
    }

    public func delete(documentID: UUID) throws {
        guard registry.exists(Self.collectionName) else { return }
        let collection = try collection()
        let ids = try collection.ids(matching: Filter(must: [Self.match("document_id", documentID.lowercasedString)]))
        if !ids.isEmpty { try collection.delete(ids: ids, wait: true) }
    }

    public func delete(courseID: UUID) throws {
        guard registry.exists(Self.collectionName) else { return }
        let collection = try collection()
        let ids = try collection.ids(matching: Filter(must: [Self.match("course_id", courseID.lowercasedString)]))
        if !ids.isEmpty { try collection.delete(ids: ids, wait: true) }
    }

    public func query(_ request: QueryRequest) throws -> [PointRecord] {
        guard registry.exists(Self.collectionName) else { return [] }
        return try collection().query(request)
    }
}
