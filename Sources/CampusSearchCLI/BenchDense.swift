import ArgumentParser
import Foundation
import Histogram
import Synchronization
import Search

/// `campus-search bench dense`: builds an HNSW index from vector files (or synthetic clustered
/// data), then reports recall@k, single-thread QPS and p50/p95/p99 latency for each ef.
struct BenchDense: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dense",
        abstract: "Recall/QPS/latency of the HNSW index on .fvecs/.npy files or synthetic data.",
        discussion: """
        Without --gt the exact ground truth is computed (batched exact search). QPS is measured with \
        one query at a time on one thread; latencies come from an HdrHistogram. --json writes \
        {"dataset":{"n","dim","queries"},"build":{"seconds","threads","memory_bytes"},\
        "runs":[{"ef","recall","qps","p50_us","p95_us","p99_us"}]} (plus extra keys).
        """
    )

    @Option(help: "Base vectors (.fvecs or .npy).") var base: String?
    @Option(help: "Query vectors (.fvecs or .npy).") var queries: String?
    @Option(help: "Ground-truth neighbour ids (.ivecs or .npy); computed exactly when absent.") var gt: String?
    @Option(help: "Neighbours per query (recall@k).") var k: Int = 10
    @Option(help: "cosine, dot or l2.") var metric: String = "l2"
    @Option(help: "HNSW links per node (level 0 keeps 2m).") var m: Int = 16
    @Option(name: .customLong("ef-construct"), help: "Candidate list size while building.") var efConstruct: Int = 100
    @Option(help: "Comma-separated ef values to measure.") var ef: String = "16,32,64,128,256,512"
    @Option(help: "none or int8.") var quantization: String = "none"
    @Option(help: "int8 rescoring oversampling factor.") var oversampling: Float = 2
    @Option(name: .customLong("prefetch-lines"), help: "Comma-separated cache lines prefetched per neighbour (0 = whole vector); one ef sweep each.")
    var prefetchLines: String = "1"
    @Option(help: "Build threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Generate clustered data instead of reading files: N,DIM.") var synthetic: String?
    @Option(name: .customLong("synthetic-queries"), help: "Queries to generate with --synthetic.") var syntheticQueries: Int = 1_000
    @Option(help: "Use only the first N queries.") var limitQueries: Int?
    @Option(name: .customLong("query-threads"), help: "Also measure throughput with this many threads querying at once (parallel_qps); 1 = off.") var queryThreads: Int = 1
    @Option(help: "Write the results as JSON to this path.") var json: String?
    @Option(help: "Draw recall against QPS (ann-benchmarks style) as an SVG at this path, with the --peers-json engines.")
    var plot: String?
    @Option(name: .customLong("peers-json"), help: "Engines to draw beside this run: a `Benchmarks/peers/dense_peers.py --json` file; repeatable.")
    var peersJSON: [String] = []
    @Flag(help: "Snapshot the built index, restore it and measure the restored copy (restore time in the report).")
    var snapshot = false

    func run() async throws {
        let distance = try parseMetric()
        let efs = try parseEfs()
        // Read the peers first: a bad file should fail before minutes of building.
        let peers = try peersJSON.flatMap { path -> [RecallPlot.Series] in
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read --peers-json \(path)") }
            return try RecallPlot.peers(fromJSON: data, path: path)
        }
        guard k > 0 else { throw CLIError("--k must be positive") }
        guard threads > 0 else { throw CLIError("--threads must be positive") }
        var configuration = HNSWConfiguration(m: m, efConstruct: efConstruct, ef: efs.first ?? 64)
        switch quantization.lowercased() {
        case "none": break
        case "int8": configuration.quantization = .int8(quantile: 0.99, oversampling: oversampling, rescore: true)
        default: throw CLIError("--quantization must be none or int8, got \(quantization)")
        }
        if let problem = configuration.problems.first { throw CLIError(problem) }

        let (baseSet, querySet) = try loadData()
        guard baseSet.count > 0, querySet.count > 0 else { throw CLIError("no base vectors or no queries") }
        guard baseSet.dimension == querySet.dimension else {
            throw CLIError("base vectors have \(baseSet.dimension) dimensions but queries have \(querySet.dimension)")
        }
        let queryVectors = (0..<querySet.count).map { querySet[$0] }
        say("dataset: \(baseSet.count) × \(baseSet.dimension), \(queryVectors.count) queries, metric \(distance.rawValue), k \(k)")

        // Build.
        let rssBefore = residentBytes()
        var index = try HNSWIndex(dimension: baseSet.dimension, metric: distance, configuration: configuration)
        let progress = ProgressBar("build", total: baseSet.count)
        let buildStart = DispatchTime.now()
        index.reserve(upTo: UInt32(baseSet.count - 1))
        let slice = max(1_000, baseSet.count / 50)
        var done = 0
        do {
            while done < baseSet.count {
                let end = min(baseSet.count, done + slice)
                let batch = (done..<end).map { (id: UInt32($0), vector: baseSet[$0]) }
                try index.insert(batch: batch, threads: threads)
                done = end
                progress.update(done)
            }
        } catch let error as VectorError {
            throw CLIError("base vector rejected: \(error)")
        }
        progress.finish()
        let buildSeconds = seconds(since: buildStart)
        let rssAfter = residentBytes()
        say(String(format: "build: %.2f s with %d threads, index memory %.1f MB (RSS +%.1f MB)",
                   buildSeconds, threads, Double(index.memoryBytes) / 1e6, Double(rssAfter - rssBefore) / 1e6))

        // Snapshot round trip: the restored copy is the one measured below.
        var restoreSeconds: Double? = nil
        if snapshot {
            let t0 = DispatchTime.now()
            let snap = index.snapshot()
            let snapshotSeconds = seconds(since: t0)
            let t1 = DispatchTime.now()
            let restored = try HNSWIndex(restoring: snap)
            restoreSeconds = seconds(since: t1)
            let words: Int = snap.vectors.count + snap.level0Links.count + snap.upperLinks.count
            let bytes: Int = 4 * words + 2 * snap.states.count
            say(String(format: "snapshot: %.2f s (%.1f MB of arrays); restore: %.2f s; measuring the restored index",
                       snapshotSeconds, Double(bytes) / 1e6, restoreSeconds ?? 0))
            index = restored
        }

        // Ground truth.
        let truth = try groundTruth(index: index, queries: queryVectors)

        // Runs.
        var runs: [DenseRun] = []
        let prefetchSettings = prefetchLines.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        for lines in prefetchSettings.isEmpty ? [0] : prefetchSettings {
            index.prefetchLines = lines
            say("")
            if prefetchSettings.count > 1 { say("prefetch lines: \(lines == 0 ? "all" : String(lines))") }
            say("     ef   recall@\(k)        QPS    p50 µs    p95 µs    p99 µs")
            for efValue in efs {
                var run = try measure(index: index, queries: queryVectors, truth: truth, ef: efValue)
                run.prefetchLines = lines
                var line = String(format: "%7d   %8.4f   %8.0f  %8.1f  %8.1f  %8.1f", run.ef, run.recall, run.qps, run.p50Us, run.p95Us, run.p99Us)
                if queryThreads > 1 {
                    run.queryThreads = queryThreads
                    run.parallelQPS = try parallelThroughput(index: index, queries: queryVectors, ef: efValue, threads: queryThreads)
                    line += String(format: "   %d threads: %.0f QPS", queryThreads, run.parallelQPS!)
                }
                runs.append(run)
                say(line)
            }
        }

        if let plot {
            let ours = quantization.lowercased() == "none" ? "campus-search" : "campus-\(quantization.lowercased())"
            let chart = RecallPlot(
                title: "recall@\(k) against QPS: \(baseSet.count) × \(baseSet.dimension), \(queryVectors.count) queries, \(distance.rawValue)",
                subtitle: "HNSW M \(m), ef_construct \(efConstruct), ef \(efs.map(String.init).joined(separator: ",")); one query at a time on one thread",
                series: Self.ourSeries(runs, name: ours) + peers.filter { !$0.name.hasPrefix(ours) }
            )
            do { try chart.svg().write(toFile: plot, atomically: true, encoding: .utf8) } catch {
                throw CLIError("cannot write \(plot): \(error.localizedDescription)")
            }
            say("wrote \(plot)")
        }

        if let json {
            let report = DenseReport(
                dataset: .init(n: baseSet.count, dim: baseSet.dimension, queries: queryVectors.count),
                build: .init(seconds: buildSeconds, threads: threads, memoryBytes: index.memoryBytes,
                             rssDeltaBytes: rssAfter - rssBefore, restoreSeconds: restoreSeconds),
                runs: runs,
                parameters: .init(k: k, metric: distance.rawValue, m: m, efConstruct: efConstruct, quantization: quantization.lowercased()))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do { try encoder.encode(report).write(to: URL(fileURLWithPath: json)) } catch {
                throw CLIError("cannot write \(json): \(error.localizedDescription)")
            }
            say("wrote \(json)")
        }
    }

    // MARK: - Steps

    private func parseMetric() throws -> DistanceMetric {
        switch metric.lowercased() {
        case "cosine": return .cosine
        case "dot", "ip": return .dot
        case "l2", "euclid", "euclidean": return .euclid
        default: throw CLIError("--metric must be cosine, dot or l2, got \(metric)")
        }
    }

    private func parseEfs() throws -> [Int] {
        let values = ef.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw CLIError("--ef must be a comma-separated list of positive integers, got \(ef)")
        }
        return values.map { $0! }
    }

    private func loadData() throws -> (VectorSet, VectorSet) {
        var result: (VectorSet, VectorSet)
        if let synthetic {
            let parts = synthetic.split(separator: ",").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw CLIError("--synthetic must be N,DIM, got \(synthetic)") }
            result = SyntheticData.clustered(count: parts[0], queries: syntheticQueries, dimension: parts[1])
        } else {
            guard let base, let queries else { throw CLIError("give --base and --queries, or --synthetic N,DIM") }
            result = (try VectorFiles.readFloats(base), try VectorFiles.readFloats(queries))
        }
        if let limitQueries, limitQueries > 0, limitQueries < result.1.count {
            result.1.values = Array(result.1.values.prefix(limitQueries * result.1.dimension))
        }
        return result
    }

    private func groundTruth(index: HNSWIndex, queries: [[Float]]) throws -> [[UInt32]] {
        if let gt {
            let rows = try VectorFiles.readInts(gt)
            guard rows.count >= queries.count else { throw CLIError("\(gt) has \(rows.count) rows for \(queries.count) queries") }
            guard rows.allSatisfy({ $0.count >= k }) else { throw CLIError("\(gt) has fewer than k = \(k) neighbours per query") }
            return rows.prefix(queries.count).map { $0.prefix(k).map { UInt32($0) } }
        }
        let progress = ProgressBar("ground truth", total: queries.count)
        var truth: [[UInt32]] = []
        truth.reserveCapacity(queries.count)
        let block = 256
        var start = 0
        while start < queries.count {
            let end = min(queries.count, start + block)
            truth += try index.exactSearch(batch: Array(queries[start..<end]), limit: k).map { $0.map(\.id) }
            start = end
            progress.update(end)
        }
        progress.finish()
        return truth
    }

    private func measure(index: HNSWIndex, queries: [[Float]], truth: [[UInt32]], ef: Int) throws -> DenseRun {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        // Warm-up: a few queries so the pooled search context and caches are ready.
        for q in queries.prefix(50) { _ = try index.search(q, limit: k, ef: ef) }
        var found = 0
        var expected = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for (i, q) in queries.enumerated() {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let hits = try index.search(q, limit: k, ef: ef)
            let t1 = DispatchTime.now().uptimeNanoseconds
            _ = histogram.record(t1 - t0)
            let want = Set(truth[i].prefix(k))
            found += hits.reduce(0) { $0 + (want.contains($1.id) ? 1 : 0) }
            expected += want.count
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        func us(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
        return DenseRun(ef: ef, recall: Double(found) / Double(max(expected, 1)), qps: Double(queries.count) / total,
                        p50Us: us(50), p95Us: us(95), p99Us: us(99))
    }

    /// Queries per second with `threads` threads searching at once, each taking every
    /// `threads`-th query, over enough passes to run for about two seconds.
    private func parallelThroughput(index: HNSWIndex, queries: [[Float]], ef: Int, threads: Int) throws -> Double {
        let probe = DispatchTime.now().uptimeNanoseconds
        for q in queries.prefix(100) { _ = try index.search(q, limit: k, ef: ef) }
        let perQuery = Double(DispatchTime.now().uptimeNanoseconds - probe) / 1e9 / Double(min(100, queries.count))
        let passes = max(1, Int(2.0 * Double(threads) / max(perQuery * Double(queries.count), 1e-6)))
        let failures = Mutex<Int>(0)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for _ in 0..<passes {
                var i = t
                while i < queries.count {
                    if (try? index.search(queries[i], limit: k, ef: ef)) == nil { failures.withLock { $0 += 1 } }
                    i += threads
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if failures.withLock({ $0 }) > 0 { throw CLIError("parallel queries failed") }
        return Double(passes * queries.count) / seconds
    }

    private func say(_ line: String) { print(line) }

    /// This run's points, one series per `--prefetch-lines` setting when there are several.
    static func ourSeries(_ runs: [DenseRun], name: String) -> [RecallPlot.Series] {
        var settings: [Int?] = []
        for run in runs where !settings.contains(run.prefetchLines) { settings.append(run.prefetchLines) }
        return settings.map { setting in
            let label = settings.count > 1 ? "\(name) (prefetch \(setting.map { $0 == 0 ? "all" : String($0) } ?? "-"))" : name
            return RecallPlot.Series(name: label, points: runs.filter { $0.prefetchLines == setting }.map { (recall: $0.recall, qps: $0.qps) })
        }
    }

    private func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Resident set size from /proc/self/statm (0 where unavailable).
    private func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// One ef setting's measurements.
struct DenseRun: Codable {
    var ef: Int
    var recall: Double
    var qps: Double
    var p50Us: Double
    var p95Us: Double
    var p99Us: Double
    var prefetchLines: Int? = nil
    var queryThreads: Int? = nil
    var parallelQPS: Double? = nil

    enum CodingKeys: String, CodingKey {
        case ef, recall, qps
        case queryThreads = "query_threads"
        case parallelQPS = "parallel_qps"
        case prefetchLines = "prefetch_lines"
        case p50Us = "p50_us"
        case p95Us = "p95_us"
        case p99Us = "p99_us"
    }
}

/// The `--json` document.
struct DenseReport: Codable {
    struct Dataset: Codable { var n: Int; var dim: Int; var queries: Int }
    struct Build: Codable {
        var seconds: Double
        var threads: Int
        var memoryBytes: Int
        var rssDeltaBytes: Int
        var restoreSeconds: Double?
        enum CodingKeys: String, CodingKey {
            case seconds, threads
            case memoryBytes = "memory_bytes"
            case rssDeltaBytes = "rss_delta_bytes"
            case restoreSeconds = "restore_seconds"
        }
    }
    struct Parameters: Codable {
        var k: Int
        var metric: String
        var m: Int
        var efConstruct: Int
        var quantization: String
        enum CodingKeys: String, CodingKey {
            case k, metric, m, quantization
            case efConstruct = "ef_construct"
        }
    }
    var dataset: Dataset
    var build: Build
    var runs: [DenseRun]
    var parameters: Parameters
}

/// Clustered Gaussian data standing in for embeddings: `clusters` random centres, points spread
/// around them; queries drawn the same way (not copies of base points).
enum SyntheticData {
    static func clustered(count: Int, queries: Int, dimension: Int, clusters: Int = 100, seed: UInt64 = 1) -> (VectorSet, VectorSet) {
        var rng = SplitMix64(seed: seed)
        let centres = (0..<clusters * dimension).map { _ in rng.gaussian() }
        func draw(_ n: Int) -> VectorSet {
            var values = [Float](repeating: 0, count: n * dimension)
            for i in 0..<n {
                let c = Int(rng.next() % UInt64(clusters))
                for d in 0..<dimension { values[i * dimension + d] = centres[c * dimension + d] + 0.5 * rng.gaussian() }
            }
            return VectorSet(dimension: dimension, values: values)
        }
        return (draw(count), draw(queries))
    }
}

/// Repeatable synthetic data from Search's seeded generator.
extension SplitMix64 {
    mutating func gaussian() -> Float {
        let u = (Double(next() >> 11) + 1) / Double(1 << 53)
        let v = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    }
}
