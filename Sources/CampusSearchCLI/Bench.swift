import ArgumentParser

/// `campus-search bench`: benchmarks beside peer libraries on the same files.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: build speed, QPS and latency percentiles.",
        subcommands: [BenchText.self]
    )
}
