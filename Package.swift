// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way (an arrow: may import; OverheadCLI may import every library below it):
// overhead-bench → OverheadCLI → OverheadBenchmarks, OverheadEnvironment, OverheadReport, OverheadExplain;
// OverheadBenchmarks → OverheadEngine → OverheadModel, OverheadSystem; OverheadEnvironment → OverheadModel,
// OverheadSystem; OverheadReport, OverheadExplain → OverheadCompare → OverheadModel (pure, no system
// layer); OverheadSystem → COverhead, CNuma. Known skip: OverheadBenchmarks still calls COverhead
// directly for its kernels (issue 21).
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
        .testTarget(
            name: "OverheadBenchTests",
            dependencies: [
                "OverheadCLI", "OverheadBenchmarks", "OverheadCompare", "OverheadEngine", "OverheadEnvironment", "OverheadExplain",
                "OverheadModel", "OverheadReport", "OverheadSystem",
            ],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
