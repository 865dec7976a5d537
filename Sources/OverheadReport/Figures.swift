import OverheadCompare
import OverheadModel

/// One benchmark × params as the report lists it.
struct CaseID: Hashable {
    var benchmark: String
    var paramsText: String
}

/// One configuration's figures of one case: what the line charts and the single-configuration
/// tables show. The median and the spread are `compare`'s: over the replicate medians of every set
/// of the label (the median of them, and their robust spread 1.4826·MAD/median, which flags a row
/// noisy above 5% as compare does); p5 and p95 are type-7 quantiles of the pooled samples.
struct Figure {
    var unit: String
    var median: Double
    var p5: Double
    var p95: Double
    /// Samples behind p5 and p95.
    var n: Int
    var sets: Int
    /// Robust spread of the replicate medians, %.
    var spreadPct: Double
    /// Threads that ran it: the `threads` param, or the number of pinned CPUs for `all`.
    var threads: Int?
}

/// Per-case figures of every configuration, cases in order of first appearance.
struct FigureTable {
    var cases: [CaseID] = []
    var params: [CaseID: [String: String]] = [:]
    var better: [CaseID: Better] = [:]
    /// figures[configuration][case]
    var figures: [String: [CaseID: Figure]] = [:]
    /// Results that could not be pooled (a unit of another dimension), in words.
    var notes: [String] = []

    /// Pools each group's samples per case, converting to the first unit seen for the case.
    init(groups: [SetGroup]) {
        var unit: [CaseID: String] = [:]
        for group in groups {
            var samples: [CaseID: [Double]] = [:]
            var replicateMedians: [CaseID: [Double]] = [:]
            var sets: [CaseID: Int] = [:]
            var threads: [CaseID: Int] = [:]
            for loaded in group.sets {
                for r in loaded.set.results {
                    // Matched as compare matches them: by the resolved thread count, never `all`.
                    let matched = comparableParams(r, environment: loaded.set.environment)
                    let id = CaseID(benchmark: r.benchmark, paramsText: OverheadModel.paramsText(matched))
                    if unit[id] == nil {
                        unit[id] = r.unit
                        cases.append(id)
                        params[id] = matched
                        better[id] = r.better
                    }
                    guard let factor = UnitConversion.factor(from: r.unit, to: unit[id]!) else {
                        notes.append("\(loaded.path): \(r.benchmark) \(id.paramsText) is in \(r.unit), which cannot be converted to \(unit[id]!); left out of the charts")
                        continue
                    }
                    samples[id, default: []].append(contentsOf: r.samples.map { $0 * factor })
                    replicateMedians[id, default: []].append(contentsOf: r.replicateMedians.map { $0 * factor })
                    sets[id, default: 0] += 1
                    if threads[id] == nil, let t = matched["threads"] {
                        threads[id] = Int(t) ?? (r.cpus.isEmpty ? nil : r.cpus.count)
                    }
                }
            }
            var perCase: [CaseID: Figure] = [:]
            for (id, values) in samples {
                // p5/p95: OverheadModel's summary of the pooled samples (type-7, as every other output).
                guard let s = try? summarize(values), let medians = replicateMedians[id], !medians.isEmpty else { continue }
                perCase[id] = Figure(
                    unit: unit[id]!, median: OverheadModel.median(medians), p5: s.p5, p95: s.p95, n: s.n, sets: sets[id] ?? 0,
                    spreadPct: robustCV(medians) * 100, threads: threads[id])
            }
            figures[group.name] = perCase
        }
    }
}
