import Foundation
import OverheadModel

/// The fixed columns of `export` (statistics) before and after the parameter columns, in order.
/// Between them come one column per parameter name found in the exported sets (sorted), holding
/// typed values (see `exportParamValue`).
public let exportCSVLeadingColumns = ["set_id", "label", "host", "started_at", "benchmark", "params", "case"]
/// The fixed columns of `export` after the parameter columns.
public let exportCSVTrailingColumns = ["metric", "unit", "better", "statistic", "replicate", "value"]
/// The fixed columns of `export --samples` after the parameter columns.
public let exportSamplesCSVTrailingColumns = ["metric", "unit", "better", "sample", "replicate", "value"]

/// The columns of an export of `sets`: the fixed ones around one column per parameter name.
public func exportCSVColumns(_ sets: [ResultSet], samples: Bool) -> [String] {
    exportCSVLeadingColumns + exportParamColumns(sets).map(\.column) + (samples ? exportSamplesCSVTrailingColumns : exportCSVTrailingColumns)
}

/// Parameter names of the exported sets (sorted) with their CSV column: the name itself, or
/// `param_<name>` where the name would collide with a fixed column.
func exportParamColumns(_ sets: [ResultSet]) -> [(name: String, column: String)] {
    var names = Set<String>()
    for set in sets { for r in set.results { names.formUnion(r.params.keys) } }
    let fixed = Set(exportCSVLeadingColumns + exportCSVTrailingColumns + exportSamplesCSVTrailingColumns)
    return names.sorted().map { ($0, fixed.contains($0) ? "param_\($0)" : $0) }
}

/// A parameter's value as the typed export column holds it: sizes (`bytes`, any name ending in
/// `bytes`/`Bytes`) in bytes (`16K` → 16384, binary suffixes K/M/G/T as the workloads use them),
/// `threads=all` as the count that ran (one pinned thread per CPU in `cpus`), anything else as
/// written (`4k`, `monotonic`, `true`, `32`). Pandas and R then read numbers as numbers.
public func exportParamValue(name: String, value: String, result: BenchmarkResult) -> String {
    if name == "threads", value == "all", !result.cpus.isEmpty { return String(result.cpus.count) }
    if name.lowercased().hasSuffix("bytes"), let bytes = parseSize(value) { return String(bytes) }
    return value
}

/// The `case` column: the benchmark id and its parameters as one non-empty label
/// (`mem.lat bytes=16K pages=4k`, `sys.null`), so a pivot or group-by on it keeps rows without
/// parameters (pandas reads an empty `params` as NaN, and groupby drops NaN keys by default).
public func exportCaseLabel(_ r: BenchmarkResult) -> String {
    r.params.isEmpty ? r.benchmark : r.benchmark + " " + paramsText(r.params, separator: " ")
}

/// One statistic row of `export`: name, unit (empty where the figure is a count or a fraction),
/// replicate index (replicate rows only) and value.
struct ExportStatistic {
    var name: String
    var unit: String
    var replicate: Int?
    var value: Double
}

/// Every statistic `export` writes for one result, in order: the summary (n, median, mean, min,
/// max, stddev, cv, p5, p95, robust_cv, over the pooled samples), `median_of_replicates` (the figure
/// run's table and compare show), the replicates (count, then one `replicate_median` per
/// replicate), per-operation percentiles where the benchmark recorded them (`op_p50`, `op_p99`,
/// `op_p99.9` in µs, with `op_count` operations behind them), `cycles_per_op`, other derived figures
/// (`derived.<name>`), counters per operation (`counter.<event>`), and what happened on the
/// machine (`steal_pct`, `involuntary_switches`, `measured_s`).
func exportStatistics(_ r: BenchmarkResult) -> [ExportStatistic] {
    let s = r.summary
    // The unit only where the figure is in it: n and the coefficients of variation are not.
    var rows: [ExportStatistic] = [
        .init(name: "n", unit: "", value: Double(s.n)), .init(name: "median", unit: r.unit, value: s.median),
        .init(name: "mean", unit: r.unit, value: s.mean), .init(name: "min", unit: r.unit, value: s.min),
        .init(name: "max", unit: r.unit, value: s.max), .init(name: "stddev", unit: r.unit, value: s.stddev),
        .init(name: "cv", unit: "", value: s.cv), .init(name: "p5", unit: r.unit, value: s.p5),
        .init(name: "p95", unit: r.unit, value: s.p95),
    ]
    if let robust = s.robustCV { rows.append(.init(name: "robust_cv", unit: "", value: robust)) }
    let medians = r.replicateMedians
    // The case's figure as run's table and compare give it (the summary's median is over pooled samples).
    rows.append(.init(name: "median_of_replicates", unit: r.unit, value: r.medianOfReplicates))
    rows.append(.init(name: "replicates", unit: "", value: Double(medians.count)))
    for (i, m) in medians.enumerated() { rows.append(.init(name: "replicate_median", unit: r.unit, replicate: i, value: m)) }
    let derived = r.derived ?? [:]
    // Percentiles of single operations (net.*, io.*), in µs as the benchmarks record them.
    let percentiles = [("p50Us", "op_p50"), ("p99Us", "op_p99"), ("p999Us", "op_p99.9")]
    for (key, name) in percentiles { if let v = derived[key] { rows.append(.init(name: name, unit: "us", value: v)) } }
    if let ops = derived["latencyOps"] { rows.append(.init(name: "op_count", unit: "", value: ops)) }
    if let cycles = derived["cyclesPerOp"] { rows.append(.init(name: "cycles_per_op", unit: "cycles", value: cycles)) }
    let handled = Set(percentiles.map(\.0) + ["latencyOps", "cyclesPerOp"])
    for (key, value) in derived.sorted(by: { $0.key < $1.key }) where !handled.contains(key) {
        // Names say their unit where they have one (roundTripNs, nsPerOp); ratios and counts have none.
        let unit = key.hasSuffix("Ns") || key.hasPrefix("nsPer") ? "ns" : key.hasSuffix("Us") ? "us" : ""
        rows.append(.init(name: "derived.\(key)", unit: unit, value: value))
    }
    for (event, value) in (r.counters ?? [:]).sorted(by: { $0.key < $1.key }) {
        rows.append(.init(name: "counter.\(event)", unit: event == "task-clock" ? "ns/op" : "per op", value: value))
    }
    if let steal = r.conditions.stealPercent { rows.append(.init(name: "steal_pct", unit: "%", value: steal)) }
    rows.append(.init(name: "involuntary_switches", unit: "", value: Double(r.conditions.involuntaryContextSwitches)))
    rows.append(.init(name: "measured_s", unit: "s", value: r.conditions.measuredSeconds))
    return rows
}

/// Tidy CSV of result sets (`exportCSVColumns`): one row per set × benchmark × params × statistic
/// (`exportStatistics`; cv is a fraction), or with `samples` one row per raw sample (`sample` is
/// its 0-based index in the set, `replicate` the replicate it belongs to).
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
    let paramColumns = exportParamColumns(sets)
    var out = exportCSVColumns(sets, samples: samples).map(csvField).joined(separator: ",") + "\n"
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
            let typed = paramColumns.map { p in r.params[p.name].map { exportParamValue(name: p.name, value: $0, result: r) } ?? "" }
            let identity = prefix + "," + ([r.benchmark, paramsText(r.params), exportCaseLabel(r)] + typed + [r.metric]).map(csvField).joined(separator: ",")
            let better = csvField(r.better.rawValue)
            if samples {
                let unit = csvField(r.unit)
                var i = 0
                for (replicate, slice) in r.replicateSlices.enumerated() {
                    for value in slice {
                        out += identity + "," + unit + "," + better + ",\(i),\(replicate),"
                        out += csvNumber(value)
                        out += "\n"
                        i += 1
                        guard flush() else { return false }
                    }
                }
            } else {
                for stat in exportStatistics(r) {
                    out += identity + "," + csvField(stat.unit) + "," + better + "," + csvField(stat.name) + ","
                    out += stat.replicate.map(String.init) ?? ""
                    out += ","
                    out += csvNumber(stat.value)
                    out += "\n"
                }
                guard flush() else { return false }
            }
        }
    }
    return flush(force: true)
}
