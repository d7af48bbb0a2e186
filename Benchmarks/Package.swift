// swift-tools-version: 6.1
// Benchmarks live in their own package so `swift test` and CI do not build package-benchmark.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "edgewatch-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "edgewatch", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MetricsBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MetricsEngineForBenchmarks", package: "edgewatch"),
            ],
            path: "Benchmarks/MetricsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "LookupProfile",
            dependencies: [.product(name: "MetricsEngineForBenchmarks", package: "edgewatch")],
            path: "Benchmarks/LookupProfile"
        ),
        .executableTarget(
            name: "RecordingDay",
            dependencies: [.product(name: "MetricsEngineForBenchmarks", package: "edgewatch")],
            path: "Benchmarks/RecordingDay"
        ),
        .executableTarget(
            name: "MetricsProfile",
            dependencies: [.product(name: "MetricsEngineForBenchmarks", package: "edgewatch")],
            path: "Benchmarks/MetricsProfile"
        ),
    ]
)
