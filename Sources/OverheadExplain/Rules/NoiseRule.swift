import OverheadCompare
import OverheadModel

/// `noise`: cases measured under steal time, with a robust spread of the replicate medians above the
/// comparator's threshold on either side, or whose data cannot see the minimum effect (MDE above it
/// or undefined). Their differences cannot be trusted; the finding counts each kind separately, and
/// `explain` marks every other finding whose evidence is noisy or under steal unreliable first.
public struct NoiseRule: Rule {
    /// `noise`.
    public let id = "noise"
    /// Affected rows listed as evidence, worst first.
    public var maximumEvidence = 6
    /// From this share of affected rows the finding is a warning (a quarter: the run as a whole is suspect).
    public var warningShare = 0.25

    /// The rule with its default settings.
    public init() {}

    /// Why one evidence row is unreliable, nil when it is not: CV above the comparator's threshold
    /// or steal above the explanation's, on either side.
    static func problem(_ row: EvidenceRow, noiseCVPct: Double, stealThresholdPct: Double, minEffectPct: Double = .infinity) -> String? {
        var parts: [String] = []
        if row.noisy || row.baselineCVPct > noiseCVPct || row.cvPct > noiseCVPct {
            parts.append("spread \(formatFixed(row.baselineCVPct, 1))% (\(row.baseline)) / \(formatFixed(row.cvPct, 1))% (\(row.configuration)), threshold \(formatFixed(noiseCVPct, 1))%")
        }
        if row.verdict == .inconclusive, minEffectPct.isFinite {
            if let mde = row.mdePct, mde > minEffectPct {
                parts.append("this data cannot see differences below \(formatFixed(mde, 1))% (minimum detectable effect)")
            } else if row.mdePct == nil {
                parts.append("too few replicates to detect any difference")
            }
        }
        let steal = [(row.baseline, row.baselineStealPct), (row.configuration, row.stealPct)]
            .compactMap { label, pct in pct.flatMap { $0 > stealThresholdPct ? "\(formatFixed($0, 1))% (\(label))" : nil } }
        if !steal.isEmpty { parts.append("steal \(steal.joined(separator: " / ")), threshold \(formatFixed(stealThresholdPct, 1))%") }
        guard !parts.isEmpty else { return nil }
        return (row.params.isEmpty ? row.benchmark : "\(row.benchmark) \(row.params)") + ": " + parts.joined(separator: "; ")
    }

    /// A finding when any row of the configuration is noisy, was measured under steal, or cannot see
    /// the minimum effect; each count says what it counts.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let all = context.allRows.filter { $0.verdict != .insufficientData }
        let minEffect = context.comparison.minEffectPct
        let stealThreshold = context.options.stealThresholdPct
        let affected = all.map(context.evidence).filter {
            Self.problem($0, noiseCVPct: context.comparison.noiseCVPct, stealThresholdPct: stealThreshold, minEffectPct: minEffect) != nil
        }
        guard !affected.isEmpty else { return [] }
        func badness(_ r: EvidenceRow) -> Double { max(r.baselineCVPct, r.cvPct, r.baselineStealPct ?? 0, r.stealPct ?? 0) }
        let worst = affected.sorted { badness($0) > badness($1) }
        let share = Double(affected.count) / Double(max(all.count, 1))
        let significant = affected.filter { $0.verdict == .overhead || $0.verdict == .improvement }.count
        let stealMax = affected.flatMap { [$0.baselineStealPct, $0.stealPct].compactMap { $0 } }.max() ?? 0
        // The three kinds, counted apart (a row can be more than one): the comparator's noise flag,
        // steal above the threshold on either side, and inconclusive rows blind to the minimum effect.
        let noisy = affected.filter(\.noisy)
        let stolen = affected.filter { [$0.baselineStealPct, $0.stealPct].contains { ($0 ?? 0) > stealThreshold } }
        let blind = affected.filter { $0.verdict == .inconclusive && ($0.mdePct.map { $0 > minEffect } ?? true) }
        let kinds = [
            noisy.isEmpty ? nil : "\(noisy.count) noisy",
            stolen.isEmpty ? nil : "\(stolen.count) measured under steal time",
            blind.isEmpty ? nil : "\(blind.count) inconclusive, unable to see a \(formatFixed(minEffect, 0))% difference",
        ].compactMap { $0 }
        var facts = [
            "\(noisy.count) of \(all.count) cases are noisy (robust spread above \(formatFixed(context.comparison.noiseCVPct, 0))% on a side), "
                + "\(stolen.count) were measured under steal time above \(formatFixed(stealThreshold, 1))%, "
                + "\(blind.count) inconclusive for lack of power (cannot see a \(formatFixed(minEffect, 0))% difference; a significant row saw its difference); "
                + "\(affected.count) \(affected.count == 1 ? "is" : "are") affected in all, \(significant) of them with a significant verdict"
        ]
        if !blind.isEmpty {
            let mdes = blind.compactMap(\.mdePct).sorted()
            facts.append(
                "\(blind.count) of \(all.count) cases are inconclusive and cannot see a \(formatFixed(minEffect, 0))% difference"
                    + (mdes.isEmpty ? "" : " (their minimum detectable effects: median \(formatFixed(mdes[mdes.count / 2], 1))%)")
                    + ": for them, inconclusive means the data is too noisy or too short, not that there is no overhead")
        }
        facts += worst.prefix(maximumEvidence).compactMap {
            Self.problem($0, noiseCVPct: context.comparison.noiseCVPct, stealThresholdPct: stealThreshold, minEffectPct: minEffect)
        }
        if stealMax > stealThreshold { facts.append("largest steal time: \(formatFixed(stealMax, 1))%") }
        // Rows with no MDE at all cannot reach significance at this row count: say how many replicates can.
        var replicates = "more replicates: --replicates N"
        if blind.contains(where: { $0.mdePct == nil }), let needed = replicatesNeeded(rows: all.count, alpha: context.comparison.alpha) {
            let n = max(needed, context.comparison.minimumReplicates)
            replicates = "at least \(n) replicates a side, --replicates \(n), for one of \(all.count) cases to reach significance at false discovery rate \(formatFixed(context.comparison.alpha, 2))"
        }
        var finding = Finding(
            id: id,
            title: "\(affected.count) of \(all.count) cases in \(context.configuration) vs \(context.baseline) are unreliable\(kinds.isEmpty ? "" : " (" + kinds.joined(separator: ", ") + ")")",
            severity: share >= warningShare ? .warning : .info,
            severityBasis: "\(formatFixed(100 * share, 0))% of the cases affected: info below \(formatFixed(100 * warningShare, 0))%, warning from it",
            configuration: context.configuration, baseline: context.baseline, evidence: Array(worst.prefix(maximumEvidence)), facts: facts,
            cause: "The machines were busy (other guests taking CPU time, other processes) or the benchmarks are unstable at this run length, so the spread of the samples hides small differences and can fake large ones.",
            remedy: "Rerun on quiet machines without --quick (\(replicates)), with pinned and dedicated vCPUs, pool several runs per label, and check steal time in /proc/stat before trusting these figures.",
            reference: "docs/compare.md noise flag (robust spread above \(formatFixed(context.comparison.noiseCVPct, 0))%) and minimum detectable effect; Kalibera & Jones 2013; hyperfine and google/benchmark method notes in docs/references.md")
        finding.reliable = false
        return [finding]
    }
}
