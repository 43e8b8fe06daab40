import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import NIOCore
import Testing
@testable import Server

/// The project's own files the document tests read: the model fetched by `scripts/setup.sh` and the
/// extraction fixtures of the Documents tests.
enum ProjectFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = root.appendingPathComponent("data/models/all-MiniLM-L6-v2").path
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("Tests/DocumentsTests/Fixtures/\(name)"))
    }
}

/// A platform world whose server loads the real all-MiniLM-L6-v2 model, with one course per organisation.
struct DocumentWorld: Sendable {
    let world: PlatformWorld
    let course: Course
    let otherCourse: Course
    let betaCourse: Course

    static func make(model: Bool = true, tier: Tier = .standard, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> DocumentWorld {
        let world = try await PlatformWorld.make(tier: tier) { configuration in
            if model { configuration.modelDirectory = ProjectFiles.model }
            configure(&configuration)
        }
        let course = try world.accounts.createCourse(NewCourse(title: "Biology 101"), ownerID: world.instructor.id, organizationID: world.alpha.id)
        let other = try world.accounts.createCourse(NewCourse(title: "Chemistry 201"), ownerID: world.instructor.id, organizationID: world.alpha.id)
        let beta = try world.accounts.createCourse(NewCourse(title: "Beta Biology"), ownerID: world.betaInstructor.id, organizationID: world.beta.id)
        return DocumentWorld(world: world, course: course, otherCourse: other, betaCourse: beta)
    }

    /// The real application, with the procedures' rate limits lifted (these tests upload more than the
    /// contract's 5 files a minute; the limits have their own tests).
    func application() async throws -> some ApplicationProtocol {
        var limits = RateLimiter.Configuration()
        limits.limits = [:]
        return try await buildApplication(world.configuration, rateLimiter: RateLimiter(configuration: limits))
    }
}

extension TestClientProtocol {
    /// `generation.uploadFile` in the contract's JSON form.
    func upload(_ bytes: Data, name: String, mime: String, course: Course, headers: HTTPFields, declaredSize: Int? = nil) async throws -> TRPCAnswer {
        try await upload(bytes, name: name, mime: mime, courseID: course.id, headers: headers, declaredSize: declaredSize)
    }

    func upload(_ bytes: Data, name: String, mime: String, courseID: UUID, headers: HTTPFields, declaredSize: Int? = nil) async throws -> TRPCAnswer {
        let input: JSONValue = .object([
            "courseId": .string(courseID.uuidString.lowercased()), "filename": .string(name),
            "fileSize": .int(Int64(declaredSize ?? bytes.count)), "mimeType": .string(mime), "fileContent": .string(bytes.base64EncodedString()),
        ])
        return try await trpcMutation("generation.uploadFile", String(decoding: JSONText.serialize(input), as: UTF8.self), headers: headers)
    }

    /// Polls `documents.get` until the file leaves pending/indexing (at most ~60 s: the first embedding loads the model).
    func settled(_ fileID: String, headers: HTTPFields) async throws -> JSONValue {
        var last: JSONValue = .null
        for _ in 0..<1200 {
            last = try await trpcQuery("documents.get", #"{"fileId":"\#(fileID)"}"#, headers: headers).data ?? .null
            if let status = last["vectorStatus"]?.stringValue, status == "indexed" || status == "failed" { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("file \(fileID) never settled: \(last)")
        return last
    }

    /// Points of `course_embeddings` whose `document_id` is `fileID` (over the Qdrant API).
    func pointCount(document fileID: String) async throws -> Int {
        let body = #"{"exact":true,"filter":{"must":[{"key":"document_id","match":{"value":"\#(fileID)"}}]}}"#
        return try await execute(uri: "/collections/course_embeddings/points/count", method: .post,
                                 headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) { response in
            let json = try JSONText.parse(String(buffer: response.body))
            return json["result"]?["count"]?.numberValue.map { Int($0) } ?? -1
        }
    }

    func organizationUsage(_ headers: HTTPFields) async throws -> Int {
        try await trpcQuery("billing.getUsage", nil, headers: headers).data?["storageUsedBytes"]?.numberValue.map { Int($0) } ?? -1
    }
}

let mitochondriaNotes = Data("""
# Cell biology

## Organelles

The mitochondria is the powerhouse of the cell: it turns glucose and oxygen into ATP through oxidative phosphorylation.

Ribosomes read messenger RNA and assemble proteins from amino acids.

## Membranes

The plasma membrane is a lipid bilayer with embedded proteins that control what enters and leaves the cell.
""".utf8)

@Suite("Document procedures", .serialized)
struct DocumentProcedureTests {
    @Test("upload (JSON base64) → indexed → search.chunks finds the passage; the second identical search is cached")
    func uploadIndexSearch() async throws {
        let docs = try await DocumentWorld.make()
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let uploaded = try await client.upload(mitochondriaNotes, name: "cells.md", mime: "text/markdown", course: docs.course, headers: headers)
            #expect(uploaded.status == .ok, "\(uploaded.text)")
            let fileID = try #require(uploaded.data?["fileId"]?.stringValue)
            #expect(uploaded.data?["message"] == "File \"cells.md\" uploaded successfully to course \"Biology 101\"")
            #expect(uploaded.data?["storagePath"]?.stringValue?.hasPrefix("files/") == true)
            let file = try await client.settled(fileID, headers: headers)
            #expect(file["vectorStatus"] == "indexed", "\(file)")
            let chunks = try #require(file["chunkCount"]?.numberValue.map { Int($0) })
            #expect(chunks >= 2)
            #expect(try await client.pointCount(document: fileID) == chunks)
            #expect(file["fileSize"] == .int(Int64(mitochondriaNotes.count)) && file["mimeType"] == "text/markdown" && file["filename"] == "cells.md")
            #expect(try await client.organizationUsage(headers) == mitochondriaNotes.count)

            let query = #"{"courseId":"\#(docs.course.id.uuidString.lowercased())","query":"which organelle produces ATP energy?","limit":3}"#
            let found = try await client.trpcQuery("search.chunks", query, headers: headers)
            #expect(found.status == .ok, "\(found.text)")
            let results = try #require(found.data?["results"]?.arrayValue)
            #expect(!results.isEmpty)
            #expect(results.first?["content"]?.stringValue?.contains("powerhouse of the cell") == true, "\(results)")
            #expect(results.allSatisfy { $0["document_id"] == .string(fileID) })
            #expect(found.data?["metadata"]?["search_type"] == "hybrid" && found.data?["metadata"]?["cached"] == false)
            let again = try await client.trpcQuery("search.chunks", query, headers: headers)
            #expect(again.data?["metadata"]?["cached"] == true && again.data?["results"] == found.data?["results"])
            #expect(again.data?["results"]?.arrayValue?.first?["payload"] == nil)
            // includePayload is an answer of its own: its kept rendering carries the payload, the other's does not.
            let withPayload = query.replacingOccurrences(of: #""limit":3"#, with: #""limit":3,"includePayload":true"#)
            let full = try await client.trpcQuery("search.chunks", withPayload, headers: headers)
            #expect(full.data?["metadata"]?["cached"] == false)
            #expect(full.data?["results"]?.arrayValue?.first?["payload"]?["document_id"] == .string(fileID))
            let fullAgain = try await client.trpcQuery("search.chunks", withPayload, headers: headers)
            #expect(fullAgain.data?["metadata"]?["cached"] == true && fullAgain.data?["results"] == full.data?["results"])
            #expect(try await client.trpcQuery("search.chunks", query, headers: headers).data?["results"] == found.data?["results"])

            let listed = try await client.trpcQuery("documents.list", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())"}"#, headers: headers)
            #expect(listed.data?["total"] == 1 && listed.data?["documents"]?.arrayValue?.first?["id"] == .string(fileID))

            // A new document moves the course's version on: the cached answer is not served again.
            let more = Data("Chloroplasts capture light energy in plant cells through photosynthesis.".utf8)
            let second = try await client.upload(more, name: "plants.txt", mime: "text/plain", course: docs.course, headers: headers)
            let secondID = try #require(second.data?["fileId"]?.stringValue)
            #expect(try await client.settled(secondID, headers: headers)["vectorStatus"] == "indexed")
            let fresh = try await client.trpcQuery("search.chunks", query, headers: headers)
            #expect(fresh.data?["metadata"]?["cached"] == false)

            // Dense only, a level filter, and a document filter that names the other file.
            let dense = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())","query":"photosynthesis","hybrid":false,"level":"child","documentIds":["\#(secondID)"]}"#, headers: headers)
            #expect(dense.data?["metadata"]?["search_type"] == "dense")
            let denseResults = try #require(dense.data?["results"]?.arrayValue)
            #expect(!denseResults.isEmpty && denseResults.allSatisfy { $0["document_id"] == .string(secondID) && $0["level"] == "child" })
        }
    }

    @Test("octet-stream and multipart/form-data uploads store the same bytes as the JSON form")
    func streamedForms() async throws {
        let docs = try await DocumentWorld.make(model: false)
        let app = try await docs.application()
        try await app.test(.router) { client in
            var headers = try await docs.world.bearer(docs.world.instructor)
            let course = docs.course.id.uuidString.lowercased()
            let bytes = Data((0..<3000).map { "line \($0) of the streamed upload\n" }.joined().utf8)

            // application/octet-stream: metadata in ?input=, the size from content-length.
            let input = #"{"courseId":"\#(course)","filename":"stream.txt","mimeType":"text/plain"}"#
            var octet = headers
            octet[.contentType] = "application/octet-stream"
            let streamed = try await client.execute(
                uri: "/trpc/generation.uploadFile?input=" + (input.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                method: .post, headers: octet, body: ByteBuffer(bytes: bytes)
            ) { TRPCAnswer(status: $0.status, headers: $0.headers, text: String(buffer: $0.body), json: try? JSONText.parse(String(buffer: $0.body))) }
            #expect(streamed.status == .ok, "\(streamed.text)")
            let streamedID = try #require(streamed.data?["fileId"]?.stringValue)

            // multipart/form-data: text fields, then the file part with its own name and type.
            let boundary = "----campus-boundary-7MA4YWxkTrZu0gW"
            var form = Data()
            form.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"courseId\"\r\n\r\n\(course)\r\n".utf8))
            form.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"form.txt\"\r\nContent-Type: text/plain\r\n\r\n".utf8))
            form.append(bytes)
            form.append(Data("\r\n--\(boundary)--\r\n".utf8))
            var multipart = headers
            multipart[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let formed = try await client.execute(uri: "/trpc/generation.uploadFile", method: .post, headers: multipart, body: ByteBuffer(bytes: form)) {
                TRPCAnswer(status: $0.status, headers: $0.headers, text: String(buffer: $0.body), json: try? JSONText.parse(String(buffer: $0.body)))
            }
            #expect(formed.status == .ok, "\(formed.text)")
            let formedID = try #require(formed.data?["fileId"]?.stringValue)

            let json = try await client.upload(bytes, name: "json.txt", mime: "text/plain", course: docs.course, headers: headers)
            let jsonID = try #require(json.data?["fileId"]?.stringValue)
            var hashes: [String] = []
            for (id, name) in [(streamedID, "stream.txt"), (formedID, "form.txt"), (jsonID, "json.txt")] {
                let row = try await client.trpcQuery("documents.get", #"{"fileId":"\#(id)"}"#, headers: headers).data
                #expect(row?["filename"] == .string(name) && row?["fileSize"] == .int(Int64(bytes.count)) && row?["mimeType"] == "text/plain")
                hashes.append(row?["hash"]?.stringValue ?? "")
            }
            #expect(Set(hashes).count == 1 && hashes[0].count == 64)
            #expect(try await client.organizationUsage(headers) == 3 * bytes.count)

            // Malformed streamed forms are refused in tRPC's envelope and charge nothing.
            let noBoundary = try await client.execute(uri: "/trpc/generation.uploadFile", method: .post,
                                                      headers: { var h = headers; h[.contentType] = "multipart/form-data"; return h }(),
                                                      body: ByteBuffer(bytes: form)) { $0.status }
            #expect(noBoundary == .badRequest)
            var noFile = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"courseId\"\r\n\r\n\(course)\r\n--\(boundary)--\r\n".utf8)
            let missing = try await client.execute(uri: "/trpc/generation.uploadFile", method: .post, headers: multipart, body: ByteBuffer(bytes: noFile)) {
                TRPCAnswer(status: $0.status, headers: $0.headers, text: String(buffer: $0.body), json: try? JSONText.parse(String(buffer: $0.body)))
            }
            #expect(missing.status == .badRequest && missing.errorMessage?.contains("no file part") == true, "\(missing.text)")
            noFile = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"courseId\"\r\n\r\n\(course)".utf8)
            let truncated = try await client.execute(uri: "/trpc/generation.uploadFile", method: .post, headers: multipart, body: ByteBuffer(bytes: noFile)) { $0.status }
            #expect(truncated == .badRequest)
            let noInput = try await client.execute(uri: "/trpc/generation.uploadFile", method: .post, headers: octet, body: ByteBuffer(bytes: bytes)) { $0.status }
            #expect(noInput == .badRequest)
            let batch = try await client.execute(uri: "/trpc/generation.uploadFile,generation.uploadFile?batch=1", method: .post, headers: octet,
                                                 body: ByteBuffer(bytes: bytes)) { $0.status }
            #expect(batch == .badRequest)
            headers[.contentType] = "application/octet-stream"
            let wrongProcedure = try await client.execute(uri: "/trpc/courses.create", method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) { $0.status }
            #expect(wrongProcedure == .badRequest)
            #expect(try await client.organizationUsage(try await docs.world.bearer(docs.world.instructor)) == 3 * bytes.count)
        }
    }

    @Test("the contract's checks in order: course, role, tier type and size, declared size, quota; another organisation's course is missing")
    func checks() async throws {
        let docs = try await DocumentWorld.make(model: false)
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let text = Data("A short note.".utf8)
            let missingID = UUID()
            let missing = try await client.upload(text, name: "a.txt", mime: "text/plain",
                                                  courseID: missingID, headers: headers)
            #expect(missing.status == .notFound && missing.errorMessage == "Course not found: \(missingID.uuidString.lowercased())")
            let foreign = try await client.upload(text, name: "a.txt", mime: "text/plain", course: docs.betaCourse, headers: headers)
            #expect(foreign.status == .notFound && foreign.errorMessage == "Course not found: \(docs.betaCourse.id.uuidString.lowercased())")
            let student = try await client.upload(text, name: "a.txt", mime: "text/plain", course: docs.course, headers: try await docs.world.bearer(docs.world.student))
            #expect(student.status == .forbidden)
            let image = try await client.upload(text, name: "a.png", mime: "image/png", course: docs.course, headers: headers)
            #expect(image.status == .badRequest && image.errorMessage?.hasPrefix("File type not supported.") == true, "\(image.text)")
            let huge = try await client.upload(text, name: "a.txt", mime: "text/plain", course: docs.course, headers: headers, declaredSize: 99_000_000)
            #expect(huge.status == .badRequest && huge.errorMessage?.hasPrefix("File is too large.") == true, "\(huge.text)")
            let mismatch = try await client.upload(Data(repeating: 65, count: 1000), name: "a.txt", mime: "text/plain", course: docs.course,
                                                   headers: headers, declaredSize: 500)
            #expect(mismatch.errorMessage == "File size mismatch: declared 500 bytes, actual 1000 bytes (tolerance: 100 bytes)")
            let garbage = try await client.trpcMutation("generation.uploadFile", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())","filename":"g.txt","fileSize":3000,"mimeType":"text/plain","fileContent":"!!!!@@@@####$$$$"}"#, headers: headers)
            #expect(garbage.status == .badRequest, "\(garbage.text)")
            let zero = try await client.trpcMutation("generation.uploadFile", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())","filename":"g.txt","fileSize":0,"mimeType":"text/plain","fileContent":"QQ=="}"#, headers: headers)
            #expect(zero.status == .badRequest && zero.text.contains("File size must be positive"))

            // Fill the quota to 10 bytes short: an 11-byte file is refused with QUOTA_EXCEEDED, a 10-byte one fits.
            let organization = try #require(try docs.world.accounts.organization(id: docs.world.alpha.id))
            _ = try docs.world.accounts.reserveStorage(organizationID: organization.id, bytes: organization.storageQuotaBytes - 10)
            let over = try await client.upload(Data(repeating: 66, count: 11), name: "b.txt", mime: "text/plain", course: docs.course, headers: headers)
            #expect(over.errorCode == "QUOTA_EXCEEDED" && over.errorMessage?.hasPrefix("Storage quota exceeded.") == true, "\(over.text)")
            let fits = try await client.upload(Data(repeating: 66, count: 10), name: "b.txt", mime: "text/plain", course: docs.course, headers: headers)
            #expect(fits.status == .ok, "\(fits.text)")
            #expect(try docs.world.accounts.organization(id: organization.id)?.storageUsedBytes == organization.storageQuotaBytes)
            let listed = try await client.trpcQuery("documents.list", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())"}"#, headers: headers)
            #expect(listed.data?["total"] == 1)

            // Each refusal above counted once under its reason (counters are per process: other tests add to them).
            let exposition = try await scrape(client) { $0.contains("campus_upload_files_total") }
            func value(_ series: String) -> Double {
                exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            }
            for (reason, least) in [("course_not_found", 2.0), ("file_type", 1), ("file_size", 1), ("size_mismatch", 1), ("invalid_content", 1), ("quota", 1)] {
                #expect(value("campus_upload_rejections_total{reason=\"\(reason)\"}") >= least, "\(reason)")
            }
            #expect(value("campus_upload_files_total") >= 1 && value("campus_upload_bytes_total") >= 10)
        }
    }

    @Test("concurrent uploads never charge past the quota: exactly the ones that fit commit, usage equals their sizes")
    func concurrentQuota() async throws {
        // Premium allows 10 files per course, so the quota (room for 5) is what binds.
        let docs = try await DocumentWorld.make(model: false, tier: .premium)
        let app = try await docs.application()
        let organization = try #require(try docs.world.accounts.organization(id: docs.world.alpha.id))
        let fileBytes = 4096
        // Room for exactly 5 files.
        _ = try docs.world.accounts.reserveStorage(organizationID: organization.id, bytes: organization.storageQuotaBytes - Int64(5 * fileBytes) - 100)
        let before = try #require(try docs.world.accounts.organization(id: organization.id)?.storageUsedBytes)
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        let bytes = Data((0..<fileBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
                        return try await client.upload(bytes, name: "f\(index).txt", mime: "text/plain", course: docs.course, headers: headers).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 5, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .forbidden || $0 == .badRequest })
            let listed = try await client.trpcQuery("documents.list", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())"}"#, headers: headers)
            #expect(listed.data?["total"] == 5)
        }
        #expect(try docs.world.accounts.organization(id: organization.id)?.storageUsedBytes == before + Int64(5 * fileBytes))
    }

    @Test("concurrent uploads never pass the tier's files per course: standard allows 3, exactly 3 of 12 commit")
    func concurrentFileLimit() async throws {
        let docs = try await DocumentWorld.make(model: false)
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let answers = try await withThrowingTaskGroup(of: TRPCAnswer.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await client.upload(Data("file number \(index)".utf8), name: "f\(index).txt", mime: "text/plain", course: docs.course, headers: headers)
                    }
                }
                return try await group.reduce(into: [TRPCAnswer]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .ok }.count == 3, "\(answers.map(\.status))")
            #expect(answers.filter { $0.status != .ok }.allSatisfy { $0.errorMessage?.hasPrefix("File upload limit reached.") == true })
            let listed = try await client.trpcQuery("documents.list", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())"}"#, headers: headers)
            #expect(listed.data?["total"] == 3)
        }
    }

    @Test("identical bytes in one organisation reuse the indexed chunks (same count, new ids); another organisation shares nothing")
    func deduplication() async throws {
        let docs = try await DocumentWorld.make()
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let first = try await client.upload(mitochondriaNotes, name: "cells.md", mime: "text/markdown", course: docs.course, headers: headers)
            let firstID = try #require(first.data?["fileId"]?.stringValue)
            let original = try await client.settled(firstID, headers: headers)
            #expect(original["vectorStatus"] == "indexed")

            let copy = try await client.upload(mitochondriaNotes, name: "copy.md", mime: "text/markdown", course: docs.otherCourse, headers: headers)
            let copyID = try #require(copy.data?["fileId"]?.stringValue)
            let copied = try await client.settled(copyID, headers: headers)
            #expect(copied["vectorStatus"] == "indexed" && copied["originalFileId"] == .string(firstID))
            #expect(copied["chunkCount"] == original["chunkCount"] && copied["hash"] == original["hash"])
            #expect(try await client.pointCount(document: copyID) == original["chunkCount"]?.numberValue.map { Int($0) })
            let search = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(docs.otherCourse.id.uuidString.lowercased())","query":"powerhouse of the cell"}"#, headers: headers)
            let hits = try #require(search.data?["results"]?.arrayValue)
            #expect(!hits.isEmpty && hits.allSatisfy { $0["document_id"] == .string(copyID) })

            let betaHeaders = try await docs.world.bearer(docs.world.betaInstructor)
            let foreign = try await client.upload(mitochondriaNotes, name: "cells.md", mime: "text/markdown", course: docs.betaCourse, headers: betaHeaders)
            let foreignID = try #require(foreign.data?["fileId"]?.stringValue)
            let theirs = try await client.settled(foreignID, headers: betaHeaders)
            #expect(theirs["vectorStatus"] == "indexed" && theirs["originalFileId"] == .null && theirs["organizationId"] == .string(docs.world.beta.id.uuidString.lowercased()))
            #expect(theirs["storagePath"] == original["storagePath"])

            // Another organisation's ids answer exactly like missing ones, and change nothing.
            let random = UUID().uuidString.lowercased()
            for (procedure, kind) in [("documents.get", "query"), ("documents.delete", "mutation")] {
                func call(_ id: String) async throws -> TRPCAnswer {
                    let input = #"{"fileId":"\#(id)"}"#
                    return kind == "query" ? try await client.trpcQuery(procedure, input, headers: betaHeaders)
                        : try await client.trpcMutation(procedure, input, headers: betaHeaders)
                }
                let absent = try await call(random), hidden = try await call(firstID)
                #expect(absent.status == .notFound && hidden.status == absent.status && hidden.errorMessage == absent.errorMessage && hidden.errorCode == absent.errorCode)
            }
            let absentList = try await client.trpcQuery("documents.list", #"{"courseId":"\#(random)"}"#, headers: betaHeaders)
            let hiddenList = try await client.trpcQuery("documents.list", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())"}"#, headers: betaHeaders)
            #expect(hiddenList.status == .notFound && hiddenList.errorMessage == absentList.errorMessage)
            let absentSearch = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(random)","query":"cell"}"#, headers: betaHeaders)
            let hiddenSearch = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(docs.course.id.uuidString.lowercased())","query":"cell"}"#, headers: betaHeaders)
            #expect(hiddenSearch.status == .notFound && hiddenSearch.errorCode == absentSearch.errorCode)
            #expect(hiddenSearch.errorMessage?.replacingOccurrences(of: docs.course.id.uuidString.lowercased(), with: random) == absentSearch.errorMessage)
            #expect(try await client.trpcQuery("documents.get", #"{"fileId":"\#(firstID)"}"#, headers: headers).data?["vectorStatus"] == "indexed")
            // Beta's search sees only beta's copy.
            let betaHits = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(docs.betaCourse.id.uuidString.lowercased())","query":"powerhouse"}"#, headers: betaHeaders)
            #expect(betaHits.data?["results"]?.arrayValue?.allSatisfy { $0["document_id"] == .string(foreignID) } == true)
        }
    }

    @Test("a failed file fails visibly; retry re-queues it with the contract's rules; delete releases points, quota and bytes")
    func failureRetryDelete() async throws {
        let docs = try await DocumentWorld.make()
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let course = docs.course.id.uuidString.lowercased()
            let scanned = try ProjectFiles.fixture("image-only.pdf")
            let bad = try await client.upload(scanned, name: "scan.pdf", mime: "application/pdf", course: docs.course, headers: headers)
            let badID = try #require(bad.data?["fileId"]?.stringValue)
            let failed = try await client.settled(badID, headers: headers)
            #expect(failed["vectorStatus"] == "failed" && failed["errorMessage"]?.stringValue?.contains("text layer") == true, "\(failed)")
            let retried = try await client.trpcMutation("documentProcessing.retryDocument", #"{"courseId":"\#(course)","fileId":"\#(badID)"}"#, headers: headers)
            #expect(retried.data?["success"] == true && retried.data?["jobId"] == .string("document_processing-\(badID)-retry-1"), "\(retried.text)")
            let again = try await client.settled(badID, headers: headers)
            #expect(again["vectorStatus"] == "failed" && again["retries"] == 1)
            let wrongCourse = try await client.trpcMutation("documentProcessing.retryDocument", #"{"courseId":"\#(docs.otherCourse.id.uuidString.lowercased())","fileId":"\#(badID)"}"#, headers: headers)
            #expect(wrongCourse.status == .badRequest && wrongCourse.errorMessage == "Document does not belong to the specified course")

            let good = try await client.upload(mitochondriaNotes, name: "cells.md", mime: "text/markdown", course: docs.course, headers: headers)
            let goodID = try #require(good.data?["fileId"]?.stringValue)
            #expect(try await client.settled(goodID, headers: headers)["vectorStatus"] == "indexed")
            let notFailed = try await client.trpcMutation("documentProcessing.retryDocument", #"{"courseId":"\#(course)","fileId":"\#(goodID)"}"#, headers: headers)
            #expect(notFailed.status == .badRequest && notFailed.errorMessage == "Document status is 'indexed', can only retry 'failed' documents")

            #expect(try await client.organizationUsage(headers) == scanned.count + mitochondriaNotes.count)
            let student = try await client.trpcMutation("documents.delete", #"{"fileId":"\#(goodID)"}"#, headers: try await docs.world.bearer(docs.world.student))
            #expect(student.status == .forbidden)
            let removed = try await client.trpcMutation("documents.delete", #"{"fileId":"\#(goodID)"}"#, headers: headers)
            #expect(removed.data?["success"] == true && removed.data?["releasedBytes"] == .int(Int64(mitochondriaNotes.count)))
            #expect(try await client.pointCount(document: goodID) == 0)
            #expect(try await client.organizationUsage(headers) == scanned.count)
            #expect(try await client.trpcQuery("documents.get", #"{"fileId":"\#(goodID)"}"#, headers: headers).status == .notFound)
            let search = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(course)","query":"powerhouse of the cell"}"#, headers: headers)
            #expect(search.data?["results"]?.arrayValue?.isEmpty == true, "\(search.text)")
            // Only the scanned file's bytes are left in the blob store.
            let stored = try #require(failed["hash"]?.stringValue)
            #expect(Self.blobs(in: docs.world.configuration.dataDirectory) == [stored])

            // Deleting the course takes its remaining file, its quota and its points with it.
            let deleted = try await client.trpcMutation("courses.delete", #"{"courseId":"\#(course)"}"#, headers: headers)
            #expect(deleted.status == .ok, "\(deleted.text)")
            #expect(try await client.organizationUsage(headers) == 0)
            #expect(try await client.trpcQuery("documents.get", #"{"fileId":"\#(badID)"}"#, headers: headers).status == .notFound)
            #expect(Self.blobs(in: docs.world.configuration.dataDirectory).isEmpty)
        }
    }

    /// The content hashes the blob store holds (`files/<2>/<sha256>`), temporary spools left out.
    static func blobs(in dataDirectory: String) -> Set<String> {
        let root = dataDirectory + "/files"
        let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return Set(names.compactMap { path in
            let name = (path as NSString).lastPathComponent
            return name.count == 64 && name.allSatisfy(\.isHexDigit) ? name : nil
        })
    }

    @Test("hostile files fail their document cleanly and the server keeps serving")
    func hostileFiles() async throws {
        let docs = try await DocumentWorld.make()
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let report = try ProjectFiles.fixture("report.pdf")
            let deep = Data(("<html><body>" + String(repeating: "<div>", count: 10_000) + "deep text" + String(repeating: "</div>", count: 10_000) + "</body></html>").utf8)
            let cases: [(Data, String, String)] = [
                (report.prefix(report.count / 2), "truncated.pdf", "application/pdf"),
                (try ProjectFiles.fixture("encrypted.pdf"), "locked.pdf", "application/pdf"),
                (Data("plain words, not a PDF at all".utf8), "fake.pdf", "application/pdf"),
                (Data([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 200)), "broken.docx",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (deep, "deep.html", "text/html"),
            ]
            for (bytes, name, mime) in cases {
                let uploaded = try await client.upload(bytes, name: name, mime: mime, course: docs.course, headers: headers)
                guard let id = uploaded.data?["fileId"]?.stringValue else {
                    #expect(uploaded.status == .badRequest, "\(name): \(uploaded.text)")
                    continue
                }
                let settled = try await client.settled(id, headers: headers)
                if name == "deep.html" {
                    #expect(settled["vectorStatus"] == "indexed" || settled["errorMessage"]?.stringValue?.isEmpty == false, "\(settled)")
                } else {
                    #expect(settled["vectorStatus"] == "failed", "\(name): \(settled)")
                    #expect(settled["errorMessage"]?.stringValue?.isEmpty == false, "\(name): \(settled)")
                }
            }
            #expect(try await client.trpcQuery("generation.test", nil, headers: headers).status == .ok)
        }
    }

    @Test("search.chunks input is validated in tRPC's envelope")
    func searchInput() async throws {
        let docs = try await DocumentWorld.make(model: false)
        let app = try await docs.application()
        try await app.test(.router) { client in
            let headers = try await docs.world.bearer(docs.world.instructor)
            let course = docs.course.id.uuidString.lowercased()
            for input in [#"{"courseId":"nope","query":"x"}"#, #"{"courseId":"\#(course)","query":""}"#,
                          #"{"courseId":"\#(course)","query":"x","limit":0}"#, #"{"courseId":"\#(course)","query":"x","limit":101}"#,
                          #"{"courseId":"\#(course)","query":"x","scoreThreshold":2}"#, #"{"courseId":"\#(course)","query":"x","level":"grand"}"#,
                          #"{"courseId":"\#(course)","query":"x","documentIds":["not-a-uuid"]}"#, #"{"courseId":"\#(course)","query":"x","hybrid":"yes"}"#] {
                let answer = try await client.trpcQuery("search.chunks", input, headers: headers)
                #expect(answer.status == .badRequest && answer.errorCode == "BAD_REQUEST", "\(input): \(answer.text)")
            }
            let unauthenticated = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(course)","query":"x"}"#)
            #expect(unauthenticated.status == .unauthorized)
            // No model configured: a clear server error, not a crash.
            let noModel = try await client.trpcQuery("search.chunks", #"{"courseId":"\#(course)","query":"cells"}"#, headers: headers)
            #expect(noModel.status == .serviceUnavailable && noModel.errorCode == "SERVICE_UNAVAILABLE" && noModel.errorMessage?.contains("embedding model is not available") == true, "\(noModel.text)")
        }
    }
}
