import OverheadCompare
import OverheadModel

/// `vnuma`: the baseline host has NUMA nodes with remote memory well above local, the guest sees one
/// node (or a flat distance matrix), and memory-bound cases are significantly slower — the guest
/// cannot place memory next to its threads.
public struct VNUMARule: Rule {
    /// `vnuma`.
    public let id = "vnuma"
    /// "Well above 1": remote/local latency of 1.3× or more (two sockets show 1.5–2.1×; sub-NUMA
    /// clusters on one socket, SLIT 11–12, stay below and are not worth exposing).
    public var minimumRemoteRatio = 1.3
    /// A guest with several nodes is still "flat" when its remote/local ratio is below this.
    public var flatRatio = 1.1
    /// The smallest significant memory overhead that counts as a consequence, percent.
    public var minimumOverheadPct = 5.0
    /// Working sets from this size are served from memory, not caches (several times any LLC).
    public var memoryBoundBytes: UInt64 = 64 << 20

    /// The rule with its default thresholds.
    public init() {}

    /// Remote/local ratio of a label: measured `numa.lat` ratios (derived.ratioToLocal) when present,
    /// else the SLIT distances; nil with fewer than two nodes.
    func remoteRatio(_ context: RuleContext, _ label: String) -> (ratio: Double, source: String)? {
        guard let env = context.environment(label), env.numa.nodes.count >= 2 else { return nil }
        let measured = (context.sets[label] ?? []).flatMap { $0.results }
            .filter { $0.benchmark == "numa.lat" && $0.params["cpuNode"] != $0.params["memNode"] }
            .compactMap { $0.derived?["ratioToLocal"] }
        if let max = measured.max() { return (max, "measured numa.lat, remote/local") }
        var worst: Double?
        for (i, row) in env.numa.distances.enumerated() where i < row.count && row[i] > 0 {
            for (j, d) in row.enumerated() where j != i { worst = Swift.max(worst ?? 0, Double(d) / Double(row[i])) }
        }
        return worst.map { ($0, "SLIT distances") }
    }

    /// A finding when the host is NUMA, the guest is flat and memory-bound cases are slower.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        guard let host = remoteRatio(context, context.baseline), host.ratio >= minimumRemoteRatio,
            let guest = context.configurationEnvironment
        else { return [] }
        let guestRatio = remoteRatio(context, context.configuration)
        let flat = guest.numa.nodes.count <= 1 || (guestRatio?.ratio ?? 1) < flatRatio
        guard flat else { return [] }
        let memoryBound = context.allRows.filter { row in
            guard row.isOverhead(atLeast: minimumOverheadPct) else { return false }
            if row.benchmark.hasPrefix("numa.") || row.benchmark.hasPrefix("mem.bw.") { return true }
            if row.benchmark == "mem.lat", let bytes = row.params["bytes"].flatMap(parseBytes) { return bytes >= memoryBoundBytes }
            return false
        }
        guard let worst = memoryBound.max(by: { $0.cost < $1.cost }) else { return [] }
        let hostNodes = context.baselineEnvironment?.numa.nodes.count ?? 0
        let guestShape = guest.numa.nodes.count <= 1 ? "one NUMA node" : "\(guest.numa.nodes.count) nodes with a flat distance matrix"
        let facts = [
            "\(context.baseline): \(hostNodes) NUMA nodes, remote/local \(formatFixed(host.ratio, 2))× (\(host.source))",
            "\(context.configuration): \(guestShape)" + (guestRatio.map { ", remote/local \(formatFixed($0.ratio, 2))× (\($0.source))" } ?? ""),
        ]
        return [context.finding(
            self,
            title: "\(context.configuration) sees \(guestShape) where \(context.baseline) has \(hostNodes) (remote \(formatFixed(host.ratio, 1))× local); memory-bound cases up to \(formatPct(worst.cost))",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost),
            evidence: memoryBound.sorted { $0.cost > $1.cost }.prefix(4).map { $0 }, facts: facts,
            cause: "The guest sees no NUMA topology, so it cannot keep threads next to their memory and part of its loads go to a remote node at the host's remote latency.",
            remedy: "Expose the host's NUMA topology to the guest (vNUMA, e.g. QEMU -numa nodes bound to host nodes) or pin the guest's vCPUs and memory to a single host node.",
            reference: "NUMA placement: a hypervisor can be 5–8% faster than a badly placed bare-metal OS (VMware 2019); Linpack 0.45 when the guest is topology-blind and unpinned (Felter et al.)")]
    }
}
