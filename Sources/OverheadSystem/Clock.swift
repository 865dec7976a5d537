import Glibc

/// The clock the engine times batches with. A protocol so calibration is tested on a fake clock.
public protocol BenchmarkClock: Sendable {
    /// Nanoseconds since an arbitrary start; monotonic.
    func now() -> UInt64
}

/// CLOCK_MONOTONIC_RAW through `clock_gettime` (vDSO where the clocksource allows): not slewed
/// by NTP, so batch durations are not stretched while they run.
public struct MonotonicRawClock: BenchmarkClock {
    public init() {}

    @inline(__always) public func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_RAW, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// POSIX clocks a benchmark may read (`timer.clock_gettime`'s `clock` param).
public enum PosixClock: String, CaseIterable, Sendable {
    case monotonic
    case monotonicRaw = "monotonic_raw"
    case realtime
    case monotonicCoarse = "monotonic_coarse"
    case boottime

    /// The clockid_t.
    public var id: clockid_t {
        switch self {
        case .monotonic: return CLOCK_MONOTONIC
        case .monotonicRaw: return CLOCK_MONOTONIC_RAW
        case .realtime: return CLOCK_REALTIME
        case .monotonicCoarse: return CLOCK_MONOTONIC_COARSE
        case .boottime: return CLOCK_BOOTTIME
        }
    }

    /// `clock_getres`, in ns; nil when the kernel refuses the clock.
    public func resolutionNs() -> Double? {
        var ts = timespec()
        guard clock_getres(id, &ts) == 0 else { return nil }
        return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
    }

    /// One `clock_gettime` read, in ns.
    @inline(__always) public func read() -> UInt64 {
        var ts = timespec()
        clock_gettime(id, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// Measures the effective resolution of a clock: the smallest non-zero step between consecutive
/// reads (clock_getres reports 1 ns for tsc, which says nothing about read cost and granularity).
public func measuredResolutionNs(of clock: some BenchmarkClock, reads: Int = 2000) -> Double {
    var smallest = UInt64.max
    var previous = clock.now()
    for _ in 0..<reads {
        var t = clock.now()
        // Spin until the clock moves, so the step is the real granularity.
        var spins = 0
        while t == previous && spins < 1_000_000 {
            t = clock.now()
            spins += 1
        }
        if t > previous { smallest = min(smallest, t - previous) }
        previous = t
    }
    return smallest == .max ? 1 : Double(smallest)
}

/// The clock read once per operation inside a timed batch (per-request latencies of net.*_rr,
/// io.randread, io.fsync): one the fingerprint proved cheap. CLOCK_MONOTONIC when the probe found
/// libc's clock_gettime(CLOCK_MONOTONIC) served by the vDSO; otherwise the invariant TSC scaled by
/// its measured rate; otherwise CLOCK_MONOTONIC anyway, flagged. Never CLOCK_MONOTONIC_RAW: kernels
/// before 5.3 and some sandboxes serve it by a syscall (fio #533 is the same trap), which would add
/// µs per operation that look like device or NIC cost. `readCostNs`, the cost of one read, is
/// measured when the clock is chosen, recorded, and subtracted from each latency.
public struct OperationClock: BenchmarkClock {
    /// Which clock is read.
    public enum Source: String, Sendable {
        /// clock_gettime(CLOCK_MONOTONIC), proven a vDSO read by the fingerprint.
        case monotonicVDSO = "CLOCK_MONOTONIC (vDSO, proven by the fingerprint's probe)"
        /// rdtsc × (1 / TSC GHz): the vDSO falls back to a syscall here, the TSC is invariant.
        case tsc = "rdtsc scaled by the measured TSC rate (the vDSO falls back to a syscall here)"
        /// clock_gettime(CLOCK_MONOTONIC) without proof that it is cheap (no fingerprint probe, or
        /// a syscall path with no invariant TSC to use instead).
        case monotonicUnproven = "CLOCK_MONOTONIC (not proven cheap: its per-read cost is subtracted)"
    }

    public let source: Source
    /// ns per TSC tick (1 / GHz) when `source` is `.tsc`.
    public let nsPerTick: Double
    /// Median cost of one read, ns (back-to-back reads), measured at `choose`.
    public private(set) var readCostNs: Double = 0

    init(source: Source, nsPerTick: Double) {
        self.source = source
        self.nsPerTick = nsPerTick
    }

    /// Picks the clock from the fingerprint's facts: `clockPath` ("vdso" or "syscall", from the
    /// CLOCK_MONOTONIC probe), the TSC rate and whether the TSC is invariant. Measures its read cost.
    public static func choose(clockPath: String?, tscGHz: Double?, invariantTSC: Bool) -> OperationClock {
        var clock: OperationClock
        if clockPath == "vdso" {
            clock = OperationClock(source: .monotonicVDSO, nsPerTick: 0)
        } else if clockPath == "syscall", let ghz = tscGHz, ghz > 0, invariantTSC {
            clock = OperationClock(source: .tsc, nsPerTick: 1 / ghz)
        } else {
            clock = OperationClock(source: .monotonicUnproven, nsPerTick: 0)
        }
        clock.readCostNs = clock.measureReadCost()
        return clock
    }

    @inline(__always) public func now() -> UInt64 {
        switch source {
        case .tsc:
            return UInt64(Double(Instructions.rdtsc()) * nsPerTick)
        case .monotonicVDSO, .monotonicUnproven:
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
        }
    }

    /// One read's cost: the median over 5 runs of 2,000 back-to-back reads.
    func measureReadCost() -> Double {
        var perRead: [Double] = []
        for _ in 0..<5 {
            let n = 2000
            let t0 = now()
            var last = t0
            for _ in 0..<n { last = now() }
            perRead.append(Double(last &- t0) / Double(n))
        }
        perRead.sort()
        return perRead[perRead.count / 2]
    }

    /// `interval` less one read's cost (the later read's own time lies inside every interval
    /// between two reads), never below zero.
    @inline(__always) public func net(_ interval: UInt64) -> UInt64 {
        let cost = UInt64(readCostNs.rounded())
        return interval > cost ? interval - cost : 0
    }

    /// One line for a result's `details.clock`.
    public var detail: String {
        String(format: "per-op reads on %@; one read costs %.1f ns, subtracted from every latency and, once per op, from the batch time", source.rawValue, readCostNs)
    }
}
