import OverheadModel

/// The columns of `export` (statistics), in order.
public let exportCSVColumns = ["set_id", "label", "host", "started_at", "benchmark", "params", "metric", "unit", "better", "statistic", "value"]

/// The columns of `export --samples`, in order.
public let exportSamplesCSVColumns = ["set_id", "label", "host", "started_at", "benchmark", "params", "metric", "unit", "better", "sample", "value"]

/// Tidy CSV of result sets: one row per set × benchmark × params × statistic (n, median, mean, min,
/// max, stddev, cv, p5, p95, as stored in the set; cv is a fraction), or with `samples` one row per
/// raw sample (`sample` is its 0-based index in the set).
public func renderExportCSV(_ sets: [ResultSet], samples: Bool) -> String {
    var out = ""
    streamExportCSV(sets, samples: samples) { chunk in
        out += chunk
        return true
    }
    return out
}

/// The CSV of `renderExportCSV`, handed to `sink` in chunks of about `chunkBytes` as it is made, so
/// that memory is bounded by the sets, never by the CSV (a 300 MB set makes gigabytes of sample
/// rows). Stops as soon as `sink` returns false (the reader went away); false then.
@discardableResult
public func streamExportCSV(_ sets: [ResultSet], samples: Bool, chunkBytes: Int = 1 << 16, to sink: (String) -> Bool) -> Bool {
    var out = (samples ? exportSamplesCSVColumns : exportCSVColumns).joined(separator: ",") + "\n"
    out.reserveCapacity(chunkBytes + 4096)
    // Called after each row: hands over a full chunk.
    func flush(force: Bool = false) -> Bool {
        guard force || out.utf8.count >= chunkBytes else { return true }
        let ok = out.isEmpty || sink(out)
        out.removeAll(keepingCapacity: true)
        return ok
    }
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
                    guard flush() else { return false }
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
                guard flush() else { return false }
            }
        }
    }
    return flush(force: true)
}
