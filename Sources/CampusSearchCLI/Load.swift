import JSON
import ArgumentParser
import AsyncHTTPClient
import CollectionStore
import Foundation
import NIOCore
import Platform

/// `campus-search load`: bulk index loading from vector files, over Qdrant's HTTP API or straight
/// into a stopped server's data directory.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bulk-load points (fvecs/npy vectors, JSONL payloads and sparse vectors) into a collection.",
        discussion: """
        Point i gets id i (or line i of --ids), vector row i, payload line i and sparse line i. Upserts are \
        idempotent by id, so --resume skips the batches whose ids are all present and reloads the rest.
        """
    )

    @Option(help: "The collection to load into.") var collection: String
    @Option(help: "Dense vectors: .fvecs or .npy (f32/f64).") var vectors: String
    @Option(help: "JSON lines, one payload object per point.") var payload: String?
    @Option(help: "One point id per line (u64 or UUID); default: the row number.") var ids: String?
    @Option(name: .customLong("vector-name"), help: "The dense vector's name (\"\" for the unnamed vector).") var vectorName = "dense"
    @Option(help: "Distance when creating: cosine, dot or l2.") var distance = "cosine"
    @Option(help: "JSON lines {\"indices\": [...], \"values\": [...]}, one sparse vector per point.") var sparse: String?
    @Option(name: .customLong("sparse-name"), help: "The sparse vector's name.") var sparseName = "sparse"
    @Option(help: "Points per upsert.") var batch = 256
    @Option(help: "Concurrent upserts over HTTP; engine insert threads with --data-dir.") var parallel = 2
    @Option(help: "A Qdrant-compatible server, e.g. http://127.0.0.1:6333.") var url: String?
    @Option(name: .customLong("data-dir"), help: "Write a stopped server's LMDB directory directly (fastest).") var dataDirectory: String?
    @Flag(help: "Create the collection if it does not exist.") var create = false
    @Flag(help: "Continue an interrupted load: skip batches already fully present.") var resume = false

    func validate() throws {
        guard (url == nil) != (dataDirectory == nil) else { throw ValidationError("give exactly one of --url and --data-dir") }
        guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1") }
        guard parallel >= 1 else { throw ValidationError("--parallel must be ≥ 1") }
        guard ["cosine", "dot", "l2", "euclid"].contains(distance.lowercased()) else { throw ValidationError("--distance must be cosine, dot or l2") }
    }

    func run() async throws {
        let input = try LoadInput.read(self)
        let progress = ProgressBar("load \(collection)", total: input.count)
        let start = DispatchTime.now()
        let loaded: Int
        let ingestSeconds: Double
        if let dataDirectory {
            (loaded, ingestSeconds) = try loadDirect(input, dataDirectory: dataDirectory, progress: progress, start: start)
        } else {
            (loaded, ingestSeconds) = try await loadHTTP(input, baseURL: url!, progress: progress, start: start)
        }
        let indexedAfter = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        progress.finish()
        print("loaded \(loaded) points into \(collection) in \(String(format: "%.2f", ingestSeconds)) s (\(Int(Double(loaded) / max(ingestSeconds, 1e-9))) points/s acknowledged)")
        print("searchable (all vectors indexed) after \(String(format: "%.2f", indexedAfter)) s (\(Int(Double(loaded) / max(indexedAfter, 1e-9))) points/s)")
    }

    var qdrantDistance: String {
        switch distance.lowercased() {
        case "dot": "Dot"
        case "l2", "euclid": "Euclid"
        default: "Cosine"
        }
    }

    // MARK: Direct (LMDB)

    private func loadDirect(_ input: LoadInput, dataDirectory: String, progress: ProgressBar, start: DispatchTime) throws -> (Int, Double) {
        let node: DataDirectory
        var platform = DataDirectory.PlatformOptions()
        platform.recoverActiveJobs = false  // a loader beside the data never touches its jobs or files
        do { node = try DataDirectory(path: dataDirectory, platform: platform) } catch let error as DataDirectory.OpenError { throw CLIError(error.description) }
        let target: VectorCollection
        if node.collections.exists(collection) {
            target = try node.collections.collection(named: collection)
        } else if create {
            var config = CollectionConfig(
                vectors: [vectorName: DenseVectorConfig(size: input.dimension, distance: qdrantDistance == "Dot" ? .dot : qdrantDistance == "Euclid" ? .euclid : .cosine)],
                unnamedVector: vectorName.isEmpty
            )
            if input.sparse != nil { config.sparseVectors[sparseName] = SparseVectorConfig(modifier: .idf) }
            target = try node.collections.create(name: collection, config: config)
        } else {
            throw CLIError("collection `\(collection)` does not exist in \(dataDirectory); pass --create")
        }
        // Ingest (one thread) runs at storage speed while the graph is built beside it on the other
        // cores; once every point is committed, the graph's remaining backlog gets all `parallel` threads.
        target.insertThreads = parallel
        target.backgroundInsertThreads = max(1, parallel - 1)
        target.maxQueuedBytes = .max
        var done = 0
        for range in input.batches(of: batch) {
            let points = input.points(in: range, vectorName: vectorName, sparseName: sparseName)
            if resume, try target.retrieve(ids: points.map(\.id), withPayload: .none, withVector: .none).count == points.count {
                done += points.count
                progress.update(done)
                continue
            }
            do { try target.upsert(points, wait: false) } catch let error as CollectionError { throw CLIError("rows \(range): \(error)") }
            done += points.count
            progress.update(done)
        }
        let ingest = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        target.backgroundInsertThreads = parallel
        target.waitForIndexing()
        try target.checkpoint()
        return (done, ingest)
    }

    // MARK: HTTP

    private func loadHTTP(_ input: LoadInput, baseURL: String, progress: ProgressBar, start: DispatchTime) async throws -> (Int, Double) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let count = try await loadHTTP(input, baseURL: baseURL, progress: progress, client: client, start: start)
            try await client.shutdown()
            return count
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func loadHTTP(_ input: LoadInput, baseURL: String, progress: ProgressBar, client: HTTPClient, start: DispatchTime) async throws -> (Int, Double) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let name = collection.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? collection
        let exists = try await Self.send(client, "GET", "\(base)/collections/\(name)/exists", body: nil)
        if case .object(let result)? = exists["result"], result["exists"] == .bool(false) {
            guard create else { throw CLIError("collection `\(collection)` does not exist at \(base); pass --create") }
            var vectors: JSONValue = .object(["size": .int(Int64(input.dimension)), "distance": .string(qdrantDistance)])
            if !vectorName.isEmpty { vectors = .object([vectorName: vectors]) }
            var body: [String: JSONValue] = ["vectors": vectors]
            if input.sparse != nil { body["sparse_vectors"] = .object([sparseName: .object(["modifier": .string("idf")])]) }
            _ = try await Self.send(client, "PUT", "\(base)/collections/\(name)", body: .object(body))
        }
        let batches = input.batches(of: batch)
        let counter = LoadCounter(progress: progress)
        let (vectorName, sparseName, resume, parallel) = (self.vectorName, self.sparseName, self.resume, self.parallel)
        let pointsURL = "\(base)/collections/\(name)/points"
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < batches.count || !group.isEmpty {
                while next < batches.count && next < parallel + counter.finishedBatches {
                    let range = batches[next]
                    next += 1
                    group.addTask {
                        let points = input.points(in: range, vectorName: vectorName, sparseName: sparseName)
                        if resume {
                            let found = try await Self.send(client, "POST", pointsURL,
                                                            body: .object(["ids": .array(points.map { Self.json($0.id) }), "with_payload": .bool(false), "with_vector": .bool(false)]))
                            if case .array(let records)? = found["result"], records.count == points.count {
                                counter.add(points.count)
                                return
                            }
                        }
                        _ = try await Self.send(client, "PUT", pointsURL + "?wait=false", bytes: Self.upsertBody(points))
                        counter.add(points.count)
                    }
                }
                try await group.next()
            }
        }
        let ingest = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        // Acknowledged writes are indexed in the background: wait until every vector is searchable.
        var last = -1, stalls = 0
        while stalls < 600 {
            let info = try await Self.send(client, "GET", "\(base)/collections/\(name)", body: nil)
            let indexed = Int(info["result"]?["indexed_vectors_count"]?.numberValue ?? 0)
            let points = Int(info["result"]?["points_count"]?.numberValue ?? 0)
            if indexed >= points { break }
            stalls = indexed == last ? stalls + 1 : 0
            last = indexed
            try await Task.sleep(for: .milliseconds(100))
        }
        return (counter.value, ingest)
    }

    static func json(_ id: PointID) -> JSONValue {
        switch id {
        case .number(let n): n <= UInt64(Int64.max) ? .int(Int64(n)) : .uint(n)
        case .uuid: .string(id.description)
        }
    }

    /// `{"points": [...]}` written straight to bytes, dense components in their shortest f32 form
    /// (9 significant digits at most, against 17 for the same value printed as a double): the body
    /// is about half the size and both ends spend less time on numbers.
    static func upsertBody(_ points: [PointInput]) -> [UInt8] {
        var out: [UInt8] = []
        var components = 0
        for value in points.first?.vectors.values ?? [:].values {
            switch value {
            case .dense(let vector): components += vector.count
            case .sparse(_, let values): components += 2 * values.count
            case .multi(let rows): components += rows.reduce(0) { $0 + $1.count }
            }
        }
        out.reserveCapacity(points.count * (components * 12 + 64))
        out.append(contentsOf: #"{"points":["#.utf8)
        for (n, point) in points.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"#.utf8)
            JSONText.write(json(point.id), into: &out)
            out.append(contentsOf: #","vector":"#.utf8)
            let unnamed = point.vectors.count == 1 && point.vectors[""] != nil
            if !unnamed { out.append(UInt8(ascii: "{")) }
            for (i, (name, value)) in point.vectors.sorted(by: { $0.key < $1.key }).enumerated() {
                if !unnamed {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    JSONText.writeString(name, into: &out)
                    out.append(UInt8(ascii: ":"))
                }
                switch value {
                case .dense(let vector):
                    writeFloats(vector, into: &out)
                case .sparse(let indices, let values):
                    out.append(contentsOf: #"{"indices":"#.utf8)
                    JSONText.write(.array(indices.map { .int(Int64($0)) }), into: &out)
                    out.append(contentsOf: #","values":"#.utf8)
                    writeFloats(values, into: &out)
                    out.append(UInt8(ascii: "}"))
                case .multi(let rows):
                    out.append(UInt8(ascii: "["))
                    for (r, row) in rows.enumerated() {
                        if r > 0 { out.append(UInt8(ascii: ",")) }
                        writeFloats(row, into: &out)
                    }
                    out.append(UInt8(ascii: "]"))
                }
            }
            if !unnamed { out.append(UInt8(ascii: "}")) }
            out.append(contentsOf: #","payload":"#.utf8)
            JSONText.write(.object(point.payload), into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static func writeFloats(_ values: [Float], into out: inout [UInt8]) {
        JSONText.writeFloatArray9(values, into: &out)
    }

    private static func send(_ client: HTTPClient, _ method: String, _ url: String, body: JSONValue?) async throws -> [String: JSONValue] {
        try await send(client, method, url, bytes: body.map { JSONText.serialize($0) })
    }

    private static func send(_ client: HTTPClient, _ method: String, _ url: String, bytes body: [UInt8]?) async throws -> [String: JSONValue] {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        let parsed = (try? JSONText.parse(Array(buffer: bytes))) ?? .null
        guard (200..<300).contains(Int(response.status.code)) else {
            let message = parsed["status"]?["error"]?.stringValue ?? String(buffer: bytes)
            throw CLIError("\(method) \(url): HTTP \(response.status.code): \(message)")
        }
        return parsed.objectValue ?? [:]
    }
}

/// Counts loaded points and finished batches across concurrent uploads, and draws the progress bar.
final class LoadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private let progress: ProgressBar
    private var count = 0
    private var batches = 0

    init(progress: ProgressBar) { self.progress = progress }

    var value: Int { lock.withLock { count } }
    var finishedBatches: Int { lock.withLock { batches } }

    func add(_ n: Int) {
        lock.withLock {
            count += n
            batches += 1
            progress.update(count)
        }
    }
}

/// The files of a load, read up front.
struct LoadInput: Sendable {
    var dense: VectorSet
    var ids: [PointID]?
    var payloads: [[String: JSONValue]]?
    var sparse: [(indices: [UInt32], values: [Float])]?

    var count: Int { dense.count }
    var dimension: Int { dense.dimension }

    static func read(_ command: Load) throws -> LoadInput {
        let dense = try VectorFiles.readFloats(command.vectors)
        var input = LoadInput(dense: dense)
        if let path = command.ids {
            let lines = try Self.lines(path)
            guard lines.count >= dense.count else { throw CLIError("\(path): \(lines.count) ids for \(dense.count) vectors") }
            input.ids = try lines.prefix(dense.count).enumerated().map { n, line in
                guard let id = PointID(line.trimmingCharacters(in: .whitespaces)) else { throw CLIError("\(path):\(n + 1): `\(line)` is not a u64 or UUID") }
                return id
            }
        }
        if let path = command.payload {
            let lines = try Self.lines(path)
            guard lines.count >= dense.count else { throw CLIError("\(path): \(lines.count) payloads for \(dense.count) vectors") }
            input.payloads = try lines.prefix(dense.count).enumerated().map { n, line in
                guard case .object(let fields)? = try? JSONText.parse(line) else { throw CLIError("\(path):\(n + 1): not a JSON object") }
                return fields
            }
        }
        if let path = command.sparse {
            let lines = try Self.lines(path)
            guard lines.count >= dense.count else { throw CLIError("\(path): \(lines.count) sparse vectors for \(dense.count) vectors") }
            input.sparse = try lines.prefix(dense.count).enumerated().map { n, line in
                guard case .object(let fields)? = try? JSONText.parse(line),
                      case .array(let indices)? = fields["indices"], case .array(let values)? = fields["values"] else {
                    throw CLIError("\(path):\(n + 1): expected {\"indices\": [...], \"values\": [...]}")
                }
                return (indices.compactMap { $0.numberValue.map { UInt32($0) } }, values.compactMap { $0.numberValue.map { Float($0) } })
            }
        }
        return input
    }

    static func lines(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read \(path)") }
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func batches(of size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<Swift.min($0 + size, count) }
    }

    func points(in range: Range<Int>, vectorName: String, sparseName: String) -> [PointInput] {
        range.map { i in
            var vectors: [String: VectorValue] = [vectorName: .dense(dense[i])]
            if let sparse { vectors[sparseName] = .sparse(indices: sparse[i].indices, values: sparse[i].values) }
            return PointInput(id: ids?[i] ?? .number(UInt64(i)), vectors: vectors, payload: payloads?[i] ?? [:])
        }
    }
}

