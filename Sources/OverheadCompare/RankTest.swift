import Foundation

/// The result of a two-sided Mann-Whitney U test.
public struct MannWhitneyResult: Sendable, Equatable {
    /// U of the first sample: the number of pairs (x, y) with x > y, ties counting one half.
    public var u: Double
    /// Two-sided p-value.
    public var pValue: Double
    /// True when the p-value is exact (small samples without ties), false for the normal approximation.
    public var exact: Bool
}

/// Two-sided Mann-Whitney U test (Wilcoxon rank-sum) of two samples, each sorted ascending.
///
/// Method, as SciPy's `mannwhitneyu(method="auto")`: the exact null distribution when one sample has
/// at most 8 values and there are no ties (here also only while the larger has at most 64, which is
/// where counting stays cheap); otherwise the normal approximation with the tie-corrected variance
/// σ² = n₁n₂/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))) and a continuity correction of ½
/// (Lehmann, *Nonparametrics*, 1975, §1.4). Both samples sorted lets the ranks come from one merge.
public func mannWhitneyU(sortedX x: [Double], sortedY y: [Double]) -> MannWhitneyResult {
    let n1 = x.count
    let n2 = y.count
    guard n1 > 0, n2 > 0 else { return MannWhitneyResult(u: 0, pValue: 1, exact: false) }
    let n = n1 + n2
    // Merge, giving each run of equal values its mid-rank; sum the ranks of x.
    var i = 0
    var j = 0
    var rank = 0  // ranks used so far
    var rankSumX = 0.0
    var tieTerm = 0.0
    while i < n1 || j < n2 {
        let value = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i] : y[j]
        var inX = 0
        var inY = 0
        while i < n1 && x[i] == value { inX += 1; i += 1 }
        while j < n2 && y[j] == value { inY += 1; j += 1 }
        let t = inX + inY
        let midRank = Double(rank) + Double(t + 1) / 2
        rankSumX += midRank * Double(inX)
        rank += t
        if t > 1 { tieTerm += Double(t) * Double(t) * Double(t) - Double(t) }
    }
    let u1 = rankSumX - Double(n1) * Double(n1 + 1) / 2
    let u2 = Double(n1) * Double(n2) - u1
    let big = Swift.max(u1, u2)

    if tieTerm == 0 && Swift.min(n1, n2) <= 8 && Swift.max(n1, n2) <= 64 {
        let p = 2 * exactUpperTail(Int(big.rounded()), Swift.min(n1, n2), Swift.max(n1, n2))
        return MannWhitneyResult(u: u1, pValue: Swift.min(1, p), exact: true)
    }
    let mean = Double(n1) * Double(n2) / 2
    let variance = Double(n1) * Double(n2) / 12 * (Double(n + 1) - tieTerm / (Double(n) * Double(n - 1)))
    guard variance > 0 else { return MannWhitneyResult(u: u1, pValue: 1, exact: false) }
    let z = (big - mean - 0.5) / variance.squareRoot()
    // Two-sided: 2·P(Z > z) = erfc(z/√2).
    let p = erfc(z / 2.0.squareRoot())
    return MannWhitneyResult(u: u1, pValue: Swift.min(1, Swift.max(0, p)), exact: false)
}

/// P(U ≥ k) under the null for sample sizes m ≤ n, by counting: the number of arrangements with
/// U = u satisfies c(m, n, u) = c(m − 1, n, u − n) + c(m, n − 1, u) (Mann & Whitney 1947).
private func exactUpperTail(_ k: Int, _ m: Int, _ n: Int) -> Double {
    let maxU = m * n
    if k <= 0 { return 1 }
    if k > maxU { return 0 }
    // counts[a][b] is the distribution for sizes (a, b), built up b by b.
    var previous = [[Double]](repeating: [], count: m + 1)  // column b - 1
    for b in 0...n {
        var current = [[Double]](repeating: [], count: m + 1)
        for a in 0...m {
            var dist = [Double](repeating: 0, count: a * b + 1)
            if a == 0 || b == 0 {
                dist[0] = 1
            } else {
                // Largest value belongs to the a-sample: it exceeds all b others (U gains b).
                let withA = current[a - 1]
                for (u, c) in withA.enumerated() { dist[u + b] += c }
                // Largest value belongs to the b-sample: U unchanged.
                let withB = previous[a]
                for (u, c) in withB.enumerated() { dist[u] += c }
            }
            current[a] = dist
        }
        previous = current
    }
    let dist = previous[m]
    let total = dist.reduce(0, +)
    var tail = 0.0
    for u in k...maxU { tail += dist[u] }
    return tail / total
}

/// The fewest replicates a side with which one row of a comparison of `rows` rows can be
/// significant after the Benjamini–Hochberg correction at false discovery rate `alpha`.
///
/// With n replicates a side the exact two-sided Mann-Whitney test's smallest p-value is
/// 2 / C(2n, n) (both sides fully separated; Mann & Whitney 1947). When only one row differs,
/// Benjamini–Hochberg gives it q = m·p for m rows tested, and the verdict needs q < α, so the
/// answer is the smallest n with 2 / C(2n, n) < α/m: 7 for 59 rows at α = 0.05
/// (2/3432 ≈ 0.00058 < 0.00085; 6 gives 2/924 ≈ 0.0022), 4 for one row (2/70 ≈ 0.029; 3 gives 0.1).
/// Above 8 a side `mannWhitneyU` uses the normal approximation, whose smallest p-value is larger,
/// so from there the smallest p is that of the test as run. nil when `alpha` is not in (0, 1).
/// This is about reaching significance; the comparator's separate floor (`minimumReplicates`)
/// for any verdict still applies.
public func replicatesNeeded(rows: Int, alpha: Double) -> Int? {
    guard alpha > 0 && alpha < 1 else { return nil }
    let level = alpha / Double(max(rows, 1))
    // The normal approximation's smallest p falls below 1e-300 well before 1,000 a side.
    var choose = 1  // C(2n, n), exact in integers while the test is exact
    for n in 1...1000 {
        let p: Double
        if n <= 8 {
            choose = choose * (2 * n - 1) * (2 * n) / (n * n)
            p = 2 / Double(choose)
        } else {
            p = mannWhitneyU(sortedX: (0..<n).map(Double.init), sortedY: (n..<2 * n).map(Double.init)).pValue
        }
        if p < level { return n }
    }
    return nil
}
