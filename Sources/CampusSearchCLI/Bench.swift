import ArgumentParser

/// `campus-search bench …`: recall, throughput and latency measurements beside peer libraries.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure recall@k, QPS and latency percentiles: dense vectors, BM25 text, embeddings, over HTTP, tRPC procedures; job queue throughput.",
        subcommands: [BenchDense.self, BenchText.self, BenchEmbed.self, BenchHTTP.self, BenchTRPC.self, BenchJobs.self]
    )
}
