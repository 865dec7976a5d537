import Foundation
import OverheadModel

// What `explain` finds, as a shared vocabulary: the explain rules make findings, the report shows
// them (OverheadReport depends on this module, never on the rules in OverheadExplain).

/// How much a finding matters.
///
/// The basis, unless a rule states its own (`Finding.severityBasis`): the cost of the finding's
/// headline comparison row — under 10% `info`, 10% up to 2× (`+100%`) `warning`, 2× or more
/// `critical`. Ten percent is about what Felter et al. report as the price of a tuned VM on the
/// benchmarks that matter; doubling a cost is what users notice without measuring.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    /// Expected or small; worth knowing.
    case info
    /// A cost worth removing.
    case warning
    /// A cost of 2× or more, or a configuration that is plainly wrong.
    case critical

    /// `info` < 10%, `warning` < 100%, `critical` ≥ 100% overhead.
    public static func forOverhead(_ pct: Double) -> Severity {
        if pct >= 100 { return .critical }
        if pct >= 10 { return .warning }
        return .info
    }

    /// The default basis, in words, for a headline overhead.
    public static func basis(forOverhead pct: Double) -> String {
        "headline overhead \(formatPct(pct)): info below +10%, warning from +10%, critical from +100% (2×)"
    }

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    /// Orders info < warning < critical.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One comparison row a finding rests on, as the comparator computed it (never recomputed), plus
/// the steal time each side saw while that benchmark ran.
public struct EvidenceRow: Codable, Sendable, Equatable {
    /// Benchmark id.
    public var benchmark: String
    /// Parameters as `k=v;k=v`, keys sorted.
    public var params: String
    /// Unit of both medians.
    public var unit: String
    /// Baseline label.
    public var baseline: String
    /// Configuration label.
    public var configuration: String
    /// Median on the baseline side.
    public var baselineMedian: Double
    /// Median on the configuration side.
    public var median: Double
    /// Overhead, percent (positive = worse).
    public var overheadPct: Double?
    /// Lower end of the confidence interval of the overhead, percent.
    public var ciLowPct: Double?
    /// Upper end of the interval, percent.
    public var ciHighPct: Double?
    /// Mann-Whitney U p-value.
    public var pValue: Double?
    /// Benjamini–Hochberg q-value.
    public var qValue: Double?
    /// Minimum detectable effect, percent; nil when the replicates cannot detect any difference.
    public var mdePct: Double?
    /// The comparator's verdict.
    public var verdict: Verdict
    /// The comparator's noise flag (either side's robust spread above its threshold).
    public var noisy: Bool
    /// Robust spread (1.4826·MAD/median) of the baseline's replicate medians, percent.
    public var baselineCVPct: Double
    /// Robust spread of the configuration's replicate medians, percent.
    public var cvPct: Double
    /// Largest steal time (percent of the measured time) any baseline set saw for this case; nil when unknown.
    public var baselineStealPct: Double?
    /// Largest steal time any configuration set saw for this case; nil when unknown.
    public var stealPct: Double?

    /// The row of a comparison, with steal figures looked up by the caller.
    public init(_ row: ComparisonRow, baselineStealPct: Double?, stealPct: Double?) {
        benchmark = row.benchmark
        params = row.paramsText
        unit = row.unit
        baseline = row.baseline
        configuration = row.configuration
        baselineMedian = row.baselineMedian
        median = row.median
        overheadPct = row.overheadPct
        ciLowPct = row.ciLowPct
        ciHighPct = row.ciHighPct
        pValue = row.pValue
        qValue = row.qValue
        mdePct = row.mdePct
        verdict = row.verdict
        noisy = row.noisy
        baselineCVPct = row.baselineRobustCVPct
        cvPct = row.robustCVPct
        self.baselineStealPct = baselineStealPct
        self.stealPct = stealPct
    }

    /// `cpu.cpuid: bare-metal 48.20 ns, vm 1210 ns — +2410% (95% CI +2350% … +2470%), p <0.001, overhead`.
    public var text: String {
        let name = params.isEmpty ? benchmark : "\(benchmark) \(params)"
        var interval = ""
        if let low = ciLowPct, let high = ciHighPct { interval = " (CI \(formatPct(low)) … \(formatPct(high)))" }
        let p = qValue.map { $0 < 0.001 ? "q <0.001" : "q \(formatFixed($0, 3))" } ?? "q —"
        return "\(name): \(baseline) \(formatFigure(baselineMedian)) \(unit), \(configuration) \(formatFigure(median)) \(unit) — "
            + "\(overheadPct.map(formatPct) ?? "—")\(interval), \(p), \(verdict.rawValue)"
    }
}

/// A recognised signature of hypervisor overhead: what was seen, what it means and what to do.
public struct Finding: Codable, Sendable, Equatable {
    /// The rule that found it (`vm-exit`, `clocksource`, ...).
    public var id: String
    /// One line with the headline figure.
    public var title: String
    /// How much it matters.
    public var severity: Severity
    /// Why this severity, in words.
    public var severityBasis: String
    /// The configuration it is about.
    public var configuration: String
    /// The configuration it was compared with.
    public var baseline: String
    /// The comparison rows it rests on.
    public var evidence: [EvidenceRow]
    /// Facts from the environment fingerprints it also rests on (devices, clocksource, topology).
    public var facts: [String]
    /// The likely cause, one sentence.
    public var cause: String
    /// The remedy, one sentence.
    public var remedy: String
    /// The published figure or source it matches (from docs/references.md).
    public var reference: String
    /// False when its evidence is noisy or was measured under steal time.
    public var reliable: Bool
    /// Why it is unreliable, and other warnings; shown before everything else.
    public var caveats: [String]

    /// A finding; `reliable` starts true and `caveats` empty (the noise pass fills them).
    public init(
        id: String, title: String, severity: Severity, severityBasis: String, configuration: String, baseline: String,
        evidence: [EvidenceRow], facts: [String] = [], cause: String, remedy: String, reference: String
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.severityBasis = severityBasis
        self.configuration = configuration
        self.baseline = baseline
        self.evidence = evidence
        self.facts = facts
        self.cause = cause
        self.remedy = remedy
        self.reference = reference
        reliable = true
        caveats = []
    }
}

// MARK: Figures

/// A signed percentage, `+10.2%`; whole numbers from 1,000% up.
public func formatPct(_ value: Double) -> String {
    let text = abs(value) >= 1000 ? formatFixed(value, 0) : formatFixed(value, 1)
    let clean = (text == "-0.0" || text == "-0") ? "0.0" : text
    return (value > 0 && !clean.hasPrefix("-") && clean != "0.0" ? "+" : "") + clean + "%"
}

/// Fixed decimals without Foundation's locale-dependent formatting.
public func formatFixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard decimals > 0 else { return "\(sign)\(whole)" }
    var digits = String(fraction)
    while digits.count < decimals { digits = "0" + digits }
    return "\(sign)\(whole).\(digits)"
}
