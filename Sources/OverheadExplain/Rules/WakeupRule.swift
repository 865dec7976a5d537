import OverheadCompare
import OverheadModel

/// `wakeups`: a `ctx.*` benchmark's cross-core overhead much larger than its same-core overhead —
/// waking a thread on another vCPU costs an IPI and a halted vCPU's wake-up, both exits.
public struct WakeupRule: Rule {
    /// `wakeups`.
    public let id = "wakeups"
    /// The smallest significant cross-core overhead, percent.
    public var minimumCrossOverheadPct = 50.0
    /// "Much larger": the cross-core overhead is at least this multiple of the same-core one ...
    public var minimumFactor = 2.0
    /// ... and at least this many percentage points above it.
    public var minimumGapPct = 25.0

    /// The rule with its default thresholds.
    public init() {}

    /// One finding per configuration, with every ctx.* pair that shows the signature.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let rows = context.rows(prefix: "ctx.")
        var pairs: [(cross: ComparisonRow, same: ComparisonRow)] = []
        for cross in rows where cross.params["placement"] == "cross-core" && cross.isOverhead(atLeast: minimumCrossOverheadPct) {
            let key = cross.paramsText(without: "placement")
            guard let same = rows.first(where: {
                $0.benchmark == cross.benchmark && $0.params["placement"] == "same-core" && $0.paramsText(without: "placement") == key
            }) else { continue }
            let sameCost = max(same.cost, 0)
            if cross.cost >= minimumFactor * sameCost && cross.cost - sameCost >= minimumGapPct { pairs.append((cross, same)) }
        }
        guard let worst = pairs.max(by: { $0.cross.cost < $1.cross.cost }) else { return [] }
        let perUnit = worst.cross.nsPerUnit ?? 1
        let extra = (worst.cross.median - worst.cross.baselineMedian) * perUnit
        var facts: [String] = []
        if let ghz = (context.configurationEnvironment?.tsc ?? context.baselineEnvironment?.tsc)?.ghz {
            facts.append("\(worst.cross.caseName): \(formatFixed(extra * ghz, 0)) extra cycles per switch at \(formatFixed(ghz, 3)) GHz")
        }
        return [context.finding(
            self,
            title: "Cross-core wake-ups cost \(formatPct(worst.cross.cost)) (\(formatDuration(ns: extra)) more per switch) in \(context.configuration), same-core \(formatPct(worst.same.cost)) (\(worst.cross.benchmark))",
            severity: .forOverhead(worst.cross.cost), basis: Severity.basis(forOverhead: worst.cross.cost),
            evidence: pairs.flatMap { [$0.same, $0.cross] }, facts: facts,
            cause: "Waking a thread on another vCPU sends an inter-processor interrupt and rouses a halted vCPU, and both exit to the hypervisor, while a switch on one core stays inside the guest.",
            remedy: "Enable posted interrupts (APICv/AVIC), tune halt-polling (halt_poll_ns), or give the guest dedicated pinned vCPUs (then idle=poll or cpu-pm=on avoids the halt exits).",
            reference: "IPI / TSC-deadline timer: ~2,500–5,800 cycles per exit, posted interrupts reduce it (KVM list; ELI, ASPLOS 2012); lmbench lat_ctx: placement dominates")]
    }
}
