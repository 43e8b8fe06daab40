import Accounts
import Documents
import Foundation
import JSON

/// `documents.list/get/delete` (the document list the web app shows beside a course) and
/// `documentProcessing.retryDocument` (contract §5.7), over `DocumentLibrary`; `generation.uploadFile` is in
/// `UploadProcedure`.
enum DocumentProcedures {
    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        let documents = services.documents
        return [
            UploadProcedure.procedure(services),
            .query("documents.list", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let courseID = input.uuid("courseId", message: "Invalid course ID")
                try input.finish()
                guard let courseID else { throw TRPCError(.badRequest, "invalid input") }
                let files = try documents.list(courseID: courseID, by: caller)
                return .object([("documents", .array(files.map(row))), ("total", .int(files.count))])
            },
            .query("documents.get", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let fileID = input.uuid("fileId", message: "Invalid file ID")
                try input.finish()
                guard let fileID else { throw TRPCError(.badRequest, "invalid input") }
                return row(try documents.get(fileID: fileID, by: caller))
            },
            .mutation("documents.delete", .instructor) { call in
                let caller = try call.caller()
                var input = call.reader()
                let fileID = input.uuid("fileId", message: "Invalid file ID")
                try input.finish()
                guard let fileID else { throw TRPCError(.badRequest, "invalid input") }
                let removed = try await documents.delete(fileID: fileID, by: caller)
                return .object([
                    ("success", .bool(true)), ("fileId", PlatformWire.id(removed.id)), ("releasedBytes", .int(Int(removed.fileSize))),
                ])
            },
            .mutation("documentProcessing.retryDocument", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let courseID = input.uuid("courseId", message: "Invalid course ID")
                let fileID = input.uuid("fileId", message: "Invalid file ID")
                try input.finish()
                guard let courseID, let fileID else { throw TRPCError(.badRequest, "invalid input") }
                let job = try await documents.retry(courseID: courseID, fileID: fileID, by: caller)
                return .object([("success", .bool(true)), ("jobId", .string(job.id))])
            },
        ]
    }

    /// A file as the document procedures answer it (camelCase of the platform's `file_catalog` columns).
    static func row(_ file: FileRecord) -> WireValue {
        .object([
            ("id", PlatformWire.id(file.id)), ("courseId", PlatformWire.id(file.courseID)), ("organizationId", PlatformWire.id(file.organizationID)),
            ("filename", .string(file.filename)), ("fileType", .string(file.fileType)), ("mimeType", .string(file.mimeType)),
            ("fileSize", .int(Int(file.fileSize))), ("hash", .string(file.sha256)), ("storagePath", .string(file.storagePath)),
            ("vectorStatus", .string(file.vectorStatus.rawValue)), ("chunkCount", .int(file.chunkCount)),
            ("errorMessage", PlatformWire.optional(file.errorMessage)),
            ("originalFileId", file.originalFileID.map(PlatformWire.id) ?? .null), ("retries", .int(file.retries)),
            ("createdAt", PlatformWire.date(file.createdAt)), ("updatedAt", PlatformWire.date(file.updatedAt)),
        ])
    }
}
