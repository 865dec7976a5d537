import OverheadCompare
import OverheadModel

/// The rules `explain` evaluates, in order: noise first (it qualifies everything else).
public let defaultRules: [any Rule] = [
    NoiseRule(), CPUQuotaRule(), VMExitRule(), ClocksourceRule(), NestedPagingRule(), THPRule(), VNUMARule(), WakeupRule(),
    NetworkPathRule(), StorageRule(), HiddenISARule(), ComputeRule(),
]

/// Turns a comparison into findings per configuration.
///
/// Every rule is evaluated for every configuration. Then a noise pass marks each finding whose
/// evidence includes a noisy case (CV above the comparator's threshold) or one measured under steal
/// time above `options.stealThresholdPct` unreliable, with the reasons as its first caveats. Findings
/// are ordered noise first, then by severity (highest first), then in rule order.
public func explain(
    _ comparison: Comparison, groups: [SetGroup], rules: [any Rule] = defaultRules, options: ExplainOptions = ExplainOptions()
) -> Explanation {
    var sets: [String: [ResultSet]] = [:]
    for group in groups { sets[group.name, default: []].append(contentsOf: group.sets.map(\.set)) }
    var configurations: [ConfigurationFindings] = []
    for info in comparison.configurations {
        let context = RuleContext(comparison: comparison, configuration: info.label, sets: sets, options: options)
        var ordered: [(rank: Int, finding: Finding)] = []
        for (rank, rule) in rules.enumerated() {
            for var finding in rule.evaluate(context) {
                if finding.id != NoiseRule().id && finding.id != CPUQuotaRule().id {
                    qualify(&finding, comparison: comparison, options: options, context: context)
                }
                ordered.append((rank, finding))
            }
        }
        ordered.sort { a, b in
            let aNoise = a.finding.id == NoiseRule().id, bNoise = b.finding.id == NoiseRule().id
            if aNoise != bNoise { return aNoise }
            if a.finding.severity != b.finding.severity { return a.finding.severity > b.finding.severity }
            return a.rank < b.rank
        }
        let rows = context.allRows
        configurations.append(ConfigurationFindings(
            configuration: info.label, baseline: comparison.baseline.label, rowsCompared: rows.count,
            significantRows: rows.filter { $0.verdict == .overhead || $0.verdict == .improvement }.count,
            findings: ordered.map(\.finding),
            notCompared: rows.isEmpty ? whyNothingCompared(info.label, baseline: comparison.baseline.label, sets: sets) : nil))
    }
    return Explanation(
        baseline: comparison.baseline.label, configurations: configurations, rules: rules.map(\.id), alpha: comparison.alpha,
        noiseCVPct: comparison.noiseCVPct, stealThresholdPct: options.stealThresholdPct,
        environmentDifferences: comparison.environmentDifferences)
}

/// Why a configuration has no row: a side without results (an interrupted or all-skipped set),
/// or two sides that share no benchmark × params.
func whyNothingCompared(_ label: String, baseline: String, sets: [String: [ResultSet]]) -> String {
    func results(_ l: String) -> Int { (sets[l] ?? []).reduce(0) { $0 + $1.results.count } }
    let empty = [baseline, label].filter { results($0) == 0 }
    if !empty.isEmpty {
        return "\(empty.joined(separator: " and ")) \(empty.count == 1 ? "has" : "have") no results (interrupted before any case finished, or every case skipped)"
    }
    return "both have results, but of different benchmarks or parameters"
}

/// Marks a finding unreliable when any of its evidence is noisy, was measured under steal, or
/// under CPU quota throttling (when a context with the sets is given).
func qualify(_ finding: inout Finding, comparison: Comparison, options: ExplainOptions, context: RuleContext? = nil) {
    var problems = finding.evidence.compactMap {
        NoiseRule.problem($0, noiseCVPct: comparison.noiseCVPct, stealThresholdPct: options.stealThresholdPct)
    }
    var throttled = false
    if let context {
        for e in finding.evidence {
            for side in [e.baseline, e.configuration] {
                let pct = context.results(side, benchmark: e.benchmark, paramsText: e.params)
                    .compactMap { $0.details?["cpuThrottledPct"].flatMap(Double.init) }.max()
                if let pct, pct > throttlingCaveatPct {
                    throttled = true
                    problems.append("\(e.benchmark)\(e.params.isEmpty ? "" : " \(e.params)"): CPU quota throttling in \(formatFixed(pct, 0))% of its periods (\(side))")
                }
            }
        }
    }
    guard !problems.isEmpty else { return }
    finding.reliable = false
    let what = throttled ? "noisy, or measured under steal time or CPU quota throttling" : "noisy or was measured under steal time"
    finding.caveats = ["unreliable: its evidence is \(what); confirm on a quiet rerun before acting"]
        + problems + finding.caveats
}
