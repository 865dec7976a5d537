/// Combining replicates: the results of one benchmark × params measured in several independent
/// replicates (in one process or in several worker processes) become one `BenchmarkResult` whose
/// `samples` are grouped by replicate and whose `replicates` say where each group is.

/// Warnings derived from the replicates start with these words; `refreshReplicateFindings`
/// replaces them, so combining results never repeats or keeps a stale one.
private let derivedWarningPrefixes = ["steal time was ", "only ", "replicates disagree", "CPU quota throttling: "]

// Keys of `details` that `refreshReplicateFindings` derives from the replicates' throttling counts.
private let throttlingDetailKeys = ["cpuThrottledPct", "cpuThrottledPeriods", "cpuPeriods", "cpuThrottledMs"]

extension BenchmarkResult {
    /// Recomputes what depends on all replicates together: the summary, the steal percentage and
    /// its warning, and the warning about too few replicates. `userHz` is the tick rate of
    /// /proc/stat (sysconf(_SC_CLK_TCK)). Idempotent.
    ///
    /// Steal is counted in ticks (10 ms at USER_HZ 100) and each CPU's count is quantized to ±1
    /// tick per replicate, so the warning needs steal above 1% of the measured CPU time *after*
    /// that quantization is taken off: a single tick never raises it.
    public mutating func refreshReplicateFindings(userHz: Int, minimumReplicates: Int = 5) {
        if let s = try? summarize(samples) { summary = s }
        warnings.removeAll { w in derivedWarningPrefixes.contains { w.hasPrefix($0) } }
        let reps = replicates ?? []
        let tick = 1 / Double(max(1, userHz))
        let counted = reps.compactMap(\.stealTicks)
        if !reps.isEmpty, counted.count == reps.count {
            let ticks = counted.reduce(0, +)
            let cpuSeconds = reps.reduce(0.0) { $0 + $1.measuredSeconds } * Double(max(1, cpus.count))
            if cpuSeconds > 0 {
                let percent = 100 * Double(ticks) * tick / cpuSeconds
                conditions.stealPercent = percent
                let quantization = Double(max(1, cpus.count) * reps.count)
                if 100 * max(0, Double(ticks) - quantization) * tick / cpuSeconds > 1 {
                    warnings.append(
                        "steal time was \(format1(percent))% of the measured time (\(ticks) ticks of \(format1(tick * 1000)) ms, "
                            + "each CPU's count ±1 tick per replicate): the hypervisor ran other work on these CPUs")
                }
            }
        }
        refreshThrottling(reps)
        let replicateCount = max(1, reps.count)
        if replicateCount < minimumReplicates {
            warnings.append(
                "only \(replicateCount) replicate\(replicateCount == 1 ? "" : "s"): compare needs at least \(minimumReplicates) a side for a verdict")
        }
    }
}

extension BenchmarkResult {
    /// CPU quota throttling over the replicates that counted it: `details.cpuThrottledPct` (share of
    /// the quota periods in which the cgroup was throttled), `cpuThrottledPeriods`, `cpuPeriods`,
    /// `cpuThrottledMs`, and a warning above 1% of the periods (the threshold steal uses).
    mutating func refreshThrottling(_ reps: [Replicate]) {
        var d = details ?? [:]
        for key in throttlingDetailKeys { d[key] = nil }
        let counted = reps.filter { $0.cpuPeriods != nil }
        let periods = counted.reduce(0) { $0 + ($1.cpuPeriods ?? 0) }
        if periods > 0 {
            let throttled = counted.reduce(0) { $0 + ($1.cpuThrottledPeriods ?? 0) }
            let ms = Double(counted.reduce(0) { $0 + ($1.cpuThrottledUs ?? 0) }) / 1000
            let pct = 100 * Double(throttled) / Double(periods)
            d["cpuThrottledPct"] = format1(pct)
            d["cpuThrottledPeriods"] = String(throttled)
            d["cpuPeriods"] = String(periods)
            d["cpuThrottledMs"] = format1(ms)
            if pct > 1 {
                warnings.append(
                    "CPU quota throttling: the cgroup's CPU quota ran out in \(throttled) of \(periods) periods (\(Int(pct.rounded()))%, \(format1(ms)) ms throttled): these figures measure the quota, not the machine")
            }
        }
        details = d.isEmpty ? nil : d
    }
}

/// Combines results of the same benchmark × params, each holding one or more replicates, in
/// replicate order: samples and replicates concatenated, counters averaged over the parts that have
/// them, derived figures the median over parts, warnings and details united (first value wins),
/// conditions summed. Then `refreshReplicateFindings`. `parts` must be non-empty.
public func combineReplicates(_ parts: [BenchmarkResult], userHz: Int) -> BenchmarkResult {
    precondition(!parts.isEmpty)
    var out = parts[0]
    guard parts.count > 1 else {
        out.refreshReplicateFindings(userHz: userHz)
        return out
    }
    out.samples = parts.flatMap(\.samples)
    out.replicates = parts.flatMap { p in
        p.replicates ?? [
            Replicate(
                sampleCount: p.samples.count, median: median(p.samples), iterationsPerSample: p.iterationsPerSample,
                overheadNsPerOp: p.overheadNsPerOp, measuredSeconds: p.conditions.measuredSeconds, stealTicks: nil,
                involuntaryContextSwitches: p.conditions.involuntaryContextSwitches, migrations: nil, robustCV: robustCV(p.samples))
        ]
    }
    let overheads = out.replicates!.compactMap(\.overheadNsPerOp)
    out.overheadNsPerOp = overheads.isEmpty ? nil : median(overheads)
    out.warnings = []
    var details: [String: String] = [:]
    var derived: [String: [Double]] = [:]
    var counters: [String: [Double]] = [:]
    for p in parts {
        for w in p.warnings where !out.warnings.contains(w) { out.warnings.append(w) }
        for (k, v) in p.details ?? [:] where details[k] == nil { details[k] = v }
        for (k, v) in p.derived ?? [:] { derived[k, default: []].append(v) }
        for (k, v) in p.counters ?? [:] { counters[k, default: []].append(v) }
    }
    out.details = details.isEmpty ? nil : details
    out.derived = derived.isEmpty ? nil : derived.mapValues { median($0) }
    out.counters = counters.isEmpty ? nil : counters.mapValues { $0.reduce(0, +) / Double($0.count) }
    out.conditions = RunConditions(
        measuredSeconds: parts.reduce(0) { $0 + $1.conditions.measuredSeconds }, stealPercent: nil,
        involuntaryContextSwitches: parts.reduce(0) { $0 + $1.conditions.involuntaryContextSwitches },
        voluntaryContextSwitches: parts.reduce(0) { $0 + $1.conditions.voluntaryContextSwitches })
    out.refreshReplicateFindings(userHz: userHz)
    return out
}

/// Merges the result sets that a run's worker processes wrote (each measured some replicates of
/// every case) into the results of the run: per benchmark × params in first-seen order,
/// `combineReplicates` over the parts that measured it. A case skipped by every part is skipped
/// with the first reason; a case skipped by only some parts keeps the replicates it has and says
/// which were lost. Run-level warnings are united.
public func mergeReplicateParts(_ parts: [ResultSet], userHz: Int) -> (results: [BenchmarkResult], skipped: [SkippedBenchmark], warnings: [String]) {
    var order: [String] = []
    var byKey: [String: [BenchmarkResult]] = [:]
    var lost: [String: [String]] = [:]
    var skippedByKey: [String: SkippedBenchmark] = [:]
    func key(_ benchmark: String, _ params: [String: String]) -> String {
        benchmark + "{" + paramsText(params, separator: ",") + "}"
    }
    var warnings: [String] = []
    for (index, part) in parts.enumerated() {
        for r in part.results {
            let k = key(r.benchmark, r.params)
            if byKey[k] == nil && skippedByKey[k] == nil { order.append(k) }
            byKey[k, default: []].append(r)
        }
        for s in part.skipped {
            let k = key(s.benchmark, s.params)
            if byKey[k] == nil && skippedByKey[k] == nil { order.append(k) }
            if skippedByKey[k] == nil { skippedByKey[k] = s }
            lost[k, default: []].append("replicate \(index + 1): \(s.reason)")
        }
        for w in part.warnings where !warnings.contains(w) { warnings.append(w) }
    }
    var results: [BenchmarkResult] = []
    var skipped: [SkippedBenchmark] = []
    for k in order {
        if let measured = byKey[k] {
            var r = combineReplicates(measured, userHz: userHz)
            for reason in lost[k] ?? [] { r.warnings.append("a replicate measured nothing: \(reason)") }
            results.append(r)
        } else if let s = skippedByKey[k] {
            skipped.append(s)
        }
    }
    return (results, skipped, warnings)
}

private func format1(_ x: Double) -> String {
    let scaled = (x * 10).rounded() / 10
    return scaled == scaled.rounded() ? String(Int(scaled)) + ".0" : String(scaled)
}
