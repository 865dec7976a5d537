import Synchronization

/// Nearest-rank percentile (the smallest value with at least p% of the values at or below it):
/// always one of the observed values, no interpolation. `sorted` ascending; 0 when empty.
func nearestRankPercentile(_ sorted: [UInt64], _ p: Double) -> UInt64 {
    guard !sorted.isEmpty else { return 0 }
    // A hair below the exact product before rounding up: 99.9% of 10,000 is rank 9,990, which
    // floating point makes 9,990.000000000002 (rank 9,991) otherwise.
    let rank = Int((p / 100 * Double(sorted.count) - 1e-9).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// Latency percentiles in µs for `derived`: p50, p99, p99.9 and how many operations they cover.
/// A tail percentile is given only when at least 10 operations lie beyond it (p99 from 1,000
/// operations, p99.9 from 10,000): from fewer, it is one or two outliers, not a percentile.
func latencyPercentiles(_ values: [UInt64]) -> [String: Double] {
    guard !values.isEmpty else { return [:] }
    let sorted = values.sorted()
    var out: [String: Double] = [
        "p50Us": Double(nearestRankPercentile(sorted, 50)) / 1000,
        "latencyOps": Double(sorted.count),
    ]
    if sorted.count >= 1_000 { out["p99Us"] = Double(nearestRankPercentile(sorted, 99)) / 1000 }
    if sorted.count >= 10_000 { out["p999Us"] = Double(nearestRankPercentile(sorted, 99.9)) / 1000 }
    return out
}

/// One replicate's per-op latencies, batch by batch, held until the samples are done: only the
/// last `samplesPerReplicate` batches (the timed samples) go into the case's log, so calibration
/// and warm-up batches never reach the percentiles.
final class LatencyBatches: Sendable {
    private let batches = Mutex<[[UInt64]]>([])

    func append(_ batch: [UInt64]) { batches.withLock { $0.append(batch) } }

    /// Moves the last `last` batches (all but the first when nil) into `log`; forgets the rest.
    func commit(last: Int?, to log: LatencyLog) {
        let all = batches.withLock { b in defer { b.removeAll() }; return b }
        let keep = last.map { min($0, all.count) } ?? max(0, all.count - 1)
        for batch in all.suffix(keep) { log.append(batch) }
    }
}

/// Per-operation latencies of one case, over all its rounds.
final class LatencyLog: Sendable {
    // Bounded so a long run cannot grow without limit (16 MiB of UInt64s); later ops are dropped.
    static let capacity = 2_000_000
    private let values = Mutex<[UInt64]>([])

    func append(_ batch: [UInt64]) {
        values.withLock { v in
            let room = Self.capacity - v.count
            if room > 0 { v.append(contentsOf: batch.prefix(room)) }
        }
    }

    var all: [UInt64] { values.withLock { $0 } }
}
