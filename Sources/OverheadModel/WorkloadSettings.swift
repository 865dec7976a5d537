/// How much a run samples: replicates, samples per replicate, warm-up and the sample floor. The
/// one settings value from the workload file (every field optional there) through the engine
/// (`EngineSettings` adds the seed and the replicates to run) into the result set (`WorkloadInfo`
/// records it, field by field in the JSON).
public struct WorkloadSettings: Sendable, Equatable {
    /// Independent replicates of every case (each in a fresh worker process by default).
    public var replicates: Int
    /// Timed batches per replicate.
    public var samplesPerReplicate: Int
    /// Untimed batches before each replicate's samples (caches, TLB, branch predictors, frequency).
    public var warmupBatches: Int
    /// Minimum duration of one sample (one timed batch), in milliseconds (20 clock ticks is the other floor).
    public var minSampleMs: Double

    public init(replicates: Int, samplesPerReplicate: Int, warmupBatches: Int, minSampleMs: Double) {
        self.replicates = replicates
        self.samplesPerReplicate = samplesPerReplicate
        self.warmupBatches = warmupBatches
        self.minSampleMs = minSampleMs
    }

    /// 8 replicates × 3 samples of ≥ 10 ms. The replicate medians are what `compare` tests: 8 a
    /// side lets an exact Mann-Whitney test reach p = 0.00016, small enough to survive the
    /// Benjamini–Hochberg step over a whole workload's rows.
    public static let standard = WorkloadSettings(replicates: 8, samplesPerReplicate: 3, warmupBatches: 1, minSampleMs: 10)
    /// `--quick`: 6 replicates (an exact two-sided Mann-Whitney p can reach 0.002) and short floors.
    public static let quick = WorkloadSettings(replicates: 6, samplesPerReplicate: 3, warmupBatches: 1, minSampleMs: 2)
}
