/// One run of `overhead-bench run`: the self-describing JSON document (schema
/// `overhead-bench/result-set`, version 1) that `compare`, `diff`, `export` and `report` read.
public struct ResultSet: Codable, Sendable, Equatable {
    /// The schema name every result set carries.
    public static let schemaName = "overhead-bench/result-set"
    /// The schema version this build writes and reads.
    public static let currentSchemaVersion = 1

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
public struct WorkloadInfo: Codable, Sendable, Equatable {
    public var name: String
    public var source: String
    public var quick: Bool
    /// Seed of the interleaving order, so a run's order can be reproduced.
    public var seed: UInt64
    public var rounds: Int
    public var samplesPerRound: Int
    public var warmupBatches: Int
    /// Minimum duration of one sample (one timed batch), in milliseconds.
    public var minSampleMs: Double
    /// `--only` patterns, when given.
    public var only: [String]
    /// Measured resolution of the engine's clock (CLOCK_MONOTONIC_RAW), in ns.
    public var clockResolutionNs: Double

    public init(
        name: String, source: String, quick: Bool, seed: UInt64, rounds: Int, samplesPerRound: Int,
        warmupBatches: Int, minSampleMs: Double, only: [String], clockResolutionNs: Double
    ) {
        self.name = name
        self.source = source
        self.quick = quick
        self.seed = seed
        self.rounds = rounds
        self.samplesPerRound = samplesPerRound
        self.warmupBatches = warmupBatches
        self.minSampleMs = minSampleMs
        self.only = only
        self.clockResolutionNs = clockResolutionNs
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
    /// One value per timed batch, already divided down to `unit`, overhead subtracted.
    public var samples: [Double]
    public var summary: Summary
    /// Performance counters per operation (issue 8); absent when none were read.
    public var counters: [String: Double]?
    public var warnings: [String]
    /// Operations per timed batch (after calibration).
    public var iterationsPerSample: Int
    /// Loop and timer overhead subtracted from each sample, ns per op; nil when none.
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
        details: [String: String]? = nil, derived: [String: Double]? = nil
    ) {
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

/// Steal time and context switches observed while one benchmark ran (all its rounds together).
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
