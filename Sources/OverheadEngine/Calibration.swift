import OverheadSystem

/// How long one sample (one timed batch) must last.
public struct CalibrationTarget: Sendable, Equatable {
    /// Minimum batch duration, ns: the larger of the floor and 20 ticks of the clock's resolution
    /// (below ~20 ticks the quantization error of a batch exceeds 5%).
    public var minBatchNs: Double

    public init(floorMs: Double, clockResolutionNs: Double) {
        minBatchNs = max(floorMs * 1e6, 20 * clockResolutionNs)
    }
}

/// Times one batch of `iterations` on `clock`, in ns.
@inline(__always)
func timeBatch(clock: some BenchmarkClock, iterations: Int, _ batch: (Int) -> Void) -> UInt64 {
    let start = clock.now()
    batch(iterations)
    let end = clock.now()
    return end &- start
}

/// Finds the number of iterations per batch so that a batch lasts at least `target.minBatchNs`:
/// grows geometrically from 1, jumping by the measured rate once a batch is long enough to trust,
/// and never past `maxIterations`. Each step takes the shorter of two timings, so one preemption
/// or a late-waking worker thread cannot stop calibration at a batch far too small.
public func calibrateIterations(
    target: CalibrationTarget, clockResolutionNs: Double, maxIterations: Int? = nil, measure: (Int) -> UInt64
) -> Int {
    let cap = maxIterations ?? (1 << 40)
    var iterations = 1
    for _ in 0..<64 {
        let elapsed = Double(min(measure(iterations), measure(iterations)))
        if elapsed >= target.minBatchNs || iterations >= cap { return min(iterations, cap) }
        let next: Int
        if elapsed >= 100 * clockResolutionNs {
            // Long enough to estimate the rate: aim 10% past the target to absorb jitter.
            let estimate = Double(iterations) * target.minBatchNs * 1.1 / elapsed
            next = Int(min(max(estimate, Double(iterations) * 1.5), Double(iterations) * 100))
        } else {
            next = iterations * 10
        }
        iterations = min(max(next, iterations + 1), cap)
    }
    return iterations
}
