import Foundation
import OverheadModel

// Random variates for the bootstrap. Everything draws from a seeded `SplitMix64`, so the same
// inputs and seed give the same confidence intervals on every machine.

extension SplitMix64 {
    /// Uniform in the open interval (0, 1): 53 random bits, offset by half a step so that `log` is finite.
    @inline(__always)
    mutating func openUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal variate (Box-Muller; one of the pair is discarded, which keeps the state simple).
    @inline(__always)
    package mutating func standardNormal() -> Double {
        let u1 = openUnit()
        let u2 = openUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Gamma(shape, 1) for shape ≥ 1 by Marsaglia & Tsang (2000), "A simple method for generating
    /// gamma variables": a squeeze-and-reject method with acceptance above 95% for every shape ≥ 1.
    mutating func gamma(shape: Double) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = standardNormal()
            let t = 1 + c * x
            if t <= 0 { continue }
            let v = t * t * t
            let u = openUnit()
            if u < 1 - 0.0331 * (x * x) * (x * x) { return d * v }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// Beta(a, b) for a, b ≥ 1 as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a)
        let y = gamma(shape: b)
        return x / (x + y)
    }
}

/// Draws bootstrap replicates of the median of `sorted` (ascending) into `into`, one per slot.
///
/// Equivalent in distribution to "resample n values with replacement, take the median (type 7:
/// the middle value, or the mean of the two middle values)", at O(1) per replicate instead of O(n):
/// a resample of n indices is ⌈n·U_i⌉ for iid uniforms U_i, so its k-th order statistic is
/// `sorted[⌈n·U_(k)⌉ − 1]`, and the k-th of n uniform order statistics is Beta(k, n + 1 − k)
/// (David & Nagaraja, *Order Statistics*, §2.2). Given U_(k) = u, the next one is
/// u + (1 − u)·M with M the minimum of n − k uniforms, M = 1 − R^(1/(n−k)). This is what keeps
/// `compare` on a thousand result sets within a second: sorting once is the only O(n) work.
func bootstrapMedians(sorted: [Double], into replicates: inout [Double], rng: inout SplitMix64) {
    let n = sorted.count
    precondition(n > 0)
    if n == 1 {
        for i in replicates.indices { replicates[i] = sorted[0] }
        return
    }
    let nd = Double(n)
    @inline(__always) func at(_ u: Double) -> Double {
        let index = Swift.min(n, Swift.max(1, Int((nd * u).rounded(.up))))
        return sorted[index - 1]
    }
    if n % 2 == 1 {
        let k = Double((n + 1) / 2)
        for i in replicates.indices {
            replicates[i] = at(rng.beta(k, nd + 1 - k))
        }
    } else {
        let k = n / 2
        let a = Double(k)
        let rest = 1 / Double(n - k)
        for i in replicates.indices {
            let lower = rng.beta(a, nd + 1 - a)
            let minimum = 1 - Foundation.pow(rng.openUnit(), rest)
            let upper = lower + (1 - lower) * minimum
            replicates[i] = (at(lower) + at(upper)) / 2
        }
    }
}

/// FNV-1a over the text, so each benchmark × params × group gets its own reproducible random
/// stream, independent of the order in which rows are computed or which other rows exist.
func streamSeed(_ seed: UInt64, _ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    var mixer = SplitMix64(seed: seed ^ hash)
    return mixer.next()
}
