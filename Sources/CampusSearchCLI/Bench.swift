import ArgumentParser

/// `campus-search bench …`: recall/latency tools.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: recall, QPS and latency percentiles.",
        subcommands: [BenchHTTP.self]
    )
}
