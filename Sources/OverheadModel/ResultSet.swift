/// One run of `overhead-bench run`: the self-describing JSON document (schema
/// `overhead-bench/result-set`, version 2; version 1 still reads) that `compare`, `diff`, `export`
/// and `report` read.
public struct ResultSet: Codable, Sendable, Equatable {
    /// The schema name every result set carries.
    public static let schemaName = "overhead-bench/result-set"
    /// The schema version this build writes. Version 2 added replicates (`results[].replicates`,
    /// `workload.replicates`); version 1 sets still read, each result as one replicate.
    public static let currentSchemaVersion = 2
    /// Every version this build reads.
    public static let readableSchemaVersions = 1...2

    public var schema: String
    public var schemaVersion: Int
    public var id: String
    public var label: String
    public var startedAt: String
    public var finishedAt: String
    public var tool: ToolInfo
    public var environment: Environment
    public var workload: WorkloadInfo
    public var results: [BenchmarkResult]
    /// Benchmarks of the workload that could not run here, each with its reason.
    public var skipped: [SkippedBenchmark]
    /// Run-level warnings (interrupted, steal time, ...).
    public var warnings: [String]
    /// True when the run was interrupted (Ctrl-C / SIGTERM) and the set holds what finished.
    public var interrupted: Bool

    public init(
        id: String, label: String, startedAt: String, finishedAt: String, tool: ToolInfo,
        environment: Environment, workload: WorkloadInfo, results: [BenchmarkResult],
        skipped: [SkippedBenchmark], warnings: [String], interrupted: Bool
    ) {
        self.schema = Self.schemaName
        self.schemaVersion = Self.currentSchemaVersion
        self.id = id
        self.label = label
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.tool = tool
        self.environment = environment
        self.workload = workload
        self.results = results
        self.skipped = skipped
        self.warnings = warnings
        self.interrupted = interrupted
    }
}

/// Which tool wrote a result set.
public struct ToolInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// The workload as it ran: its name, where it came from and the engine settings.
///
/// JSON names: `replicates`, `samplesPerReplicate`, `replicateIsolation` (version 2); a version-1
/// set's `rounds` and `samplesPerRound` are read as replicates and samples per replicate (its rounds
/// shared one process and one calibration, which is why its results count as one replicate each).
public struct WorkloadInfo: Codable, Sendable, Equatable {
    public var name: String
    public var source: String
    public var quick: Bool
    /// Seed of the interleaving order, so a run's order can be reproduced.
    public var seed: UInt64
    /// Replicates, samples per replicate, warm-up and floor as the run used them (written as four
    /// fields of `workload`: `replicates`, `samplesPerReplicate`, `warmupBatches`, `minSampleMs`).
    public var sampling: WorkloadSettings
    /// `--only` patterns, when given.
    public var only: [String]
    /// Measured resolution of the engine's clock (CLOCK_MONOTONIC_RAW), in ns.
    public var clockResolutionNs: Double
    /// `process` (each replicate in a fresh worker process), `in-process`, or `none` for a
    /// version-1 set (its rounds were not independent replicates).
    public var replicateIsolation: String

    /// The record of a run of `sampling`.
    public init(
        name: String, source: String, quick: Bool, seed: UInt64, sampling: WorkloadSettings, only: [String], clockResolutionNs: Double,
        replicateIsolation: String
    ) {
        self.name = name
        self.source = source
        self.quick = quick
        self.seed = seed
        self.sampling = sampling
        self.only = only
        self.clockResolutionNs = clockResolutionNs
        self.replicateIsolation = replicateIsolation
    }

    /// The same, field by field.
    public init(
        name: String, source: String, quick: Bool, seed: UInt64, replicates: Int, samplesPerReplicate: Int,
        warmupBatches: Int, minSampleMs: Double, only: [String], clockResolutionNs: Double, replicateIsolation: String
    ) {
        self.init(
            name: name, source: source, quick: quick, seed: seed,
            sampling: WorkloadSettings(replicates: replicates, samplesPerReplicate: samplesPerReplicate, warmupBatches: warmupBatches, minSampleMs: minSampleMs),
            only: only, clockResolutionNs: clockResolutionNs, replicateIsolation: replicateIsolation)
    }

    /// Independent replicates of every case (fresh memory, calibration, peers, scratch files and,
    /// with `replicateIsolation` "process", a fresh worker process).
    public var replicates: Int {
        get { sampling.replicates }
        set { sampling.replicates = newValue }
    }
    /// Samples (timed batches) per replicate.
    public var samplesPerReplicate: Int {
        get { sampling.samplesPerReplicate }
        set { sampling.samplesPerReplicate = newValue }
    }
    /// Untimed batches before each replicate's samples.
    public var warmupBatches: Int {
        get { sampling.warmupBatches }
        set { sampling.warmupBatches = newValue }
    }
    /// Minimum duration of one sample (one timed batch), in milliseconds.
    public var minSampleMs: Double {
        get { sampling.minSampleMs }
        set { sampling.minSampleMs = newValue }
    }

    private enum CodingKeys: String, CodingKey {
        case name, source, quick, seed, replicates, samplesPerReplicate, warmupBatches, minSampleMs, only, clockResolutionNs
        case replicateIsolation, rounds, samplesPerRound
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        source = try c.decode(String.self, forKey: .source)
        quick = try c.decode(Bool.self, forKey: .quick)
        seed = try c.decode(UInt64.self, forKey: .seed)
        let warmupBatches = try c.decode(Int.self, forKey: .warmupBatches)
        let minSampleMs = try c.decode(Double.self, forKey: .minSampleMs)
        only = try c.decode([String].self, forKey: .only)
        clockResolutionNs = try c.decode(Double.self, forKey: .clockResolutionNs)
        let replicates: Int
        let samplesPerReplicate: Int
        if let r = try c.decodeIfPresent(Int.self, forKey: .replicates) {
            replicates = r
            samplesPerReplicate = try c.decode(Int.self, forKey: .samplesPerReplicate)
            replicateIsolation = try c.decode(String.self, forKey: .replicateIsolation)
        } else {
            // Version 1: rounds × samples in one process, one calibration: one replicate.
            let rounds = try c.decode(Int.self, forKey: .rounds)
            replicates = 1
            // Multiplied with overflow reported: hostile input must be an error, not a trap (issue 19).
            let product = rounds.multipliedReportingOverflow(by: try c.decode(Int.self, forKey: .samplesPerRound))
            guard !product.overflow else {
                throw DecodingError.dataCorruptedError(forKey: .samplesPerRound, in: c, debugDescription: "rounds × samplesPerRound is too large")
            }
            samplesPerReplicate = product.partialValue
            replicateIsolation = "none"
        }
        sampling = WorkloadSettings(replicates: replicates, samplesPerReplicate: samplesPerReplicate, warmupBatches: warmupBatches, minSampleMs: minSampleMs)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(source, forKey: .source)
        try c.encode(quick, forKey: .quick)
        try c.encode(seed, forKey: .seed)
        try c.encode(replicates, forKey: .replicates)
        try c.encode(samplesPerReplicate, forKey: .samplesPerReplicate)
        try c.encode(warmupBatches, forKey: .warmupBatches)
        try c.encode(minSampleMs, forKey: .minSampleMs)
        try c.encode(only, forKey: .only)
        try c.encode(clockResolutionNs, forKey: .clockResolutionNs)
        try c.encode(replicateIsolation, forKey: .replicateIsolation)
    }
}

/// Which way a metric improves.
public enum Better: String, Codable, Sendable, Equatable {
    case higher, lower
}

/// One benchmark × params: raw samples, their summary, and how they were taken.
public struct BenchmarkResult: Codable, Sendable, Equatable {
    public var benchmark: String
    public var params: [String: String]
    /// `latency`, `bandwidth`, `throughput`, ...
    public var metric: String
    /// `ns`, `GB/s`, `GFLOP/s`, ...
    public var unit: String
    public var better: Better
    /// One value per timed batch, already divided down to `unit`, overhead subtracted; grouped by
    /// replicate in order (`replicates[0].sampleCount` values first, ...).
    public var samples: [Double]
    /// The independent replicates the samples came from (schema version 2); nil in a version-1 set,
    /// whose samples are one replicate. Use `replicateSlices` rather than reading this directly.
    public var replicates: [Replicate]?
    public var summary: Summary
    /// Performance counters per operation (issue 8); absent when none were read.
    public var counters: [String: Double]?
    public var warnings: [String]
    /// Operations per timed batch (after calibration; the first replicate's, each replicate
    /// calibrates anew and records its own).
    public var iterationsPerSample: Int
    /// Loop and timer overhead subtracted from each sample, ns per op (the median over replicates;
    /// each replicate measures and records its own); nil when none.
    public var overheadNsPerOp: Double?
    /// CPUs the measuring thread(s) were pinned to.
    public var cpus: [Int]
    /// What happened on the machine while it ran.
    public var conditions: RunConditions
    /// Facts about how it ran that a reader needs (`kernel`: the vector variant chosen, `exec`:
    /// the helper run, ...); absent when none.
    public var details: [String: String]?
    /// Figures derived from the summary in other units (`cyclesPerOp`, `nsPerOp`, ...); absent when none.
    public var derived: [String: Double]?

    public init(
        benchmark: String, params: [String: String], metric: String, unit: String, better: Better,
        samples: [Double], summary: Summary, counters: [String: Double]?, warnings: [String],
        iterationsPerSample: Int, overheadNsPerOp: Double?, cpus: [Int], conditions: RunConditions,
        details: [String: String]? = nil, derived: [String: Double]? = nil, replicates: [Replicate]? = nil
    ) {
        self.replicates = replicates
        self.benchmark = benchmark
        self.params = params
        self.metric = metric
        self.unit = unit
        self.better = better
        self.samples = samples
        self.summary = summary
        self.counters = counters
        self.warnings = warnings
        self.iterationsPerSample = iterationsPerSample
        self.overheadNsPerOp = overheadNsPerOp
        self.cpus = cpus
        self.conditions = conditions
        self.details = details
        self.derived = derived
    }
}

/// One independent replicate of one benchmark × params: where its samples are and what disturbed it.
/// The replicate's median is the observation `compare` uses (Kalibera & Jones 2013).
public struct Replicate: Codable, Sendable, Equatable {
    /// How many consecutive values of the result's `samples` belong to this replicate.
    public var sampleCount: Int
    /// Median of those samples, in the result's unit.
    public var median: Double
    /// Operations per timed batch, from this replicate's own calibration.
    public var iterationsPerSample: Int
    /// Loop overhead this replicate measured and subtracted, ns per op; nil when none.
    public var overheadNsPerOp: Double?
    /// Wall time spent measuring (warm-up and samples), seconds.
    public var measuredSeconds: Double
    /// Steal ticks (USER_HZ, usually 10 ms) on the pinned CPUs while it ran; nil where /proc/stat
    /// has no steal column. Each CPU's count is quantized to ±1 tick.
    public var stealTicks: Int?
    /// Involuntary context switches of the measuring threads (getrusage RUSAGE_THREAD): the
    /// scheduler took their CPU away while they measured.
    public var involuntaryContextSwitches: Int
    /// CPU migrations of the measuring threads, from the cpu-migrations software counter; nil when
    /// not counted. Pinned threads should show 0.
    public var migrations: Int?
    /// Robust spread of the replicate's samples: 1.4826 × MAD / median (a fraction), 0 when the median is 0.
    public var robustCV: Double
    /// CFS quota periods of the process's cgroup while it ran (cpu.stat `nr_periods`); nil without
    /// a CPU quota or a cgroup.
    public var cpuPeriods: Int?
    /// Of those, the periods in which the quota ran out and every thread was stopped (`nr_throttled`).
    public var cpuThrottledPeriods: Int?
    /// Time the cgroup spent throttled, µs (`throttled_usec`, summed over CPUs).
    public var cpuThrottledUs: Int?

    public init(
        sampleCount: Int, median: Double, iterationsPerSample: Int, overheadNsPerOp: Double?, measuredSeconds: Double,
        stealTicks: Int?, involuntaryContextSwitches: Int, migrations: Int?, robustCV: Double,
        cpuPeriods: Int? = nil, cpuThrottledPeriods: Int? = nil, cpuThrottledUs: Int? = nil
    ) {
        self.cpuPeriods = cpuPeriods
        self.cpuThrottledPeriods = cpuThrottledPeriods
        self.cpuThrottledUs = cpuThrottledUs
        self.sampleCount = sampleCount
        self.median = median
        self.iterationsPerSample = iterationsPerSample
        self.overheadNsPerOp = overheadNsPerOp
        self.measuredSeconds = measuredSeconds
        self.stealTicks = stealTicks
        self.involuntaryContextSwitches = involuntaryContextSwitches
        self.migrations = migrations
        self.robustCV = robustCV
    }
}

extension BenchmarkResult {
    /// The samples of each replicate, in order. A version-1 result (no `replicates`) is one slice.
    public var replicateSlices: [ArraySlice<Double>] {
        guard let replicates, !replicates.isEmpty else { return [samples[...]] }
        var slices: [ArraySlice<Double>] = []
        var start = 0
        for r in replicates {
            let end = Swift.min(samples.count, start + r.sampleCount)
            slices.append(samples[start..<end])
            start = end
        }
        return slices
    }

    /// The replicate medians: the observations of a comparison (one per replicate).
    public var replicateMedians: [Double] {
        replicateSlices.map { median(Array($0)) }
    }

    /// The case's figure as `run`'s table and `compare` give it: the median of the replicate
    /// medians, in `unit` (for a version-1 result, the median of its samples).
    public var medianOfReplicates: Double {
        median(replicateMedians)
    }
}

/// Steal time and context switches observed while one benchmark ran (all its replicates together).
public struct RunConditions: Codable, Sendable, Equatable {
    /// Wall time spent measuring (warm-up and samples), seconds.
    public var measuredSeconds: Double
    /// Steal time on the pinned CPUs as a percentage of the measured time on them; nil where
    /// `/proc/stat` has no steal column.
    public var stealPercent: Double?
    public var involuntaryContextSwitches: Int
    public var voluntaryContextSwitches: Int

    public init(
        measuredSeconds: Double, stealPercent: Double?, involuntaryContextSwitches: Int,
        voluntaryContextSwitches: Int
    ) {
        self.measuredSeconds = measuredSeconds
        self.stealPercent = stealPercent
        self.involuntaryContextSwitches = involuntaryContextSwitches
        self.voluntaryContextSwitches = voluntaryContextSwitches
    }
}

/// A benchmark of the workload that did not run, and why.
public struct SkippedBenchmark: Codable, Sendable, Equatable {
    public var benchmark: String
    public var params: [String: String]
    public var reason: String

    public init(benchmark: String, params: [String: String], reason: String) {
        self.benchmark = benchmark
        self.params = params
        self.reason = reason
    }
}
