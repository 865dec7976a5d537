import OverheadCompare
import OverheadModel

/// A recognisable signature of hypervisor overhead. Rules are pure: they read the comparator's
/// rows (never recomputing statistics) and the sets' environment fingerprints, and return findings
/// for the context's configuration — none when the signature is absent.
public protocol Rule: Sendable {
    /// Stable id of the rule and of its findings (`vm-exit`, `clocksource`, ...).
    var id: String { get }
    /// The findings for `context.configuration`; empty when the signature is absent.
    func evaluate(_ context: RuleContext) -> [Finding]
}

/// What a rule sees: the comparison, the configuration under examination and every set by label.
public struct RuleContext: Sendable {
    /// The comparator's output.
    public var comparison: Comparison
    /// The configuration whose findings are wanted.
    public var configuration: String
    /// Result sets by label (every configuration, so rules can point at a better one).
    public var sets: [String: [ResultSet]]
    /// Settings of the explanation.
    public var options: ExplainOptions

    /// A context for one configuration of a comparison.
    public init(comparison: Comparison, configuration: String, sets: [String: [ResultSet]], options: ExplainOptions = ExplainOptions()) {
        self.comparison = comparison
        self.configuration = configuration
        self.sets = sets
        self.options = options
    }

    /// The baseline label.
    public var baseline: String { comparison.baseline.label }

    /// Rows of `configuration` (default: the one under examination) for a benchmark id.
    public func rows(_ benchmark: String, configuration: String? = nil) -> [ComparisonRow] {
        let label = configuration ?? self.configuration
        return comparison.rows.filter { $0.configuration == label && $0.benchmark == benchmark }
    }

    /// Rows of the configuration whose benchmark id starts with a prefix (`ctx.`).
    public func rows(prefix: String) -> [ComparisonRow] {
        comparison.rows.filter { $0.configuration == configuration && $0.benchmark.hasPrefix(prefix) }
    }

    /// Every row of the configuration.
    public var allRows: [ComparisonRow] { comparison.rows.filter { $0.configuration == configuration } }

    /// The environment of the first set with a label (the baseline by default).
    public func environment(_ label: String) -> Environment? { sets[label]?.first?.environment }

    /// The baseline's environment.
    public var baselineEnvironment: Environment? { environment(baseline) }

    /// The configuration's environment.
    public var configurationEnvironment: Environment? { environment(configuration) }

    /// Results of a label for a row's benchmark × params, from every set of that label.
    public func results(_ label: String, benchmark: String, paramsText text: String) -> [BenchmarkResult] {
        (sets[label] ?? []).flatMap { set in
            set.results.filter { $0.benchmark == benchmark && paramsText(comparableParams($0, environment: set.environment)) == text }
        }
    }

    /// The largest steal percentage recorded for a case in a label's sets; nil when none recorded.
    public func steal(_ label: String, benchmark: String, paramsText text: String) -> Double? {
        results(label, benchmark: benchmark, paramsText: text).compactMap(\.conditions.stealPercent).max()
    }

    /// A comparison row as evidence, with both sides' steal time.
    public func evidence(_ row: ComparisonRow) -> EvidenceRow {
        EvidenceRow(
            row, baselineStealPct: steal(row.baseline, benchmark: row.benchmark, paramsText: row.paramsText),
            stealPct: steal(row.configuration, benchmark: row.benchmark, paramsText: row.paramsText))
    }

    /// A `details` value of a case in a label's sets (the first set that has it).
    public func detail(_ label: String, benchmark: String, paramsText text: String, key: String) -> String? {
        results(label, benchmark: benchmark, paramsText: text).lazy.compactMap { $0.details?[key] }.first
    }

    /// A finding about the configuration under examination.
    func finding(
        _ rule: any Rule, title: String, severity: Severity, basis: String, evidence rows: [ComparisonRow], facts: [String] = [],
        cause: String, remedy: String, reference: String
    ) -> Finding {
        Finding(
            id: rule.id, title: title, severity: severity, severityBasis: basis, configuration: configuration, baseline: baseline,
            evidence: rows.map(evidence), facts: facts, cause: cause, remedy: remedy, reference: reference)
    }
}

/// Settings of `explain`.
public struct ExplainOptions: Sendable, Equatable {
    /// Steal time (percent of the measured time) above which a case's figures are unreliable.
    /// 1%, as the engine's own warning: above it the hypervisor visibly ran other work on the CPUs.
    public var stealThresholdPct: Double

    /// The defaults: unreliable above 1% steal.
    public init(stealThresholdPct: Double = 1) {
        self.stealThresholdPct = stealThresholdPct
    }
}

extension ComparisonRow {
    /// The comparator found this row significantly worse.
    var isOverhead: Bool { verdict == .overhead }

    /// Significantly worse by at least `pct` percent.
    func isOverhead(atLeast pct: Double) -> Bool { verdict == .overhead && (overheadPct ?? 0) >= pct }

    /// The overhead, 0 when undefined.
    var cost: Double { overheadPct ?? 0 }

    /// Params without one key, as `k=v;k=v`: groups rows that differ only in that key.
    func paramsText(without key: String) -> String {
        OverheadModel.paramsText(params.filter { $0.key != key })
    }

    /// `name params` for prose.
    var caseName: String { paramsText.isEmpty ? benchmark : "\(benchmark) \(paramsText)" }

    /// Nanoseconds per unit of this row's unit, nil when it is not a time.
    var nsPerUnit: Double? { nanoseconds(per: unit) }
}
