import Foundation
import OverheadCompare
import OverheadModel

// One section per benchmark category: charts, what they reveal, the numbers.
extension ReportBuilder {
    func categorySection(_ cat: String, _ m: inout Markup) {
        let note = categoryNote(cat)
        let cases = figures.cases.filter { category(of: $0.benchmark) == cat }
        var benchmarkIDs: [String] = []
        for c in cases where !benchmarkIDs.contains(c.benchmark) { benchmarkIDs.append(c.benchmark) }
        m.raw("<section id=\"cat-\(slug(cat))\" class=\"category\">")
        m.element("h2", text: "\(note.title) (\(cat))")
        if let expected = note.expected {
            m.raw("<p class=\"expected\"><strong>Expected signature:</strong> \(escapeHTML(expected))</p>")
        }
        m.raw("<figure>")
        m.raw("<div class=\"scroll\">")
        if let c = comparison {
            m.raw(overheadChart(cat, cases: cases, c))
        } else {
            m.raw(spreadChart(cat, cases: cases))
        }
        m.raw("</div>")
        m.raw("<figcaption>")
        revealsList(benchmarkIDs, &m)
        m.raw("</figcaption>")
        m.raw("</figure>")
        if benchmarkIDs.contains("mem.lat") { latencyChart(&m) }
        if benchmarkIDs.contains(where: { $0.hasPrefix("mem.bw.") }) { bandwidthCharts(benchmarkIDs.filter { $0.hasPrefix("mem.bw.") }, &m) }
        if benchmarkIDs.contains(where: { $0.hasPrefix("numa.") }) { numaHeatmaps(&m) }
        if cat == "io" || cat == "net" { percentileTable(benchmarkIDs, &m) }
        numbersTable(cat, cases: cases, benchmarkIDs: benchmarkIDs, &m)
        m.raw("</section>")
    }

    func caseLabel(_ c: CaseID) -> String {
        c.paramsText.isEmpty ? c.benchmark : "\(c.benchmark) \(c.paramsText.replacingOccurrences(of: ";", with: " "))"
    }

    func overheadChart(_ cat: String, cases: [CaseID], _ c: Comparison) -> String {
        var groupsForChart: [BarGroup] = []
        var desc: [String] = []
        for id in cases {
            let rows = c.rows.filter { $0.benchmark == id.benchmark && $0.paramsText == id.paramsText }
            guard !rows.isEmpty else { continue }
            groupsForChart.append(BarGroup(label: caseLabel(id), bars: rows.map { r in
                var text = "\(formatPercent(r.overheadPct)) \(verdictWords(r.verdict))"
                if r.noisy { text += ", noisy" }
                desc.append("\(caseLabel(id)) \(r.configuration): \(formatPercent(r.overheadPct)) CI \(formatInterval(r.ciLowPct, r.ciHighPct)), \(verdictWords(r.verdict))")
                // Noisy rows are drawn pale and hatched-outlined: their bar is mostly spread.
                return Bar(series: r.configuration, value: r.overheadPct, low: r.ciLowPct, high: r.ciHighPct,
                           cssClass: verdictClass(r.verdict) + (r.noisy ? " noisy" : ""), annotation: text)
            }))
        }
        if groupsForChart.isEmpty {
            return "<p class=\"empty\">No benchmark of this category is on both the baseline and another configuration; see <a href=\"#missing\">Not on every side</a>.</p>"
        }
        let confidence = "\(Int((c.confidence * 100).rounded()))%"
        return barChart(
            id: "chart-\(slug(cat))", title: "\(categoryNote(cat).title): overhead vs \(c.baseline.label) per benchmark",
            axisLabel: "overhead, % (positive = worse); whiskers: \(confidence) CI", groups: groupsForChart,
            legend: verdictLegend + [("v-inconclusive noisy", "pale, outlined: noisy (spread above the noise threshold)")],
            description: "Overhead against \(c.baseline.label): " + desc.joined(separator: "; "))
    }

    /// Without a baseline: each case's p5–p95 spread around its median, in percent of the median.
    func spreadChart(_ cat: String, cases: [CaseID]) -> String {
        var groupsForChart: [BarGroup] = []
        var desc: [String] = []
        for id in cases {
            let bars: [Bar] = labels.compactMap { label in
                guard let f = figures.figures[label]?[id], f.median != 0 else { return nil }
                let lo = (f.p5 / f.median - 1) * 100, hi = (f.p95 / f.median - 1) * 100
                desc.append("\(caseLabel(id)) \(label): median \(formatFigure(f.median)) \(f.unit), p5 \(formatPercent(lo)), p95 \(formatPercent(hi))")
                return Bar(series: label, value: nil, low: lo, high: hi, cssClass: "v-spread",
                           annotation: "\(formatFigure(f.median)) \(f.unit), spread \(String(format: "%.1f", f.spreadPct))%")
            }
            if !bars.isEmpty { groupsForChart.append(BarGroup(label: caseLabel(id), bars: bars)) }
        }
        return barChart(
            id: "chart-\(slug(cat))", title: "\(categoryNote(cat).title): spread of the samples (p5–p95 around the median)",
            axisLabel: "% of the median", groups: groupsForChart, legend: [], description: "Median and spread: " + desc.joined(separator: "; "))
    }

    func revealsList(_ ids: [String], _ m: inout Markup) {
        m.block("ul", [("class", "reveals")]) { m in
            for id in ids {
                if let info = infos[id] {
                    m.raw("<li><code>\(escapeHTML(id))</code> reveals: \(escapeHTML(info.reveals))</li>")
                } else {
                    m.raw("<li><code>\(escapeHTML(id))</code>: not in this build's catalog</li>")
                }
            }
        }
    }

    func latencyChart(_ m: inout Markup) {
        var series: [LineSeries] = []
        var desc: [String] = []
        for label in labels {
            for pages in ["4k", "2m"] {
                let pts = figures.cases.compactMap { id -> (x: Double, y: Double)? in
                    guard id.benchmark == "mem.lat", let p = figures.params[id], (p["pages"] ?? "4k") == pages,
                        let bytes = p["bytes"].flatMap(parseSize), let f = figures.figures[label]?[id]
                    else { return nil }
                    return (x: Double(bytes), y: f.median)
                }.sorted { $0.x < $1.x }
                guard !pts.isEmpty else { continue }
                let name = "\(label) · \(pages == "2m" ? "2 MiB" : "4 KiB") pages"
                series.append(LineSeries(name: name, colour: colourIndex(label), dashed: pages == "2m", square: pages == "2m", points: pts))
                desc.append(name + ": " + pts.map { "\(formatBytes($0.x)) \(formatFigure($0.y)) ns" }.joined(separator: ", "))
            }
        }
        guard !series.isEmpty else { return }
        // Cache sizes of the first configuration's first set, where the working set leaves each level.
        var markers: [Marker] = []
        if let env = labels.first.flatMap({ groups[$0]?.sets.first?.set.environment }), let caches = env.caches {
            for cache in caches where cache.type != "Instruction" {
                markers.append(Marker(x: Double(cache.sizeBytes), label: "L\(cache.level) \(formatBytes(Double(cache.sizeBytes)))"))
            }
        }
        let xs = Array(Set(series.flatMap { $0.points.map(\.x) })).sorted()
        let ticks = xs.count > 10 ? xs.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) : xs
        m.raw("<figure>")
        m.raw("<div class=\"scroll\">")
        m.raw(lineChart(
            id: "chart-mem-lat", title: "Memory latency against working set (mem.lat, median per size)",
            xLabel: "working set, bytes (log scale); dotted: cache sizes of \(labels.first ?? "")", yLabel: "ns per load (log scale)",
            xLog: true, yLog: true, xTick: formatBytes, xTicks: ticks, series: series, markers: markers,
            description: "Median load latency: " + desc.joined(separator: "; ")))
        m.raw("</div>")
        m.raw("<figcaption>")
        revealsList(["mem.lat"], &m)
        m.raw("</figcaption>")
        m.raw("</figure>")
    }

    func bandwidthCharts(_ ids: [String], _ m: inout Markup) {
        m.raw("<figure>")
        m.raw("<div class=\"multiples\">")
        for id in ids {
            var series: [LineSeries] = []
            var desc: [String] = []
            for label in labels {
                var byThreads: [Int: Double] = [:]
                for c in figures.cases where c.benchmark == id {
                    guard let f = figures.figures[label]?[c], let t = f.threads else { continue }
                    byThreads[t] = f.median
                }
                let pts = byThreads.sorted { $0.key < $1.key }.map { (x: Double($0.key), y: $0.value) }
                guard !pts.isEmpty else { continue }
                series.append(LineSeries(name: label, colour: colourIndex(label), dashed: false, square: false, points: pts))
                desc.append(label + ": " + pts.map { "\(Int($0.x)) threads \(formatFigure($0.y))" }.joined(separator: ", "))
            }
            guard !series.isEmpty else { continue }
            let unit = figures.cases.first { $0.benchmark == id }.flatMap { c in labels.lazy.compactMap { figures.figures[$0]?[c]?.unit }.first } ?? ""
            m.raw("<div class=\"scroll\">")
            m.raw(lineChart(
                id: "chart-\(slug(id))", title: "\(id): bandwidth against threads", xLabel: "threads (log scale)", yLabel: unit,
                xLog: true, yLog: false, xTick: { formatTick($0) }, series: series, width: 380, plotHeight: 200,
                description: "Median bandwidth, \(unit): " + desc.joined(separator: "; ")))
            m.raw("</div>")
        }
        m.raw("</div>")
        m.raw("<figcaption>")
        revealsList(ids.prefix(1).map { $0 }, &m)
        m.raw("</figcaption>")
        m.raw("</figure>")
    }

    func numbersTable(_ cat: String, cases: [CaseID], benchmarkIDs: [String], _ m: inout Markup) {
        m.raw("<div class=\"scroll\"><table class=\"numbers\">")
        m.raw("<caption>\(escapeHTML(categoryNote(cat).title)): the numbers</caption>")
        let c = comparison
        let header: [String]
        if let c {
            header = ["params", "configuration", "\(c.baseline.label) median", "median", "unit", "overhead", "\(Int((c.confidence * 100).rounded()))% CI", "q", "MDE", "verdict", "notes"]
        } else {
            header = ["params", "configuration", "median", "p5", "p95", "unit", "n", "spread", "notes"]
        }
        m.raw("<thead>" + tableRow(header, header: true) + "</thead>")
        for bid in benchmarkIDs {
            m.raw("<tbody>")
            let info = infos[bid]
            var head = "<tr class=\"bench\"><th colspan=\"\(header.count)\" scope=\"rowgroup\"><code>\(escapeHTML(bid))</code>"
            if let info {
                head += " — \(escapeHTML(info.summary))<br/><span class=\"reveal\">reveals: \(escapeHTML(info.reveals))</span>"
            }
            m.raw(head + "</th></tr>")
            for id in cases where id.benchmark == bid {
                let params = id.paramsText.isEmpty ? "—" : id.paramsText.replacingOccurrences(of: ";", with: " ")
                if let c {
                    for r in c.rows where r.benchmark == id.benchmark && r.paramsText == id.paramsText {
                        var notes: [String] = []
                        if r.noisy { notes.append("noisy (spread \(String(format: "%.1f", r.baselineRobustCVPct))% / \(String(format: "%.1f", r.robustCVPct))%)") }
                        if r.baselineSets > 1 || r.sets > 1 { notes.append("sets \(r.baselineSets)/\(r.sets)") }
                        notes.append(contentsOf: r.notes)
                        m.raw(tableRow(
                            [params, r.configuration, formatFigure(r.baselineMedian), formatFigure(r.median), r.unit, formatPercent(r.overheadPct),
                             formatInterval(r.ciLowPct, r.ciHighPct), formatP(r.qValue), r.mdePct.map { String(format: "%.1f%%", $0) } ?? "none",
                             verdictWords(r.verdict), notes.joined(separator: "; ")],
                            numeric: [2, 3, 5, 6, 7, 8], classes: [9: verdictClass(r.verdict) + "-text"]))
                    }
                } else {
                    for label in labels {
                        guard let f = figures.figures[label]?[id] else { continue }
                        var notes: [String] = []
                        if f.spreadPct > 5 { notes.append("noisy (spread > 5%)") }
                        if f.sets > 1 { notes.append("\(f.sets) sets pooled") }
                        m.raw(tableRow(
                            [params, label, formatFigure(f.median), formatFigure(f.p5), formatFigure(f.p95), f.unit, String(f.n),
                             String(format: "%.1f%%", f.spreadPct), notes.joined(separator: "; ")],
                            numeric: [2, 3, 4, 6, 7]))
                    }
                }
            }
            m.raw("</tbody>")
        }
        m.raw("</table></div>")
    }
}
