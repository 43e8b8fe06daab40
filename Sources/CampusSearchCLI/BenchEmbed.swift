import ArgumentParser
import Embedding
import Foundation

/// `campus-search bench embed`: throughput of the native embedder over a JSONL corpus and latency of
/// single short queries on one thread. Prints one JSON object (used by Benchmarks/peers/embed_peers.py).
struct BenchEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Measure native embedding throughput (sentences/s) and single-query latency."
    )

    @Option(help: "Passages: JSON lines {\"text\": ...}.")
    var input: String

    @Option(help: "Short queries for the latency run: JSON lines {\"text\": ...} (optional).")
    var queries: String?

    @OptionGroup var options: EmbedOptions

    @Option(help: "Passages embedded before timing starts.")
    var warmup: Int = 64

    func run() throws {
        let passages = try Self.readTexts(input)
        guard !passages.isEmpty else { throw CLIError("\(input) holds no texts") }
        let embedder = try options.load()
        _ = try embedder.embedSync(Array(passages.prefix(warmup)))

        let tokens = passages.reduce(0) { $0 + embedder.tokenizer.encode($1, maxLength: embedder.maxLength).count }
        let clock = ContinuousClock()
        let elapsed = try clock.measure { _ = try embedder.embedSync(passages) }
        let seconds = Self.seconds(elapsed)
        var report: [String: Any] = [
            "engine": "campus-search",
            "passages": passages.count,
            "tokens": tokens,
            "threads": options.threads,
            "batch": options.batch,
            "seconds": seconds,
            "sentences_per_second": Double(passages.count) / seconds,
        ]

        if let queries {
            let texts = try Self.readTexts(queries)
            let single = try options.load(threads: 1, batch: 1)
            for text in texts.prefix(20) { _ = try single.embedSync([text]) }
            var latencies: [Double] = []
            for text in texts {
                latencies.append(Self.seconds(try clock.measure { _ = try single.embedSync([text]) }) * 1000)
            }
            latencies.sort()
            report["queries"] = latencies.count
            report["query_p50_ms"] = Self.percentile(latencies, 0.50)
            report["query_p95_ms"] = Self.percentile(latencies, 0.95)
            report["query_p99_ms"] = Self.percentile(latencies, 0.99)
        }
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }

    static func readTexts(_ path: String) throws -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot open \(path)") }
        var reader = LineReader(handle: handle)
        var texts: [String] = []
        var lineNumber = 0
        while let line = try reader.nextLine() {
            lineNumber += 1
            if let text = try Embed.parse(line, lineNumber: lineNumber) { texts.append(text) }
        }
        return texts
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
