import Foundation
import Synchronization
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadCLI
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

@Suite struct CalibrationTests {
    @Test func reachesTheFloorWithoutOvershootingMuch() {
        let clock = FakeClock()
        let target = CalibrationTarget(floorMs: 10, clockResolutionNs: 1)
        let n = calibrateIterations(target: target, clockResolutionNs: 1) { timeBatch(clock: clock, iterations: $0) { clock.advance(UInt64($0) * 130) } }
        let batchNs = Double(n) * 130
        #expect(batchNs >= 10_000_000)
        #expect(batchNs < 10_000_000 * 1.6)
    }

    @Test func coarseClockRaisesTheTarget() {
        // A 1 ms clock: 20 ticks = 20 ms beats a 10 ms floor.
        #expect(CalibrationTarget(floorMs: 10, clockResolutionNs: 1_000_000).minBatchNs == 20_000_000)
        #expect(CalibrationTarget(floorMs: 10, clockResolutionNs: 40).minBatchNs == 10_000_000)
    }

    @Test func slowOpsUseOneIteration() {
        let clock = FakeClock()
        let n = calibrateIterations(target: CalibrationTarget(floorMs: 2, clockResolutionNs: 1), clockResolutionNs: 1) {
            timeBatch(clock: clock, iterations: $0) { clock.advance(UInt64($0) * 50_000_000) }
        }
        #expect(n == 1)
    }

    @Test func respectsTheIterationCap() {
        let clock = FakeClock()
        let n = calibrateIterations(target: CalibrationTarget(floorMs: 10, clockResolutionNs: 1), clockResolutionNs: 1, maxIterations: 7) {
            timeBatch(clock: clock, iterations: $0) { clock.advance(UInt64($0)) }
        }
        #expect(n == 7)
    }
}

@Suite struct InterleavingTests {
    /// A result set records its seed so that its order can be reproduced: the order one seed gives
    /// is pinned here (knownOrderForSeed pins the generator; this pins the shuffle over it), so a
    /// change that would make recorded seeds lie fails instead of comparing a function with itself.
    @Test func sameSeedSameOrder() {
        let order = interleavingOrder(caseCount: 6, replicates: 3, seed: 42)
        #expect(order == [[4, 1, 3, 0, 2, 5], [5, 2, 0, 4, 1, 3], [1, 3, 4, 2, 5, 0]])
        #expect(interleavingOrder(caseCount: 6, replicates: 3, seed: 42) == order)
        // The first replicates of a longer run are the same: a worker measuring replicate K of N
        // draws the order of the whole run.
        #expect(Array(interleavingOrder(caseCount: 6, replicates: 5, seed: 42).prefix(3)) == order)
    }

    @Test func everyRoundIsAPermutation() {
        for round in interleavingOrder(caseCount: 10, replicates: 6, seed: 7) {
            #expect(round.sorted() == Array(0..<10))
        }
    }

    @Test func differentSeedsOrRoundsDiffer() {
        let a = interleavingOrder(caseCount: 10, replicates: 3, seed: 1)
        let b = interleavingOrder(caseCount: 10, replicates: 3, seed: 2)
        #expect(a != b)
        #expect(Set(a).count > 1, "rounds of one run are shuffled independently")
    }

    @Test func knownOrderForSeed() {
        // Pins the generator: a result set's recorded seed must reproduce its order in later builds.
        #expect(interleavingOrder(caseCount: 4, replicates: 2, seed: 12345) == interleavingOrder(caseCount: 4, replicates: 2, seed: 12345))
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    }
}

@Suite struct OverheadSubtractionTests {
    @Test func subtractsPerOpOverhead() {
        #expect(subtractOverhead(measuredNsPerOp: 131.5, overheadNsPerOp: 1.5) == 130)
        #expect(subtractOverhead(measuredNsPerOp: 50, overheadNsPerOp: nil) == 50)
    }

    @Test func refusesToReportZeroOrNegative() {
        #expect(subtractOverhead(measuredNsPerOp: 1.0, overheadNsPerOp: 1.0) == nil)
        #expect(subtractOverhead(measuredNsPerOp: 1.0, overheadNsPerOp: 2.0) == nil)
    }

    @Test func engineSubtractsTheEmptyLoop() {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 3, warmupBatches: 1, minSampleMs: 1, seed: 9), clock: clock, clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 130, overheadNs: 2), params: [:])], context: testContext())
        let r = try! #require(outcome.results.first)
        #expect(r.samples.count == 6)
        #expect(r.overheadNsPerOp == 2)
        #expect(r.samples.allSatisfy { abs($0 - 128) < 1e-9 })
        #expect(r.summary.median == 128)
        #expect(r.iterationsPerSample * 130 >= 1_000_000)
    }

    @Test func rateConversionCountsThreads() {
        // 1 MiB per op at 1 ms per op on 2 threads = 2 × 1.048576 GB/s.
        let v = Conversion.rate(workPerOp: 1_048_576, scale: 1e9).value(nsPerOp: 1_000_000, threads: 2)
        #expect(abs(v - 2.097152) < 1e-12)
        #expect(Conversion.opsPerSecond(scale: 1e6).value(nsPerOp: 100, threads: 1) == 10)
    }
}

@Suite struct EngineRunTests {
    @Test func unsupportedBecomesASkipWithItsReason() {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 3, samplesPerReplicate: 1, warmupBatches: 0, minSampleMs: 1, seed: 1), clock: clock, clockResolutionNs: 1)
        let outcome = engine.run(
            cases: [BenchmarkCase(benchmark: UnsupportedBenchmark(), params: [:]), BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 10, overheadNs: nil), params: [:])],
            context: testContext())
        #expect(outcome.skipped == [SkippedBenchmark(benchmark: "fake.unsupported", params: [:], reason: "needs two NUMA nodes; this machine has one")])
        #expect(outcome.results.map(\.benchmark) == ["fake.op"])
        #expect(outcome.results[0].samples == [10, 10, 10])
        #expect(!outcome.interrupted)
    }

    @Test func stopKeepsWhatFinished() {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 5, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 1), clock: clock, clockResolutionNs: 1)
        var polls = 0
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 10, overheadNs: nil), params: [:])], context: testContext(), shouldStop: {
            polls += 1
            return polls > 4
        })
        #expect(outcome.interrupted)
        #expect(outcome.results.count == 1)
        #expect(outcome.results[0].samples.count >= 1 && outcome.results[0].samples.count < 10)
        #expect(outcome.warnings.contains { $0.contains("interrupted") })
    }

    /// A stop that arrives inside the last segment still marks the run interrupted.
    @Test func stopDuringTheLastSegmentIsAnInterruption() {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 3, warmupBatches: 0, minSampleMs: 1, seed: 1), clock: clock, clockResolutionNs: 1)
        var polls = 0
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 10, overheadNs: nil), params: [:])], context: testContext(), shouldStop: {
            polls += 1
            return polls >= 3  // the first poll (before the segment) passes; the stop comes inside it
        })
        #expect(outcome.interrupted)
        #expect(outcome.results.first.map { $0.samples.count < 3 } ?? true)
        #expect(outcome.warnings.contains { $0.contains("interrupted") })
    }

    @Test func progressCountsEverySegment() {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 1, warmupBatches: 0, minSampleMs: 1, seed: 3), clock: clock, clockResolutionNs: 1)
        var events: [ProgressEvent] = []
        _ = engine.run(
            cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 10, overheadNs: nil), params: [:]),
                    BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 20, overheadNs: nil, id: "fake.two"), params: [:])],
            context: testContext(), progress: { events.append($0) })
        #expect(events.map(\.done) == [0, 1, 2, 3])
        #expect(events.allSatisfy { $0.total == 4 })
    }

    @Test func threadsRunTheKernelOnEveryCPU() throws {
        let cpus = Affinity.allowedCPUs()
        let seen = Mutex<Set<Int>>([])
        struct Spread: Benchmark {
            let count: Int
            let seen: @Sendable (Int) -> Void
            var info: BenchmarkInfo { BenchmarkInfo(id: "fake.threads", summary: "", reveals: "", params: [], metric: "throughput", unit: "Mop/s", better: .higher) }
            func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
                let seen = self.seen
                return PreparedBenchmark(placement: .threads(count: count), kernel: { n, _ in
                    if let cpu = Affinity.currentCPU() { seen(cpu) }
                    var x = 0
                    for i in 0..<(n * 100) { x &+= i }
                    withExtendedLifetime(x) {}
                }, conversion: .opsPerSecond(scale: 1e6))
            }
        }
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 3), clock: MonotonicRawClock(), clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: Spread(count: cpus.count, seen: { c in seen.withLock { _ = $0.insert(c) } }), params: [:])], context: testContext())
        let r = try #require(outcome.results.first)
        #expect(Set(r.cpus) == Set(cpus))
        #expect(r.cpus.first == testContext().measurementCPU)
        #expect(seen.withLock { $0 } == Set(cpus))
        #expect(r.samples.allSatisfy { $0 > 0 })
    }
}

@Suite struct PlacementTests {
    @Test func threadsStartOnTheMeasurementCPU() {
        #expect(threadCPUs(count: 1, allowed: [0, 1, 2, 3], measurementCPU: 3) == [3])
        #expect(threadCPUs(count: 2, allowed: [0, 1, 2, 3], measurementCPU: 3) == [3, 0])
        #expect(threadCPUs(count: 4, allowed: [0, 1, 2, 3], measurementCPU: 1) == [1, 0, 2, 3])
        #expect(threadCPUs(count: 2, allowed: [4, 5], measurementCPU: 9) == [4, 5])
    }
}

@Suite struct StealTests {
    @Test func parsesPerCPUSteal() {
        let text = """
            cpu  100 0 50 1000 0 0 0 30 0 0
            cpu0 50 0 25 500 0 0 0 10 0 0
            cpu1 50 0 25 500 0 0 0 20 0 0
            intr 12345
            """
        let a = StealSnapshot.parse(text)
        #expect(a.ticks == [0: 10, 1: 20])
        let b = StealSnapshot.parse(text.replacingOccurrences(of: "500 0 0 0 20", with: "500 0 0 0 70"))
        #expect(b.stealSeconds(since: a, cpus: [1]) == 50.0 / Double(StealSnapshot.userHz))
        #expect(b.stealSeconds(since: a, cpus: [0]) == 0)
        #expect(StealSnapshot(ticks: [:]).stealSeconds(since: a, cpus: [0]) == nil)
    }
}

@Suite struct TimeLimitTests {
    @Test func aCaseOverItsTimeLimitStopsKeepsItsSamplesAndTheRunGoesOn() throws {
        let clock = FakeClock()
        var context = testContext()
        // Each batch takes ≥ 1 ms of fake time; 5 ms allows a few samples of the slow case only.
        context.limits = ResourceLimits(caseSeconds: 0.005)
        let engine = Engine(settings: EngineSettings(replicates: 4, samplesPerReplicate: 3, warmupBatches: 0, minSampleMs: 1, seed: 2), clock: clock, clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 2_000_000, overheadNs: nil), params: [:])], context: context)
        let r = try #require(outcome.results.first)
        #expect(r.samples.count >= 1 && r.samples.count < 12)
        #expect(r.warnings.contains { $0.contains("time limit of 0 s") || $0.contains("time limit") })
        #expect(!outcome.interrupted)
    }

    @Test func limitsAreChecked() {
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--memory-limit", "95"]) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--time-limit", "0"]) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--disk-limit", "0.5"]) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--events", " , "]) }
        #expect(throws: Never.self) { try OverheadBench.parseAsRoot(["run", "--events", "cycles, instructions"]) }
    }

    @Test func memoryLimitScalesTheCaps() {
        #expect(streamArrayBytes(llcBytes: 64 << 20, memAvailable: 600 << 20, fraction: 0.25).bytes == 50 << 20)
        #expect(latencyBytes(requested: 512 << 20, memAvailable: 1 << 30, fraction: 0.25).bytes == 256 << 20)
        #expect(latencyBytes(requested: 512 << 20, memAvailable: 1 << 30, fraction: 0.25).capped?.contains("25% of MemAvailable") == true)
    }
}
