/// Summary statistics of one benchmark's samples, as stored in a result set.
public struct Summary: Codable, Sendable, Equatable {
    public var n: Int
    public var median: Double
    public var mean: Double
    public var min: Double
    public var max: Double
    /// Sample standard deviation (n − 1 in the denominator); 0 when n = 1.
    public var stddev: Double
    /// Coefficient of variation, stddev / mean; 0 when the mean is 0.
    public var cv: Double
    public var p5: Double
    public var p95: Double
    /// Robust spread: 1.4826 × median absolute deviation / |median| (a fraction; equals the CV
    /// for normal data, but a few disturbed batches barely move it). nil in version-1 sets.
    public var robustCV: Double?

    public init(
        n: Int, median: Double, mean: Double, min: Double, max: Double, stddev: Double, cv: Double,
        p5: Double, p95: Double, robustCV: Double? = nil
    ) {
        self.robustCV = robustCV
        self.n = n
        self.median = median
        self.mean = mean
        self.min = min
        self.max = max
        self.stddev = stddev
        self.cv = cv
        self.p5 = p5
        self.p95 = p95
    }
}

/// Why a set of samples cannot be summarized.
public enum StatisticsError: Error, Equatable, CustomStringConvertible {
    case empty
    case notFinite(index: Int, value: Double)

    public var description: String {
        switch self {
        case .empty: return "no samples to summarize"
        case .notFinite(let index, let value): return "sample \(index) is \(value), not a finite number"
        }
    }
}

/// Summarizes samples; NaN and infinities are rejected rather than silently propagated.
public func summarize(_ samples: [Double]) throws(StatisticsError) -> Summary {
    guard !samples.isEmpty else { throw .empty }
    for (i, v) in samples.enumerated() where !v.isFinite { throw .notFinite(index: i, value: v) }
    let sorted = samples.sorted()
    let n = sorted.count
    let mean = sorted.reduce(0, +) / Double(n)
    // Two-pass variance: numerically stable for the narrow spreads benchmarks produce.
    let variance = n > 1 ? sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : 0
    let stddev = variance.squareRoot()
    return Summary(
        n: n, median: quantile(sorted: sorted, 0.5), mean: mean, min: sorted[0], max: sorted[n - 1],
        stddev: stddev, cv: mean != 0 ? stddev / abs(mean) : 0,
        p5: quantile(sorted: sorted, 0.05), p95: quantile(sorted: sorted, 0.95), robustCV: robustCV(sorted))
}

/// Robust coefficient of variation: 1.4826 × MAD / |median|, 0 when the median is 0. The factor
/// makes the MAD a consistent estimator of the standard deviation for normal data (Rousseeuw &
/// Croux 1993); hyperfine flags outliers with the same MAD-based scale.
public func robustCV(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let m = median(values)
    guard m != 0 else { return 0 }
    let mad = median(values.map { abs($0 - m) })
    return 1.4826 * mad / abs(m)
}

/// Quantile of already-sorted data by linear interpolation between closest ranks
/// (Hyndman & Fan type 7, the default of R and NumPy), so figures match what users recompute.
public func quantile(sorted: [Double], _ q: Double) -> Double {
    precondition(!sorted.isEmpty && q >= 0 && q <= 1)
    let h = Double(sorted.count - 1) * q
    let lo = Int(h.rounded(.down))
    let hi = Swift.min(lo + 1, sorted.count - 1)
    return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
}

/// Median of unsorted data.
public func median(_ values: [Double]) -> Double {
    quantile(sorted: values.sorted(), 0.5)
}

/// A small, fast, seedable generator (SplitMix64, Steele et al. 2014): the interleaving order and
/// every later resampling must be reproducible from the seed recorded in the result set.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
