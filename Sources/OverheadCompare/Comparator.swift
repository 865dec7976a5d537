import Foundation
import OverheadModel

/// Renders params as `k=v;k=v`, keys sorted: the form used in every output.

/// The category of a benchmark id: its first dotted component (`mem.bw.triad` → `mem`).
public func category(of benchmark: String) -> String {
    benchmark.split(separator: ".", maxSplits: 1).first.map(String.init) ?? benchmark
}

/// Compares every group with the baseline group, per benchmark × params.
///
/// The observation is a replicate's median (a version-1 set counts as one replicate). Per row:
/// each side's center is the median of its replicate medians; the overhead is the ratio of the
/// centers (positive = worse, by the benchmark's polarity); its interval comes from a hierarchical
/// bootstrap (sets, then replicates within sets) whose draws every row of a group shares; a two-sided
/// Mann-Whitney U test compares the replicate medians; Benjamini–Hochberg q-values across the rows of
/// each configuration control the false discovery rate; the minimum detectable effect says what the
/// data could see; the verdict follows `decideVerdict`. Category and overall rows weigh each
/// benchmark id once and are resampled with the same draws, so correlated rows are handled. Units of
/// one benchmark are converted to the baseline's when they are the same dimension; otherwise the
/// comparison is refused.
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
    let versionOne = ordered.flatMap(\.sets).filter { $0.set.schemaVersion < 2 }
    if !versionOne.isEmpty {
        allNotes.append(
            "\(versionOne.count) set\(versionOne.count == 1 ? "" : "s") of schema version 1 (\(versionOne.prefix(3).map(\.path).joined(separator: ", "))\(versionOne.count > 3 ? ", ..." : "")): "
                + "each counts as one replicate, since its rounds shared one process and calibration; a verdict needs \(options.minimumReplicates) replicates a side, so pool several such sets or rerun with this version")
    }

    // One set of bootstrap draws per group, shared by all of its rows.
    let draws: [HierarchicalDraws] = ordered.map { group in
        let perSet = group.sets.map { loaded in loaded.set.results.map { max(1, $0.replicates?.count ?? 1) }.max() ?? 1 }
        return HierarchicalDraws(replicatesPerSet: perSet, resamples: options.resamples, seed: streamSeed(options.seed, group.name))
    }

    var rows: [ComparisonRow] = []
    var rowRatios: [[Double]?] = []
    var rowSides: [(base: Hierarchy, other: Hierarchy)] = []
    var missing: [MissingBenchmark] = []
    for c in cases {
        let present = ordered.indices.filter { c.sides[$0] != nil }
        if present.count < ordered.count {
            missing.append(MissingBenchmark(
                benchmark: c.benchmark, paramsText: c.paramsText,
                presentIn: present.map { ordered[$0].name },
                missingFrom: ordered.indices.filter { c.sides[$0] == nil }.map { ordered[$0].name }))
        }
        guard let base = c.sides[0] else { continue }
        let baseCenters = draws[0].centers(base.hierarchy)
        for g in 1..<ordered.count {
            guard let other = c.sides[g] else { continue }
            let (row, ratios) = makeRow(
                c, base: base, other: other, baseline: ordered[0].name, configuration: ordered[g].name,
                baseCenters: baseCenters, otherCenters: draws[g].centers(other.hierarchy), options: options)
            rows.append(row)
            rowRatios.append(ratios)
            rowSides.append((base.hierarchy, other.hierarchy))
        }
    }
    // False discovery control per configuration-vs-baseline family, then the verdicts.
    for configuration in ordered.dropFirst().map(\.name) {
        let members = rows.indices.filter { rows[$0].configuration == configuration }
        let q = benjaminiHochberg(members.map { rows[$0].verdict == .insufficientData ? nil : rows[$0].pValue })
        let tested = q.compactMap { $0 }.count
        let discoveries = q.compactMap { $0 }.filter { $0 < options.alpha }.count
        // The row's α: the level its p-value must reach to be a discovery by the Benjamini–Hochberg
        // step given this comparison's other discoveries, (D + 1)·α/m — α/m when nothing else moved,
        // near α when most rows did. The MDE at that level is what the row can really see.
        let rowAlpha = tested == 0 ? options.alpha : min(options.alpha, Double(discoveries + 1) * options.alpha / Double(tested))
        for (i, m) in members.enumerated() {
            rows[m].qValue = q[i]
            if rows[m].verdict != .insufficientData, rows[m].pValue != nil {
                let (base, other) = rowSides[m]
                rows[m].mdePct = minimumDetectableEffectPct(
                    baseLogs: base.pooled.filter { $0 > 0 }.map { Foundation.log($0) },
                    otherLogs: other.pooled.filter { $0 > 0 }.map { Foundation.log($0) }, alpha: rowAlpha)
            }
            guard rows[m].verdict != .insufficientData, let overhead = rows[m].overheadPct else { continue }
            rows[m].verdict = decideVerdict(
                overheadPct: overhead, ciLowPct: rows[m].ciLowPct, ciHighPct: rows[m].ciHighPct, qValue: q[i],
                alpha: options.alpha, minEffectPct: options.minEffectPct)
            if rows[m].verdict == .inconclusive, let mde = rows[m].mdePct, mde > options.minEffectPct {
                rows[m].notes.append("this data cannot see differences below \(formatPercent(mde).dropFirst())")
            } else if rows[m].verdict == .inconclusive, rows[m].mdePct == nil {
                rows[m].notes.append("too few replicates for the rank test to reach this row's α of \(String(format: "%.2g", rowAlpha)) (α·(discoveries+1)/rows)")
            }
        }
    }

    return Comparison(
        baseline: info(ordered[0]), configurations: ordered.dropFirst().map(info),
        resamples: options.resamples, seed: options.seed, alpha: options.alpha, confidence: options.confidence,
        noiseCVPct: options.noiseCV * 100, minimumReplicates: options.minimumReplicates, minEffectPct: options.minEffectPct, rows: rows,
        categories: categorySummaries(
            rows: rows, ratios: rowRatios, sides: rowSides, configurations: ordered.dropFirst().map(\.name), options: options),
        missing: missing, environmentDifferences: environmentDifferences(ordered), notes: allNotes)
}

private func check(_ options: CompareOptions) throws(CompareError) {
    guard options.resamples >= 100 else { throw .invalidOption("resamples must be at least 100 (2000 or more for stable intervals)") }
    guard options.alpha > 0 && options.alpha < 1 else { throw .invalidOption("alpha must be between 0 and 1, e.g. 0.05") }
    guard options.confidence > 0 && options.confidence < 1 else { throw .invalidOption("confidence must be between 0 and 1, e.g. 0.95") }
    guard options.noiseCV >= 0 && options.noiseCV.isFinite else { throw .invalidOption("the noise CV threshold must be 0 or more") }
    guard options.minimumReplicates >= 2 else { throw .invalidOption("the minimum number of replicates must be at least 2") }
    guard options.minEffectPct >= 0 && options.minEffectPct < 100 else { throw .invalidOption("--min-effect is a percentage from 0 to below 100, e.g. 5") }
}

/// One side of one benchmark × params: its replicate medians by set, and its samples' count.
struct Side {
    var hierarchy: Hierarchy
    var samples: Int
}

/// One benchmark × params across groups; `sides[g]` is nil where group g lacks it.
struct Case {
    var key: String
    var benchmark: String
    var params: [String: String]
    var paramsText: String
    var metric: String
    var unit: String
    var better: Better
    var source: String
    var sides: [Side?]
}

/// Collects the replicate medians of every benchmark × params per group and set, converting units
/// to the first seen (the baseline's, since the baseline group comes first).
private func pool(_ groups: [SetGroup], notes: inout [String]) throws(CompareError) -> [Case] {
    var cases: [Case] = []
    var index: [String: Int] = [:]
    var converted = Set<String>()
    for (g, group) in groups.enumerated() {
        for (s, loaded) in group.sets.enumerated() {
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
                        sides: Array(repeating: nil, count: groups.count)))
                }
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
                var side = cases[i].sides[g] ?? Side(hierarchy: Hierarchy(values: Array(repeating: [], count: group.sets.count)), samples: 0)
                side.hierarchy.values[s] = result.replicateMedians.map { $0 * factor }
                side.samples += result.samples.count
                cases[i].sides[g] = side
            }
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

/// Percentile interval of bootstrap replicates (type 7 quantiles), nil when fewer than 90% of them
/// are finite (draws that picked only sets lacking the row, or a resampled median of 0).
func percentileInterval(_ replicates: [Double], confidence: Double) -> (low: Double, high: Double)? {
    let finite = replicates.filter(\.isFinite)
    guard !finite.isEmpty, Double(finite.count) >= 0.9 * Double(replicates.count) else { return nil }
    let sorted = finite.sorted()
    let tail = (1 - confidence) / 2
    return (quantile(sorted: sorted, tail), quantile(sorted: sorted, 1 - tail))
}

private func makeRow(
    _ c: Case, base: Side, other: Side, baseline: String, configuration: String,
    baseCenters: [Double], otherCenters: [Double], options: CompareOptions
) -> (ComparisonRow, [Double]?) {
    let baseValues = base.hierarchy.pooled.sorted()
    let otherValues = other.hierarchy.pooled.sorted()
    let baseMedian = quantile(sorted: baseValues, 0.5)
    let otherMedian = quantile(sorted: otherValues, 0.5)
    let ratio = costRatio(base: baseMedian, value: otherMedian, better: c.better)
    var notes: [String] = []

    let enough = baseValues.count >= options.minimumReplicates && otherValues.count >= options.minimumReplicates
    var ratios: [Double]?
    var interval: (low: Double, high: Double)?
    var test: MannWhitneyResult?
    if enough, ratio != nil, baseValues.allSatisfy({ $0 > 0 }), otherValues.allSatisfy({ $0 > 0 }) {
        var r = [Double](repeating: .nan, count: baseCenters.count)
        for i in r.indices {
            r[i] = costRatio(base: baseCenters[i], value: otherCenters[i], better: c.better) ?? .nan
        }
        interval = percentileInterval(r, confidence: options.confidence)
        if interval != nil { ratios = r }
        test = mannWhitneyU(sortedX: baseValues, sortedY: otherValues)
    }

    var verdict = Verdict.inconclusive
    if !enough {
        verdict = .insufficientData
        notes.append("fewer than \(options.minimumReplicates) replicates (\(baseValues.count) \(baseline), \(otherValues.count) \(configuration)); each replicate's median is one observation")
    } else if ratio == nil || test == nil {
        verdict = .insufficientData
        notes.append("a median is 0 or negative, so the ratio is undefined")
    } else if interval == nil {
        notes.append("bootstrap interval undefined (resampled medians of 0, or sets lacking the benchmark)")
    }
    let baseRobust = robustCV(baseValues)
    let otherRobust = robustCV(otherValues)
    let row = ComparisonRow(
        benchmark: c.benchmark, params: c.params, paramsText: c.paramsText, category: category(of: c.benchmark),
        metric: c.metric, unit: c.unit, better: c.better, baseline: baseline, configuration: configuration,
        baselineN: base.samples, n: other.samples, baselineReplicates: baseValues.count, replicates: otherValues.count,
        baselineSets: base.hierarchy.sets, sets: other.hierarchy.sets,
        baselineMedian: baseMedian, median: otherMedian,
        baselineCVPct: coefficientOfVariation(baseValues) * 100, cvPct: coefficientOfVariation(otherValues) * 100,
        baselineRobustCVPct: baseRobust * 100, robustCVPct: otherRobust * 100,
        overheadPct: ratio.map { ($0 - 1) * 100 },
        ciLowPct: interval.map { ($0.low - 1) * 100 }, ciHighPct: interval.map { ($0.high - 1) * 100 },
        pValue: test?.pValue, qValue: nil, mdePct: nil, verdict: verdict,
        noisy: baseRobust > options.noiseCV || otherRobust > options.noiseCV, notes: notes)
    return (row, verdict == .insufficientData ? nil : ratios)
}

/// Per configuration and category (then `all`): the geometric mean of the cost ratios where each
/// benchmark id weighs once (its rows' log ratios averaged first), over rows with a verdict other
/// than insufficient-data. Interval: draw b of the mean combines draw b of every row; the rows'
/// draws share their replicate picks, so correlation between rows measured in one replicate is
/// kept. Test: the same mean computed per replicate (each row's replicate median against the
/// baseline's center), so a replicate stays the unit of observation, then Mann-Whitney U between
/// the two sides' replicates; q-values across the aggregates of a configuration; the verdict by
/// `decideVerdict`, and `overhead`/`improvement` only when at least one member row has that verdict
/// itself: an aggregate does not claim what none of its benchmarks can show.
private func categorySummaries(
    rows: [ComparisonRow], ratios: [[Double]?], sides: [(base: Hierarchy, other: Hierarchy)], configurations: [String],
    options: CompareOptions
) -> [CategorySummary] {
    var categories: [String] = []
    for row in rows where !categories.contains(row.category) { categories.append(row.category) }
    var summaries: [CategorySummary] = []
    for configuration in configurations {
        var family: [CategorySummary] = []
        var memberVerdicts: [Set<Verdict>] = []
        for name in categories + (categories.count > 1 ? ["all"] : []) {
            let members = rows.indices.filter {
                rows[$0].configuration == configuration && (name == "all" || rows[$0].category == name) && ratios[$0] != nil
            }
            guard !members.isEmpty else { continue }
            var byID: [String: [Int]] = [:]
            var ids: [String] = []
            for m in members {
                if byID[rows[m].benchmark] == nil { ids.append(rows[m].benchmark) }
                byID[rows[m].benchmark, default: []].append(m)
            }
            func mean(_ logRatio: (Int) -> Double?) -> Double? {
                var total = 0.0
                for id in ids {
                    var sum = 0.0
                    for m in byID[id]! {
                        guard let v = logRatio(m) else { return nil }
                        sum += v
                    }
                    total += sum / Double(byID[id]!.count)
                }
                return total / Double(ids.count)
            }
            let point = Foundation.exp(mean { Foundation.log(1 + rows[$0].overheadPct! / 100) }!)
            let draws = (0..<options.resamples).map { i in mean { Foundation.log(ratios[$0]![i]) }.map(Foundation.exp) ?? .nan }
            let interval = percentileInterval(draws, confidence: options.confidence)
            // Per replicate (set s, slot k present in every member row) on each side.
            func replicateMeans(_ side: (Int) -> Hierarchy) -> [Double] {
                let first = side(members[0]).values
                var out: [Double] = []
                for s in first.indices {
                    for k in first[s].indices {
                        let value = mean { m in
                            let v = side(m).values
                            guard s < v.count, k < v[s].count, v[s][k] > 0, rows[m].baselineMedian > 0 else { return nil }
                            let ratio = v[s][k] / rows[m].baselineMedian
                            return rows[m].better == .lower ? Foundation.log(ratio) : -Foundation.log(ratio)
                        }
                        if let value { out.append(value) }
                    }
                }
                return out.sorted()
            }
            let baseObs = replicateMeans { sides[$0].base }
            let otherObs = replicateMeans { sides[$0].other }
            var p: Double?
            if baseObs.count >= options.minimumReplicates && otherObs.count >= options.minimumReplicates {
                p = mannWhitneyU(sortedX: baseObs, sortedY: otherObs).pValue
            }
            family.append(CategorySummary(
                category: name, configuration: configuration, benchmarks: ids.count, rows: members.count,
                overheadPct: (point - 1) * 100,
                ciLowPct: interval.map { ($0.low - 1) * 100 }, ciHighPct: interval.map { ($0.high - 1) * 100 },
                pValue: p, qValue: nil, verdict: .inconclusive))
            memberVerdicts.append(Set(members.map { rows[$0].verdict }))
        }
        let q = benjaminiHochberg(family.map(\.pValue))
        for i in family.indices {
            family[i].qValue = q[i]
            var verdict = decideVerdict(
                overheadPct: family[i].overheadPct, ciLowPct: family[i].ciLowPct, ciHighPct: family[i].ciHighPct,
                qValue: q[i], alpha: options.alpha, minEffectPct: options.minEffectPct)
            if (verdict == .overhead || verdict == .improvement) && !memberVerdicts[i].contains(verdict) { verdict = .inconclusive }
            family[i].verdict = verdict
        }
        summaries += family
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
            return "\(w.quick ? "quick, " : "")replicates \(w.replicates) (\(w.replicateIsolation)), samples/replicate \(w.samplesPerReplicate), warm-up \(w.warmupBatches), min sample \(w.minSampleMs) ms"
        }),
        // A software-emulated CPU (QEMU TCG): its figures are emulation, not hypervisor overhead.
        ("CPU emulation", { set in
            set.environment.hypervisor.signatures.contains("TCGTCGTCGTCG") || set.environment.hypervisor.vendor == "QEMU TCG"
                ? "software-emulated (QEMU TCG): figures are emulation, not hypervisor overhead" : "none (hardware CPU)"
        }),
        ("NUMA nodes", { set in
            let numa = set.environment.numa
            return numa.available ? String(numa.nodes.count) : "unknown (no NUMA support)"
        }),
        ("memory", { "\($0.environment.memoryBytes >> 20) MiB" }),
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
