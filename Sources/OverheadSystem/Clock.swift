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
