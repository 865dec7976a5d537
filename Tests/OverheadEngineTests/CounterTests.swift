import Synchronization
import OverheadTestSupport
import Testing
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

/// Counters that report fixed counts per start/stop window: `perWindow[name]` = (value, enabled, running).
final class FakeCounters: ThreadCounters {
    let perWindow: [String: (UInt64, UInt64, UInt64)]
    let windows = Mutex(0)
    init(_ perWindow: [String: (UInt64, UInt64, UInt64)]) { self.perWindow = perWindow }
    func start() { windows.withLock { $0 += 1 } }
    func stop() {}
    func read() -> [PerfReading] {
        perWindow.map { PerfReading(name: $0.key, value: $0.value.0, enabledNs: $0.value.1, runningNs: $0.value.2) }
    }
}

final class FakeCounterSource: CounterSource {
    let perWindow: [String: (UInt64, UInt64, UInt64)]
    let opened = Mutex(0)
    init(perWindow: [String: (UInt64, UInt64, UInt64)]) { self.perWindow = perWindow }
    func openForCurrentThread() -> (any ThreadCounters)? {
        opened.withLock { $0 += 1 }
        return FakeCounters(perWindow)
    }
    var description: String { "fake" }
}

@Suite struct CounterTests {
    @Test func perOpNormalizationAndMultiplexScaling() throws {
        let clock = FakeClock()
        // Each sample window (2 samples of N ops): cycles ran half the time (scale ×2).
        let source = FakeCounterSource(perWindow: [
            "cycles": (1_000_000, 200, 100),
            "instructions": (3_000_000, 200, 200),
            "page-faults": (0, 200, 200),
        ])
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 2, warmupBatches: 1, minSampleMs: 1, seed: 5),
                            clock: clock, clockResolutionNs: 1, counters: source)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 1000, overheadNs: nil), params: [:])], context: testContext())
        let r = try #require(outcome.results.first)
        let ops = Double(r.iterationsPerSample * 2)  // per window
        let counters = try #require(r.counters)
        #expect(abs(counters["cycles"]! - 2_000_000 / ops) < 1e-9)
        #expect(abs(counters["instructions"]! - 3_000_000 / ops) < 1e-9)
        // A real zero stays a zero: the counter ran and saw nothing.
        #expect(counters["page-faults"] == 0)
        #expect(abs(r.derived!["ipc"]! - 1.5) < 1e-12)
        #expect(r.details?["counterMultiplexScale"] == "2.00")
        #expect(source.opened.withLock { $0 } == 2)  // one set per segment on one thread
    }

    @Test func anEventThatNeverRanIsMissingNotZero() throws {
        let clock = FakeClock()
        let source = FakeCounterSource(perWindow: ["cycles": (0, 500, 0), "task-clock": (900, 500, 500)])
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 3, warmupBatches: 0, minSampleMs: 1, seed: 5),
                            clock: clock, clockResolutionNs: 1, counters: source)
        let r = try #require(engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 10, overheadNs: nil), params: [:])], context: testContext()).results.first)
        #expect(r.counters?["cycles"] == nil)
        #expect(r.counters?["task-clock"] != nil)
        #expect(r.warnings.contains { $0.contains("cycles was multiplexed out") })
        #expect(r.derived?["ipc"] == nil)
    }

    @Test func noSourceMeansNoCounters() throws {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 3, warmupBatches: 0, minSampleMs: 1, seed: 5), clock: clock, clockResolutionNs: 1)
        let r = try #require(engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 10, overheadNs: nil), params: [:])], context: testContext()).results.first)
        #expect(r.counters == nil)
    }

    @Test func countersOpenOnEveryMeasuringThread() {
        let cpus = Affinity.allowedCPUs()
        let source = FakeCounterSource(perWindow: ["task-clock": (1000, 10, 10)])
        struct Threads: Benchmark {
            let count: Int
            var info: BenchmarkInfo { BenchmarkInfo(id: "fake.mt", summary: "", reveals: "", params: [], metric: "throughput", unit: "Mop/s", better: .higher) }
            func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
                PreparedBenchmark(placement: .threads(count: count), kernel: { n, _ in
                    var x = 0
                    for i in 0..<(n * 10) { x &+= i }
                    withExtendedLifetime(x) {}
                }, conversion: .opsPerSecond(scale: 1e6))
            }
        }
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 1, warmupBatches: 0, minSampleMs: 1, seed: 1), clock: MonotonicRawClock(), clockResolutionNs: 1, counters: source)
        _ = engine.run(cases: [BenchmarkCase(benchmark: Threads(count: cpus.count), params: [:])], context: testContext())
        #expect(source.opened.withLock { $0 } == cpus.count)
    }

    static let softwareEventsWork: Bool = {
        guard case .success(let e) = PerfEvent.encode(name: "page-faults", spec: "perf::PAGE-FAULTS") else { return false }
        return PerfCounterGroup.probe(e, excludeKernel: false) == nil
    }()

    @Test(.enabled(if: softwareEventsWork))
    func realSoftwareEventsCountPageFaults() throws {
        let setup = prepareCounters(requested: ["perf::PAGE-FAULTS", "perf::TASK-CLOCK"])
        let source = try #require(setup.source)
        let counters = try #require(source.openForCurrentThread())
        let memory = try MappedMemory(bytes: 256 * 4096, hugePages: false)
        counters.start()
        memory.touchAll(page: 4096)
        counters.stop()
        let readings = Dictionary(uniqueKeysWithValues: counters.read().map { ($0.name, $0.value) })
        #expect(readings["perf::PAGE-FAULTS"]! >= 256)
        #expect(readings["perf::PAGE-FAULTS"]! < 300)
        #expect(readings["perf::TASK-CLOCK"]! > 0)
    }

    @Test func unknownEventsAreReportedNotFaked() {
        let setup = prepareCounters(requested: ["no-such-event-xyz"])
        #expect(setup.source == nil)
        #expect(setup.warnings.contains { $0.contains("no-such-event-xyz") && $0.contains("libpfm4 cannot encode") })
    }
}

@Suite struct SeparateCounterBatchTests {
    struct SwitchHeavy: Benchmark {
        let clock: FakeClock
        var info: BenchmarkInfo { BenchmarkInfo(id: "fake.switchy", summary: "", reveals: "", params: [], metric: "latency", unit: "ns", better: .lower) }
        func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
            let clock = self.clock
            var p = PreparedBenchmark(kernel: { n, _ in clock.advance(UInt64(n) * 500) })
            p.countersInSeparateBatch = true
            return p
        }
    }

    @Test func countedOverOneUntimedBatchPerSegment() throws {
        let clock = FakeClock()
        let source = FakeCounterSource(perWindow: ["context-switches": (4_000, 10, 10)])
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 3, warmupBatches: 0, minSampleMs: 1, seed: 1),
                            clock: clock, clockResolutionNs: 1, counters: source)
        let r = try #require(engine.run(cases: [BenchmarkCase(benchmark: SwitchHeavy(clock: clock), params: [:])], context: testContext()).results.first)
        // One window of one batch per segment: 4,000 switches over `iterations` ops.
        #expect(abs(r.counters!["context-switches"]! - 4_000 / Double(r.iterationsPerSample)) < 1e-9)
        #expect(r.details?["countersWindow"]?.contains("untimed") == true)
        #expect(r.samples.count == 6)
    }
}
