import Accounts
import CollectionStore
import Documents
import Foundation
import JSON

/// `search.chunks`: the platform's internal `searchChunks` (contract §10) as a query, with the caller's
/// organisation and the course enforced by `CourseSearch` (the platform trusted its callers' filters).
///
/// Input: `courseId` (uuid), `query` (1–2,000 characters), `limit` (1–100, default 10), `scoreThreshold`
/// (0–1, default none), `hybrid` (default true), `includePayload` (default false), and the contract's filters
/// `documentIds`, `level` (`parent` / `child`), `chapter`, `section`, `hasCode`, `hasFormulas`, `hasTables`,
/// `hasImages`. Output: `{results: [...], metadata: {total_results, search_type, embedding_time_ms,
/// search_time_ms, filters_applied, cached}}`, each result with the contract's fields and defaults.
enum SearchProcedures {
    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        let search = services.search
        return [
            .query("search.chunks", .protected) { call in
                let caller = try call.caller()
                var input = call.reader()
                let courseID = input.uuid("courseId", message: "Invalid course ID")
                let query = input.string("query", min: 1, max: 2000, minMessage: "Query is required", maxMessage: "Query too long")
                var options = CourseSearch.Options()
                options.limit = input.integer("limit", required: false, in: 1...100) ?? 10
                options.scoreThreshold = input.number("scoreThreshold", required: false, minimum: 0, maximum: 1).map { Float($0) }
                options.hybrid = input.bool("hybrid", required: false) ?? true
                options.includePayload = input.bool("includePayload", required: false) ?? false
                options.documentIDs = input.uuidArray("documentIds")
                options.level = input.enumeration("level", required: false, options: ["parent", "child"])
                options.chapter = input.string("chapter", required: false, max: 500)
                options.section = input.string("section", required: false, max: 500)
                options.hasCode = input.bool("hasCode", required: false)
                options.hasFormulas = input.bool("hasFormulas", required: false)
                options.hasTables = input.bool("hasTables", required: false)
                options.hasImages = input.bool("hasImages", required: false)
                try input.finish()
                guard let courseID, let query else { throw TRPCError(.badRequest, "invalid input") }
                let found = try await search.search(courseID: courseID, query: query, options: options, by: caller)
                return .object([
                    // Encoded once per cached answer (includePayload is part of the cache key).
                    ("results", .raw(found.rendering.bytes {
                        WireValue.array(found.hits.map { result($0, includePayload: options.includePayload) }).bytes
                    })),
                    ("metadata", .object([
                        ("total_results", .int(found.hits.count)), ("search_type", .string(found.searchType)),
                        ("embedding_time_ms", .double(rounded(found.embeddingMilliseconds))),
                        ("search_time_ms", .double(rounded(found.searchMilliseconds))),
                        ("filters_applied", .json(.object(found.filtersApplied))), ("cached", .bool(found.cached)),
                    ])),
                ])
            }
        ]
    }

    static func rounded(_ milliseconds: Double) -> Double { (milliseconds * 1000).rounded() / 1000 }

    /// One hit with the contract's fields; missing ones default to '' / null / 0 / false (`level` to `child`).
    /// Written straight to text (a page is up to 100 hits of a few kilobytes each).
    static func result(_ hit: PointRecord, includePayload: Bool) -> WireValue {
        let payload = hit.payload ?? [:]
        func flag(_ key: String) -> JSONValue {
            if case .bool(let set)? = payload[key] { return .bool(set) }
            return .bool(false)
        }
        var object = JSONObjectWriter(capacity: 2048)
        object.string("chunk_id", payload["chunk_id"]?.stringValue ?? "")
        object.json("parent_chunk_id", payload["parent_chunk_id"])
        object.string("level", payload["level"]?.stringValue ?? "child")
        object.string("content", payload["content"]?.stringValue ?? "")
        object.string("heading_path", payload["heading_path"]?.stringValue ?? "")
        object.json("chapter", payload["chapter"])
        object.json("section", payload["section"])
        object.string("document_id", payload["document_id"]?.stringValue ?? "")
        object.string("document_name", payload["document_name"]?.stringValue ?? "")
        object.json("page_number", payload["page_number"])
        object.json("page_range", payload["page_range"])
        object.json("token_count", payload["token_count"] ?? .int(0))
        object.wire("score", .float(hit.score ?? 0))
        var metadata = JSONObjectWriter(capacity: 96)
        metadata.json("has_code", flag("has_code"))
        metadata.json("has_formulas", flag("has_formulas"))
        metadata.json("has_tables", flag("has_tables"))
        metadata.json("has_images", flag("has_images"))
        object.wire("metadata", metadata.finish())
        if includePayload { object.json("payload", .object(payload)) }
        return object.finish()
    }
}

extension InputReader {
    /// An optional array of UUID strings (`z.array(z.string().uuid()).optional()`), at most 1,000.
    mutating func uuidArray(_ key: String) -> [UUID]? {
        guard let raw = raw(key), raw != .null else { return nil }
        guard case .array(let items) = raw else {
            record(Self.invalidType(expected: "array", received: Self.typeName(raw), path: [key]))
            return nil
        }
        guard items.count <= 1000 else {
            record(.object([("code", .string("too_big")), ("maximum", .int(1000)), ("type", .string("array")), ("inclusive", .bool(true)),
                            ("exact", .bool(false)), ("message", .string("Array must contain at most 1000 element(s)")), ("path", .array([.string(key)]))]))
            return nil
        }
        var out: [UUID] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, Self.isUUID(text), let id = UUID(uuidString: text) else {
                record(.object([("validation", .string("uuid")), ("code", .string("invalid_string")), ("message", .string("Invalid uuid")),
                                ("path", .array([.string(key), .int(index)]))]))
                continue
            }
            out.append(id)
        }
        return out
    }
}
