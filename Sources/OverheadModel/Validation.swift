/// The range of magnitudes a figure of a result set may have (0 aside). Beyond it the statistics
/// `compare` computes overflow or lose all precision: 1.7e308 is a finite Double whose sum with
/// itself is +inf, so the mean and the standard deviation become inf and NaN; squares (variance)
/// overflow above about 1e154, and a ratio of medians of 1e200 and 1e-200 overflows too. Within
/// ±1e100 (and above 1e-100 away from 0) squares, sums of a billion of them and ratios all stay
/// finite. No unit this tool writes comes near either bound: a year is 3e16 ns, 1e100 GB/s or
/// 1e-100 ns are not measurements.
public let plausibleMagnitude: ClosedRange<Double> = 1e-100...1e100

extension ResultSet {
    /// Checks every number of every result — samples, summary, counters, derived figures, the
    /// loop overhead, the run conditions, each replicate's figures — and the workload's figures: each must be finite, and
    /// those the statistics use must lie within `plausibleMagnitude` (or be 0). The message names
    /// the result, the field and the value.
    public func validateValues(source: String) throws(ResultSetError) {
        for (i, r) in results.enumerated() {
            let name = "results[\(i)] (\(r.benchmark))"
            for (k, value) in r.samples.enumerated() {
                if let problem = Self.problem(value) { throw .invalid(path: source, reason: "\(name) sample \(k) is \(value): \(problem)") }
            }
            let s = r.summary
            let figures: [(String, Double)] = [
                ("median", s.median), ("mean", s.mean), ("min", s.min), ("max", s.max), ("stddev", s.stddev), ("cv", s.cv),
                ("p5", s.p5), ("p95", s.p95),
            ]
            for (field, value) in figures {
                if let problem = Self.problem(value) { throw .invalid(path: source, reason: "\(name) summary.\(field) is \(value): \(problem)") }
            }
            for (field, value) in (r.counters ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let problem = Self.problem(value) { throw .invalid(path: source, reason: "\(name) counters.\(field) is \(value): \(problem)") }
            }
            for (field, value) in (r.derived ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let problem = Self.problem(value) { throw .invalid(path: source, reason: "\(name) derived.\(field) is \(value): \(problem)") }
            }
            if let value = r.overheadNsPerOp, let problem = Self.problem(value) {
                throw .invalid(path: source, reason: "\(name) overheadNsPerOp is \(value): \(problem)")
            }
            let c = r.conditions
            for (field, value) in [("measuredSeconds", c.measuredSeconds), ("stealPercent", c.stealPercent ?? 0)] where !value.isFinite {
                throw .invalid(path: source, reason: "\(name) conditions.\(field) is \(value), not a finite number")
            }
            for (k, replicate) in (r.replicates ?? []).enumerated() {
                if let problem = Self.problem(replicate.median) {
                    throw .invalid(path: source, reason: "\(name) replicate \(k) median is \(replicate.median): \(problem)")
                }
                if let value = replicate.overheadNsPerOp, let problem = Self.problem(value) {
                    throw .invalid(path: source, reason: "\(name) replicate \(k) overheadNsPerOp is \(value): \(problem)")
                }
                for (field, value) in [("measuredSeconds", replicate.measuredSeconds), ("robustCV", replicate.robustCV)] where !value.isFinite {
                    throw .invalid(path: source, reason: "\(name) replicate \(k) \(field) is \(value), not a finite number")
                }
            }
        }
        for (field, value) in [("minSampleMs", workload.minSampleMs), ("clockResolutionNs", workload.clockResolutionNs)] where !value.isFinite {
            throw .invalid(path: source, reason: "workload.\(field) is \(value), not a finite number")
        }
    }

    /// Why a figure cannot be used, nil when it can.
    static func problem(_ value: Double) -> String? {
        if !value.isFinite { return "not a finite number" }
        if value != 0 && !plausibleMagnitude.contains(abs(value)) {
            return "outside ±\(plausibleMagnitude.upperBound) (or closer to 0 than \(plausibleMagnitude.lowerBound)), where the statistics overflow; no measurement is that large or small"
        }
        return nil
    }

    /// This set with every unusable figure taken out, so that a finished run is always written:
    /// a result whose samples or summary cannot be used moves to `skipped` with the reason; a
    /// counter, derived figure or loop overhead that cannot be used is dropped with a warning on
    /// its result; non-finite conditions become 0 or absent. A set that passes
    /// `validateValues` comes back unchanged.
    public func withUsableValues() -> ResultSet {
        var copy = self
        var kept: [BenchmarkResult] = []
        for var r in results {
            if let k = r.samples.firstIndex(where: { Self.problem($0) != nil }) {
                copy.skipped.append(SkippedBenchmark(
                    benchmark: r.benchmark, params: r.params,
                    reason: "measured, but sample \(k) is \(r.samples[k]) (\(Self.problem(r.samples[k]) ?? "")); result dropped"))
                continue
            }
            let s = r.summary
            if [s.median, s.mean, s.min, s.max, s.stddev, s.cv, s.p5, s.p95].contains(where: { Self.problem($0) != nil }) {
                copy.skipped.append(SkippedBenchmark(
                    benchmark: r.benchmark, params: r.params, reason: "measured, but its summary statistics overflow; result dropped"))
                continue
            }
            if let counters = r.counters {
                let bad = counters.filter { Self.problem($0.value) != nil }.keys.sorted()
                if !bad.isEmpty {
                    r.counters = counters.filter { Self.problem($0.value) == nil }
                    r.warnings.append("counters dropped, not finite or implausible: \(bad.joined(separator: ", "))")
                }
            }
            if let derived = r.derived {
                let bad = derived.filter { Self.problem($0.value) != nil }.keys.sorted()
                if !bad.isEmpty {
                    r.derived = derived.filter { Self.problem($0.value) == nil }
                    r.warnings.append("derived figures dropped, not finite or implausible: \(bad.joined(separator: ", "))")
                }
            }
            if let overhead = r.overheadNsPerOp, Self.problem(overhead) != nil {
                r.overheadNsPerOp = nil
                r.warnings.append("loop overhead \(overhead) ns/op dropped: not finite or implausible")
            }
            if var replicates = r.replicates {
                for k in replicates.indices {
                    if let overhead = replicates[k].overheadNsPerOp, Self.problem(overhead) != nil { replicates[k].overheadNsPerOp = nil }
                    if !replicates[k].measuredSeconds.isFinite { replicates[k].measuredSeconds = 0 }
                    if !replicates[k].robustCV.isFinite { replicates[k].robustCV = 0 }
                }
                r.replicates = replicates
            }
            if !r.conditions.measuredSeconds.isFinite { r.conditions.measuredSeconds = 0 }
            if let steal = r.conditions.stealPercent, !steal.isFinite { r.conditions.stealPercent = nil }
            kept.append(r)
        }
        copy.results = kept
        if !copy.workload.minSampleMs.isFinite { copy.workload.minSampleMs = 0 }
        if !copy.workload.clockResolutionNs.isFinite { copy.workload.clockResolutionNs = 0 }
        return copy
    }
}
