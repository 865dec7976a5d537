import OverheadModel

/// The columns of `export` (statistics), in order.
public let exportCSVColumns = ["set_id", "label", "host", "started_at", "benchmark", "params", "metric", "unit", "better", "statistic", "value"]

/// The columns of `export --samples`, in order.
public let exportSamplesCSVColumns = ["set_id", "label", "host", "started_at", "benchmark", "params", "metric", "unit", "better", "sample", "value"]

/// Tidy CSV of result sets: one row per set × benchmark × params × statistic (n, median, mean, min,
/// max, stddev, cv, p5, p95, as stored in the set; cv is a fraction), or with `samples` one row per
/// raw sample (`sample` is its 0-based index in the set).
public func renderExportCSV(_ sets: [ResultSet], samples: Bool) -> String {
    // One growing string rather than an array of lines: a thousand sets make half a million rows.
    var out = (samples ? exportSamplesCSVColumns : exportCSVColumns).joined(separator: ",") + "\n"
    for set in sets {
        let prefix = [set.id, set.label, set.environment.hostname, set.startedAt].map(csvField).joined(separator: ",")
        for r in set.results {
            let identity = prefix + "," + [r.benchmark, paramsText(r.params), r.metric, r.unit, r.better.rawValue].map(csvField).joined(separator: ",")
            if samples {
                for (i, value) in r.samples.enumerated() {
                    out += identity
                    out += ",\(i),"
                    out += csvNumber(value)
                    out += "\n"
                }
            } else {
                let s = r.summary
                let stats: [(String, Double)] = [
                    ("n", Double(s.n)), ("median", s.median), ("mean", s.mean), ("min", s.min), ("max", s.max),
                    ("stddev", s.stddev), ("cv", s.cv), ("p5", s.p5), ("p95", s.p95),
                ]
                for (name, value) in stats {
                    out += identity
                    out += ",\(name),"
                    out += csvNumber(value)
                    out += "\n"
                }
            }
        }
    }
    return out
}
