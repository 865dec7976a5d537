import Foundation
import OverheadModel

// Inference on replicates. The observation is a replicate's median (Kalibera & Jones, "Rigorous
// Benchmarking in Reasonable Time", ISMM 2013: variance lives at several levels — samples within a
// replicate, replicates within a run, runs within a configuration — and the unit of comparison is
// the level that carries the run-to-run variance, never the samples of one process).

/// One side of one row: replicate medians grouped by result set (`values[s]` are set s's
/// replicates, in replicate order; empty where set s lacks the row).
struct Hierarchy {
    var values: [[Double]]

    /// Every replicate median, pooled over sets.
    var pooled: [Double] { values.flatMap { $0 } }
    /// Number of replicates (observations).
    var count: Int { values.reduce(0) { $0 + $1.count } }
    /// Sets that have the row.
    var sets: Int { values.filter { !$0.isEmpty }.count }
}

/// Index draws of a two-level (hierarchical) bootstrap, shared by every row of one group so that
/// rows measured in the same replicate stay together when aggregated: draw b picks sets with
/// replacement, then within each picked set its replicates with replacement (Davison & Hinkley,
/// *Bootstrap Methods and their Application*, 1997, §3.8; Ren et al., "Nonparametric bootstrapping
/// for hierarchical data", J. Appl. Stat. 2010). Samples within a replicate are not resampled: a
/// replicate's median already carries their noise.
struct HierarchicalDraws {
    /// `pairs[b]` lists (set, replicate slot) for draw b; the slot is taken modulo a row's replicate
    /// count in that set, so rows with fewer replicates still resample uniformly.
    var pairs: [[(set: Int, slot: Int)]]

    /// `replicatesPerSet[s]` is the largest replicate count of set s over its rows.
    init(replicatesPerSet: [Int], resamples: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let sets = replicatesPerSet.count
        pairs = (0..<resamples).map { _ in
            var draw: [(set: Int, slot: Int)] = []
            for _ in 0..<sets {
                let s = Int(rng.next() % UInt64(sets))
                let r = max(1, replicatesPerSet[s])
                for _ in 0..<r { draw.append((s, Int(rng.next() % UInt64(r)))) }
            }
            return draw
        }
    }

    /// The resampled center (median of the drawn replicate medians) of `side` for every draw; NaN
    /// where a draw picked only sets that lack the row. Each draw costs O(draw size + replicates):
    /// the side's values are ranked once, a draw counts how often each rank was picked, and the
    /// median is read off the cumulative counts (no sorting per draw).
    func centers(_ side: Hierarchy) -> [Double] {
        let sorted = side.pooled.sorted()
        let n = sorted.count
        guard n > 0 else { return Array(repeating: .nan, count: pairs.count) }
        // rank[s][slot]: position of that replicate median in `sorted` (ties share a value, so any
        // of their positions gives the same median).
        var used = [Int](repeating: 0, count: n)
        var offsets: [Int] = []
        var ranks: [Int] = []
        var order = Array(0..<n)
        let pooled = side.pooled
        order.sort { pooled[$0] < pooled[$1] }
        var positionOf = [Int](repeating: 0, count: n)
        for (position, index) in order.enumerated() { positionOf[index] = position }
        var flat = 0
        for values in side.values {
            offsets.append(flat)
            for _ in values { ranks.append(positionOf[flat]); flat += 1 }
        }
        var counts = [Int](repeating: 0, count: n)
        return pairs.map { draw in
            var total = 0
            for (s, slot) in draw {
                let count = side.values[s].count
                guard count > 0 else { continue }
                let r = ranks[offsets[s] + slot % count]
                counts[r] += 1
                used[total] = r
                total += 1
                if total == used.count { used.append(0) }
            }
            guard total > 0 else { return .nan }
            // Type-7 median of `total` drawn values: the mean of order statistics ⌊(t−1)/2⌋ and ⌈(t−1)/2⌉.
            let lowIndex = (total - 1) / 2, highIndex = total / 2
            var seen = 0
            var low = 0.0, high = 0.0
            var foundLow = false
            for r in 0..<n where counts[r] > 0 {
                let next = seen + counts[r]
                if !foundLow && lowIndex < next { low = sorted[r]; foundLow = true }
                if highIndex < next { high = sorted[r]; break }
                seen = next
            }
            for i in 0..<total { counts[used[i]] = 0 }
            return (low + high) / 2
        }
    }
}

/// Median of `values` (type 7), reordering them; `values` must be non-empty.
func medianInPlace(_ values: inout [Double]) -> Double {
    values.sort()
    return quantile(sorted: values, 0.5)
}

/// Benjamini–Hochberg adjusted p-values ("q-values"): q₍ᵢ₎ = min over j ≥ i of m·p₍ⱼ₎/j, capped at 1
/// (Benjamini & Hochberg 1995; the same numbers as R's `p.adjust(method = "BH")` and statsmodels'
/// `multipletests(method="fdr_bh")`). Rejecting every q < α controls the false discovery rate at α
/// across the family. nil entries (no test) are neither counted nor adjusted.
public func benjaminiHochberg(_ pValues: [Double?]) -> [Double?] {
    let tested = pValues.enumerated().compactMap { i, p in p.map { (i, $0) } }.sorted { $0.1 < $1.1 }
    let m = Double(tested.count)
    var q = [Double?](repeating: nil, count: pValues.count)
    var running = 1.0
    for (rank, (index, p)) in tested.enumerated().reversed() {
        running = min(running, p * m / Double(rank + 1))
        q[index] = min(1, running)
    }
    return q
}

/// Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
public func normalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1)
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    if p < low {
        let q = (-2 * Foundation.log(p)).squareRoot()
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > 1 - low { return -normalQuantile(1 - p) }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}

/// Student's t quantile with `df` degrees of freedom by the Cornish–Fisher expansion around the
/// normal quantile (Abramowitz & Stegun 26.7.5); within 0.3% of the exact value for df ≥ 3 at the
/// levels used here.
public func tQuantile(_ p: Double, df: Double) -> Double {
    let z = normalQuantile(p)
    let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z
    let g1 = (z3 + z) / 4
    let g2 = (5 * z5 + 16 * z3 + 3 * z) / 96
    let g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384
    let g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160
    return z + g1 / df + g2 / (df * df) + g3 / (df * df * df) + g4 / (df * df * df * df)
}

/// The smallest two-sided p-value an exact Mann-Whitney test can give with n₁ and n₂ observations
/// (both extreme arrangements): 2 / C(n₁+n₂, n₁).
func minimumMannWhitneyP(_ n1: Int, _ n2: Int) -> Double {
    guard n1 > 0, n2 > 0 else { return 1 }
    var logChoose = 0.0
    let k = min(n1, n2)
    for i in 0..<k { logChoose += Foundation.log(Double(n1 + n2 - i)) - Foundation.log(Double(i + 1)) }
    return min(1, 2 * Foundation.exp(-logChoose))
}

/// Sample standard deviation (n − 1 in the denominator), 0 for fewer than two values.
func standardDeviation(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
}

/// Minimum detectable effect, percent: the smallest shift of the ratio that a two-sided test at
/// level `alpha` detects with probability `power`, from the spread of the log replicate medians:
/// δ = (t₁₋α/₂ + t_power) · √(s₁²/n₁ + s₂²/n₂) with df = n₁ + n₂ − 2 (the two-sample power formula,
/// e.g. Cohen 1988, §2; the rank test's efficiency relative to t is ≥ 0.864 and 0.955 for normal
/// data, so this is a slight underestimate for it). s is the sample standard deviation of the logs.
/// nil when either side has fewer than 2 replicates or the exact rank test cannot reach `alpha`
/// at these sizes: then no difference is detectable.
public func minimumDetectableEffectPct(baseLogs: [Double], otherLogs: [Double], alpha: Double, power: Double = 0.8) -> Double? {
    let n1 = baseLogs.count, n2 = otherLogs.count
    guard n1 >= 2, n2 >= 2, minimumMannWhitneyP(n1, n2) < alpha else { return nil }
    // The classical standard deviation, not the robust one: a disturbed replicate costs the rank
    // test real power with 5–8 observations, and the MDE must say so rather than look past it.
    let s1 = standardDeviation(baseLogs), s2 = standardDeviation(otherLogs)
    let df = Double(n1 + n2 - 2)
    let se = (s1 * s1 / Double(n1) + s2 * s2 / Double(n2)).squareRoot()
    let delta = (tQuantile(1 - alpha / 2, df: df) + tQuantile(power, df: df)) * se
    return (Foundation.exp(delta) - 1) * 100
}

/// The verdict rule, one for rows and aggregates. `overhead`/`improvement`: significant after FDR
/// (q < α), the interval on that side of 0, and the point estimate beyond the minimum effect.
/// `equivalent`: the whole interval inside ±minimum effect. Otherwise `inconclusive`.
func decideVerdict(overheadPct: Double, ciLowPct: Double?, ciHighPct: Double?, qValue: Double?, alpha: Double, minEffectPct: Double) -> Verdict {
    if let q = qValue, q < alpha, let low = ciLowPct, let high = ciHighPct {
        if low > 0 && overheadPct >= minEffectPct { return .overhead }
        if high < 0 && overheadPct <= -minEffectPct { return .improvement }
    }
    if let low = ciLowPct, let high = ciHighPct, low > -minEffectPct, high < minEffectPct { return .equivalent }
    return .inconclusive
}
