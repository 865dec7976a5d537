import OverheadModel

/// What a comparison concludes about one benchmark × params × configuration (or an aggregate).
public enum Verdict: String, Codable, Sendable, CaseIterable {
    /// Worse than the baseline: significant after false-discovery control (q < α), the interval
    /// above 0, and the point estimate at least the minimum effect.
    case overhead
    /// Better than the baseline, by the same rules mirrored.
    case improvement
    /// The whole confidence interval lies inside ±minimum effect: any difference is smaller than
    /// what the user said matters. A claim with its own evidence, not the absence of a finding.
    case equivalent
    /// Neither: the data cannot tell (too noisy, too few replicates, or a difference smaller than
    /// the minimum effect that the interval cannot rule out).
    case inconclusive
    /// Fewer than the minimum number of replicates on a side, or a ratio that is undefined (a median ≤ 0).
    case insufficientData = "insufficient-data"

    /// Reads every current word, and `no-change` from JSON written before version 0.2 as
    /// `inconclusive` (what that verdict could honestly claim).
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        if raw == "no-change" {
            self = .inconclusive
        } else if let v = Verdict(rawValue: raw) {
            self = v
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown verdict '\(raw)'"))
        }
    }
}

/// Settings of a comparison.
public struct CompareOptions: Sendable, Equatable {
    /// Bootstrap resamples (at least 2,000 for stable 2.5% and 97.5% percentiles).
    public var resamples: Int
    /// Seed of the bootstrap, so a comparison is reproducible.
    public var seed: UInt64
    /// False discovery rate (Benjamini–Hochberg) of the row tests, and the level of the MDE.
    public var alpha: Double
    /// Robust spread (1.4826·MAD/median of the replicate medians, a fraction) above which a side is flagged noisy.
    public var noiseCV: Double
    /// Fewer replicates than this on either side gives `insufficient-data`.
    public var minimumReplicates: Int
    /// Confidence level of the interval.
    public var confidence: Double
    /// The smallest overhead, percent, that counts as one (and the margin of `equivalent`).
    public var minEffectPct: Double

    /// The defaults: 2,000 resamples, seed 1, FDR α = 0.05, noisy above 5% robust CV, at least 5
    /// replicates a side, 95% CI, minimum effect 5%.
    public init(
        resamples: Int = 2000, seed: UInt64 = 1, alpha: Double = 0.05, noiseCV: Double = 0.05,
        minimumReplicates: Int = 5, confidence: Double = 0.95, minEffectPct: Double = 5
    ) {
        self.resamples = resamples
        self.seed = seed
        self.alpha = alpha
        self.noiseCV = noiseCV
        self.minimumReplicates = minimumReplicates
        self.confidence = confidence
        self.minEffectPct = minEffectPct
    }
}

/// Result sets that are compared as one configuration (same label, or one side of `diff`).
public struct SetGroup: Sendable {
    /// The name shown for the group: the label, or for `diff` the side.
    public var name: String
    /// Its sets; their samples are pooled.
    public var sets: [LoadedSet]

    /// A named group of sets.
    public init(name: String, sets: [LoadedSet]) {
        self.name = name
        self.sets = sets
    }
}

/// Groups sets by `label`, in order of first appearance.
public func groupByLabel(_ sets: [LoadedSet]) -> [SetGroup] {
    var groups: [SetGroup] = []
    var index: [String: Int] = [:]
    for loaded in sets {
        if let i = index[loaded.set.label] {
            groups[i].sets.append(loaded)
        } else {
            index[loaded.set.label] = groups.count
            groups.append(SetGroup(name: loaded.set.label, sets: [loaded]))
        }
    }
    return groups
}

/// The baseline when none is asked for: `bare-metal` when present, else the first group.
public func defaultBaseline(_ groups: [SetGroup]) -> String? {
    groups.contains { $0.name == "bare-metal" } ? "bare-metal" : groups.first?.name
}

/// One configuration (group) as the comparison saw it.
public struct GroupInfo: Codable, Sendable, Equatable {
    /// Label (or diff side).
    public var label: String
    /// Number of result sets merged.
    public var sets: Int
    /// Their ids.
    public var setIDs: [String]
    /// Distinct hostnames, in order of appearance.
    public var hosts: [String]
    /// The files read.
    public var files: [String]
}

/// One benchmark × params × configuration against the baseline.
public struct ComparisonRow: Codable, Sendable, Equatable {
    /// Benchmark id, e.g. `sys.null`.
    public var benchmark: String
    /// Parameters of the case.
    public var params: [String: String]
    /// Parameters rendered `k=v;k=v`, keys sorted.
    public var paramsText: String
    /// First dotted component of the id (`cpu`, `mem`, ...).
    public var category: String
    /// `latency`, `bandwidth`, ...
    public var metric: String
    /// Unit of both medians (the baseline's; the configuration's samples were converted to it).
    public var unit: String
    /// Which way is better.
    public var better: Better
    /// Baseline label.
    public var baseline: String
    /// Configuration label.
    public var configuration: String
    /// Samples of the baseline side (all replicates of all sets).
    public var baselineN: Int
    /// Samples of the configuration side.
    public var n: Int
    /// Replicates of the baseline side: the observations the statistics use.
    public var baselineReplicates: Int
    /// Replicates of the configuration side.
    public var replicates: Int
    /// Number of sets that contributed on the baseline side.
    public var baselineSets: Int
    /// Number of sets that contributed on the configuration side.
    public var sets: Int
    /// Median of the baseline's replicate medians.
    public var baselineMedian: Double
    /// Median of the configuration's replicate medians.
    public var median: Double
    /// Coefficient of variation of the baseline's replicate medians, percent.
    public var baselineCVPct: Double
    /// Coefficient of variation of the configuration's replicate medians, percent.
    public var cvPct: Double
    /// Robust spread (1.4826·MAD/median) of the baseline's replicate medians, percent.
    public var baselineRobustCVPct: Double
    /// Robust spread of the configuration's replicate medians, percent.
    public var robustCVPct: Double
    /// Overhead in percent, positive = worse: median/base − 1 (lower is better) or base/median − 1
    /// (higher is better); nil when a median is ≤ 0.
    public var overheadPct: Double?
    /// Lower end of the hierarchical bootstrap confidence interval of the overhead, percent.
    public var ciLowPct: Double?
    /// Upper end of the interval, percent.
    public var ciHighPct: Double?
    /// Two-sided Mann-Whitney U p-value of the replicate medians.
    public var pValue: Double?
    /// Benjamini–Hochberg q-value across the rows of this configuration-vs-baseline comparison.
    public var qValue: Double?
    /// Minimum detectable effect, percent: 80% power at the row's α, (D + 1)·α/m for D discoveries
    /// among the m rows tested (the Benjamini–Hochberg level the row must reach); nil when these
    /// replicates cannot reach that level at all.
    public var mdePct: Double?
    /// The verdict.
    public var verdict: Verdict
    /// Either side's robust spread is above the noise threshold.
    public var noisy: Bool
    /// Why the verdict is what it is, when that is not obvious (too few replicates, converted units, ...).
    public var notes: [String]
}

/// Geometric mean of the cost ratios of one category (or `all`) for one configuration; each
/// benchmark id weighs once, however many parameter combinations it has.
public struct CategorySummary: Codable, Sendable, Equatable {
    /// `cpu`, `timer`, `mem`, ... or `all`.
    public var category: String
    /// Configuration label.
    public var configuration: String
    /// Benchmark ids that entered the mean.
    public var benchmarks: Int
    /// Rows (benchmark × params) behind them.
    public var rows: Int
    /// exp(mean over ids of mean over the id's rows of log ratio) − 1, percent.
    public var overheadPct: Double
    /// Hierarchical bootstrap interval of that mean (whole replicates resampled, shared by all rows).
    public var ciLowPct: Double?
    /// Upper end of the interval, percent.
    public var ciHighPct: Double?
    /// Mann-Whitney U p-value of the per-replicate means (each replicate's rows against the
    /// baseline's centers); nil with fewer than the minimum replicates a side.
    public var pValue: Double?
    /// Benjamini–Hochberg q-value across the aggregate rows of this configuration.
    public var qValue: Double?
    /// The verdict, by the rows' rule; `overhead`/`improvement` also need a member row with that verdict.
    public var verdict: Verdict
}

/// A benchmark × params that one side has and another lacks: listed, never dropped silently.
public struct MissingBenchmark: Codable, Sendable, Equatable {
    /// Benchmark id.
    public var benchmark: String
    /// Parameters rendered `k=v;k=v`.
    public var paramsText: String
    /// Labels that have it.
    public var presentIn: [String]
    /// Labels that lack it.
    public var missingFrom: [String]
}

/// An attribute of the environment with more than one value across the sets compared.
public struct EnvironmentDifference: Codable, Sendable, Equatable, CustomStringConvertible {
    /// `CPU model`, `kernel`, `clocksource`, ...
    public var attribute: String
    /// Each distinct value with the labels (and set count) that have it.
    public var values: [EnvironmentValue]

    /// `kernel: 6.1.0 (bare-metal), 6.8.0 (vm ×2)`.
    public var description: String {
        "\(attribute): " + values.map { "\($0.value) (\($0.labels.joined(separator: ", "))\($0.sets > 1 ? " ×\($0.sets)" : ""))" }
            .joined(separator: "; ")
    }
}

/// One value of an environment attribute and who has it.
public struct EnvironmentValue: Codable, Sendable, Equatable {
    /// The value.
    public var value: String
    /// Labels of the sets with this value.
    public var labels: [String]
    /// How many sets have it.
    public var sets: Int
}

/// Everything `compare` and `diff` report; the renderers turn it into text.
public struct Comparison: Codable, Sendable, Equatable {
    /// The baseline configuration.
    public var baseline: GroupInfo
    /// The configurations compared with it, in input order.
    public var configurations: [GroupInfo]
    /// Resamples used.
    public var resamples: Int
    /// Bootstrap seed.
    public var seed: UInt64
    /// Significance level.
    public var alpha: Double
    /// Confidence level of the intervals.
    public var confidence: Double
    /// Noise threshold, percent robust CV.
    public var noiseCVPct: Double
    /// Minimum replicates a side.
    public var minimumReplicates: Int
    /// Minimum effect, percent.
    public var minEffectPct: Double
    /// One row per benchmark × params × configuration, in the order the benchmarks first appear.
    public var rows: [ComparisonRow]
    /// Geometric-mean rows per category and configuration, then `all`.
    public var categories: [CategorySummary]
    /// Benchmarks not present on every side.
    public var missing: [MissingBenchmark]
    /// Environment attributes that differ between the sets.
    public var environmentDifferences: [EnvironmentDifference]
    /// Other observations (unit conversions, sets given twice, ...).
    public var notes: [String]
}
