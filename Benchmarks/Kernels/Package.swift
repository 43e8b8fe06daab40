// swift-tools-version:6.1
//
// package-benchmark suite for the CSIMD distance kernels at 128, 384, 768 and 1536 dimensions.
// A separate package so the main build and CI never compile the benchmark framework.
//
//     cd Benchmarks/Kernels && swift package benchmark
import PackageDescription

let package = Package(
    name: "KernelBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "CampusSearch", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Search", package: "CampusSearch"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
