import Foundation
import OverheadCompare
import OverheadExplain
import OverheadModel

// Result sets built in code: a sample set, synthetic sets of given results, and explain's cases.

/// Fixture result sets of the comparator (written by Fixtures/compare/make_fixtures.py).
package let compareFixtures = fixturesDirectory.appendingPathComponent("compare")

/// The path of a comparator fixture.
package func compareFixture(_ name: String) -> String { compareFixtures.appendingPathComponent(name).path }

/// A result set with the given label and results, on the environment of `sampleResultSet()`.
package func syntheticSet(label: String, id: String, results: [(String, [String: String], String, Better, [Double])]) throws -> LoadedSet {
    var set = try sampleResultSet()
    set.label = label
    set.id = id
    set.results = try results.map { benchmark, params, unit, better, samples in
        BenchmarkResult(
            benchmark: benchmark, params: params, metric: "latency", unit: unit, better: better, samples: samples,
            summary: try summarize(samples), counters: nil, warnings: [], iterationsPerSample: 1, overheadNsPerOp: nil, cpus: [0],
            conditions: RunConditions(measuredSeconds: 1, stealPercent: nil, involuntaryContextSwitches: 0, voluntaryContextSwitches: 0),
            replicates: oneReplicatePerSample(samples))
    }
    return LoadedSet(path: "\(id).json", set: set)
}

/// Each value as one replicate (its median): the observations of the comparator, so tests can state
/// replicate medians directly.
package func oneReplicatePerSample(_ samples: [Double]) -> [Replicate] {
    samples.map {
        Replicate(
            sampleCount: 1, median: $0, iterationsPerSample: 1, overheadNsPerOp: nil, measuredSeconds: 0.01, stealTicks: 0,
            involuntaryContextSwitches: 0, migrations: nil, robustCV: 0)
    }
}

/// n normal samples with the given mean and standard deviation.
package func normalSamples(_ n: Int, mean: Double, sd: Double, rng: inout SplitMix64) -> [Double] {
    (0..<n).map { _ in mean + sd * rng.standardNormal() }
}

/// A valid one-result set (a KVM guest, sys.null) to build test sets on.
package func sampleResultSet() throws -> ResultSet {
    let samples = [130.5, 131.0, 129.8, 130.2, 135.0]
    let env = Environment(
        hostname: "node-1", kernel: "6.1.0", cpu: CPUInfo(vendor: "GenuineIntel", model: "Xeon", family: 6, modelNumber: 143, stepping: 8, microcode: "0x2b000590", logicalCPUs: 2, smt: false, flags: ["avx2"]),
        memoryBytes: 25_769_803_776, clocksource: "tsc", availableClocksources: ["tsc", "kvm-clock"], transparentHugePages: "madvise", governor: nil,
        mitigations: ["meltdown": "Not affected"], hypervisor: Hypervisor(present: true, vendor: "KVM", signatures: ["KVMKVMKVM"], evidence: ["cpuid"]),
        configuration: Configuration(detected: "vm", reasons: ["CPUID says KVM"]),
        numa: NUMATopology(available: true, source: "libnuma", nodes: [NUMANode(id: 0, cpus: [0, 1], memoryBytes: 25_769_803_776)], distances: [[10]]),
        devices: [Device(name: "eth0", kind: "network", bus: "pci", pciAddress: "0000:00:03.0", pciID: "1af4:1000", driver: "virtio_net", path: "virtio", reason: "virtio")],
        counters: CounterAvailability(hardware: false, software: true, reason: "no PMU"), notes: [])
    return ResultSet(
        id: "7f0c7c1e-0000-4000-8000-000000000001", label: "vm", startedAt: "2026-11-28T12:00:00.000Z", finishedAt: "2026-11-28T12:01:00.000Z",
        tool: ToolInfo(name: "overhead-bench", version: "0.1.0"), environment: env,
        workload: WorkloadInfo(name: "quick", source: "Workloads/quick.yaml", quick: true, seed: 42, replicates: 3, samplesPerReplicate: 2, warmupBatches: 1, minSampleMs: 2, only: [], clockResolutionNs: 20,
            replicateIsolation: "process"),
        results: [BenchmarkResult(
            benchmark: "sys.null", params: [:], metric: "latency", unit: "ns", better: .lower, samples: samples, summary: try summarize(samples),
            counters: nil, warnings: [], iterationsPerSample: 76_000, overheadNsPerOp: 1.25, cpus: [1],
            conditions: RunConditions(measuredSeconds: 0.1, stealPercent: 0, involuntaryContextSwitches: 1, voluntaryContextSwitches: 0),
            replicates: [
                Replicate(sampleCount: 3, median: 130.5, iterationsPerSample: 76_000, overheadNsPerOp: 1.25, measuredSeconds: 0.06, stealTicks: 0, involuntaryContextSwitches: 1, migrations: 0, robustCV: robustCV([130.5, 131.0, 129.8])),
                Replicate(sampleCount: 2, median: 132.6, iterationsPerSample: 75_000, overheadNsPerOp: 1.3, measuredSeconds: 0.04, stealTicks: nil, involuntaryContextSwitches: 0, migrations: nil, robustCV: robustCV([130.2, 135.0])),
            ])],
        skipped: [SkippedBenchmark(benchmark: "numa.lat", params: ["cpuNode": "0", "memNode": "1"], reason: "one NUMA node")],
        warnings: [], interrupted: false)
}

/// One synthetic case of a result set.
package struct ExplainCase {
    package var benchmark: String
    package var params: [String: String] = [:]
    package var unit = "ns"
    package var better: Better = .lower
    package var samples: [Double]
    package var details: [String: String]? = nil
    package var derived: [String: Double]? = nil
    package var steal: Double? = nil

    package init(
        benchmark: String, params: [String: String] = [:], unit: String = "ns", better: Better = .lower, samples: [Double],
        details: [String: String]? = nil, derived: [String: Double]? = nil, steal: Double? = nil
    ) {
        self.benchmark = benchmark
        self.params = params
        self.unit = unit
        self.better = better
        self.samples = samples
        self.details = details
        self.derived = derived
        self.steal = steal
    }
}

/// Ten samples spread evenly ±`spread` (a fraction) around `value`: CV ≈ 0.6 × spread.
package func around(_ value: Double, spread: Double = 0.01) -> [Double] {
    (0..<10).map { value * (1 + spread * (Double($0) - 4.5) / 4.5) }
}

/// A result set on the environment of `sampleResultSet()` (KVM guest, one node, virtio_net, THP madvise, 3 GHz TSC).
package func explainSet(_ label: String, _ cases: [ExplainCase], env change: (inout Environment) -> Void = { _ in }) throws -> LoadedSet {
    var set = try sampleResultSet()
    set.label = label
    set.id = "set-\(label)"
    set.environment.tsc = TSCInfo(ghz: 3.0, source: "calibrated", calibratedGHz: 3.0, invariant: true)
    change(&set.environment)
    set.results = try cases.map { c in
        BenchmarkResult(
            benchmark: c.benchmark, params: c.params, metric: c.better == .lower ? "latency" : "throughput", unit: c.unit, better: c.better,
            samples: c.samples, summary: try summarize(c.samples), counters: nil, warnings: [], iterationsPerSample: 1, overheadNsPerOp: nil,
            cpus: [0], conditions: RunConditions(measuredSeconds: 1, stealPercent: c.steal ?? 0, involuntaryContextSwitches: 0, voluntaryContextSwitches: 0),
            details: c.details, derived: c.derived, replicates: oneReplicatePerSample(c.samples))
    }
    return LoadedSet(path: "\(label).json", set: set)
}

/// The comparator's output and the sets by label, as `explain` builds them.
package func comparisonOf(_ sets: [LoadedSet], baseline: String = "bare-metal") throws -> (Comparison, [SetGroup]) {
    let groups = groupByLabel(sets)
    return (try compare(groups: groups, baseline: baseline), groups)
}

/// One rule's findings for one configuration.
package func evaluate(_ rule: any Rule, _ sets: [LoadedSet], configuration: String = "vm") throws -> [Finding] {
    let (comparison, groups) = try comparisonOf(sets)
    var byLabel: [String: [ResultSet]] = [:]
    for g in groups { byLabel[g.name] = g.sets.map(\.set) }
    return rule.evaluate(RuleContext(comparison: comparison, configuration: configuration, sets: byLabel))
}

/// Bare metal: one NUMA node by default, no hypervisor, a physical NIC.
package func bareMetal(_ env: inout Environment) {
    env.hypervisor = Hypervisor(present: false, vendor: nil, signatures: [], evidence: [])
    env.configuration = Configuration(detected: "bare-metal", reasons: ["no hypervisor"])
    env.devices = [Device(name: "eth0", kind: "network", bus: "pci", pciAddress: "0000:3b:00.0", pciID: "8086:1593", driver: "ice", path: "physical", reason: "PF")]
}
