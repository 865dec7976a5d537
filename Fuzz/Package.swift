// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses for the result-set decoders and the workload parser. The library targets are
// symlinks to ../Sources, so the fuzzers test the very code the tool ships, without adding library
// products to the main package. Build and run with scripts/fuzz (needs the toolchain's libFuzzer:
// swiftc -sanitize=fuzzer); `swift test` of the main package does not build this.
let package = Package(
    name: "overhead-bench-fuzz",
    dependencies: [.package(url: "https://github.com/jpsim/Yams", from: "5.0.0")],
    targets: [
        .target(name: "COverhead", linkerSettings: [.linkedLibrary("pfm"), .linkedLibrary("uring")]),
        .systemLibrary(name: "CNuma", pkgConfig: "numa", providers: [.apt(["libnuma-dev"])]),
        .target(name: "OverheadSystem", dependencies: ["COverhead", "CNuma"]),
        .target(name: "OverheadModel"),
        .target(name: "OverheadEnvironment", dependencies: ["OverheadModel", "OverheadSystem"]),
        .target(name: "OverheadEngine", dependencies: ["OverheadModel", "OverheadSystem", "OverheadEnvironment", "Yams"]),
        .target(name: "OverheadCompare", dependencies: ["OverheadModel"]),
        .executableTarget(name: "ResultSetFuzz", dependencies: ["OverheadCompare", "OverheadModel"]),
        .executableTarget(name: "WorkloadFuzz", dependencies: ["OverheadEngine"]),
    ],
    swiftLanguageModes: [.v6]
)
