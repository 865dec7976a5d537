import OverheadCompare
import OverheadModel

/// `cpu-quota`: cases measured while the cgroup's CFS CPU quota throttled the run (cpu.stat
/// `nr_throttled` recorded by `run` as `cpuThrottledPct`), or run with more threads than the
/// quota allows. The kernel stops every thread of a cgroup whose quota ran out until the next
/// period, so the time lost is the quota's, not the hypervisor's.
public struct CPUQuotaRule: Rule {
    /// `cpu-quota`.
    public let id = "cpu-quota"
    /// Throttled in more than this share of its periods, a case's figures are the quota's (1%,
    /// the engine's warning threshold, as for steal).
    public var throttledThresholdPct = throttlingCaveatPct
    /// Throttled cases listed as evidence, worst first.
    public var maximumEvidence = 6

    /// The rule with its default threshold.
    public init() {}

    /// The largest throttled share recorded for a row's case on one side.
    static func throttled(_ context: RuleContext, _ label: String, _ row: ComparisonRow) -> Double? {
        context.results(label, benchmark: row.benchmark, paramsText: row.paramsText)
            .compactMap { $0.details?["cpuThrottledPct"].flatMap(Double.init) }.max()
    }

    /// A finding when the configuration (or the baseline) was throttled, or ran more threads than
    /// its quota.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let rows = context.allRows
        var throttledRows: [(row: ComparisonRow, pct: Double, side: String)] = []
        for row in rows {
            for side in [context.configuration, context.baseline] {
                if let pct = Self.throttled(context, side, row), pct > throttledThresholdPct {
                    throttledRows.append((row, pct, side))
                }
            }
        }
        // A quota below the threads a case ran throttles it whether or not a period ended inside
        // the case's segments; single-threaded cases run one CPU flat out.
        var overQuota: [(row: ComparisonRow, threads: Int, limit: Double, side: String)] = []
        for side in [context.configuration, context.baseline] {
            guard let limit = context.environment(side)?.process?.cgroup?.cpuLimit else { continue }
            for row in rows {
                let threads = row.params["threads"].flatMap(Int.init) ?? 1
                if Double(threads) > limit + 1e-9 { overQuota.append((row, threads, limit, side)) }
            }
        }
        guard !throttledRows.isEmpty || !overQuota.isEmpty else { return [] }

        var facts: [String] = []
        var labels: [String] = []
        for side in [context.configuration, context.baseline] {
            guard let env = context.environment(side) else { continue }
            if let g = env.process?.cgroup, let limit = g.cpuLimit {
                labels.append(side)
                let file = g.version == 2 ? "cpu.max \(g.cpuQuotaUs ?? 0) \(g.cpuPeriodUs ?? 0)" : "cpu.cfs_quota_us \(g.cpuQuotaUs ?? 0), cpu.cfs_period_us \(g.cpuPeriodUs ?? 0)"
                facts.append("\(side): cgroup v\(g.version) \(g.path) has a CPU quota of \(formatFixed(limit, 2)) CPUs (\(file)\(g.cpuQuotaSetBy.map { " at \($0)" } ?? ""))")
            }
        }
        // Most throttled first; among equally throttled cases (a tight quota throttles every
        // period), the one the comparison moved most.
        let worst = throttledRows.sorted { $0.pct != $1.pct ? $0.pct > $1.pct : abs($0.row.cost) > abs($1.row.cost) }
        var seen = Set<String>()
        for t in worst where seen.insert("\(t.side) \(t.row.caseName)").inserted {
            let periods = context.detail(t.side, benchmark: t.row.benchmark, paramsText: t.row.paramsText, key: "cpuThrottledPeriods")
            let total = context.detail(t.side, benchmark: t.row.benchmark, paramsText: t.row.paramsText, key: "cpuPeriods")
            let ms = context.detail(t.side, benchmark: t.row.benchmark, paramsText: t.row.paramsText, key: "cpuThrottledMs")
            let counts = periods.flatMap { p in total.map { " (\(p) of \($0) periods\(ms.map { ", \($0) ms throttled" } ?? ""))" } } ?? ""
            facts.append("\(t.row.caseName) in \(t.side): throttled in \(formatFixed(t.pct, 0))% of its quota periods\(counts)")
            if seen.count >= maximumEvidence { break }
        }
        let overCases = Set(overQuota.map { "\($0.row.caseName) in \($0.side)" })
        if !overQuota.isEmpty {
            let most = overQuota.max { $0.threads < $1.threads }!
            facts.append("\(overCases.count) case(s) ran more threads than the quota allows, e.g. \(most.row.caseName) with \(most.threads) thread(s) against \(formatFixed(most.limit, 2)) CPUs in \(most.side)")
        }

        var evidenceRows: [ComparisonRow] = []
        for t in worst where !evidenceRows.contains(where: { $0.benchmark == t.row.benchmark && $0.paramsText == t.row.paramsText }) {
            evidenceRows.append(t.row)
        }
        for o in overQuota.sorted(by: { $0.row.cost > $1.row.cost }) where !evidenceRows.contains(where: { $0.benchmark == o.row.benchmark && $0.paramsText == o.row.paramsText }) {
            evidenceRows.append(o.row)
        }
        evidenceRows = Array(evidenceRows.prefix(maximumEvidence))
        let headline = evidenceRows.max { $0.cost < $1.cost }
        let severity: Severity = max(.warning, headline.map { .forOverhead(abs($0.cost)) } ?? .warning)
        let who = labels.isEmpty ? context.configuration : labels.joined(separator: " and ")
        let title = throttledRows.isEmpty
            ? "CPU quota throttling: \(who) ran \(overCases.count) case(s) with more threads than its cgroup's CPU quota; their figures measure the quota"
            : "CPU quota throttling: the cgroup's CPU quota throttled \(Set(throttledRows.map { "\($0.side) \($0.row.caseName)" }).count) case(s) (worst \(worst[0].row.caseName) in \(worst[0].side), \(formatFixed(worst[0].pct, 0))% of its periods); their figures measure the quota, not the machine"
        return [context.finding(
            self, title: title, severity: severity,
            basis: "throttled or over-quota cases make the comparison measure the quota: at least a warning; critical when such a case differs by 2× or more",
            evidence: evidenceRows, facts: facts,
            cause: "The run's cgroup has a CFS bandwidth limit (a Kubernetes CPU limit, docker --cpus, systemd CPUQuota=). Each period (usually 100 ms) the cgroup may use quota × period of CPU time across all its threads; when a benchmark's threads use it up, the kernel stops all of them until the next period (nr_throttled, throttled_usec in cpu.stat). Multi-threaded cases hit it first, and steal time stays 0 because it is the guest's own scheduler that waits.",
            remedy: "Run benchmarks with exclusive CPUs and no quota: a Guaranteed QoS pod with integer CPUs (requests = limits, whole numbers) under the kubelet's static CPU manager policy (--cpu-manager-policy=static), which pins the pod to dedicated cores; or raise or remove the CPU limit (cpu.max \"max\", docker --cpus, CPUQuota=). Otherwise compare only thread counts within the quota.",
            reference: "Linux CFS bandwidth control, Documentation/scheduler/sched-bwc.rst (cpu.max, nr_throttled, throttled_usec); Kubernetes CPU management policies (static policy, Guaranteed QoS)")]
    }
}
