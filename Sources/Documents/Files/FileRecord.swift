import Foundation
import JSON

/// Where a file stands in the pipeline (the platform's `vector_status`).
public enum VectorStatus: String, Sendable, CaseIterable {
    case pending, indexing, indexed, failed
}

/// An uploaded file of a course (the platform's `file_catalog` row).
///
/// Invariants (kept by `FileCatalog`): `sha256` names stored bytes in the `BlobStore` for as long as the
/// record exists; `fileSize` is the decoded size, charged to the organisation's storage quota while the
/// record exists; a record with `originalFileID` reuses that file's chunks and vectors (same organisation
/// only).
public struct FileRecord: Sendable, Equatable {
    public let id: UUID
    public let organizationID: UUID
    public let courseID: UUID
    public let filename: String
    /// The extension without the dot, lower-cased (`pdf`), `bin` when there is none.
    public let fileType: String
    public let mimeType: String
    public let fileSize: Int64
    /// Lower-case hex SHA-256 of the bytes.
    public let sha256: String
    /// Relative to the data directory: `files/ab/abcd…`.
    public let storagePath: String
    public let uploadedBy: UUID?
    /// Set for a deduplicated upload: the file of the same organisation whose chunks were copied.
    public let originalFileID: UUID?
    public internal(set) var vectorStatus: VectorStatus
    public internal(set) var chunkCount: Int
    public internal(set) var errorMessage: String?
    /// How many times processing was retried (`documentProcessing.retryDocument`).
    public internal(set) var retries: Int
    public let createdAt: Date
    public internal(set) var updatedAt: Date

    init(id: UUID, organizationID: UUID, courseID: UUID, filename: String, fileType: String, mimeType: String, fileSize: Int64,
         sha256: String, storagePath: String, uploadedBy: UUID?, originalFileID: UUID?, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.courseID = courseID
        self.filename = filename
        self.fileType = fileType
        self.mimeType = mimeType
        self.fileSize = fileSize
        self.sha256 = sha256
        self.storagePath = storagePath
        self.uploadedBy = uploadedBy
        self.originalFileID = originalFileID
        self.vectorStatus = .pending
        self.chunkCount = 0
        self.errorMessage = nil
        self.retries = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    // MARK: Stored form (JSON through JSONText; read defensively)

    var stored: JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(id.lowercasedString), "organizationID": .string(organizationID.lowercasedString),
            "courseID": .string(courseID.lowercasedString), "filename": .string(filename), "fileType": .string(fileType),
            "mimeType": .string(mimeType), "fileSize": .int(fileSize), "sha256": .string(sha256), "storagePath": .string(storagePath),
            "vectorStatus": .string(vectorStatus.rawValue), "chunkCount": .int(Int64(chunkCount)), "retries": .int(Int64(retries)),
            "createdAt": .int(Int64(createdAt.timeIntervalSince1970 * 1000)), "updatedAt": .int(Int64(updatedAt.timeIntervalSince1970 * 1000)),
        ]
        fields["uploadedBy"] = uploadedBy.map { .string($0.lowercasedString) }
        fields["originalFileID"] = originalFileID.map { .string($0.lowercasedString) }
        fields["errorMessage"] = errorMessage.map(JSONValue.string)
        return .object(fields)
    }

    init(stored bytes: UnsafeRawBufferPointer) throws {
        guard case .object(let f) = try JSONText.parse(bytes) else { throw FileCatalog.damaged("not an object") }
        func uuid(_ key: String) throws -> UUID {
            guard let text = f[key]?.stringValue, let value = UUID(uuidString: text) else { throw FileCatalog.damaged("\(key) missing") }
            return value
        }
        func string(_ key: String) throws -> String {
            guard let text = f[key]?.stringValue else { throw FileCatalog.damaged("\(key) missing") }
            return text
        }
        func millis(_ key: String) -> Date { Date(timeIntervalSince1970: (f[key]?.numberValue ?? 0) / 1000) }
        id = try uuid("id")
        organizationID = try uuid("organizationID")
        courseID = try uuid("courseID")
        filename = try string("filename")
        fileType = (try? string("fileType")) ?? "bin"
        mimeType = (try? string("mimeType")) ?? "application/octet-stream"
        fileSize = Int64(f["fileSize"]?.numberValue ?? 0)
        sha256 = try string("sha256")
        storagePath = try string("storagePath")
        uploadedBy = f["uploadedBy"]?.stringValue.flatMap(UUID.init(uuidString:))
        originalFileID = f["originalFileID"]?.stringValue.flatMap(UUID.init(uuidString:))
        vectorStatus = f["vectorStatus"]?.stringValue.flatMap(VectorStatus.init(rawValue:)) ?? .failed
        chunkCount = Int(f["chunkCount"]?.numberValue ?? 0)
        errorMessage = f["errorMessage"]?.stringValue
        retries = Int(f["retries"]?.numberValue ?? 0)
        createdAt = millis("createdAt")
        updatedAt = f["updatedAt"] == nil ? createdAt : millis("updatedAt")
    }
}
