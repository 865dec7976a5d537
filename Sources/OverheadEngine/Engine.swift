import Foundation
import OverheadModel
import OverheadSystem
import Synchronization

/// How many replicates and samples, how long each, in which order.
public struct EngineSettings: Sendable, Equatable {
    /// Replicates, samples, warm-up and floor, as the workload (and `--replicates`) set them. Each
    /// replicate prepares the case anew (fresh memory, first touch, peers, scratch files),
    /// calibrates anew and measures its own loop overhead, so the spread between replicates carries
    /// what differs between two runs (Kalibera & Jones 2013).
    public var sampling: WorkloadSettings
    public var seed: UInt64
    /// The replicates this engine runs, of `0..<replicates`: all of them in process, or one when a
    /// worker process runs a single replicate of a larger run (the order still comes from `seed`).
    public var replicateRange: Range<Int>

    /// The engine settings of `sampling`, seeded, running `replicateRange` (default: every replicate).
    public init(_ sampling: WorkloadSettings, seed: UInt64, replicateRange: Range<Int>? = nil) {
        self.sampling = sampling
        self.seed = seed
        self.replicateRange = replicateRange ?? 0..<sampling.replicates
    }

    /// The same, field by field.
    public init(replicates: Int, samplesPerReplicate: Int, warmupBatches: Int, minSampleMs: Double, seed: UInt64, replicateRange: Range<Int>? = nil) {
        self.init(
            WorkloadSettings(replicates: replicates, samplesPerReplicate: samplesPerReplicate, warmupBatches: warmupBatches, minSampleMs: minSampleMs),
            seed: seed, replicateRange: replicateRange)
    }

    /// Independent replicates of every case.
    public var replicates: Int { sampling.replicates }
    /// Samples (timed batches) each case takes per replicate.
    public var samplesPerReplicate: Int { sampling.samplesPerReplicate }
    /// Untimed batches before each replicate's samples.
    public var warmupBatches: Int { sampling.warmupBatches }
    /// Minimum duration of one batch, ms.
    public var minSampleMs: Double { sampling.minSampleMs }
}

/// One benchmark with one concrete set of params.
public struct BenchmarkCase: Sendable {
    public var benchmark: any Benchmark
    public var params: [String: String]
    /// Params as the workload wrote them where they were resolved (`threads` → `all`); each is
    /// recorded in the result's details as `<name>Requested`.
    public var requested: [String: String]

    public init(benchmark: any Benchmark, params: [String: String], requested: [String: String] = [:]) {
        self.benchmark = benchmark
        self.params = params
        self.requested = requested
    }

    /// `sys.null` or `timer.clock_gettime{clock=monotonic}`, for progress and messages.
    public var displayName: String {
        params.isEmpty ? benchmark.info.id : benchmark.info.id + "{" + paramsText(params, separator: ",") + "}"
    }
}

/// What the engine reports while it runs.
public struct ProgressEvent: Sendable, Equatable {
    /// Segments done so far and in all by this engine (a segment is one case in one replicate).
    public var done: Int
    public var total: Int
    /// The replicate (1-based) and how many the run has.
    public var replicate: Int
    public var replicates: Int
    public var caseName: String
}

/// The measured outcome of a workload.
public struct EngineOutcome: Sendable {
    public var results: [BenchmarkResult]
    public var skipped: [SkippedBenchmark]
    public var warnings: [String]
    public var interrupted: Bool

    public init(results: [BenchmarkResult], skipped: [SkippedBenchmark], warnings: [String], interrupted: Bool) {
        self.results = results
        self.skipped = skipped
        self.warnings = warnings
        self.interrupted = interrupted
    }

    /// The run-level warning of an interrupted run.
    public static let interruptedWarning = "the run was interrupted; the result set holds the samples taken before it stopped"
}

/// The order in which cases run: for each replicate, a permutation of `0..<caseCount` drawn from a
/// generator seeded with `seed`, so drift (thermal, noisy neighbours) spreads over every benchmark
/// and the same seed reproduces the same order.
public func interleavingOrder(caseCount: Int, replicates: Int, seed: UInt64) -> [[Int]] {
    var rng = SplitMix64(seed: seed)
    return (0..<replicates).map { _ in Array(0..<caseCount).shuffled(using: &rng) }
}

/// CPUs for `count` pinned threads: the measurement CPU first (so `threads=1` runs where every
/// single-threaded benchmark runs), then the other allowed CPUs in order.
public func threadCPUs(count: Int, allowed: [Int], measurementCPU: Int) -> [Int] {
    let ordered = allowed.contains(measurementCPU) ? [measurementCPU] + allowed.filter { $0 != measurementCPU } : allowed
    return Array(ordered.prefix(count))
}

/// Subtracts per-op overhead from a measured time per op. Returns nil when the overhead would
/// leave nothing (the op is not measurable above its loop), so the caller keeps the raw figure
/// and warns instead of reporting a zero or a negative time.
public func subtractOverhead(measuredNsPerOp: Double, overheadNsPerOp: Double?) -> Double? {
    guard let overhead = overheadNsPerOp else { return measuredNsPerOp }
    let net = measuredNsPerOp - overhead
    return net > 0 ? net : nil
}

/// Subtracts `overheadNsPerOp` from every raw time of one replicate, or from none: when any
/// sample would be left at or below zero, all come back raw and `subtracted` is false. Mixing
/// net and raw samples in one replicate would put two different quantities under one median.
public func applyOverhead(_ raw: [Double], overheadNsPerOp: Double?) -> (values: [Double], subtracted: Bool) {
    guard overheadNsPerOp != nil else { return (raw, true) }
    let net = raw.map { subtractOverhead(measuredNsPerOp: $0, overheadNsPerOp: overheadNsPerOp) }
    if net.allSatisfy({ $0 != nil }) { return (net.map { $0! }, true) }
    return (raw.map { max($0, Double.leastNonzeroMagnitude) }, false)
}

/// Owns timing: calibration, warm-up, samples, overhead subtraction, pinning, interleaving, and
/// the steal-time and context-switch watch.
public struct Engine<Clock: BenchmarkClock>: Sendable {
    public var settings: EngineSettings
    public var clock: Clock
    public var clockResolutionNs: Double
    public var root: SystemRoot
    /// Performance counters read around each case's samples; nil counts nothing.
    public var counters: (any CounterSource)?

    public init(settings: EngineSettings, clock: Clock, clockResolutionNs: Double, root: SystemRoot = .live, counters: (any CounterSource)? = nil) {
        self.settings = settings
        self.clock = clock
        self.clockResolutionNs = clockResolutionNs
        self.root = root
        self.counters = counters
    }

    /// Mutable per-case state across replicates.
    private struct CaseState {
        var replicates: [Replicate] = []
        var samples: [Double] = []
        var warnings: [String] = []
        var skipReason: String?
        var cpus: [Int] = []
        var measuredSeconds: Double = 0
        var usage = ResourceUsage(voluntaryContextSwitches: 0, involuntaryContextSwitches: 0)
        var subtractionFailed = false
        var details: [String: String] = [:]
        var derive: (@Sendable (Double) -> [String: Double])?
        var counterTotals = CounterTotals()
    }

    /// Runs every case for the replicates of `settings.replicateRange`, in seeded interleaved order.
    /// `shouldStop` is polled between batches (Ctrl-C); what finished is kept.
    public func run(
        cases: [BenchmarkCase], context: RunContext, progress: (ProgressEvent) -> Void = { _ in },
        shouldStop: () -> Bool = { false }
    ) -> EngineOutcome {
        var states = Array(repeating: CaseState(), count: cases.count)
        let order = interleavingOrder(caseCount: cases.count, replicates: settings.replicates, seed: settings.seed)
        let target = CalibrationTarget(floorMs: settings.minSampleMs, clockResolutionNs: clockResolutionNs)
        let originalAffinity = Affinity.allowedCPUs()
        var interrupted = false
        var done = 0
        let total = cases.count * settings.replicateRange.count

        outer: for replicate in settings.replicateRange {
            for index in order[replicate] {
                if shouldStop() {
                    interrupted = true
                    break outer
                }
                progress(ProgressEvent(done: done, total: total, replicate: replicate + 1, replicates: settings.replicates, caseName: cases[index].displayName))
                if states[index].skipReason == nil {
                    runSegment(cases[index], state: &states[index], context: context, target: target, shouldStop: shouldStop)
                    try? Affinity.set(originalAffinity)
                    // A stop during the segment cut it short (fewer samples than asked): the run is
                    // interrupted even when this was its last segment (found with Ctrl-C during the
                    // last replicate: the set said complete and held one replicate less).
                    if shouldStop() {
                        interrupted = true
                        break outer
                    }
                }
                done += 1
            }
        }

        var results: [BenchmarkResult] = []
        var skipped: [SkippedBenchmark] = []
        for (c, state) in zip(cases, states) {
            let info = c.benchmark.info
            if let reason = state.skipReason, state.samples.isEmpty {
                skipped.append(SkippedBenchmark(benchmark: info.id, params: c.params, reason: reason))
                continue
            }
            guard !state.samples.isEmpty, let summary = try? summarize(state.samples) else {
                if !interrupted {
                    skipped.append(SkippedBenchmark(benchmark: info.id, params: c.params, reason: "no samples were taken"))
                }
                continue
            }
            var warnings = state.warnings
            if let reason = state.skipReason { warnings.append("stopped early: \(reason)") }
            if state.subtractionFailed {
                let raw = state.replicates.filter { $0.overheadNsPerOp == nil }.count
                warnings.append("loop overhead was not below the measured time in every sample of \(raw) of \(state.replicates.count) replicate(s); those replicates are reported without subtraction (all their samples raw)")
            }
            var derived = state.derive?(summary.median) ?? [:]
            let perOp = state.counterTotals.perOp
            if let cycles = perOp["cycles"], let instructions = perOp["instructions"], cycles > 0 {
                derived["ipc"] = instructions / cycles
            }
            var details = state.details
            for (name, value) in c.requested { details[name + "Requested"] = value }
            if state.subtractionFailed {
                details["overheadSubtraction"] = "per replicate, all or none: a replicate whose loop overhead is not below every sample is reported raw, and its overheadNsPerOp is left empty"
            }
            if !perOp.isEmpty, let counters {
                details["counters"] = "per op; " + counters.description
                if state.counterTotals.maxScale > 1.0001 {
                    details["counterMultiplexScale"] = String(format: "%.2f", state.counterTotals.maxScale)
                }
            }
            for name in state.counterTotals.unscheduled.sorted() {
                warnings.append("counter \(name) was multiplexed out (never ran); it is left out rather than reported as 0")
            }
            if info.unit == "ns", let ghz = context.tscGHz {
                // Cycles at the TSC rate: the figure papers quote (CPUID ≈ 1,000+ cycles under KVM).
                derived["cyclesPerOp"] = summary.median * ghz
            }
            var result = BenchmarkResult(
                benchmark: info.id, params: c.params, metric: info.metric, unit: info.unit, better: info.better,
                samples: state.samples, summary: summary, counters: perOp.isEmpty ? nil : perOp, warnings: unique(warnings),
                iterationsPerSample: state.replicates.first?.iterationsPerSample ?? 0,
                overheadNsPerOp: medianOrNil(state.replicates.compactMap(\.overheadNsPerOp)), cpus: state.cpus,
                conditions: RunConditions(
                    measuredSeconds: state.measuredSeconds, stealPercent: nil,
                    involuntaryContextSwitches: state.usage.involuntaryContextSwitches,
                    voluntaryContextSwitches: state.usage.voluntaryContextSwitches),
                details: details.isEmpty ? nil : details, derived: derived.isEmpty ? nil : derived,
                replicates: state.replicates)
            // Steal (with its tick quantization), the summary and too-few-replicates: one rule for
            // in-process runs and for the merge of worker processes.
            result.refreshReplicateFindings(userHz: StealSnapshot.userHz)
            results.append(result)
        }
        results = relateAcrossCases(results, cases: cases)
        var warnings: [String] = []
        if interrupted { warnings.append(EngineOutcome.interruptedWarning) }
        return EngineOutcome(results: results, skipped: skipped, warnings: warnings, interrupted: interrupted)
    }

    private func runSegment(
        _ c: BenchmarkCase, state: inout CaseState, context: RunContext, target: CalibrationTarget, shouldStop: () -> Bool
    ) {
        let prepared: PreparedBenchmark
        do {
            prepared = try c.benchmark.prepare(params: c.params, context: context)
        } catch let error as BenchmarkError {
            state.skipReason = error.description
            return
        } catch {
            state.skipReason = "failed: \(error)"
            return
        }
        defer { prepared.teardown() }
        state.warnings.append(contentsOf: prepared.warnings)
        state.details.merge(prepared.details) { $1 }
        state.derive = prepared.derive

        let cpus: [Int]
        let threads: Int
        switch prepared.placement {
        case .singleCPU:
            cpus = [context.measurementCPU]
            threads = 1
        case .threads(let count):
            guard count >= 1, count <= context.allowedCPUs.count else {
                state.skipReason = "needs \(count) CPUs but this process may use \(context.allowedCPUs.count)"
                return
            }
            cpus = threadCPUs(count: count, allowed: context.allowedCPUs, measurementCPU: context.measurementCPU)
            threads = count
        case .own(let own):
            cpus = own
            threads = 1
        case .threadsOn(let list):
            guard !list.isEmpty, list.allSatisfy(context.allowedCPUs.contains) else {
                state.skipReason = "needs CPUs \(list) but this process may use \(context.allowedCPUs)"
                return
            }
            cpus = list
            threads = list.count
        }
        state.cpus = cpus

        let pool: WorkerPool?
        do {
            if case .own = prepared.placement { pool = nil } else { pool = try WorkerPool(cpus: cpus) }
        } catch {
            state.skipReason = "cannot pin to CPUs \(cpus): \(error)"
            return
        }
        defer { pool?.stop() }
        if let setup = prepared.threadSetup {
            if let pool { pool.run({ _, thread in setup(thread) }, iterations: 0) } else { setup(0) }
        }
        // One counter set per measuring thread, opened on that thread.
        var threadCounters: [any ThreadCounters] = []
        if let source = counters {
            if let pool {
                let opened = Mutex<[any ThreadCounters]>([])
                pool.run({ _, _ in
                    if let c = source.openForCurrentThread() { opened.withLock { $0.append(c) } }
                }, iterations: 0)
                threadCounters = opened.withLock { $0 }
            } else if let c = source.openForCurrentThread() {
                threadCounters = [c]
            }
        }
        let kernel = prepared.kernel
        let batch: (Int) -> Void = { n in if let pool { pool.run(kernel, iterations: n) } else { kernel(n, 0) } }
        let selfTimed = prepared.selfTimedKernel
        // One sample's elapsed ns: the clock around a batch, or the kernel's own timing.
        let measure: (Int) -> UInt64 = { n in
            if let selfTimed { return selfTimed(n) }
            return timeBatch(clock: clock, iterations: n, batch)
        }

        let stealBefore = StealSnapshot.read(root: root)
        let throttleBefore = CgroupCPUStat.read(root: root)
        let usageBefore = ResourceUsage.process()
        // Involuntary switches of the measuring threads themselves (RUSAGE_THREAD on each).
        let threadUsage: () -> Int = {
            guard let pool else { return ResourceUsage.thread().involuntaryContextSwitches }
            let total = Mutex(0)
            pool.run({ _, _ in
                let n = ResourceUsage.thread().involuntaryContextSwitches
                total.withLock { $0 += n }
            }, iterations: 0)
            return total.withLock { $0 }
        }
        let threadSwitchesBefore = threadUsage()
        let wallStart = clock.now()

        // Every replicate calibrates anew and measures its own loop overhead: a figure estimated
        // once and reused would make every replicate share its error.
        let iterations = calibrateIterations(
            target: target, clockResolutionNs: clockResolutionNs,
            maxIterations: prepared.maxIterationsPerBatch, measure: measure)
        var overheadNsPerOp: Double?
        if let overheadKernel = prepared.overheadKernel {
            let emptyBatch: (Int) -> Void = { n in if let pool { pool.run(overheadKernel, iterations: n) } else { overheadKernel(n, 0) } }
            let n = calibrateIterations(target: target, clockResolutionNs: clockResolutionNs) { timeBatch(clock: clock, iterations: $0, emptyBatch) }
            // Median of several batches: the overhead estimate must not carry one batch's noise.
            let perOp = (0..<5).map { _ in Double(timeBatch(clock: clock, iterations: n, emptyBatch)) / Double(n) }
            overheadNsPerOp = median(perOp)
        }

        // The case's time limit over the whole run, checked between batches: a case that runs
        // past it stops, keeps its samples and says why; the run goes on.
        let remainingNs = max(0, context.limits.caseSeconds - state.measuredSeconds) * 1e9
        let deadline = wallStart &+ UInt64(min(remainingNs, 1e18))
        var overTime: Bool {
            guard clock.now() > deadline else { return false }
            state.skipReason = String(format: "stopped after its time limit of %.0f s (--time-limit)", context.limits.caseSeconds)
            return true
        }
        for _ in 0..<settings.warmupBatches {
            if shouldStop() || overTime { break }
            _ = measure(iterations)
        }
        // Counters run around the samples only: started before the first batch's clock read and
        // stopped after the last one's, never toggled inside a timed batch.
        let countDuringSamples = !prepared.countersInSeparateBatch
        if countDuringSamples { for c in threadCounters { c.start() } }
        var taken = 0
        var rawNsPerOp: [Double] = []
        for _ in 0..<settings.samplesPerReplicate {
            if shouldStop() || overTime { break }
            taken += 1
            let elapsed = Double(measure(iterations))
            rawNsPerOp.append(elapsed / Double(iterations))
        }
        // One rule for the whole replicate: the loop overhead is subtracted from every sample or
        // from none, so a replicate never mixes net and raw figures.
        let (netNsPerOp, subtracted) = applyOverhead(rawNsPerOp, overheadNsPerOp: overheadNsPerOp)
        if !subtracted { state.subtractionFailed = true }
        let replicateSamples = netNsPerOp.map { prepared.conversion.value(nsPerOp: $0, threads: threads) }

        if countDuringSamples {
            for c in threadCounters { c.stop() }
        } else if !threadCounters.isEmpty && taken > 0 && !shouldStop() {
            // Counted over one extra, untimed batch: for these ops perf's own work at every
            // context switch would slow the timed samples (measured: +30–50% on a same-core ping-pong).
            for c in threadCounters { c.start() }
            _ = measure(iterations)
            for c in threadCounters { c.stop() }
            taken = 1
        }
        var migrations: Int?
        if !threadCounters.isEmpty && taken > 0 {
            let readings = threadCounters.flatMap { $0.read() }
            // An op is one iteration on one thread: totals over all threads divide by all their ops.
            state.counterTotals.add(readings, ops: Double(iterations * taken * max(1, threadCounters.count)))
            if !countDuringSamples { state.details["countersWindow"] = "one extra untimed batch after the samples (perf's context-switch hooks would slow timed ones)" }
            let counted = readings.filter { $0.name == "cpu-migrations" && $0.runningNs > 0 }
            if !counted.isEmpty {
                migrations = Int(counted.reduce(0.0) { $0 + Double($1.value) * Double($1.enabledNs) / Double($1.runningNs) }.rounded())
            }
        }

        let wall = Double(clock.now() &- wallStart) / 1e9
        let threadSwitches = max(0, threadUsage() - threadSwitchesBefore)
        state.measuredSeconds += wall
        state.usage = state.usage + (ResourceUsage.process() - usageBefore)
        let stealTicks = StealSnapshot.read(root: root).stealTicks(since: stealBefore, cpus: cpus)
        let throttled = throttleBefore.flatMap { CgroupCPUStat.read(root: root)?.delta(since: $0)?.counters }

        do {
            try prepared.validate()
            state.warnings.append(contentsOf: prepared.finish(overheadNsPerOp))
        } catch {
            state.samples.removeAll()
            state.replicates.removeAll()
            state.skipReason = "failed validation: \(error)"
            return
        }
        guard !replicateSamples.isEmpty else { return }
        state.samples.append(contentsOf: replicateSamples)
        state.replicates.append(Replicate(
            sampleCount: replicateSamples.count, median: median(replicateSamples), iterationsPerSample: iterations,
            overheadNsPerOp: subtracted ? overheadNsPerOp : nil, measuredSeconds: wall, stealTicks: stealTicks,
            involuntaryContextSwitches: threadSwitches, migrations: migrations, robustCV: robustCV(replicateSamples),
            cpuPeriods: throttled.map { Int($0.periods) }, cpuThrottledPeriods: throttled.map { Int($0.throttledPeriods) },
            cpuThrottledUs: throttled.map { Int($0.throttledUs) }))
    }
}

/// The median, or nil for no values.
func medianOrNil(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : median(values)
}

extension ResourceUsage {
    static func + (a: ResourceUsage, b: ResourceUsage) -> ResourceUsage {
        ResourceUsage(
            voluntaryContextSwitches: a.voluntaryContextSwitches + b.voluntaryContextSwitches,
            involuntaryContextSwitches: a.involuntaryContextSwitches + b.involuntaryContextSwitches)
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}

/// Cross-case figures (`Benchmark.relate`, e.g. numa.*'s `ratioToLocal`, mem.bw's `bestGBs`), one
/// call per benchmark id with all of that id's results. Run on the results of a whole run: after
/// the engine's replicates, and again after worker processes' parts are merged, so a figure that
/// relates cases is computed from the merged cases, never as a median of per-replicate relations.
public func relateAcrossCases(_ results: [BenchmarkResult], cases: [BenchmarkCase]) -> [BenchmarkResult] {
    var results = results
    for id in unique(cases.map { $0.benchmark.info.id }) {
        guard let benchmark = cases.first(where: { $0.benchmark.info.id == id })?.benchmark else { continue }
        let indices = results.indices.filter { results[$0].benchmark == id }
        let related = benchmark.relate(indices.map { results[$0] })
        if related.count == indices.count { for (i, r) in zip(indices, related) { results[i] = r } }
    }
    return results
}
