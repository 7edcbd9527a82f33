// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "memreplay",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "memreplay", targets: ["memreplay"]),
        .executable(name: "memreplay-bench", targets: ["MemBench"]),
        .library(name: "MemTrace", targets: ["MemTrace"]),
        .library(name: "MemModel", targets: ["MemModel"]),
        .library(name: "MemReplay", targets: ["MemReplay"]),
        .library(name: "MemStore", targets: ["MemStore"]),
        .library(name: "MemReport", targets: ["MemReport"]),
        .library(name: "MemBenchKit", targets: ["MemBenchKit"]),
        .library(name: "MemSymbols", targets: ["MemSymbols"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPerf", path: "Sources/CPerf"),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDemangle", path: "Sources/CDemangle"),
        .target(name: "MemTrace", dependencies: ["CZstd", "CPerf"]),
        .target(name: "MemModel", dependencies: ["MemTrace"]),
        .target(name: "MemReplay", dependencies: ["MemTrace", "MemModel"]),
        .target(name: "MemStore", dependencies: ["CSQLite", "MemReplay", "MemSymbols"]),
        .target(name: "MemReport", dependencies: ["MemStore"]),
        // ELF/DWARF symbolization of recorded program counters, after the run (docs/symbols.md).
        .target(name: "MemSymbols", dependencies: ["CZstd", "CZlib", "CDemangle"]),
        .executableTarget(
            name: "memreplay",
            dependencies: [
                "MemTrace", "MemModel", "MemReplay", "MemStore", "MemReport", "MemSymbols",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Benchmark plans shared by memreplay-bench and the package-benchmark harness in Benchmarks/.
        .target(name: "MemBenchKit", dependencies: ["MemTrace", "MemModel"]),
        .executableTarget(
            name: "MemBench", dependencies: ["MemTrace", "MemModel", "MemReplay", "MemStore", "MemSymbols", "CSQLite", "MemBenchKit"]),
        // Child processes for tests (posix_spawn, output to files, a deadline): see Subprocess.swift.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MemTraceTests", dependencies: ["MemTrace", "MemReplay"]),
        .testTarget(name: "MemModelTests", dependencies: ["MemModel", "TestSupport"]),
        .testTarget(name: "MemReplayTests", dependencies: ["MemReplay", "TestSupport"]),
        .testTarget(name: "MemStoreTests", dependencies: ["MemStore", "CSQLite"]),
        .testTarget(name: "memreplayTests", dependencies: ["memreplay", "MemStore", "TestSupport"]),
        .testTarget(name: "MemReportTests", dependencies: ["MemReport", "MemStore"]),
        .testTarget(name: "MemBenchKitTests", dependencies: ["MemBenchKit"]),
        .testTarget(name: "MemSymbolsTests", dependencies: ["MemSymbols", "TestSupport"]),
    ]
)
