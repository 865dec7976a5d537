import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

/// Two sockets as a real SLIT reports them: 10 local, 21 remote; node 2 is memory-only (CXL-like).
let twoSockets = NUMALayout(
    nodes: [
        NUMANode(id: 0, cpus: [0, 1, 2, 3], memoryBytes: 64 << 30),
        NUMANode(id: 1, cpus: [4, 5, 6, 7], memoryBytes: 64 << 30),
        NUMANode(id: 2, cpus: [], memoryBytes: 128 << 30),
    ],
    distances: [[10, 21, 30], [21, 10, 30], [30, 30, 10]])

let oneNode = NUMALayout(nodes: [NUMANode(id: 0, cpus: [0, 1], memoryBytes: 8 << 30)], distances: [[10]])

/// A result of `id` with one sample `median` and the derived figures a NUMA case carries.
func numaResult(_ id: String, cpu: Int, mem: Int, median: Double, slit: Int?, extra: [String: String] = [:]) -> BenchmarkResult {
    BenchmarkResult(
        benchmark: id, params: ["cpuNode": String(cpu), "memNode": String(mem)].merging(extra) { $1 },
        metric: "latency", unit: "ns", better: .lower, samples: [median], summary: try! summarize([median]), counters: nil,
        warnings: [], iterationsPerSample: 1, overheadNsPerOp: nil, cpus: [cpu],
        conditions: RunConditions(measuredSeconds: 1, stealPercent: nil, involuntaryContextSwitches: 0, voluntaryContextSwitches: 0),
        derived: slit.map { ["slitDistance": Double($0)] })
}

@Suite struct NUMAPlanTests {
    @Test func remotePairCarriesTheSLITDistanceAndRatio() throws {
        let plan = try NUMAPlan.make(cpuNode: "0", memNode: "1", layout: twoSockets, allowedCPUs: Array(0..<8))
        #expect(plan.cpus == [0, 1, 2, 3])
        #expect(plan.distance == 21 && plan.localDistance == 10)
        #expect(plan.distanceRatio == 2.1)
        #expect(plan.derived == ["slitDistance": 21, "slitRatio": 2.1])
        #expect(plan.details["slitDistance"] == "21")
        #expect(plan.warnings.isEmpty)
    }

    @Test func cpusOutsideTheAffinityMaskAreLeftOut() throws {
        let plan = try NUMAPlan.make(cpuNode: "1", memNode: "0", layout: twoSockets, allowedCPUs: [0, 5, 7])
        #expect(plan.cpus == [5, 7])
        #expect(throws: BenchmarkError.self) { try NUMAPlan.make(cpuNode: "1", memNode: "0", layout: twoSockets, allowedCPUs: [0, 1]) }
    }

    @Test func nodesThisMachineLacksAreSkipsAndBadValuesFailures() {
        func error(_ c: String?, _ m: String?) -> BenchmarkError? {
            do { _ = try NUMAPlan.make(cpuNode: c, memNode: m, layout: twoSockets, allowedCPUs: Array(0..<8)); return nil } catch { return error }
        }
        #expect(error("3", "0") == .unsupported("cpuNode 3 does not exist here; nodes: 0, 1, 2"))
        #expect(error("0", "9") == .unsupported("memNode 9 does not exist here; nodes: 0, 1, 2"))
        // A memory-only node has memory for others but no CPU to run on.
        #expect(error("2", "0") == .unsupported("node 2 has no CPUs; nodes with CPUs: 0, 1"))
        #expect(error("0", "2") == nil)
        #expect(error("x", "0") == .failed("cpuNode must be a node number, got 'x'"))
        #expect(error("0", nil) == .failed("memNode must be a node number, got ''"))
    }

    @Test func oneNodeIsA1x1MatrixWithANoteNeverAFailure() throws {
        let plan = try NUMAPlan.make(cpuNode: "0", memNode: "0", layout: oneNode, allowedCPUs: [0, 1])
        #expect(plan.distanceRatio == 1)
        #expect(plan.warnings.count == 1)
        #expect(plan.warnings[0].contains("1×1"))
    }

    @Test func defaultsAreEveryCPUNodeTimesEveryMemoryNode() throws {
        let registry = BenchmarkRegistry([NUMALatency(layout: { twoSockets }), NUMABandwidth(layout: { twoSockets })])
        let workload = try Workload.parse("benchmarks: [numa.lat, numa.bw]", path: "t.yaml")
        let cases = try workload.resolve(registry: registry, cpus: 8)
        let lat = cases.filter { $0.benchmark.info.id == "numa.lat" }.map { "\($0.params["cpuNode"]!)→\($0.params["memNode"]!)" }
        #expect(lat == ["0→0", "0→1", "0→2", "1→0", "1→1", "1→2"])
        // numa.bw: the same pairs, each with 1 thread and all of the node's CPUs.
        #expect(cases.filter { $0.benchmark.info.id == "numa.bw" }.count == 12)
    }

    @Test func defaultsOnOneNodeAndWithoutLibNUMA() throws {
        let workload = try Workload.parse("benchmarks: [numa.lat]", path: "t.yaml")
        let one = try workload.resolve(registry: BenchmarkRegistry([NUMALatency(layout: { oneNode })]))
        #expect(one.map(\.params) == [["cpuNode": "0", "memNode": "0"]])
        let none = NUMALatency(layout: { nil })
        let cases = try workload.resolve(registry: BenchmarkRegistry([none]))
        #expect(cases.map(\.params) == [["cpuNode": "0", "memNode": "0"]])
        // numa_available() < 0: a skip with that reason, not a failure.
        #expect {
            _ = try none.prepare(params: cases[0].params, context: testContext())
        } throws: { error in
            guard case BenchmarkError.unsupported(let why) = error else { return false }
            return why.contains("numa_available() < 0")
        }
    }

    @Test func workingSetSizing() {
        // 256 MiB normally, 64 MiB quick, at least 4× the LLC.
        #expect(numaWorkingSet(quick: false, llcBytes: 32 << 20, nodeFreeBytes: 60 << 30, memAvailable: 100 << 30) == (256 << 20, nil))
        #expect(numaWorkingSet(quick: true, llcBytes: 8 << 20, nodeFreeBytes: nil, memAvailable: nil) == (64 << 20, nil))
        #expect(numaWorkingSet(quick: true, llcBytes: 96 << 20, nodeFreeBytes: nil, memAvailable: nil).bytes == 384 << 20)
        // A nearly full node caps it at half its free memory, and says so.
        let capped = numaWorkingSet(quick: false, llcBytes: nil, nodeFreeBytes: 300 << 20, memAvailable: 8 << 30)
        #expect(capped.bytes == 150 << 20)
        #expect(capped.capped?.contains("node's free memory") == true)
    }
}

@Suite struct PagePlacementTests {
    @Test func everyPageOnTheTargetIsVerified() {
        let p = PagePlacement(pageNodes: Array(repeating: 1, count: 16_384), target: 1)
        #expect(p.verified && p.summary == "verified" && p.warning == nil)
        #expect(p.detail == "16384 of 16384 sampled pages on node 1")
        #expect(p.fractionOnTarget == 1)
    }

    @Test func pagesElsewhereAreAWarningWithTheFraction() throws {
        let nodes = Array(repeating: 1, count: 14_336) + Array(repeating: 0, count: 2_048)
        let p = PagePlacement(pageNodes: nodes, target: 1)
        #expect(!p.verified && p.summary == "misplaced")
        #expect(p.elsewhere == [0: 2_048])
        #expect(p.fractionOnTarget == 0.875)
        let w = try #require(p.warning)
        #expect(w.hasPrefix("12.5% of the sampled pages (2048 of 16384) landed on node 0 (2048), not node 1"))
        #expect(p.detail == "14336 of 16384 sampled pages on node 1, 2048 on node 0")
    }

    @Test func pagesWithoutANodeLeaveThePlacementUnverified() throws {
        // -ENOENT (-2): not present; -14: -EFAULT.
        let p = PagePlacement(pageNodes: [0, 0, -2, -14], target: 0)
        #expect(!p.verified && p.summary == "unverified")
        #expect(try #require(p.warning).contains("2 of 4 sampled pages had no node"))
        #expect(PagePlacement(pageNodes: [], target: 0).warning == "placement unverified: no pages were sampled")
    }
}

@Suite struct NUMAMatrixTests {
    /// Latency that follows the SLIT exactly: remote = local × distance / 10.
    let latency = [
        numaResult("numa.lat", cpu: 0, mem: 0, median: 100, slit: 10),
        numaResult("numa.lat", cpu: 0, mem: 1, median: 210, slit: 21),
        numaResult("numa.lat", cpu: 1, mem: 0, median: 231, slit: 21),
        numaResult("numa.lat", cpu: 1, mem: 1, median: 110, slit: 10),
    ]

    @Test func buildsA2x2MatrixWithRatiosToLocal() throws {
        let matrices = NUMAMatrix.build(latency.reversed())
        let m = try #require(matrices.first)
        #expect(matrices.count == 1)
        #expect(m.cpuNodes == [0, 1] && m.memNodes == [0, 1])
        #expect(m.medians == [[100, 210], [231, 110]])
        #expect(m.distances == [[10, 21], [21, 10]])
        // The ratio to local follows the SLIT ratio (2.1) for both sockets, each against its own local figure.
        #expect(m.ratioToLocal(cpu: 0, mem: 1) == 2.1)
        #expect(abs(m.ratioToLocal(cpu: 1, mem: 0)! - 2.1) < 1e-12)
        #expect(m.ratioToLocal(cpu: 1, mem: 1) == 1)
        #expect(m.value(cpu: 2, mem: 0) == nil)
        let text = m.render(unit: "ns")
        #expect(text.contains("210.00 (×2.10, SLIT 21)"))
        #expect(text.split(separator: "\n").count == 4)
    }

    @Test func otherParamsMakeSeparateMatrices() {
        let bw = [
            numaResult("numa.bw", cpu: 0, mem: 0, median: 10, slit: 10, extra: ["threads": "1"]),
            numaResult("numa.bw", cpu: 0, mem: 1, median: 6, slit: 21, extra: ["threads": "1"]),
            numaResult("numa.bw", cpu: 0, mem: 0, median: 40, slit: 10, extra: ["threads": "all"]),
            numaResult("numa.bw", cpu: 0, mem: 1, median: 20, slit: 21, extra: ["threads": "all"]),
        ]
        let ms = NUMAMatrix.build(bw)
        #expect(ms.map(\.otherParams) == [["threads": "1"], ["threads": "all"]])
        #expect(ms[0].ratioToLocal(cpu: 0, mem: 1) == 0.6)
        #expect(ms[1].ratioToLocal(cpu: 0, mem: 1) == 0.5)
        let related = relateToLocal(bw)
        #expect(related.map { $0.derived?["ratioToLocal"] } == [1, 0.6, 1, 0.5])
        #expect(related[1].derived?["slitDistance"] == 21)
    }

    /// A result whose samples come in replicates (one sample array per replicate).
    func replicated(_ id: String, cpu: Int, mem: Int, _ replicates: [[Double]]) -> BenchmarkResult {
        var r = numaResult(id, cpu: cpu, mem: mem, median: 0, slit: cpu == mem ? 10 : 20)
        r.samples = replicates.flatMap { $0 }
        r.summary = try! summarize(r.samples)
        r.replicates = replicates.map {
            Replicate(sampleCount: $0.count, median: median($0), iterationsPerSample: 1, overheadNsPerOp: nil, measuredSeconds: 1,
                      stealTicks: nil, involuntaryContextSwitches: 0, migrations: nil, robustCV: 0)
        }
        return r
    }

    /// ratioToLocal relates the figures `run`'s table and `compare` show (medians of replicate
    /// medians), not pooled samples, and after worker processes' parts are merged it is computed
    /// from the merged cases, not as a median of per-replicate ratios (a trial read a stored 1.144
    /// beside medians of 302.8 and 276.8 and a table of 294.0 and 282.6).
    @Test func ratioToLocalRelatesTheFiguresTheTableShows() throws {
        // Pooled median 200, replicate medians [100, 200, 150] → 150.
        let local = replicated("numa.lat", cpu: 0, mem: 0, [[100], [200, 200, 200, 200, 200], [150]])
        let remote = replicated("numa.lat", cpu: 0, mem: 1, [[300], [300], [300]])
        #expect(local.summary.median == 200 && local.medianOfReplicates == 150)
        let m = try #require(NUMAMatrix.build([local, remote]).first)
        #expect(m.value(cpu: 0, mem: 0) == 150 && m.ratioToLocal(cpu: 0, mem: 1) == 2)
        #expect(relateToLocal([local, remote]).map { $0.derived?["ratioToLocal"] } == [1, 2])

        // Three worker parts, one replicate each: per-part ratios 1.5, 2.0, 1.1667 (median 1.5);
        // the merged cases' medians are 200 and 350, so the ratio is 1.75.
        let localParts = [100.0, 200, 300].map { replicated("numa.lat", cpu: 0, mem: 0, [[$0]]) }
        let remoteParts = [150.0, 400, 350].map { replicated("numa.lat", cpu: 0, mem: 1, [[$0]]) }
        var partRatios: [BenchmarkResult] = []
        for (l, r) in zip(localParts, remoteParts) { partRatios += relateToLocal([l, r]) }
        let merged = [
            combineReplicates(partRatios.filter { $0.params["memNode"] == "0" }, userHz: 100),
            combineReplicates(partRatios.filter { $0.params["memNode"] == "1" }, userHz: 100),
        ]
        #expect(merged[1].derived?["ratioToLocal"] == 1.5, "the merge alone takes the median of per-part ratios")
        #expect(relateToLocal(merged)[1].derived?["ratioToLocal"] == 1.75)
    }

    @Test func aMissingLocalCellLeavesNoRatio() {
        // Node 2 is memory-only: (2, 2) is never measured, so cpu 2's row has no local reference.
        let rs = [numaResult("numa.lat", cpu: 2, mem: 0, median: 300, slit: 30)]
        #expect(relateToLocal(rs)[0].derived?["ratioToLocal"] == nil)
    }

    @Test func oneNodeIsA1x1Matrix() {
        let m = NUMAMatrix.build([numaResult("numa.lat", cpu: 0, mem: 0, median: 90, slit: 10)])
        #expect(m.count == 1 && m[0].medians == [[90]] && m[0].ratioToLocal(cpu: 0, mem: 0) == 1)
    }

    @Test func theEngineRelatesResultsOfOneId() throws {
        // Two NUMA cases on the fake clock: the engine's relate hook adds ratioToLocal.
        struct FakeNUMA: Benchmark {
            let clock: FakeClock
            var info: BenchmarkInfo {
                BenchmarkInfo(id: "numa.fake", summary: "", reveals: "", params: [
                    ParamSpec(name: "cpuNode", values: .positiveInteger(extra: ["0"]), defaults: ["0"], summary: ""),
                    ParamSpec(name: "memNode", values: .positiveInteger(extra: ["0"]), defaults: ["0", "1"], summary: ""),
                ], metric: "latency", unit: "ns", better: .lower)
            }
            func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
                let clock = clock, perOp: UInt64 = params["memNode"] == "0" ? 100 : 200
                return PreparedBenchmark(placement: .threadsOn(cpus: [context.allowedCPUs[0]]), kernel: { n, _ in clock.advance(UInt64(n) * perOp) })
            }
            func relate(_ results: [BenchmarkResult]) -> [BenchmarkResult] { relateToLocal(results) }
        }
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 5), clock: FakeClock(), clockResolutionNs: 1)
        let b = FakeNUMA(clock: engine.clock)
        let cases = try Workload.parse("benchmarks: [numa.fake]", path: "t.yaml").resolve(registry: BenchmarkRegistry([b]))
        let outcome = engine.run(cases: cases, context: testContext())
        #expect(outcome.results.map { $0.derived?["ratioToLocal"] } == [1, 2])
        #expect(outcome.results.allSatisfy { $0.cpus == [testContext().allowedCPUs[0]] })
    }

    @Test func threadsOnCPUsOutsideTheMaskIsASkip() {
        struct Outside: Benchmark {
            let info = BenchmarkInfo(id: "numa.outside", summary: "", reveals: "", params: [], metric: "latency", unit: "ns", better: .lower)
            func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
                PreparedBenchmark(placement: .threadsOn(cpus: [100_000]), kernel: { _, _ in })
            }
        }
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 1, warmupBatches: 0, minSampleMs: 1, seed: 5), clock: FakeClock(), clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: Outside(), params: [:])], context: testContext())
        #expect(outcome.results.isEmpty)
        #expect(outcome.skipped.first?.reason.hasPrefix("needs CPUs [100000]") == true)
    }
}

/// On this machine, through libnuma: memory bound to node 0 is found on node 0.
@Suite(.enabled(if: LibNUMA.isAvailable())) struct NUMALiveTests {
    @Test func boundWordsSumAndLandOnTheirNode() throws {
        let node = try #require(NUMALayout.live()?.memoryNodes.first)
        let words = try NodeBoundWords(count: 1 << 20, node: node)
        words.fill(0..<(1 << 20))
        #expect(words.readSum(0..<(1 << 20), passes: 2) == UInt64((1 << 20) * ((1 << 20) - 1) / 2))
        #expect(words.readSum(10..<13, passes: 1) == 33)
        let placement = PagePlacement(pageNodes: try words.pageNodes(), target: node)
        #expect(placement.verified)
        #expect(placement.sampled == (8 << 20) / MappedMemory.pageSize)
    }

    @Test func untouchedPagesHaveNoNode() throws {
        let memory = try MappedMemory(bytes: 1 << 20, hugePages: false)
        try memory.bind(toNode: 0)
        #expect(try memory.pageNodes().allSatisfy { $0 < 0 })
    }

    @Test func latencyAndBandwidthPrepareWithVerifiedPlacement() throws {
        let layout = try #require(NUMALayout.live())
        let c = String(layout.cpuNodes[0]), m = String(layout.memoryNodes[0])
        let lat = try NUMALatency().prepare(params: ["cpuNode": c, "memNode": m], context: testContext())
        defer { lat.teardown() }
        #expect(lat.details["placement"] == "verified")
        let bw = try NUMABandwidth().prepare(params: ["cpuNode": c, "memNode": m, "threads": "1"], context: testContext())
        #expect(bw.details["placement"] == "verified")
        bw.kernel(1, 0)
        try bw.validate()
    }
}
