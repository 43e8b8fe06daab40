import CollectionStore
import Embedding
import Foundation
import JSON
import Jobs
import Logging
import Search
import Storage

/// The `document_processing` job (contract §8): a stored upload becomes searchable chunks.
///
/// Steps, with the job's progress: read the stored bytes, mark the file `indexing` (5 %); extract text with
/// its structure (30 %); chunk it into parents and children on the model's word pieces (40 %); embed every
/// chunk (dense all-MiniLM-L6-v2 through the embedding cache, batched, 40 → 90 %) and encode its
/// `qdrant/bm25` sparse vector; replace the document's points in `course_embeddings` (95 %); then mark the
/// file `indexed` with its chunk count and Markdown **in the commit that completes the job**.
///
/// A file that cannot be read (corrupt, encrypted, no text layer, a zip bomb, a wrong declared type) fails
/// the job at once (no retry) and the file is `failed` with the extractor's message as `error_message`. Other
/// errors are retried with the job's backoff; on the last attempt the file is `failed` too. A deduplicated
/// upload copies its original's points (re-keyed to the new file, no re-embedding). Re-running after a crash
/// is safe: point ids are UUID v5 of the file and the chunk's position, so a retry rewrites the same points.
public struct DocumentProcessor: JobHandler {
    public let type = "document_processing"

    let files: FileCatalog
    let blobs: BlobStore
    let vectors: any CourseVectorStore
    let committer: GroupCommitter
    /// The model's embedder and a chunker on its word pieces; nil when the model is not available (files then
    /// fail with `unavailableReason` and can be retried once it is).
    let model: Model?
    let unavailableReason: String
    let extractor: DocumentExtractor
    let encoder = QdrantBM25Encoder()
    /// Called after a commit that changed a course's searchable documents (the search cache's version).
    let courseChanged: @Sendable (UUID) -> Void
    let logger: Logger
    /// Chunks embedded per call (progress is reported between calls).
    static let embeddingBatch = 64

    /// What embeds and chunks: a dense embedder and the chunker counting that model's word pieces.
    public struct Model: Sendable {
        public let embedder: any Embedder
        public let chunker: HierarchicalChunker
        public init(embedder: any Embedder, chunker: HierarchicalChunker) {
            self.embedder = embedder
            self.chunker = chunker
        }
    }

    public init(files: FileCatalog, blobs: BlobStore, vectors: any CourseVectorStore, committer: GroupCommitter, model: Model?,
                unavailableReason: String = "the embedding model is not configured", extractor: DocumentExtractor = DocumentExtractor(),
                courseChanged: @escaping @Sendable (UUID) -> Void, logger: Logger = Logger(label: "campus-search.documents")) {
        self.files = files
        self.blobs = blobs
        self.vectors = vectors
        self.committer = committer
        self.model = model
        self.unavailableReason = unavailableReason
        self.extractor = extractor
        self.courseChanged = courseChanged
        self.logger = logger
    }

    /// A failure of the file's own content: the job fails at once.
    struct UnreadableDocument: UnrecoverableJobError, CustomStringConvertible {
        let description: String
    }

    public func run(_ job: RunningJob) async throws -> JSONValue {
        guard let idText = job.record.payload["fileId"]?.stringValue, let fileID = UUID(uuidString: idText) else {
            throw UnreadableDocument(description: "Invalid job payload: fileId must be a UUID")
        }
        guard let file = try files.file(id: fileID, organizationID: nil) else { return try await deleted(fileID) }
        do {
            guard let model else { throw DocumentError.modelUnavailable(unavailableReason) }
            try await setStatus(fileID, .indexing, error: nil)
            try await job.progress(progress(5, "Reading the document"))
            var points: [PointInput] = []
            var markdown: String?
            if let original = file.originalFileID {
                let vectors = vectors
                points = try await CPUWork.run { try Self.copyPoints(vectors.points(ofDocument: original), to: file) }
                markdown = try files.markdown(of: original)
            }
            if points.isEmpty {
                // Not a copy, or its original went (or had no chunks) before this job ran: the bytes are still here.
                let (built, text) = try await buildPoints(for: file, model: model, job: job)
                points = built
                markdown = text
            }
            try job.checkCancellation()
            try await job.progress(progress(95, "Indexing \(points.count) chunks"))
            try await CPUWork.run { [vectors, points] in try vectors.replace(documentID: file.id, with: points) }
            // Deleted while it was being processed: the deletion removed the points before this wrote them.
            guard try files.file(id: fileID, organizationID: nil) != nil else { return try await deleted(fileID) }
            let files = files, courseChanged = courseChanged, chunkCount = points.count, extracted = markdown
            job.alsoWriteOnCompletion { txn in
                try files.update(fileID, in: txn) { record in
                    record.vectorStatus = .indexed
                    record.chunkCount = chunkCount
                    record.errorMessage = nil
                }
                if let extracted { try files.setMarkdown(extracted, for: fileID, in: txn) }
                txn.afterCommit { courseChanged(file.courseID) }
            }
            return ["fileId": .string(fileID.lowercasedString), "chunkCount": .int(Int64(points.count)), "vectorStatus": "indexed"]
        } catch let error as DocumentError where error.isPermanent {
            try await setStatus(fileID, .failed, error: error.description)
            throw UnreadableDocument(description: error.description)
        } catch is JobCancelledError {
            try await setStatus(fileID, .failed, error: "Processing was cancelled")
            throw JobCancelledError()
        } catch {
            if job.record.attemptsMade + 1 >= job.record.maxAttempts {
                try? await setStatus(fileID, .failed, error: "Processing failed: \(error)")
            }
            throw error
        }
    }

    /// A file that no longer exists: whatever a run wrote for it goes (deletion and processing raced).
    func deleted(_ fileID: UUID) async throws -> JSONValue {
        try await CPUWork.run { [vectors] in try vectors.delete(documentID: fileID) }
        return ["skipped": "the document was deleted", "fileId": .string(fileID.lowercasedString)]
    }

    func progress(_ percent: Int, _ message: String) -> JSONValue {
        ["status": "processing", "percent": .int(Int64(percent)), "message": .string(message)]
    }

    func setStatus(_ id: UUID, _ status: VectorStatus, error: String?) async throws {
        let files = files, courseChanged = courseChanged
        try await committer.write { txn in
            let record = try files.update(id, in: txn) { record in
                record.vectorStatus = status
                record.errorMessage = error
            }
            if status == .failed { txn.afterCommit { courseChanged(record.courseID) } }
        }
    }

    /// Extraction, chunking, embedding, and the points with the contract's payload (§9.2).
    func buildPoints(for file: FileRecord, model: Model, job: RunningJob) async throws -> ([PointInput], String) {
        let blobs = blobs, extractor = extractor, chunker = model.chunker, embedder = model.embedder
        let document = try await CPUWork.run { () throws -> ExtractedDocument in
            let bytes = try blobs.read(sha256: file.sha256)
            return try extractor.extract(bytes, mimeType: file.mimeType, filename: file.filename)
        }
        try job.checkCancellation()
        try await job.progress(progress(30, "Text extracted"))
        let (chunks, markdown) = try await CPUWork.run { (chunker.chunk(document, fileID: file.id), document.markdown()) }
        try await job.progress(progress(40, "\(chunks.count) chunks"))
        var dense: [[Float]] = []
        dense.reserveCapacity(chunks.count)
        var start = 0
        while start < chunks.count {
            try job.checkCancellation()
            let batch = chunks[start..<min(start + Self.embeddingBatch, chunks.count)].map(\.content)
            dense += try await embedder.embed(batch)
            start += batch.count
            try await job.progress(progress(40 + 50 * start / max(chunks.count, 1), "Embedded \(start) of \(chunks.count) chunks"))
        }
        let now = Date().iso8601Milliseconds
        let points = zip(chunks, dense).map { chunk, vector in
            let sparse = encoder.document(chunk.content)
            return PointInput(
                id: .uuid(chunk.id),
                vectors: [CollectionCourseVectors.denseName: .dense(vector),
                          CollectionCourseVectors.sparseName: .sparse(indices: sparse.indices, values: sparse.values)],
                payload: Self.payload(chunk, of: file, totalChunks: chunks.count, now: now)
            )
        }
        return (points, markdown)
    }

    /// The platform's payload fields (null ones left out).
    static func payload(_ chunk: Chunk, of file: FileRecord, totalChunks: Int, now: String) -> [String: JSONValue] {
        var payload: [String: JSONValue] = [
            "chunk_id": .string(chunk.id.lowercasedString), "level": .string(chunk.level.rawValue), "content": .string(chunk.content),
            "token_count": .int(Int64(chunk.tokenCount)), "char_count": .int(Int64(chunk.charCount)), "chunk_index": .int(Int64(chunk.index)),
            "total_chunks": .int(Int64(totalChunks)), "chunk_strategy": "hierarchical_markdown",
            "heading_path": .string(chunk.headingPath.isEmpty ? "Root" : chunk.headingPath.joined(separator: " > ")),
            "document_id": .string(file.id.lowercasedString), "document_name": .string("\(file.id.lowercasedString).\(file.fileType)"),
            "version_hash": .string(file.sha256), "has_code": .bool(chunk.hasCode), "has_formulas": .bool(chunk.hasFormulas),
            "has_tables": .bool(chunk.hasTables), "has_images": .bool(chunk.hasImages),
            "organization_id": .string(file.organizationID.lowercasedString), "course_id": .string(file.courseID.lowercasedString),
            "indexed_at": .string(now), "last_updated": .string(now),
        ]
        payload["parent_chunk_id"] = chunk.parentID.map { .string($0.lowercasedString) }
        if !chunk.siblingIDs.isEmpty { payload["sibling_chunk_ids"] = .array(chunk.siblingIDs.map { .string($0.lowercasedString) }) }
        if let first = chunk.headingPath.first { payload["chapter"] = .string(first) }
        if chunk.headingPath.count > 1 { payload["section"] = .string(chunk.headingPath[1]) }
        if let start = chunk.pageStart {
            payload["page_number"] = .int(Int64(start))
            payload["page_range"] = .array([.int(Int64(start)), .int(Int64(chunk.pageEnd ?? start))])
        }
        return payload
    }

    /// A deduplicated upload: the original's points under the new file's ids and fields.
    static func copyPoints(_ stored: [PointRecord], to file: FileRecord) -> [PointInput] {
        var idMap: [String: String] = [:]
        for point in stored {
            guard case .uuid(let old) = point.id, let level = point.payload?["level"]?.stringValue.flatMap(Chunk.Level.init(rawValue:)),
                  let index = point.payload?["chunk_index"]?.numberValue else { continue }
            idMap[old.lowercasedString] = Chunk.id(fileID: file.id, level: level, position: Int(index)).lowercasedString
        }
        let now = Date().iso8601Milliseconds
        return stored.compactMap { point in
            guard case .uuid(let old) = point.id, let newID = idMap[old.lowercasedString].flatMap(UUID.init(uuidString:)),
                  var payload = point.payload else { return nil }
            payload["chunk_id"] = .string(newID.lowercasedString)
            payload["document_id"] = .string(file.id.lowercasedString)
            payload["document_name"] = .string("\(file.id.lowercasedString).\(file.fileType)")
            payload["course_id"] = .string(file.courseID.lowercasedString)
            payload["organization_id"] = .string(file.organizationID.lowercasedString)
            payload["indexed_at"] = .string(now)
            payload["last_updated"] = .string(now)
            if let parent = payload["parent_chunk_id"]?.stringValue { payload["parent_chunk_id"] = idMap[parent].map(JSONValue.string) }
            if case .array(let siblings)? = payload["sibling_chunk_ids"] {
                payload["sibling_chunk_ids"] = .array(siblings.compactMap { $0.stringValue.flatMap { idMap[$0] }.map(JSONValue.string) })
            }
            return PointInput(id: .uuid(newID), vectors: point.vectors ?? [:], payload: payload)
        }
    }
}
