// swift-tools-version:6.1
// memreplay's benchmarks in the ordo-one/benchmark harness (package-benchmark): p50/p99 of wall clock,
// CPU, throughput, mallocs and peak memory, with stored baselines and thresholds. A separate package so
// the main package's build, `make test` and CI never compile the harness. Run from the checkout's root:
//   make bench-harness        (or: swift package --package-path Benchmarks benchmark)
//   make bench-check          (compare with Benchmarks/.benchmarkBaselines/, fail on a regression)
// See docs/performance.md.
import PackageDescription

// The main package's identity is its directory's name (`memreplay` in a plain clone, something else
// in a worktree): `.product(package:)` must name it.
let mainDirectory = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "memreplay"
let main = mainDirectory.lowercased()

let benchmarkDependencies: [Target.Dependency] = [
    .product(name: "Benchmark", package: "benchmark"),
    .product(name: "MemBenchKit", package: main),
]

let package = Package(
    name: "memreplay-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        // MallocInterposer counts mallocs without jemalloc; the RuntimeInterposer trait (on by default)
        // is left off: it needs a package (swift-runtime-interposer) that is not among the local copies.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MicroBenchmarks",
            dependencies: benchmarkDependencies + [
                .product(name: "MemTrace", package: main), .product(name: "MemModel", package: main),
                .product(name: "MemReplay", package: main), .product(name: "MemStore", package: main),
            ],
            path: "Benchmarks/MicroBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "EndToEndBenchmarks",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/EndToEndBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
