import OverheadCompare
import OverheadModel

/// `nested-paging`: `mem.lat` with 4 KiB pages costs more and more as the working set outgrows the
/// TLB's reach, while 2 MiB pages at the same sizes stay close to the baseline — TLB misses take
/// two-dimensional (guest × host) page walks.
public struct NestedPagingRule: Rule {
    /// `nested-paging`.
    public let id = "nested-paging"
    /// TLB reach with 4 KiB pages: a second-level TLB of 1,536–2,048 entries covers 6–8 MiB; past
    /// 8 MiB nearly every load of a random chain misses it.
    public var tlbReachBytes: UInt64 = 8 << 20
    /// The smallest 4 KiB-page overhead past the reach that counts, percent (GUPS without huge pages: 0.86 → +16%).
    public var minimumOverheadPct = 10.0
    /// How much more the largest working sets must cost than those within reach, percentage points.
    public var minimumGrowthPct = 10.0
    /// 2 MiB pages "stay close" when not significantly worse, or worse by at most this fraction of the 4 KiB overhead.
    public var hugePageFraction = 1.0 / 3.0

    /// The rule with its default thresholds.
    public init() {}

    /// A finding when the 4 KiB overhead grows past the TLB reach and 2 MiB pages stay close.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let rows = context.rows("mem.lat").compactMap { row -> (UInt64, ComparisonRow)? in
            guard let bytes = row.params["bytes"].flatMap(parseBytes) else { return nil }
            return (bytes, row)
        }
        let small = rows.filter { $0.1.params["pages"] == "4k" }
        let huge = rows.filter { $0.1.params["pages"] == "2m" }
        let within = small.filter { $0.0 <= tlbReachBytes }.max { $0.1.cost < $1.1.cost }
        let withinCost = max(within?.1.cost ?? 0, 0)
        // Past the reach: significant, large enough, grown, and with a 2 MiB row of the same size that stays close.
        let candidates = small.filter { bytes, row in
            guard bytes > tlbReachBytes, row.isOverhead(atLeast: minimumOverheadPct), row.cost - withinCost >= minimumGrowthPct,
                let twoMeg = huge.first(where: { $0.0 == bytes })?.1
            else { return false }
            return !twoMeg.isOverhead || twoMeg.cost <= row.cost * hugePageFraction
        }
        guard let (bytes, worst) = candidates.max(by: { $0.1.cost < $1.1.cost }),
            let twoMeg = huge.first(where: { $0.0 == bytes })?.1
        else { return [] }
        var evidence: [ComparisonRow] = []
        if let within { evidence.append(within.1) }
        evidence.append(worst)
        evidence.append(twoMeg)
        var facts = ["assumed 4 KiB TLB reach: \(formatSize(tlbReachBytes)) (second-level TLB of 1,536–2,048 entries)"]
        if let thp = context.configurationEnvironment?.transparentHugePages { facts.append("transparent huge pages in \(context.configuration): \(thp)") }
        let withinText = within.map { " against \(formatPct($0.1.cost)) at \(formatSize($0.0))" } ?? ""
        return [context.finding(
            self,
            title: "Random loads over \(formatSize(bytes)) with 4 KiB pages cost \(formatPct(worst.cost)) in \(context.configuration)\(withinText); with 2 MiB pages \(formatPct(twoMeg.cost))",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost), evidence: evidence, facts: facts,
            cause: "Past the TLB's reach every miss walks the guest's page tables and, for each of their levels, the host's (up to 24 memory references instead of 4), so latency grows with the working set while 2 MiB pages keep the walks short.",
            remedy: "Use huge pages in the guest (THP set to always or madvise, or hugetlbfs for the big heaps) and back guest memory with huge pages on the host (hugetlbfs or THP for the VM's memory backend).",
            reference: "random access, TLB-heavy (GUPS): 0.86 on one socket, local, without huge pages; 0.99 interleaved (Felter et al.; VMware EPT paper 2009)")]
    }
}
