import OverheadModel

// NUMA heatmaps and I/O / network latency percentiles: the two views the overhead bars cannot give.
extension ReportBuilder {
    /// The first result of `benchmark` with `params` matching in a configuration's first set.
    func firstResult(_ label: String, _ benchmark: String, where match: ([String: String]) -> Bool = { _ in true }) -> [BenchmarkResult] {
        (groups[label]?.sets.first?.set.results ?? []).filter { $0.benchmark == benchmark && match(requestedParams($0)) }
    }

    /// Params as the workload asked for them: `threads=all` where it was resolved to a count.
    private func requestedParams(_ r: BenchmarkResult) -> [String: String] {
        var params = r.params
        if let requested = r.details?["threadsRequested"] { params["threads"] = requested }
        return params
    }

    /// One heatmap per configuration and NUMA benchmark: rows cpuNode, columns memNode, each cell
    /// the median of its replicate medians with its ratio to local (shaded by that ratio: local
    /// white, 2× remote dark).
    func numaHeatmaps(_ m: inout Markup) {
        var figuresHTML: [String] = []
        for label in labels {
            for (benchmark, threads) in [("numa.lat", nil), ("numa.bw", "1"), ("numa.bw", "all")] as [(String, String?)] {
                let cells = firstResult(label, benchmark) { p in threads == nil || p["threads"] == threads }
                var grid: [Int: [Int: BenchmarkResult]] = [:]
                for r in cells {
                    guard let c = r.params["cpuNode"].flatMap({ Int($0) }), let mNode = r.params["memNode"].flatMap({ Int($0) }) else { continue }
                    grid[c, default: [:]][mNode] = r
                }
                guard !grid.isEmpty else { continue }
                let rows = grid.keys.sorted()
                let cols = Array(Set(grid.values.flatMap { $0.keys })).sorted()
                let cw = 120.0, ch = 44.0, left = 90.0, top = 56.0
                let width = max(left + cw * Double(cols.count) + 20, 300), height = top + ch * Double(rows.count) + 16
                let name = benchmark + (threads.map { " threads=\($0)" } ?? "")
                let unit = cells.first?.unit ?? ""
                var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"chart-\(slug(label + "-" + name))\" role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
                var desc: [String] = []
                svg += "<title>\(escapeHTML("\(label): \(name), \(unit), rows cpuNode, columns memNode"))</title>"
                for (j, col) in cols.enumerated() {
                    svg += "<text x=\"\(left + cw * Double(j) + cw / 2)\" y=\"\(top - 8)\" text-anchor=\"middle\" class=\"axis\">mem \(col)</text>"
                }
                svg += "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" class=\"axis\">\(escapeHTML("\(label) · \(name) (\(unit))"))</text>"
                for (i, row) in rows.enumerated() {
                    let y = top + ch * Double(i)
                    svg += "<text x=\"\(left - 8)\" y=\"\(y + ch / 2 + 4)\" text-anchor=\"end\" class=\"axis\">cpu \(row)</text>"
                    for (j, col) in cols.enumerated() {
                        let x = left + cw * Double(j)
                        guard let r = grid[row]?[col] else {
                            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"#eeeeee\"/>"
                            continue
                        }
                        let ratio = r.derived?["ratioToLocal"] ?? 1
                        // Worse than local darkens: latency ratio above 1, bandwidth ratio below 1.
                        let cost = r.better == .lower ? ratio : (ratio > 0 ? 1 / ratio : 1)
                        let shade = max(0, min(1, (cost - 1)))
                        let level = Int(255 - 150 * shade)
                        let slit = r.derived?["slitDistance"].map { " SLIT \(Int($0))" } ?? ""
                        svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cw - 2)\" height=\"\(ch - 2)\" fill=\"rgb(255,\(level),\(level))\" stroke=\"#999\"/>"
                        svg += "<text x=\"\(x + cw / 2)\" y=\"\(y + 18)\" text-anchor=\"middle\">\(escapeHTML(formatFigure(r.medianOfReplicates)))</text>"
                        svg += "<text x=\"\(x + cw / 2)\" y=\"\(y + 34)\" text-anchor=\"middle\" class=\"axis\">\(escapeHTML(String(format: "×%.2f", ratio) + slit))</text>"
                        desc.append("cpu \(row) → mem \(col): \(formatFigure(r.medianOfReplicates)) \(unit), \(String(format: "%.2f", ratio))× local\(slit)")
                    }
                }
                svg += "<desc>\(escapeHTML(desc.joined(separator: "; ")))</desc></svg>"
                figuresHTML.append(svg)
            }
        }
        guard !figuresHTML.isEmpty else { return }
        m.raw("<figure>")
        m.raw("<div class=\"multiples\">")
        for f in figuresHTML { m.raw("<div class=\"scroll\">" + f + "</div>") }
        m.raw("</div>")
        m.raw("<figcaption>")
        m.element("p", text: "NUMA matrices: median per cpu node × memory node, with the ratio to the local cell and the firmware's SLIT distance; a darker cell costs more than local. One node gives a 1×1 matrix.")
        revealsList(["numa.lat", "numa.bw"].filter { infos[$0] != nil }, &m)
        m.raw("</figcaption>")
        m.raw("</figure>")
    }

    /// p50 / p99 / p99.9 latency (µs) per case and configuration, from the results' `derived`.
    func percentileTable(_ benchmarkIDs: [String], _ m: inout Markup) {
        var rows: [[String]] = []
        for id in benchmarkIDs {
            for label in labels {
                for r in firstResult(label, id) {
                    guard let d = r.derived, let p50 = d["p50Us"], let p99 = d["p99Us"] else { continue }
                    let params = paramsText(r.params, separator: " ")
                    let ops = d["latencyOps"]
                    // A percentile only where the operations support it (`percentileSupported`).
                    func shown(_ v: Double?, _ q: Double) -> String {
                        guard let v else { return "–" }
                        return percentileSupported(q, operations: ops) ? formatFigure(v) : "– (too few ops)"
                    }
                    rows.append([id, params, label, shown(p50, 0.5), shown(p99, 0.99), shown(d["p999Us"], 0.999), ops.map { String(Int($0)) } ?? "–"])
                }
            }
        }
        guard !rows.isEmpty else { return }
        m.raw("<div class=\"scroll\"><table class=\"numbers\">")
        m.raw("<caption>Latency percentiles (µs) of single operations, first result set per configuration; a percentile is shown only with at least 10 operations beyond it (p99: 1,000 ops, p99.9: 10,000)</caption>")
        m.raw("<tr><th scope=\"col\">benchmark</th><th scope=\"col\">params</th><th scope=\"col\">configuration</th><th scope=\"col\">p50 µs</th><th scope=\"col\">p99 µs</th><th scope=\"col\">p99.9 µs</th><th scope=\"col\">ops</th></tr>")
        for r in rows {
            m.raw("<tr>" + r.enumerated().map { i, cell in i >= 3 ? "<td class=\"num\">\(escapeHTML(cell))</td>" : "<td>\(escapeHTML(cell))</td>" }.joined() + "</tr>")
        }
        m.raw("</table></div>")
    }
}

/// Whether `operations` timed operations support the `q` quantile: at least 10 of them beyond it
/// (n·(1−q) ≥ 10), so the figure is not one or two outliers (p99 needs 1,000 operations, p99.9
/// 10,000; the median 20). Unknown counts support nothing but the median.
func percentileSupported(_ q: Double, operations: Double?) -> Bool {
    guard let operations else { return q <= 0.5 }
    return operations * (1 - q) >= 10 - 1e-9
}
