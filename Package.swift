// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way (an arrow: may import; OverheadCLI may import every library below it):
// overhead-bench → OverheadCLI → OverheadBenchmarks, OverheadEnvironment, OverheadReport, OverheadExplain;
// OverheadBenchmarks → OverheadEngine → OverheadModel, OverheadSystem; OverheadEnvironment → OverheadModel,
// OverheadSystem; OverheadReport, OverheadExplain → OverheadCompare → OverheadModel (pure, no system
// layer); OverheadSystem → COverhead, CNuma, the only target that reaches C. Tests: one target per
// module, sharing OverheadTestSupport (some Benchmarks tests also drive the C peers directly).
let package = Package(
    name: "overhead-bench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "overhead-bench", targets: ["overhead-bench"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // Small C: intrinsics (rdtsc, cpuid), raw syscalls, CPU_SET macros, signal flag; links libpfm4
        // (perf.c) and liburing (uring.c, io.randread's queue depth), both from Debian (-dev packages).
        .target(name: "COverhead", linkerSettings: [.linkedLibrary("pfm"), .linkedLibrary("uring")]),
        // libnuma through its pkg-config file (libnuma-dev).
        .systemLibrary(name: "CNuma", pkgConfig: "numa", providers: [.apt(["libnuma-dev"])]),
        .target(name: "OverheadSystem", dependencies: ["COverhead", "CNuma"]),
        .target(name: "OverheadModel"),
        .target(name: "OverheadEnvironment", dependencies: ["OverheadModel", "OverheadSystem"]),
        .target(name: "OverheadEngine", dependencies: ["OverheadModel", "OverheadSystem", "Yams"]),
        // Pure comparison and export (statistics, renderers); its only I/O is the result-set loader.
        .target(name: "OverheadCompare", dependencies: ["OverheadModel"]),
        .target(name: "OverheadBenchmarks", dependencies: ["OverheadEngine", "OverheadModel", "OverheadSystem"]),
        // Pure HTML rendering of a report (inline CSS and SVG); no I/O. BenchmarkInfo (OverheadModel) comes in as data.
        .target(name: "OverheadReport", dependencies: ["OverheadCompare", "OverheadModel"]),
        // Pure rules that turn a comparison into findings (cause, remedy, reference).
        .target(name: "OverheadExplain", dependencies: ["OverheadCompare", "OverheadModel"]),
        .target(
            name: "OverheadCLI",
            dependencies: [
                "OverheadBenchmarks", "OverheadCompare", "OverheadEngine", "OverheadEnvironment", "OverheadExplain", "OverheadModel", "OverheadReport",
                "OverheadSystem", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "overhead-bench", dependencies: ["OverheadCLI", "OverheadSystem"]),
        // Shared by the test targets: fixture paths (Tests/Fixtures, found from this target's path), result
        // sets built in code, engine fakes and the fuzz mutators. Package-level API only, so it builds in release too.
        .target(
            name: "OverheadTestSupport", dependencies: ["OverheadCompare", "OverheadEngine", "OverheadExplain", "OverheadModel", "OverheadSystem"],
            path: "Tests/OverheadTestSupport"),
        // One test target per module; Tests/Fixtures is read by path, not copied into the bundle.
        .testTarget(name: "OverheadBenchmarksTests", dependencies: ["COverhead", "OverheadBenchmarks", "OverheadCLI", "OverheadEngine", "OverheadEnvironment", "OverheadModel", "OverheadSystem", "OverheadTestSupport"]),
        .testTarget(name: "OverheadCLITests", dependencies: ["OverheadBenchmarks", "OverheadCLI", "OverheadCompare", "OverheadEngine", "OverheadModel", "OverheadSystem", "OverheadTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "OverheadCompareTests", dependencies: ["OverheadCompare", "OverheadModel", "OverheadTestSupport"]),
        .testTarget(name: "OverheadEngineTests", dependencies: ["OverheadBenchmarks", "OverheadCLI", "OverheadEngine", "OverheadModel", "OverheadSystem", "OverheadTestSupport"]),
        .testTarget(name: "OverheadEnvironmentTests", dependencies: ["OverheadBenchmarks", "OverheadCompare", "OverheadEngine", "OverheadEnvironment", "OverheadExplain", "OverheadModel", "OverheadReport", "OverheadSystem", "OverheadTestSupport"]),
        .testTarget(name: "OverheadExplainTests", dependencies: ["OverheadCLI", "OverheadCompare", "OverheadExplain", "OverheadModel", "OverheadTestSupport"]),
        .testTarget(name: "OverheadModelTests", dependencies: ["OverheadCLI", "OverheadModel", "OverheadSystem", "OverheadTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "OverheadReportTests", dependencies: ["OverheadBenchmarks", "OverheadCLI", "OverheadCompare", "OverheadEngine", "OverheadModel", "OverheadReport", "OverheadTestSupport"]),
        .testTarget(name: "OverheadSystemTests", dependencies: ["OverheadSystem", "OverheadTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
