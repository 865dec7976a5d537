import OverheadModel
import OverheadSystem

/// The TSC rate CPUID states, if any: leaf 0x15 (crystal clock × ratio; exact where ECX is filled)
/// first, then the hypervisor timing leaf 0x40000010 (EAX = TSC kHz; VMware, and KVM when exposed).
/// Leaf 0x16 (base MHz) is not used: it is the marketing base frequency, not always the TSC rate.
public func tscFrequencyFromCPUID(_ cpuid: any CPUIDSource, hypervisorPresent: Bool) -> (ghz: Double, source: String)? {
    if let max = cpuid.cpuid(leaf: 0, subleaf: 0)?.eax, max >= 0x15, let r = cpuid.cpuid(leaf: 0x15, subleaf: 0),
        r.eax != 0, r.ebx != 0, r.ecx != 0
    {
        return (Double(r.ecx) * Double(r.ebx) / Double(r.eax) / 1e9, "cpuid-0x15")
    }
    if hypervisorPresent, let top = cpuid.cpuid(leaf: 0x4000_0000, subleaf: 0)?.eax, top >= 0x4000_0010,
        let t = cpuid.cpuid(leaf: 0x4000_0010, subleaf: 0), t.eax != 0
    {
        return (Double(t.eax) / 1e6, "cpuid-0x40000010")
    }
    return nil
}

/// Chooses the TSC rate to report: CPUID's when it agrees with the calibration within 2% (a
/// hypervisor may state a rate the guest's TSC does not run at after migration or scaling), else
/// the calibrated one. nil when neither exists.
public func selectTSCFrequency(cpuidRate: (ghz: Double, source: String)?, calibratedGHz: Double?, invariant: Bool) -> TSCInfo? {
    if let c = cpuidRate {
        if let cal = calibratedGHz, abs(cal / c.ghz - 1) > 0.02 {
            return TSCInfo(ghz: cal, source: "calibrated", calibratedGHz: cal, invariant: invariant)
        }
        return TSCInfo(ghz: c.ghz, source: c.source, calibratedGHz: calibratedGHz, invariant: invariant)
    }
    guard let cal = calibratedGHz else { return nil }
    return TSCInfo(ghz: cal, source: "calibrated", calibratedGHz: cal, invariant: invariant)
}

/// RDTSC ticks over ~`intervalMs` of CLOCK_MONOTONIC_RAW, in GHz; best of three (the shortest
/// interruption-free window). nil where RDTSC does not count (non-x86).
public func calibrateTSC(intervalMs: Double = 20) -> Double? {
    let clock = MonotonicRawClock()
    var estimates: [Double] = []
    for _ in 0..<3 {
        let t0 = clock.now(), c0 = Instructions.rdtsc()
        var t1 = t0
        while Double(t1 - t0) < intervalMs * 1e6 { t1 = clock.now() }
        let c1 = Instructions.rdtsc()
        guard c1 > c0 else { return nil }
        estimates.append(Double(c1 - c0) / Double(t1 - t0))
    }
    // The median of three rejects one window stretched by an interrupt or a steal.
    return median(estimates)
}

/// Decides whether clock_gettime goes through the vDSO: a vDSO read costs a small fraction of a
/// forced syscall (here ~27 ns against ~250 ns); when the libc call costs at least 70% of the
/// syscall, the vDSO is falling back to the kernel (xen, hpet, acpi_pm, unstable kvm-clock).
public func decideClockGettimePath(libcNs: Double, syscallNs: Double, clocksource: String) -> ClockGettimePath {
    let ratio = libcNs / syscallNs
    if ratio >= 0.7 {
        return ClockGettimePath(
            path: "syscall", libcNs: libcNs, syscallNs: syscallNs,
            reason: String(format: "libc clock_gettime costs %.0f%% of a real syscall: the vDSO falls back to the kernel with clocksource %@; timer reads are µs-scale here", ratio * 100, clocksource))
    }
    return ClockGettimePath(
        path: "vdso", libcNs: libcNs, syscallNs: syscallNs,
        reason: String(format: "libc clock_gettime costs %.0f%% of a real syscall: served by the vDSO (clocksource %@)", ratio * 100, clocksource))
}

/// Measures libc clock_gettime against syscall(SYS_clock_gettime), median of 5 batches each.
func measureClockGettimePath(clocksource: String) -> ClockGettimePath {
    let clock = MonotonicRawClock()
    func perOp(_ n: Int, _ body: () -> UInt64) -> Double {
        var sink: UInt64 = 0
        let t0 = clock.now()
        for _ in 0..<n { sink &+= body() }
        let dt = clock.now() - t0
        withExtendedLifetime(sink) {}
        return Double(dt) / Double(n)
    }
    let libc = median((0..<5).map { _ in perOp(20_000) { PosixClock.monotonic.read() } })
    let sys = median((0..<5).map { _ in perOp(5_000) { Instructions.clockGettimeSyscall(.monotonic) } })
    return decideClockGettimePath(libcNs: libc, syscallNs: sys, clocksource: clocksource)
}

/// The live timing facts for the fingerprint.
func collectTiming(_ sources: FingerprintSources, hypervisorPresent: Bool, flags: Set<String>, clocksource: String) -> (TSCInfo?, ClockGettimePath?) {
    guard sources.live else { return (nil, nil) }
    let invariant = flags.contains("constant_tsc") && flags.contains("nonstop_tsc")
    #if arch(x86_64)
    let cpuidRate = sources.cpuid.flatMap { tscFrequencyFromCPUID($0, hypervisorPresent: hypervisorPresent) }
    let tsc = selectTSCFrequency(cpuidRate: cpuidRate, calibratedGHz: calibrateTSC(), invariant: invariant)
    #else
    let tsc: TSCInfo? = nil
    #endif
    return (tsc, measureClockGettimePath(clocksource: clocksource))
}
