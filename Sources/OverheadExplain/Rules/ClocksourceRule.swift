import OverheadCompare
import OverheadModel

/// `clocksource`: `timer.clock_gettime` significantly slower and either close to a null syscall or
/// measured as a syscall by the fingerprint — the vDSO is bypassed, so every clock read enters the
/// kernel.
public struct ClocksourceRule: Rule {
    /// `clocksource`.
    public let id = "clocksource"
    /// "Near sys.null": a vDSO read is ~20–30 ns against a ~100–130 ns null syscall (ratio ≈ 0.2);
    /// a read that costs half a syscall or more is no longer served from user space.
    public var nearSyscallFraction = 0.5

    /// `timer.clock_gettime` clocks whose cost speaks for the clocksource.
    static let probedClocks: Set<String> = ["monotonic", "realtime"]

    /// The rule with its default threshold.
    public init() {}

    /// A finding when clock_gettime is significantly slower and looks like a syscall.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        // Only the clocks every vDSO serves and the fingerprint's probe reads (CLOCK_MONOTONIC;
        // CLOCK_REALTIME shares its path). CLOCK_MONOTONIC_RAW goes through a syscall on kernels
        // before 5.3 and under some sandboxes with a perfectly healthy tsc, and the coarse clocks
        // never read the clocksource: neither says anything about it.
        let slower = context.rows("timer.clock_gettime").filter { row in
            row.isOverhead && Self.probedClocks.contains(row.params["clock"] ?? "monotonic")
        }
        guard let worst = slower.max(by: { $0.cost < $1.cost }), let perUnit = worst.nsPerUnit else { return [] }
        let env = context.configurationEnvironment
        let path = env?.clockGettime?.path
        let basePath = context.baselineEnvironment?.clockGettime?.path
        let fingerprintSaysSyscall = path == "syscall" && basePath != "syscall"
        let null = context.rows("sys.null").first
        var nearSyscall = false
        if let null, let nullPerUnit = null.nsPerUnit, null.median > 0 {
            nearSyscall = worst.median * perUnit >= nearSyscallFraction * null.median * nullPerUnit
        }
        guard fingerprintSaysSyscall || nearSyscall else { return [] }

        let source = env?.clocksource ?? "unknown"
        var facts = ["clocksource: \(source) in \(context.configuration), \(context.baselineEnvironment?.clocksource ?? "unknown") in \(context.baseline)"]
        if let cg = env?.clockGettime {
            facts.append("clock_gettime path in \(context.configuration): \(cg.path) (libc \(formatFigure(cg.libcNs)) ns, forced syscall \(formatFigure(cg.syscallNs)) ns; \(cg.reason))")
        }
        if let null, nearSyscall {
            facts.append("clock_gettime \(formatFigure(worst.median)) \(worst.unit) against a null syscall of \(formatFigure(null.median)) \(null.unit) in \(context.configuration)")
        }
        let available = env?.availableClocksources ?? []
        if !available.isEmpty { facts.append("available clocksources: \(available.joined(separator: ", "))") }
        let invariant = env?.tsc?.invariant
        facts.append("invariant TSC in \(context.configuration): \(invariant.map { $0 ? "yes" : "no" } ?? "unknown")")

        let remedy: String
        if invariant == true && (available.isEmpty || available.contains("tsc")) && source != "tsc" {
            remedy = "Switch the guest to the tsc clocksource (write tsc to /sys/devices/system/clocksource/clocksource0/current_clocksource, or boot with clocksource=tsc tsc=reliable), which is safe here because the TSC is invariant."
        } else if source == "tsc" {
            remedy = "Find why the vDSO refuses the tsc clocksource here (an unstable-TSC mark in dmesg) and fix it, or use a stable kvm-clock, so clock reads stay in user space."
        } else {
            remedy = "Expose an invariant TSC to the guest (host with constant_tsc and nonstop_tsc, e.g. -cpu host,+invtsc) and then switch to tsc; until then use a stable kvm-clock, which also keeps the vDSO path."
        }
        let delta = (worst.median - worst.baselineMedian) * perUnit
        return [context.finding(
            self,
            title: "clock_gettime falls back to a syscall in \(context.configuration) (clocksource \(source)): \(formatDuration(ns: worst.median * perUnit)) per read, \(formatDuration(ns: delta)) more than \(context.baseline)",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost), evidence: [worst] + (null.map { [$0] } ?? []),
            facts: facts,
            cause: "The \(source) clocksource cannot be read from user space here, so the vDSO hands every clock_gettime to the kernel and a read costs a system call instead of a few instructions.",
            remedy: remedy,
            reference: "clock_gettime ≈ native through the vDSO with tsc or stable kvm-clock; µs-scale when it falls back to a real syscall (xen, unstable kvm-clock, hpet) (Linux kvmclock.c; packagecloud 2017)")]
    }
}
