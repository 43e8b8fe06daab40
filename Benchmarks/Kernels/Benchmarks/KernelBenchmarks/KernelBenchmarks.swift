import Benchmark
import CSIMD
import Search

/// Distance kernels from cache (one pair, or one query against four rows) and a 100k-row scan
/// that comes from DRAM, at the dimensions embeddings use.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(2))

    for dim in [128, 384, 768, 1536] {
        let a = (0..<dim).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
        let b = (0..<dim).map { Float(($0 * 104_729) % 1000) / 1000 - 0.5 }
        let rows = (0..<4).map { r in (0..<dim).map { Float((($0 + r) * 31) % 977) / 977 - 0.5 } }
        let codesA = a.map { Int8(max(-127, min(127, $0 * 254))) }
        let codesB = b.map { Int8(max(-127, min(127, $0 * 254))) }

        Benchmark("dot f32 \(dim)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(csimd_dot_f32(a, b, dim)) }
        }
        Benchmark("dot f32 scalar \(dim)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(csimd_dot_f32_scalar(a, b, dim)) }
        }
        Benchmark("l2sq f32 \(dim)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(csimd_l2sq_f32(a, b, dim)) }
        }
        Benchmark("cosine f32 \(dim)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(csimd_cosine_f32(a, b, dim)) }
        }
        Benchmark("dot4 f32 \(dim)") { benchmark in
            var out = [Float](repeating: 0, count: 4)
            for _ in benchmark.scaledIterations {
                csimd_dot4_f32(a, rows[0], rows[1], rows[2], rows[3], dim, &out)
                blackHole(out)
            }
        }
        Benchmark("dot i8 \(dim)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(csimd_dot_i8(codesA, codesB, dim)) }
        }
        Benchmark("exact scan 20k×\(dim) (DRAM-bound)", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(3))) { benchmark in
            let index = try HNSWIndex(dimension: dim, metric: .dot)
            var batch: [(id: UInt32, vector: [Float])] = []
            for i in 0..<20_000 {
                let v: [Float] = (0..<dim).map { d in Float(((d + i) * 13) % 101) / 101 }
                batch.append((id: UInt32(i), vector: v))
            }
            try index.insert(batch: batch, threads: 1)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try index.exactSearch(a, limit: 10)) }
        }
    }
}
