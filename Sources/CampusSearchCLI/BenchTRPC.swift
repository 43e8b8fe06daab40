import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Histogram
import JSON
import NIOCore
import NIOHTTP1

/// `campus-search bench trpc`: load on tRPC procedures over HTTP, as k6 would drive them.
///
/// One procedure (`--procedure`, `--input`, `--concurrency`, `--duration`) or a scenario file (`--scenario`):
/// stages of virtual users over time and a weighted mix of procedures, with thresholds. Prints QPS and
/// p50/p95/p99 (overall and per procedure); exits non-zero when a threshold fails.
struct BenchTRPC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trpc",
        abstract: "Load tRPC procedures over HTTP (closed loop, k6-style stages and mixes) and report QPS and latency percentiles.",
        discussion: """
            A scenario file is JSON:
              {"stages": [{"duration": "10s", "target": 32}, …],
               "mix": [{"procedure": "courses.list", "weight": 3, "input": {"limit": 20}, "type": "query"}, …],
               "thresholds": ["p95<5", "errors<0.01"]}
            `type` (query or mutation) is found by asking the server when absent. Thresholds: p50|p90|p95|p99|max<ms,
            errors<rate (0…1), qps>n.
            """
    )

    @Option(help: "The server, e.g. http://127.0.0.1:6333.") var url: String
    @Option(help: "A Bearer token (campus-search token --user ID).") var token: String?
    @Option(help: "The procedure to load, e.g. generation.test.") var procedure: String?
    @Option(help: "The procedure's input as JSON.") var input: String?
    @Option(help: "Virtual users (connections) for --procedure runs.") var concurrency: Int = 1
    @Option(help: "Seconds to run --procedure runs.") var duration: Double = 10
    @Option(name: .customLong("threshold"), help: "A pass condition like p95<5 (milliseconds); repeatable.") var thresholds: [String] = []
    @Option(help: "A scenario file (stages, mix, thresholds).") var scenario: String?
    @Option(name: .customLong("json"), help: "Write the results as JSON here.") var jsonPath: String?

    func validate() throws {
        guard (procedure == nil) != (scenario == nil) else { throw ValidationError("give either --procedure or --scenario") }
        guard (1...10_000).contains(concurrency) else { throw ValidationError("--concurrency must be 1...10000") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be in (0, 86400] seconds") }
        for threshold in thresholds { _ = try Threshold(threshold) }
    }

    func run() async throws {
        guard let base = URL(string: url), let host = base.host else { throw CLIError("--url must look like http://127.0.0.1:6333") }
        let port = base.port ?? 80
        var plan = try scenario.map { try Scenario.load(path: $0) }
            ?? Scenario(stages: [.init(seconds: duration, target: concurrency)],
                        mix: [.init(procedure: procedure ?? "", weight: 1, input: try input.map { try JSONText.parse($0) }, type: nil)],
                        thresholds: [])
        plan.thresholds += try thresholds.map(Threshold.init)
        var requests: [LoadGenerator.Request] = []
        for entry in plan.mix {
            let type: Scenario.Kind
            if let declared = entry.type { type = declared } else { type = try await Self.probeType(host: host, port: port, procedure: entry.procedure, token: token) }
            requests.append(Self.request(entry, type: type, token: token))
        }
        let peak = plan.stages.map(\.target).max() ?? 0
        let outcome = try await LoadGenerator.run(host: host, port: port, requests: requests, stages: plan.stages)
        let report = Report(outcome: outcome, names: plan.mix.map(\.procedure), peakUsers: peak, thresholds: plan.thresholds)
        print(report.text)
        if let jsonPath { try Data(report.json.bytes).write(to: URL(fileURLWithPath: jsonPath)) }
        if !report.passed { throw ExitCode(1) }
    }

    /// A query answers a GET; a mutation answers METHOD_NOT_SUPPORTED to one.
    static func probeType(host: String, port: Int, procedure: String, token: String?) async throws -> Scenario.Kind {
        var request = URLRequest(url: URL(string: "http://\(host):\(port)/trpc/\(procedure)")!)
        request.httpMethod = "GET"
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, _) = try await URLSession.shared.data(for: request)
        let answer = try? JSONText.parse(Array(data))
        switch answer?["error"]?["data"]?["code"]?.stringValue {
        case "METHOD_NOT_SUPPORTED": return .mutation
        case "NOT_FOUND": throw CLIError("the server has no procedure \(procedure)")
        default: return .query
        }
    }

    static func request(_ entry: Scenario.Entry, type: Scenario.Kind, token: String?) -> LoadGenerator.Request {
        var headers: [(String, String)] = []
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let inputText = entry.input.map { String(decoding: JSONText.serialize($0), as: UTF8.self) }
        switch type {
        case .query:
            let query = inputText.map { "?input=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
            return .init(name: entry.procedure, method: .GET, uri: "/trpc/\(entry.procedure)\(query)", headers: headers, body: nil, weight: entry.weight)
        case .mutation:
            headers.append(("Content-Type", "application/json"))
            return .init(name: entry.procedure, method: .POST, uri: "/trpc/\(entry.procedure)", headers: headers,
                         body: ByteBuffer(string: inputText ?? "{}"), weight: entry.weight)
        }
    }
}

/// What `--scenario` files hold.
struct Scenario {
    enum Kind: String { case query, mutation }

    struct Entry {
        var procedure: String
        var weight: Int
        var input: JSONValue?
        var type: Kind?
    }

    var stages: [LoadGenerator.Stage]
    var mix: [Entry]
    var thresholds: [Threshold]

    static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the scenario file \(path)") }
        let root: JSONValue
        do { root = try JSONText.parse(Array(data)) } catch { throw CLIError("\(path) is not JSON: \(error)") }
        guard case .array(let rawStages)? = root["stages"], !rawStages.isEmpty else { throw CLIError("\(path): `stages` must be a non-empty list") }
        let stages = try rawStages.enumerated().map { n, stage -> LoadGenerator.Stage in
            guard let target = stage["target"]?.numberValue, target >= 0, target <= 10_000 else {
                throw CLIError("\(path): stages[\(n)].target must be a user count 0...10000")
            }
            return .init(seconds: try seconds(stage["duration"], "\(path): stages[\(n)].duration"), target: Int(target))
        }
        guard case .array(let rawMix)? = root["mix"], !rawMix.isEmpty else { throw CLIError("\(path): `mix` must be a non-empty list") }
        let mix = try rawMix.enumerated().map { n, entry -> Entry in
            guard let procedure = entry["procedure"]?.stringValue, !procedure.isEmpty else { throw CLIError("\(path): mix[\(n)].procedure is missing") }
            let weight = entry["weight"]?.numberValue.map { Int($0) } ?? 1
            guard weight >= 0 else { throw CLIError("\(path): mix[\(n)].weight must be ≥ 0") }
            let type = try entry["type"]?.stringValue.map { text -> Kind in
                guard let kind = Kind(rawValue: text) else { throw CLIError("\(path): mix[\(n)].type must be query or mutation") }
                return kind
            }
            return Entry(procedure: procedure, weight: weight, input: entry["input"], type: type)
        }
        let thresholds = try (root["thresholds"]?.arrayValue ?? []).map { value -> Threshold in
            guard let text = value.stringValue else { throw CLIError("\(path): thresholds are strings like \"p95<5\"") }
            return try Threshold(text)
        }
        return Scenario(stages: stages, mix: mix, thresholds: thresholds)
    }

    /// `30`, `"30s"`, `"2m"`, `"500ms"`.
    static func seconds(_ value: JSONValue?, _ field: String) throws -> Double {
        if let number = value?.numberValue, number >= 0 { return number }
        guard let text = value?.stringValue else { throw CLIError("\(field) must be seconds or a string like \"30s\"") }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number >= 0 { return number * scale }
        }
        throw CLIError("\(field): cannot read \(text.debugDescription) as a duration")
    }
}

/// A pass condition: `p95<5` (milliseconds), `errors<0.01` (a rate), `qps>1000`.
struct Threshold: Equatable {
    enum Metric: String { case p50, p90, p95, p99, max, errors, qps }
    let text: String
    let metric: Metric
    let lessThan: Bool
    let limit: Double

    init(_ text: String) throws {
        let compact = text.replacingOccurrences(of: " ", with: "")
        guard let operatorIndex = compact.firstIndex(where: { $0 == "<" || $0 == ">" }),
              let metric = Metric(rawValue: String(compact[..<operatorIndex]).lowercased()),
              let limit = Double(compact[compact.index(after: operatorIndex)...]) else {
            throw ValidationError("threshold \(text.debugDescription) must look like p95<5, errors<0.01 or qps>1000")
        }
        self.text = compact
        self.metric = metric
        self.lessThan = compact[operatorIndex] == "<"
        self.limit = limit
    }

    func holds(_ value: Double) -> Bool { lessThan ? value < limit : value > limit }
}

/// The results of a run, as text and JSON.
struct Report {
    let text: String
    let json: WireValue
    let passed: Bool

    init(outcome: LoadGenerator.Outcome, names: [String], peakUsers: Int, thresholds: [Threshold]) {
        func ms(_ histogram: Histogram<UInt64>, _ quantile: Double) -> Double {
            histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(quantile * 100)) / 1e6
        }
        let successes = Int(outcome.overall.totalCount)
        let errors = outcome.errorsByName.values.reduce(0, +)
        let total = successes + errors
        let qps = Double(successes) / max(outcome.seconds, 1e-9)
        let errorRate = total > 0 ? Double(errors) / Double(total) : 0
        func value(_ metric: Threshold.Metric) -> Double {
            switch metric {
            case .p50: ms(outcome.overall, 0.50)
            case .p90: ms(outcome.overall, 0.90)
            case .p95: ms(outcome.overall, 0.95)
            case .p99: ms(outcome.overall, 0.99)
            case .max: Double(outcome.overall.max) / 1e6
            case .errors: errorRate
            case .qps: qps
            }
        }
        let results = thresholds.map { ($0, value($0.metric)) }
        passed = results.allSatisfy { $0.0.holds($0.1) } && (total > 0)
        let format = { (x: Double) in String(format: "%.3f", x) }
        var lines = [
            "bench trpc \(Array(Set(names)).sorted().joined(separator: "+")): up to \(peakUsers) users, \(String(format: "%.1f", outcome.seconds)) s, "
                + "\(total) requests, \(String(format: "%.1f", qps)) req/s, p50 \(format(ms(outcome.overall, 0.5))) ms, "
                + "p95 \(format(ms(outcome.overall, 0.95))) ms, p99 \(format(ms(outcome.overall, 0.99))) ms, errors \(errors) (\(String(format: "%.2f", errorRate * 100))%)",
        ]
        var byProcedure: [(String, WireValue)] = []
        for name in Array(Set(names)).sorted() {
            let histogram = outcome.byName[name] ?? Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            let nameErrors = outcome.errorsByName[name] ?? 0
            if Set(names).count > 1 {
                lines.append("  \(name): \(histogram.totalCount) ok, p50 \(format(ms(histogram, 0.5))) ms, p95 \(format(ms(histogram, 0.95))) ms, "
                             + "p99 \(format(ms(histogram, 0.99))) ms, errors \(nameErrors)")
            }
            byProcedure.append((name, .object([
                ("requests", .int(Int(histogram.totalCount) + nameErrors)), ("errors", .int(nameErrors)),
                ("p50_ms", .double(ms(histogram, 0.5))), ("p95_ms", .double(ms(histogram, 0.95))), ("p99_ms", .double(ms(histogram, 0.99))),
            ])))
        }
        if let first = outcome.firstError { lines.append("  first error: \(first)") }
        for (threshold, measured) in results {
            lines.append("  threshold \(threshold.text): \(threshold.holds(measured) ? "passed" : "FAILED") (measured \(format(measured)))")
        }
        if total == 0 { lines.append("  no request completed") }
        text = lines.joined(separator: "\n")
        json = .object([
            ("procedures", .array(Array(Set(names)).sorted().map { .string($0) })), ("peak_users", .int(peakUsers)),
            ("seconds", .double(outcome.seconds)), ("requests", .int(total)), ("qps", .double(qps)),
            ("p50_ms", .double(ms(outcome.overall, 0.5))), ("p90_ms", .double(ms(outcome.overall, 0.9))), ("p95_ms", .double(ms(outcome.overall, 0.95))),
            ("p99_ms", .double(ms(outcome.overall, 0.99))), ("max_ms", .double(Double(outcome.overall.max) / 1e6)),
            ("errors", .int(errors)), ("error_rate", .double(errorRate)),
            ("status_counts", .object(outcome.statusCounts.sorted { $0.key < $1.key }.map { (String($0.key), .int($0.value)) })),
            ("by_procedure", .object(byProcedure)),
            ("thresholds", .array(results.map { .object([("threshold", .string($0.0.text)), ("measured", .double($0.1)), ("passed", .bool($0.0.holds($0.1)))]) })),
            ("passed", .bool(passed)),
        ])
    }
}
