import JSON
import ArgumentParser
import CollectionStore
import Foundation
import Histogram
import NIOCore

/// `campus-search bench http`: recall and latency of queries over Qdrant's HTTP API with N concurrent clients.
struct BenchHTTP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Measure recall@k, QPS and p50/p95/p99 latency of /points/query over HTTP with concurrent clients."
    )

    @Option(help: "The server, e.g. http://127.0.0.1:6333.") var url: String
    @Option(help: "The collection to query.") var collection: String
    @Option(help: "Query vectors: .fvecs or .npy.") var queries: String
    @Option(help: "Ground truth neighbours (.ivecs or .npy), as point ids.") var gt: String?
    @Option(help: "Neighbours per query (limit).") var k = 10
    @Option(help: "Concurrent clients.") var concurrency = 32
    @Option(help: "Total requests (default: one per query).") var requests: Int?
    @Option(name: .customLong("vector-name"), help: "The vector name to query (\"\" for the unnamed vector).") var vectorName = "dense"
    @Option(help: "hnsw_ef search parameter (default: the server's).") var ef: Int?
    @Option(help: "Write the results as JSON to this file.") var json: String?

    func validate() throws {
        guard k >= 1, concurrency >= 1 else { throw ValidationError("--k and --concurrency must be ≥ 1") }
        if let requests, requests < 1 { throw ValidationError("--requests must be ≥ 1") }
    }

    func run() async throws {
        let queries = try VectorFiles.readFloats(self.queries)
        guard queries.count > 0 else { throw CLIError("\(self.queries) holds no vectors") }
        let truth = try gt.map { try VectorFiles.readInts($0) }
        let total = requests ?? queries.count
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let bodies: [ByteBuffer] = (0..<queries.count).map { i in
            var body: [String: JSONValue] = [
                "query": .array(queries[i].map { .double(Double($0)) }),
                "limit": .int(Int64(k)), "with_payload": .bool(false), "with_vector": .bool(false),
            ]
            if !vectorName.isEmpty { body["using"] = .string(vectorName) }
            if let ef { body["params"] = .object(["hnsw_ef": .int(Int64(ef))]) }
            return ByteBuffer(bytes: JSONText.serialize(.object(body)))
        }

        guard let parsed = URL(string: base), let host = parsed.host else { throw CLIError("--url \(url) is not an http URL") }
        let target = ClosedLoopLoad.Target(host: host, port: parsed.port ?? 80,
                                           path: parsed.path + "/collections/\(collection)/points/query")
        let answers = BenchHTTPAnswers()
        let cpuBefore = Self.processCPUSeconds()
        let outcome = try await ClosedLoopLoad.run(target: target, bodies: bodies, total: total, connections: concurrency) { query, body in
            guard !answers.has(query) else { return }
            var ids: [Int] = []
            if case .object(let result)? = (try? body.withUnsafeReadableBytes { try JSONText.parse($0) })?["result"],
               case .array(let points)? = result["points"] {
                ids = points.compactMap { $0["id"]?.numberValue.map { Int($0) } }
            }
            answers.set(query, ids)
        }
        let clientCPU = (Self.processCPUSeconds() - cpuBefore) / Double(total)
        try report(histogram: outcome.histogram, seconds: outcome.seconds, answers: answers.all(), truth: truth, total: total,
                   clientCPU: clientCPU)
    }

    /// User + system CPU time this process has used: the load generator shares the cores with the
    /// server it measures, so its own cost per request is part of every figure.
    static func processCPUSeconds() -> Double {
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        var usage = rusage()
        getrusage(who, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private func report(histogram: Histogram<UInt64>, seconds: Double, answers: [Int: [Int]], truth: [[Int]]?, total: Int,
                        clientCPU: Double) throws {
        var recall: Double?
        if let truth {
            var hits = 0, expected = 0
            for (q, ids) in answers where q < truth.count {
                let top = Set(truth[q].prefix(k))
                hits += ids.prefix(k).filter { top.contains($0) }.count
                expected += min(k, top.count)
            }
            recall = expected > 0 ? Double(hits) / Double(expected) : nil
        }
        let qps = Double(total) / seconds
        let p50 = Double(histogram.valueAtPercentile(50)) / 1000, p95 = Double(histogram.valueAtPercentile(95)) / 1000, p99 = Double(histogram.valueAtPercentile(99)) / 1000
        print(String(format: "requests %d  concurrency %d  QPS %.0f  p50 %.0f µs  p95 %.0f µs  p99 %.0f µs", total, concurrency, qps, p50, p95, p99)
              + (recall.map { String(format: "  recall@%d %.4f", k, $0) } ?? "")
              + String(format: "  client CPU %.0f µs/request", clientCPU * 1e6))
        if let json {
            var object: [String: JSONValue] = [
                "requests": .int(Int64(total)), "concurrency": .int(Int64(concurrency)), "k": .int(Int64(k)),
                "qps": .double(qps), "p50_us": .double(p50), "p95_us": .double(p95), "p99_us": .double(p99),
            ]
            if let recall { object["recall"] = .double(recall) }
            object["client_cpu_us_per_request"] = .double(clientCPU * 1e6)
            try Data(JSONText.serialize(.object(object))).write(to: URL(fileURLWithPath: json))
        }
    }
}

/// The first answer seen for each query (for recall), filled on the load generator's event loop.
final class BenchHTTPAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Int: [Int]] = [:]

    func has(_ query: Int) -> Bool { lock.withLock { answers[query] != nil } }
    func set(_ query: Int, _ ids: [Int]) { lock.withLock { if answers[query] == nil { answers[query] = ids } } }
    func all() -> [Int: [Int]] { lock.withLock { answers } }
}
