import ArgumentParser
import Foundation
import Histogram
import Search

/// `campus-search bench text`: builds a BM25 index from a JSONL corpus and times top-k queries.
///
/// One thread throughout: the build adds documents one at a time (analysis included), then the queries run
/// one at a time (analysis included), after `--warmup` untimed passes over the query set.
struct BenchText: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "BM25 text search benchmark: build docs/s, index bytes, QPS and p50/p95/p99 for top-k.",
        discussion: """
        Corpus lines are {"id": string|int, "text": string}; query lines are {"id": ..., "query": string}.
        --json writes {"build":{"seconds","docs_per_second","index_bytes"},"qps","p50_us","p95_us","p99_us",
        "results":[[corpus ids of query 0 in rank order], ...]} plus the run's settings.
        """
    )

    @Option(help: "Corpus JSONL: one {\"id\", \"text\"} object per line.")
    var corpus: String

    @Option(help: "Queries JSONL: one {\"id\", \"query\"} object per line.")
    var queries: String

    @Option(help: "Results per query.")
    var k: Int = 10

    @Option(help: "BM25 k1 (finite, ≥ 0).")
    var k1: Float = 1.2

    @Option(help: "BM25 b (0…1).")
    var b: Float = 0.75

    @Option(help: "Untimed passes over the queries before the timed one.")
    var warmup: Int = 1

    @Option(name: .customLong("repeat"), help: "Timed passes over the queries; QPS is the best pass's, percentiles pool all passes.")
    var repeats: Int = 1

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be ≥ 0") }
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() async throws {
        let documents = try JSONLines.read(corpus, textKey: "text")
        let queryLines = try JSONLines.read(queries, textKey: "query")
        guard !documents.isEmpty else { throw CLIError("\(corpus): no documents") }
        guard !queryLines.isEmpty else { throw CLIError("\(queries): no queries") }

        let index: BM25Index
        do {
            index = try BM25Index(k1: k1, b: b)
        } catch {
            throw CLIError("invalid BM25 parameters: \(error)")
        }

        // Build: internal id = line number.
        let buildStart = DispatchTime.now().uptimeNanoseconds
        var skipped = 0
        for (position, document) in documents.enumerated() {
            do {
                try index.add(id: UInt32(position), text: document.text)
            } catch {
                skipped += 1
            }
        }
        let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
        let indexed = documents.count - skipped
        let docsPerSecond = Double(indexed) / buildSeconds
        let indexBytes = index.indexBytes

        // Reopening: rebuild from the stored per-document term frequencies (no text analysis).
        let snapshot = index.documents()
        let restoreStart = DispatchTime.now().uptimeNanoseconds
        let restored = try BM25Index(k1: k1, b: b, documents: snapshot)
        let restoreSeconds = Double(DispatchTime.now().uptimeNanoseconds - restoreStart) / 1e9
        guard restored.count == index.count else { throw CLIError("restore lost documents") }

        for _ in 0..<warmup {
            for query in queryLines { _ = index.search(query.text, limit: k) }
        }

        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        var results: [[SearchHit]] = []
        var latencies: [Double] = []  // of the last pass
        var bestSeconds = Double.infinity
        for pass in 0..<repeats {
            let keep = pass == repeats - 1
            if keep {
                results.reserveCapacity(queryLines.count)
                latencies.reserveCapacity(queryLines.count)
            }
            let runStart = DispatchTime.now().uptimeNanoseconds
            for query in queryLines {
                let start = DispatchTime.now().uptimeNanoseconds
                let hits = index.search(query.text, limit: k)
                let elapsed = DispatchTime.now().uptimeNanoseconds - start
                histogram.record(max(elapsed, 1))
                if keep {
                    latencies.append(Double(elapsed) / 1_000)
                    results.append(hits)
                }
            }
            bestSeconds = min(bestSeconds, Double(DispatchTime.now().uptimeNanoseconds - runStart) / 1e9)
        }
        let qps = Double(queryLines.count) / bestSeconds
        let p50 = Double(histogram.valueAtPercentile(50)) / 1_000
        let p95 = Double(histogram.valueAtPercentile(95)) / 1_000
        let p99 = Double(histogram.valueAtPercentile(99)) / 1_000

        print("campus-search bench text: \(indexed) documents (\(skipped) empty skipped), \(queryLines.count) queries, top-\(k), k1 \(k1), b \(b)")
        print(String(format: "build   %.3f s   %.0f docs/s   index %.1f MiB   %d terms",
                     buildSeconds, docsPerSecond, Double(indexBytes) / 1_048_576, index.termCount))
        print(String(format: "restore %.3f s   %.0f docs/s   (from stored term frequencies, no analysis)",
                     restoreSeconds, Double(indexed) / restoreSeconds))
        print(String(format: "search  %.0f QPS   p50 %.1f µs   p95 %.1f µs   p99 %.1f µs   (1 thread, best of %d passes)", qps, p50, p95, p99, repeats))

        if let json {
            let report: [String: Any] = [
                "engine": "campus-search",
                "k": k, "k1": Double(k1), "b": Double(b),
                "documents": indexed, "queries": queryLines.count, "repeat": repeats,
                "build": ["seconds": buildSeconds, "docs_per_second": docsPerSecond, "index_bytes": indexBytes],
                "restore_seconds": restoreSeconds,
                "qps": qps, "p50_us": p50, "p95_us": p95, "p99_us": p99,
                "results": results.map { hits in hits.map { documents[Int($0.id)].id } },
                "scores": results.map { hits in hits.map { Double($0.score) } },
                "latencies_us": latencies,
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            do {
                try data.write(to: URL(fileURLWithPath: json))
            } catch {
                throw CLIError("cannot write \(json): \(error.localizedDescription)")
            }
        }
    }
}

/// Reads `{"id": string|int, "<textKey>": string}` lines; the id is kept as the JSON value it was.
enum JSONLines {
    struct Line {
        let id: Any
        let text: String
    }

    static func read(_ path: String, textKey: String) throws -> [Line] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        var lines: [Line] = []
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            lineNumber += 1
            let slice = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            guard slice.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: slice) as? [String: Any] else {
                throw CLIError("\(path):\(lineNumber): not a JSON object")
            }
            guard let id = object["id"], id is String || id is NSNumber else {
                throw CLIError("\(path):\(lineNumber): \"id\" must be a string or an integer")
            }
            guard let text = object[textKey] as? String else {
                throw CLIError("\(path):\(lineNumber): \"\(textKey)\" must be a string")
            }
            lines.append(Line(id: id, text: text))
        }
        return lines
    }
}
