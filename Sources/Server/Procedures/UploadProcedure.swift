import Accounts
import Documents
import Foundation
import Hummingbird
import JSON
import Logging
import MultipartKit
import NIOCore

/// `generation.uploadFile` (contract §5.2) in three forms:
///
/// - **JSON** (the contract's): `{courseId, filename, fileSize, mimeType, fileContent}` with the file as base64;
///   the body may be up to `maxUploadBytes` (a 100 MB file is 133 MB of base64).
/// - **`multipart/form-data`** (tRPC v11 `FormData`): text fields `courseId`, and optionally `filename`, `fileSize`
///   and `mimeType`, and one file part (named `file` or `fileContent`, or any part with a `filename`); missing
///   fields come from the file part (its filename and `Content-Type`) and the bytes received (the size).
/// - **`application/octet-stream`** (tRPC v11 `Blob`/`Uint8Array`): the body is the file; the same fields as the
///   `input` query parameter (`?input={"courseId":…,"filename":…,"mimeType":…}`), `fileSize` defaulting to
///   `content-length`.
///
/// The streamed forms write the bytes to disk and through SHA-256 as they arrive (1 MiB at a time, off the event
/// loops), so a 100 MB upload never sits in memory; their checks run before the file's bytes are read, so a
/// refused upload costs no disk. Every form answers `{fileId, storagePath, message}`.
enum UploadProcedure {
    static func procedure(_ services: PlatformServices) -> TRPCProcedure {
        var procedure = TRPCProcedure.mutation("generation.uploadFile", .instructor) { call in
            let caller = try call.caller()
            var input = call.reader()
            let fields = readDeclaration(&input)
            let content = input.string("fileContent", min: 1, minMessage: "File content is required")
            try input.finish()
            guard let declaration = fields.declaration, let content else { throw TRPCError(.badRequest, "invalid input") }
            return answer(try await services.uploads.upload(declaration, base64: content, by: caller))
        }
        procedure.maxBodyBytes = services.maxUploadBytes
        procedure.streamed = { call in
            let caller = try call.caller()
            switch call.form {
            case .octetStream: return answer(try await octetStream(call, caller: caller, services: services))
            case .formData: return answer(try await formData(call, caller: caller, services: services))
            }
        }
        return procedure
    }

    static func answer(_ uploaded: UploadService.Uploaded) -> WireValue {
        .object([
            ("fileId", PlatformWire.id(uploaded.file.id)), ("storagePath", .string(uploaded.file.storagePath)),
            ("message", .string(uploaded.message)),
        ])
    }

    /// The declared fields with the contract's zod rules; `fileSize` may be left out in the streamed forms.
    struct DeclaredFields {
        var courseID: UUID?
        var filename: String?
        var fileSize: Int64?
        var mimeType: String?

        var declaration: UploadService.Declaration? {
            guard let courseID, let filename, let fileSize, let mimeType else { return nil }
            return .init(courseID: courseID, filename: filename, fileSize: fileSize, mimeType: mimeType)
        }
    }

    static func readDeclaration(_ input: inout InputReader, sizeRequired: Bool = true, filenameRequired: Bool = true,
                                mimeRequired: Bool = true) -> DeclaredFields {
        var fields = DeclaredFields()
        fields.courseID = input.uuid("courseId", message: "Invalid course ID")
        fields.filename = input.string("filename", required: filenameRequired, min: 1, max: 255, minMessage: "Filename is required",
                                       maxMessage: "Filename too long")
        fields.fileSize = input.number(
            "fileSize", required: sizeRequired, integer: true, minimum: 0, exclusiveMinimum: true, maximum: Double(UploadService.maxDeclaredSize),
            integerMessage: "File size must be an integer", minMessage: "File size must be positive", maxMessage: "File size exceeds 100MB limit"
        ).map { Int64($0) }
        fields.mimeType = input.string("mimeType", required: mimeRequired, min: 1, minMessage: "MIME type is required")
        return fields
    }

    // MARK: application/octet-stream

    static func octetStream(_ call: StreamedCall, caller: Principal, services: PlatformServices) async throws -> UploadService.Uploaded {
        var input = InputReader(call.queryInput)
        var fields = readDeclaration(&input, sizeRequired: false)
        try input.finish()
        if fields.fileSize == nil, let length = call.contentLength { fields.fileSize = Int64(length) }
        guard var declaration = fields.declaration ?? fields.withSize(0) else { throw TRPCError(.badRequest, "invalid input") }
        if declaration.fileSize > 0 { _ = try services.uploads.check(declaration, by: caller) }
        let spool = try await SpoolWriter.open(services.blobs)
        do {
            var pending = ByteBuffer()
            var total = 0
            for try await piece in call.body {
                total += piece.readableBytes
                guard total <= services.maxUploadBytes else { throw Self.tooLarge(services.maxUploadBytes) }
                var piece = piece
                pending.writeBuffer(&piece)
                if pending.readableBytes >= SpoolWriter.pieceBytes {
                    try await spool.write(pending)
                    pending.clear()
                }
            }
            if pending.readableBytes > 0 { try await spool.write(pending) }
        } catch {
            spool.discard()
            throw error
        }
        if fields.fileSize == nil {
            declaration.fileSize = spool.handle.spool.size
            do {
                _ = try services.uploads.check(declaration, by: caller)
            } catch {
                spool.discard()
                throw error
            }
        }
        return try await services.uploads.upload(declaration, spooled: spool.handle, by: caller)
    }

    static func tooLarge(_ limit: Int) -> TRPCError {
        TRPCError(.payloadTooLarge, "Request body too large: more than \(limit) bytes")
    }

    // MARK: multipart/form-data

    static func formData(_ call: StreamedCall, caller: Principal, services: PlatformServices) async throws -> UploadService.Uploaded {
        guard let boundary = multipartBoundary(call.contentType) else {
            throw TRPCError(.badRequest, "multipart/form-data needs a boundary parameter in its content-type")
        }
        let form = try FormReader(boundary: boundary, blobs: services.blobs)
        do {
            var pending = ByteBuffer()
            var total = 0
            var checked = false
            for try await piece in call.body {
                total += piece.readableBytes
                guard total <= services.maxUploadBytes else { throw Self.tooLarge(services.maxUploadBytes) }
                var piece = piece
                pending.writeBuffer(&piece)
                guard pending.readableBytes >= SpoolWriter.pieceBytes else { continue }
                try await form.feed(pending)
                pending.clear()
                // The file's first bytes arrived: the checks run now, before the rest is read, when the fields came first.
                if !checked, form.state.fileStarted, let declaration = try form.declaration(complete: false) {
                    _ = try services.uploads.check(declaration, by: caller)
                    checked = true
                }
            }
            if pending.readableBytes > 0 { try await form.feed(pending) }
            try form.state.finish()
        } catch {
            form.discard()
            throw error
        }
        guard let spool = form.state.spool else { throw TRPCError(.badRequest, "The form has no file part: add the file as `file`") }
        let declaration: UploadService.Declaration
        do {
            guard let final = try form.declaration(complete: true) else { throw TRPCError(.badRequest, "invalid input") }
            declaration = final
            _ = try services.uploads.check(declaration, by: caller)
        } catch {
            form.discard()
            throw error
        }
        return try await services.uploads.upload(declaration, spooled: spool, by: caller)
    }

    /// The `boundary` parameter of a `multipart/form-data` content type (quotes removed), if valid (1–70 characters).
    static func multipartBoundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }
}

extension UploadProcedure.DeclaredFields {
    fileprivate func withSize(_ size: Int64) -> UploadService.Declaration? {
        var copy = self
        copy.fileSize = size
        return copy.declaration
    }
}

/// A spool written from the request's task one piece at a time, each write on `CPUWork` (disk writes and hashing
/// stay off the event loops).
struct SpoolWriter: Sendable {
    static let pieceBytes = 1 << 20
    let handle: SpoolHandle

    static func open(_ blobs: BlobStore) async throws -> SpoolWriter {
        SpoolWriter(handle: try await CPUWork.run { SpoolHandle(try BlobStore.Spool(store: blobs)) })
    }

    func write(_ buffer: ByteBuffer) async throws {
        let handle = handle
        try await CPUWork.run { try buffer.withUnsafeReadableBytes { try handle.spool.write($0) } }
    }

    func discard() { handle.spool.discard() }
}

/// Reads a `multipart/form-data` body with MultipartKit's streaming parser: text parts are kept (at most 64 KiB
/// each, 32 parts), the file part goes to a spool. Feeding runs on `CPUWork`; `state` is touched by one task at a
/// time (each `feed` is awaited before the next look), which is the invariant behind `@unchecked Sendable`.
final class FormReader: @unchecked Sendable {
    final class State {
        enum Part { case undecided, file, field }
        var fields: [String: String] = [:]
        var partHeaders: [String: String] = [:]
        var partBody: [UInt8] = []
        var part = Part.undecided
        /// The file part has begun (its checks may run).
        var fileStarted = false
        var fileName: String?
        var fileType: String?
        var spool: SpoolHandle?
        var parts = 0
        var failure: TRPCError?

        func finish() throws {
            if let failure { throw failure }
        }

        /// Decides what the current part is, at its first byte or its end; opens the spool for the file.
        func decide(blobs: BlobStore) {
            guard part == .undecided else { return }
            guard FormReader.isFilePart(partHeaders) else {
                part = .field
                return
            }
            guard spool == nil else {
                failure = TRPCError(.badRequest, "The form carries more than one file: upload one file per call")
                return
            }
            part = .file
            fileStarted = true
            fileName = FormReader.disposition(partHeaders["content-disposition"] ?? "")["filename"]
            fileType = partHeaders["content-type"]
            do {
                spool = SpoolHandle(try BlobStore.Spool(store: blobs))
            } catch {
                failure = TRPCError(.internalServerError, "Failed to save file")
            }
        }
    }

    static let maxFieldBytes = 64 << 10
    static let maxParts = 32
    let parser: MultipartParser
    let state = State()

    init(boundary: String, blobs: BlobStore) throws {
        parser = MultipartParser(boundary: boundary)
        let state = state
        parser.onHeader = { name, value in
            guard state.partHeaders.count < 32 else { return }
            state.partHeaders[name.lowercased()] = value
        }
        parser.onBody = { buffer in
            guard state.failure == nil else { return }
            state.decide(blobs: blobs)
            switch state.part {
            case .file:
                do {
                    try buffer.withUnsafeReadableBytes { try state.spool?.spool.write($0) }
                } catch {
                    state.failure = TRPCError(.internalServerError, "Failed to save file")
                }
            case .field:
                guard state.partBody.count + buffer.readableBytes <= Self.maxFieldBytes else {
                    state.failure = TRPCError(.payloadTooLarge, "A form field is longer than \(Self.maxFieldBytes) bytes")
                    return
                }
                state.partBody.append(contentsOf: buffer.readableBytesView)
            case .undecided:
                break
            }
        }
        parser.onPartComplete = {
            defer {
                state.partHeaders = [:]
                state.partBody = []
                state.part = .undecided
            }
            state.parts += 1
            guard state.failure == nil else { return }
            guard state.parts <= Self.maxParts else {
                state.failure = TRPCError(.badRequest, "The form has more than \(Self.maxParts) parts")
                return
            }
            state.decide(blobs: blobs)  // a part with no bytes is decided here
            guard state.part == .field, let name = Self.disposition(state.partHeaders["content-disposition"] ?? "")["name"] else { return }
            state.fields[name] = String(decoding: state.partBody, as: UTF8.self)
        }
    }

    /// Whether a part is the file: named `file` or `fileContent`, or carrying a `filename`.
    static func isFilePart(_ headers: [String: String]) -> Bool {
        let disposition = disposition(headers["content-disposition"] ?? "")
        return disposition["filename"] != nil || disposition["name"] == "file" || disposition["name"] == "fileContent"
    }

    /// The parameters of a `Content-Disposition: form-data; name="…"; filename="…"` header.
    static func disposition(_ header: String) -> [String: String] {
        var out: [String: String] = [:]
        for parameter in header.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            out[pair[0].lowercased()] = value.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return out
    }

    func feed(_ buffer: ByteBuffer) async throws {
        let reader = self
        try await CPUWork.run {
            do {
                try reader.parser.execute(buffer)
            } catch {
                throw TRPCError(.badRequest, "The multipart/form-data body is malformed")
            }
            try reader.state.finish()
        }
    }

    /// The upload's declaration from the fields and the file part. Before the whole file has arrived
    /// (`complete` false) it is nil until the course is named, and an undeclared size counts as 1 byte (the tier's
    /// size and the quota are checked again with the real size at the end).
    func declaration(complete: Bool) throws -> UploadService.Declaration? {
        var object: [String: JSONValue] = [:]
        for (key, value) in state.fields {
            if key == "fileSize", let number = Double(value) { object[key] = .double(number) } else { object[key] = .string(value) }
        }
        if object["filename"] == nil, let name = state.fileName { object["filename"] = .string(name) }
        if object["mimeType"] == nil, let type = state.fileType { object["mimeType"] = .string(type) }
        if object["fileSize"] == nil { object["fileSize"] = .int(complete ? state.spool?.spool.size ?? 0 : 1) }
        if !complete, object["courseId"] == nil { return nil }
        var input = InputReader(.object(object))
        let fields = UploadProcedure.readDeclaration(&input)
        try input.finish()
        return fields.declaration
    }

    func discard() { state.spool?.spool.discard() }
}
