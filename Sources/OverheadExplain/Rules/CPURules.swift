import OverheadCompare
import OverheadModel

/// Vector ISAs of `cpu.fp`, narrowest first.
let fpKernels = ["sse2", "avx2-fma", "avx512f"]

/// `hidden-isa`: `cpu.fp` (isa=auto) significantly slower and running a narrower vector kernel than
/// the baseline — the hypervisor's CPU model hides AVX-512 or AVX2/FMA from the guest.
public struct HiddenISARule: Rule {
    /// `hidden-isa`.
    public let id = "hidden-isa"

    /// The rule.
    public init() {}

    /// The kernel each side ran for a row, when both recorded one and the configuration's is narrower.
    func narrower(_ context: RuleContext, _ row: ComparisonRow) -> (base: String, guest: String)? {
        guard let base = context.detail(context.baseline, benchmark: row.benchmark, paramsText: row.paramsText, key: "kernel"),
            let guest = context.detail(context.configuration, benchmark: row.benchmark, paramsText: row.paramsText, key: "kernel"),
            let b = fpKernels.firstIndex(of: base), let g = fpKernels.firstIndex(of: guest), g < b
        else { return nil }
        return (base, guest)
    }

    /// A finding when the guest's FP kernel is narrower and significantly slower.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let rows = context.rows("cpu.fp").filter { ($0.params["isa"] ?? "auto") == "auto" && $0.isOverhead }
        let hits = rows.compactMap { row in narrower(context, row).map { (row, $0) } }
        guard let (worst, kernels) = hits.max(by: { $0.0.cost < $1.0.cost }) else { return [] }
        var facts = ["cpu.fp kernel: \(kernels.base) in \(context.baseline), \(kernels.guest) in \(context.configuration)"]
        let baseFlags = Set(context.baselineEnvironment?.cpu.flags ?? [])
        let guestFlags = Set(context.configurationEnvironment?.cpu.flags ?? [])
        let hidden = ["avx512f", "avx2", "fma"].filter { baseFlags.contains($0) && !guestFlags.contains($0) }
        if !hidden.isEmpty { facts.append("CPU flags on \(context.baseline) but not in \(context.configuration): \(hidden.joined(separator: ", "))") }
        return [context.finding(
            self,
            title: "\(context.configuration) runs the \(kernels.guest) kernel where \(context.baseline) runs \(kernels.base): floating-point throughput \(formatPct(worst.cost))",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost), evidence: hits.map(\.0), facts: facts,
            cause: "The hypervisor's CPU model hides the wider vector instructions from the guest, so vectorised code falls back to a narrower kernel; computation itself does not exit.",
            remedy: "Expose the host CPU's features to the guest (host-passthrough or -cpu host, or a named CPU model that includes them) where live-migration constraints allow.",
            reference: "dense CPU (Linpack): 0.98 of native when tuned and pinned (Felter et al., IBM RC25482, 2014); compute never exits")]
    }
}

/// `compute`: plain computation (`cpu.int`, or `cpu.fp` with the same kernel) significantly slower.
/// Computation does not exit, so the guest's vCPUs are getting less of a core.
public struct ComputeRule: Rule {
    /// `compute`.
    public let id = "compute"
    /// The smallest significant compute overhead that counts, percent: a tuned, pinned guest is
    /// within 2% (Linpack 0.98), so 5% is clearly more than virtualization itself.
    public var minimumOverheadPct = 5.0

    /// The rule with its default threshold.
    public init() {}

    /// A finding when compute benchmarks are significantly slower (ISA differences excluded).
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let isa = HiddenISARule()
        let rows = (context.rows("cpu.int") + context.rows("cpu.fp"))
            .filter { $0.isOverhead(atLeast: minimumOverheadPct) && ($0.benchmark != "cpu.fp" || isa.narrower(context, $0) == nil) }
        guard let worst = rows.max(by: { $0.cost < $1.cost }) else { return [] }
        var facts: [String] = []
        if let b = context.baselineEnvironment?.cpu, let g = context.configurationEnvironment?.cpu {
            facts.append("logical CPUs: \(b.logicalCPUs) in \(context.baseline), \(g.logicalCPUs) in \(context.configuration); SMT \(b.smt ? "on" : "off") / \(g.smt ? "on" : "off")")
        }
        let steal = rows.compactMap { context.steal(context.configuration, benchmark: $0.benchmark, paramsText: $0.paramsText) }.max()
        if let steal { facts.append("largest steal time during these cases in \(context.configuration): \(formatFixed(steal, 1))%") }
        return [context.finding(
            self,
            title: "Computation is slower in \(context.configuration): \(worst.caseName) \(formatPct(worst.cost))",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost), evidence: rows, facts: facts,
            cause: "Plain computation does not exit to the hypervisor, so a slower guest means its vCPUs get less of a core: overcommit and steal, an SMT sibling busy with other work, or a lower clock.",
            remedy: "Pin the guest's vCPUs to dedicated physical cores without overcommit, keep the host's governor at performance, and give the guest a topology that matches the host's.",
            reference: "dense CPU (Linpack): 0.98 tuned and pinned; 0.45 untuned, topology-blind and unpinned (Felter et al., IBM RC25482, 2014)")]
    }
}

/// `thp`: transparent huge pages off in the configuration but not in the baseline, and the 2 MiB-page
/// cases (`mem.lat pages=2m`, `mem.pagefault pages=2m`) significantly slower.
public struct THPRule: Rule {
    /// `thp`.
    public let id = "thp"
    /// The smallest significant overhead of a 2 MiB-page case that counts, percent.
    public var minimumOverheadPct = 10.0

    /// The rule with its default threshold.
    public init() {}

    /// A finding when THP is `never` (or absent) in the configuration only and 2 MiB cases suffer.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let base = context.baselineEnvironment?.transparentHugePages
        let guest = context.configurationEnvironment?.transparentHugePages
        guard let base, base != "never", guest == nil || guest == "never" else { return [] }
        let rows = (context.rows("mem.lat") + context.rows("mem.pagefault"))
            .filter { $0.params["pages"] == "2m" && $0.isOverhead(atLeast: minimumOverheadPct) }
        guard let worst = rows.max(by: { $0.cost < $1.cost }) else { return [] }
        return [context.finding(
            self,
            title: "Transparent huge pages are \(guest ?? "unavailable") in \(context.configuration) (\(base) in \(context.baseline)): 2 MiB-page cases up to \(formatPct(worst.cost))",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost), evidence: rows,
            facts: ["transparent_hugepage/enabled: \(base) in \(context.baseline), \(guest ?? "absent") in \(context.configuration)"],
            cause: "With transparent huge pages off the guest backs even madvise(MADV_HUGEPAGE) memory with 4 KiB pages, so TLB reach and page walks are those of small pages.",
            remedy: "Set /sys/kernel/mm/transparent_hugepage/enabled to madvise (or always) in the guest, or give memory-heavy processes hugetlbfs pages.",
            reference: "random access, TLB-heavy (GUPS): 0.86 without huge pages (Felter et al.; VMware EPT paper 2009)")]
    }
}
