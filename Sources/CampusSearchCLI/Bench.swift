import ArgumentParser

/// `campus-search bench …`: recall, throughput and latency measurements.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure recall@k, QPS and latency percentiles: in process on vector files, or over HTTP.",
        subcommands: [BenchDense.self, BenchHTTP.self]
    )
}
