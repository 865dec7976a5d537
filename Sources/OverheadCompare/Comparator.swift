import Foundation
import OverheadModel

/// Renders params as `k=v;k=v`, keys sorted: the form used in every output.
public func paramsText(_ params: [String: String]) -> String {
    params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
}

/// The category of a benchmark id: its first dotted component (`mem.bw.triad` → `mem`).
public func category(of benchmark: String) -> String {
    benchmark.split(separator: ".", maxSplits: 1).first.map(String.init) ?? benchmark
}

/// Compares every group with the baseline group, per benchmark × params.
///
/// Samples of the sets in a group are pooled, so run-to-run variation widens the spread the
/// statistics see; each row records how many sets contributed. Per row: medians, the overhead
/// (positive = worse, by the benchmark's polarity), a percentile bootstrap interval of the ratio of
/// medians (both sides resampled independently, `options.resamples` times, seeded), a two-sided
/// Mann-Whitney U p-value, a verdict and a noise flag. Units of one benchmark are converted to the
/// baseline's when they are the same dimension; otherwise the comparison is refused.
public func compare(
    groups: [SetGroup], baseline: String, options: CompareOptions = CompareOptions(), notes: [String] = []
) throws(CompareError) -> Comparison {
    try check(options)
    guard let baseIndex = groups.firstIndex(where: { $0.name == baseline }) else {
        throw .unknownBaseline(baseline, available: groups.map(\.name))
    }
    guard groups.count >= 2 else { throw .singleConfiguration(baseline) }
    let ordered = [groups[baseIndex]] + groups.enumerated().filter { $0.offset != baseIndex }.map(\.element)

    var allNotes = notes
    let cases = try pool(ordered, notes: &allNotes)

    var rows: [ComparisonRow] = []
    var rowRatios: [[Double]?] = []
    var missing: [MissingBenchmark] = []
    var scratch = [Double](repeating: 0, count: options.resamples)
    for c in cases {
        let present = ordered.indices.filter { c.pooled[$0] != nil }
        if present.count < ordered.count {
            missing.append(MissingBenchmark(
                benchmark: c.benchmark, paramsText: c.paramsText,
                presentIn: present.map { ordered[$0].name },
                missingFrom: ordered.indices.filter { c.pooled[$0] == nil }.map { ordered[$0].name }))
        }
        guard let base = c.pooled[0] else { continue }
        var baseReplicates: [Double]?
        for g in 1..<ordered.count {
            guard let other = c.pooled[g] else { continue }
            let enough = base.samples.count >= options.minimumSamples && other.samples.count >= options.minimumSamples
            var replicates: [Double]?
            if enough {
                if baseReplicates == nil {
                    var rng = SplitMix64(seed: streamSeed(options.seed, "\(c.key)\u{1F}\(ordered[0].name)"))
                    bootstrapMedians(sorted: base.samples, into: &scratch, rng: &rng)
                    baseReplicates = scratch
                }
                var rng = SplitMix64(seed: streamSeed(options.seed, "\(c.key)\u{1F}\(ordered[g].name)"))
                bootstrapMedians(sorted: other.samples, into: &scratch, rng: &rng)
                replicates = scratch
            }
            let (row, ratios) = makeRow(
                c, base: base, other: other, baseline: ordered[0].name, configuration: ordered[g].name,
                baseReplicates: baseReplicates, replicates: replicates, options: options)
            rows.append(row)
            rowRatios.append(ratios)
        }
    }

    return Comparison(
        baseline: info(ordered[0]), configurations: ordered.dropFirst().map(info),
        resamples: options.resamples, seed: options.seed, alpha: options.alpha, confidence: options.confidence,
        noiseCVPct: options.noiseCV * 100, minimumSamples: options.minimumSamples, rows: rows,
        categories: categorySummaries(rows: rows, ratios: rowRatios, configurations: ordered.dropFirst().map(\.name), options: options),
        missing: missing, environmentDifferences: environmentDifferences(ordered), notes: allNotes)
}

private func check(_ options: CompareOptions) throws(CompareError) {
    guard options.resamples >= 100 else { throw .invalidOption("resamples must be at least 100 (2000 or more for stable intervals)") }
    guard options.alpha > 0 && options.alpha < 1 else { throw .invalidOption("alpha must be between 0 and 1, e.g. 0.05") }
    guard options.confidence > 0 && options.confidence < 1 else { throw .invalidOption("confidence must be between 0 and 1, e.g. 0.95") }
    guard options.noiseCV >= 0 && options.noiseCV.isFinite else { throw .invalidOption("the noise CV threshold must be 0 or more") }
    guard options.minimumSamples >= 1 else { throw .invalidOption("the minimum number of samples must be at least 1") }
}

/// One side of one benchmark × params: its samples pooled and sorted.
struct Pooled {
    var samples: [Double]
    var sets: Int
}

/// One benchmark × params across groups; `pooled[g]` is nil where group g lacks it.
struct Case {
    var key: String
    var benchmark: String
    var params: [String: String]
    var paramsText: String
    var metric: String
    var unit: String
    var better: Better
    var source: String
    var pooled: [Pooled?]
}

/// Pools the samples of every benchmark × params per group, converting units to the first seen
/// (the baseline's, since the baseline group comes first).
private func pool(_ groups: [SetGroup], notes: inout [String]) throws(CompareError) -> [Case] {
    var cases: [Case] = []
    var index: [String: Int] = [:]
    var converted = Set<String>()
    for (g, group) in groups.enumerated() {
        for loaded in group.sets {
            for result in loaded.set.results {
                let params = comparableParams(result, environment: loaded.set.environment)  // threads=all → its count
                let text = paramsText(params)
                let key = "\(result.benchmark)\u{1F}\(text)"
                let i: Int
                if let existing = index[key] {
                    i = existing
                } else {
                    i = cases.count
                    index[key] = i
                    cases.append(Case(
                        key: key, benchmark: result.benchmark, params: params, paramsText: text, metric: result.metric,
                        unit: result.unit, better: result.better, source: loaded.path,
                        pooled: Array(repeating: nil, count: groups.count)))
                }
                // Read what is needed rather than copying the case: a copy would hold a second
                // reference to the pooled buffers and make every append below copy them.
                let (benchmark, unit, better, source) = (cases[i].benchmark, cases[i].unit, cases[i].better, cases[i].source)
                guard result.better == better else {
                    throw .conflictingPolarity(benchmark: benchmark, params: text, source: source, otherSource: loaded.path)
                }
                guard let factor = UnitConversion.factor(from: result.unit, to: unit) else {
                    throw .incompatibleUnits(
                        benchmark: benchmark, params: text, unit: unit, source: source, otherUnit: result.unit,
                        otherSource: loaded.path)
                }
                if factor != 1, converted.insert("\(key)\u{1F}\(result.unit)").inserted {
                    notes.append("\(benchmark)\(text.isEmpty ? "" : " \(text)"): \(loaded.path) reports \(result.unit); converted to \(unit)")
                }
                var pooled = cases[i].pooled[g] ?? Pooled(samples: [], sets: 0)
                cases[i].pooled[g] = nil
                if factor == 1 {
                    pooled.samples.append(contentsOf: result.samples)
                } else {
                    pooled.samples.append(contentsOf: result.samples.lazy.map { $0 * factor })
                }
                pooled.sets += 1
                cases[i].pooled[g] = pooled
            }
        }
    }
    for i in cases.indices {
        for g in cases[i].pooled.indices where cases[i].pooled[g] != nil {
            cases[i].pooled[g]!.samples.sort()
        }
    }
    notes.append(contentsOf: threadCountNotes(cases, groups: groups) + throttlingNotes(groups))
    return cases
}

/// Coefficient of variation of samples (sample standard deviation over |mean|), 0 when the mean is 0.
func coefficientOfVariation(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    guard mean != 0 else { return 0 }
    let sumSquares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (sumSquares / Double(values.count - 1)).squareRoot() / abs(mean)
}

/// The cost ratio: > 1 means the configuration is worse. nil when undefined (a median ≤ 0).
@inline(__always)
func costRatio(base: Double, value: Double, better: Better) -> Double? {
    guard base > 0, value > 0 else { return nil }
    return better == .lower ? value / base : base / value
}

/// Percentile interval of replicates (type 7 quantiles), nil when an end is not finite.
func percentileInterval(_ replicates: [Double], confidence: Double) -> (low: Double, high: Double)? {
    let finite = replicates.filter(\.isFinite)
    // Replicates with an undefined ratio (a resampled median of 0) make the interval meaningless.
    guard finite.count == replicates.count, !finite.isEmpty else { return nil }
    let sorted = finite.sorted()
    let tail = (1 - confidence) / 2
    return (quantile(sorted: sorted, tail), quantile(sorted: sorted, 1 - tail))
}

private func makeRow(
    _ c: Case, base: Pooled, other: Pooled, baseline: String, configuration: String,
    baseReplicates: [Double]?, replicates: [Double]?, options: CompareOptions
) -> (ComparisonRow, [Double]?) {
    let baseMedian = quantile(sorted: base.samples, 0.5)
    let otherMedian = quantile(sorted: other.samples, 0.5)
    let baseCV = coefficientOfVariation(base.samples)
    let otherCV = coefficientOfVariation(other.samples)
    let ratio = costRatio(base: baseMedian, value: otherMedian, better: c.better)
    let test = mannWhitneyU(sortedX: base.samples, sortedY: other.samples)
    var notes: [String] = []

    var ratios: [Double]?
    var interval: (low: Double, high: Double)?
    if let baseReplicates, let replicates, ratio != nil {
        var r = [Double](repeating: 0, count: replicates.count)
        for i in r.indices {
            r[i] = costRatio(base: baseReplicates[i], value: replicates[i], better: c.better) ?? .infinity
        }
        interval = percentileInterval(r, confidence: options.confidence)
        if interval != nil { ratios = r }
    }

    let verdict: Verdict
    if base.samples.count < options.minimumSamples || other.samples.count < options.minimumSamples {
        verdict = .insufficientData
        notes.append("fewer than \(options.minimumSamples) samples (\(base.samples.count) baseline, \(other.samples.count) \(configuration))")
    } else if ratio == nil {
        verdict = .insufficientData
        notes.append("a median is 0 or negative, so the ratio is undefined")
    } else if let interval, test.pValue < options.alpha, interval.low > 1 {
        verdict = .overhead
    } else if let interval, test.pValue < options.alpha, interval.high < 1 {
        verdict = .improvement
    } else {
        verdict = .noChange
        if interval == nil { notes.append("bootstrap interval undefined (a resampled median of 0)") }
    }
    let noisy = baseCV > options.noiseCV || otherCV > options.noiseCV

    let row = ComparisonRow(
        benchmark: c.benchmark, params: c.params, paramsText: c.paramsText, category: category(of: c.benchmark),
        metric: c.metric, unit: c.unit, better: c.better, baseline: baseline, configuration: configuration,
        baselineN: base.samples.count, n: other.samples.count, baselineSets: base.sets, sets: other.sets,
        baselineMedian: baseMedian, median: otherMedian, baselineCVPct: baseCV * 100, cvPct: otherCV * 100,
        overheadPct: ratio.map { ($0 - 1) * 100 },
        ciLowPct: interval.map { ($0.low - 1) * 100 }, ciHighPct: interval.map { ($0.high - 1) * 100 },
        pValue: test.pValue, verdict: verdict, noisy: noisy, notes: notes)
    return (row, verdict == .insufficientData ? nil : ratios)
}

/// Per configuration and category, the geometric mean of the cost ratios of the rows with a
/// verdict other than insufficient-data, and its bootstrap interval: replicate i of the mean is the
/// geometric mean of replicate i of each row (rows were resampled independently). Then `all`.
private func categorySummaries(
    rows: [ComparisonRow], ratios: [[Double]?], configurations: [String], options: CompareOptions
) -> [CategorySummary] {
    var categories: [String] = []
    for row in rows where !categories.contains(row.category) { categories.append(row.category) }
    var summaries: [CategorySummary] = []
    for configuration in configurations {
        for name in categories + (categories.count > 1 ? ["all"] : []) {
            let members = rows.indices.filter {
                rows[$0].configuration == configuration && (name == "all" || rows[$0].category == name) && ratios[$0] != nil
            }
            guard !members.isEmpty else { continue }
            let pointLogs = members.map { Foundation.log(1 + rows[$0].overheadPct! / 100) }
            let point = Foundation.exp(pointLogs.reduce(0, +) / Double(members.count))
            var replicates = [Double](repeating: 0, count: options.resamples)
            for i in replicates.indices {
                var sum = 0.0
                for m in members { sum += Foundation.log(ratios[m]![i]) }
                replicates[i] = Foundation.exp(sum / Double(members.count))
            }
            let interval = percentileInterval(replicates, confidence: options.confidence)
            // The percentile interval alone is too narrow with few samples (the bootstrap of a median
            // of 6 under-covers), so a category is significant only when at least one of its
            // benchmarks is significant the same way on its own (interval and rank test).
            let memberVerdicts = Set(members.map { rows[$0].verdict })
            let verdict: Verdict =
                if let interval, interval.low > 1, memberVerdicts.contains(.overhead) {
                    .overhead
                } else if let interval, interval.high < 1, memberVerdicts.contains(.improvement) {
                    .improvement
                } else {
                    .noChange
                }
            summaries.append(CategorySummary(
                category: name, configuration: configuration, benchmarks: members.count, overheadPct: (point - 1) * 100,
                ciLowPct: interval.map { ($0.low - 1) * 100 }, ciHighPct: interval.map { ($0.high - 1) * 100 }, verdict: verdict))
        }
    }
    return summaries
}

private func info(_ group: SetGroup) -> GroupInfo {
    var hosts: [String] = []
    for s in group.sets where !hosts.contains(s.set.environment.hostname) { hosts.append(s.set.environment.hostname) }
    return GroupInfo(
        label: group.name, sets: group.sets.count, setIDs: group.sets.map(\.set.id), hosts: hosts, files: group.sets.map(\.path))
}

/// Attributes other than the configuration under test that change results, each listed when the
/// sets disagree on it.
public func environmentDifferences(_ groups: [SetGroup]) -> [EnvironmentDifference] {
    let attributes: [(String, (ResultSet) -> String)] = [
        ("CPU model", { $0.environment.cpu.model }),
        ("microcode", { $0.environment.cpu.microcode ?? "unknown" }),
        ("kernel", { $0.environment.kernel }),
        ("tool version", { $0.tool.version }),
        ("workload", { $0.workload.name }),
        ("workload settings", {
            let w = $0.workload
            return "\(w.quick ? "quick, " : "")rounds \(w.rounds), samples/round \(w.samplesPerRound), warm-up \(w.warmupBatches), min sample \(w.minSampleMs) ms"
        }),
        ("THP", { $0.environment.transparentHugePages ?? "none" }),
        ("clocksource", { $0.environment.clocksource }),
        // The layer between the machine and the benchmark: what the process may use and what
        // filters its system calls (sets written before these were recorded say so).
        ("logical CPUs", { String($0.environment.cpu.logicalCPUs) }),
        ("allowed CPUs", { $0.environment.process.map { "\(formatCPUList($0.allowedCPUs)) (\($0.allowedCPUs.count))" } ?? "not recorded" }),
        ("cgroup CPU quota", { set in
            guard let p = set.environment.process else { return "not recorded" }
            guard let g = p.cgroup, let limit = g.cpuLimit else { return "none" }
            return String(format: "%.2f CPUs (%d µs per %d µs)", limit, g.cpuQuotaUs ?? 0, g.cpuPeriodUs ?? 0)
        }),
        ("cgroup cpuset", { set in
            guard let p = set.environment.process else { return "not recorded" }
            return p.cgroup?.cpusetEffective.map(formatCPUList) ?? "unknown"
        }),
        ("cgroup memory limit", { set in
            guard let p = set.environment.process else { return "not recorded" }
            return p.cgroup?.memoryLimitBytes.map { "\($0 >> 20) MiB" } ?? "none"
        }),
        ("container layer", { $0.environment.configuration.container?.summary ?? "not recorded" }),
        ("seccomp", { set in
            guard let p = set.environment.process else { return "not recorded" }
            return (p.seccomp ?? "unknown") + (p.seccompFilters.map { $0 > 0 ? " (\($0) filter\($0 == 1 ? "" : "s"))" : "" } ?? "")
        }),
    ]
    var differences: [EnvironmentDifference] = []
    for (name, value) in attributes {
        var values: [EnvironmentValue] = []
        for group in groups {
            for loaded in group.sets {
                let v = value(loaded.set)
                if let i = values.firstIndex(where: { $0.value == v }) {
                    values[i].sets += 1
                    if !values[i].labels.contains(group.name) { values[i].labels.append(group.name) }
                } else {
                    values.append(EnvironmentValue(value: v, labels: [group.name], sets: 1))
                }
            }
        }
        if values.count > 1 { differences.append(EnvironmentDifference(attribute: name, values: values)) }
    }
    return differences
}
