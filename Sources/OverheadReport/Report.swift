import Foundation
import OverheadCompare
import OverheadModel

/// Everything the HTML report is made from. The caller loads and compares; rendering is pure.
public struct ReportInput: Sendable {
    /// The configurations (sets grouped by label).
    public var groups: [SetGroup]
    /// The comparison against the baseline; nil with a single configuration (the page then shows
    /// the figures of each configuration without overheads).
    public var comparison: Comparison?
    /// What each benchmark measures and reveals (`Catalog.registry`'s infos), looked up by id.
    public var benchmarks: [BenchmarkInfo]
    /// When the report was made, shown in the header; nil leaves it out (reproducible output).
    public var generatedAt: String?
    /// Notes from loading (sets given twice, ...).
    public var notes: [String]
    /// The page title.
    public var title: String
    /// What `explain` concludes from the same comparison, shown with its evidence.
    public var findings: [Finding]

    /// A report of `groups`, compared when `comparison` is given.
    public init(
        groups: [SetGroup], comparison: Comparison?, benchmarks: [BenchmarkInfo], generatedAt: String? = nil, notes: [String] = [],
        title: String = "Hypervisor overhead report", findings: [Finding] = []
    ) {
        self.findings = findings
        self.groups = groups
        self.comparison = comparison
        self.benchmarks = benchmarks
        self.generatedAt = generatedAt
        self.notes = notes
        self.title = title
    }
}

/// Renders one self-contained HTML page: inline CSS and SVG, no script, no external resource.
///
/// Sections: summary (configurations, baseline, environment warnings, overhead per category), one
/// section per benchmark category (overhead chart with confidence whiskers and verdicts, the memory
/// latency sweep and bandwidth-vs-threads lines, what each probe reveals, the numbers), benchmarks on
/// one side only, skipped benchmarks, warnings, and the environment fingerprints side by side. Every
/// string from a result set is escaped. The output is well-formed XML as well as HTML5.
public func renderReport(_ input: ReportInput) -> String {
    ReportBuilder(input).render()
}

/// The name of a verdict in words, for text beside marks.
func verdictWords(_ v: Verdict) -> String {
    switch v {
    case .overhead: return "overhead"
    case .improvement: return "improvement"
    case .equivalent: return "equivalent"
    case .inconclusive: return "inconclusive"
    case .insufficientData: return "insufficient data"
    }
}

struct ReportBuilder {
    let input: ReportInput
    let comparison: Comparison?
    /// Configuration labels, baseline first when compared.
    let labels: [String]
    let groups: [String: SetGroup]
    let figures: FigureTable
    let infos: [String: BenchmarkInfo]
    let categories: [String]

    init(_ input: ReportInput) {
        self.input = input
        comparison = input.comparison
        if let c = input.comparison {
            labels = [c.baseline.label] + c.configurations.map(\.label)
        } else {
            labels = input.groups.map(\.name)
        }
        groups = Dictionary(input.groups.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let ordered = labels.compactMap { label in input.groups.first { $0.name == label } }
        figures = FigureTable(groups: ordered)
        infos = Dictionary(input.benchmarks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var cats: [String] = []
        for c in figures.cases {
            let cat = category(of: c.benchmark)
            if !cats.contains(cat) { cats.append(cat) }
        }
        categories = cats
    }

    func colourIndex(_ label: String) -> Int { labels.firstIndex(of: label) ?? 0 }

    func render() -> String {
        var m = Markup()
        m.raw("<!DOCTYPE html>")
        m.raw("<html lang=\"en\">")
        m.raw("<head>")
        m.raw("<meta charset=\"utf-8\"/>")
        m.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        m.element("title", text: input.title + " — " + labels.joined(separator: " vs "))
        m.raw("<style>")
        m.raw(stylesheet)
        m.raw("</style>")
        m.raw("</head>")
        m.raw("<body>")
        header(&m)
        summary(&m)
        findingsSection(&m)
        for cat in categories { categorySection(cat, &m) }
        missing(&m)
        skipped(&m)
        warnings(&m)
        environments(&m)
        method(&m)
        m.raw("</body>")
        m.raw("</html>")
        return m.text + "\n"
    }

    // MARK: Header and summary

    func header(_ m: inout Markup) {
        m.raw("<header>")
        m.element("h1", text: input.title)
        let sets = input.groups.reduce(0) { $0 + $1.sets.count }
        var line = "\(labels.count) configuration\(labels.count == 1 ? "" : "s") from \(sets) result set\(sets == 1 ? "" : "s")"
        if let at = input.generatedAt { line += " · generated \(at)" }
        line += " · overhead-bench report"
        m.element("p", [("class", "meta")], text: line)
        m.block("nav", [("aria-label", "Sections")]) { m in
            var links: [(String, String)] = [("summary", "Summary")]
            if comparison != nil { links.append(("findings", "Findings")) }
            links += categories.map { ("cat-\(slug($0))", categoryNote($0).title) }
            links += [("missing", "Not on every side"), ("skipped", "Skipped"), ("warnings", "Warnings"), ("environments", "Environments"), ("method", "Method")]
            m.raw(links.map { "<a href=\"#\($0.0)\">\(escapeHTML($0.1))</a>" }.joined(separator: " · "))
        }
        m.raw("</header>")
    }

    func describe(_ label: String) -> (sets: Int, hosts: String, detected: String, hypervisor: String) {
        let sets = groups[label]?.sets ?? []
        var hosts: [String] = []
        var detected: [String] = []
        var hypervisors: [String] = []
        for s in sets {
            let e = s.set.environment
            if !hosts.contains(e.hostname) { hosts.append(e.hostname) }
            if !detected.contains(e.configuration.detected) { detected.append(e.configuration.detected) }
            let h = e.hypervisor.present ? (e.hypervisor.vendor ?? "present (unknown vendor)") : "none"
            if !hypervisors.contains(h) { hypervisors.append(h) }
        }
        return (sets.count, hosts.joined(separator: ", "), detected.joined(separator: ", "), hypervisors.joined(separator: ", "))
    }

    func summary(_ m: inout Markup) {
        m.raw("<section id=\"summary\">")
        m.element("h2", text: "Summary")
        if let c = comparison {
            m.raw("<p>Baseline: <strong>\(escapeHTML(c.baseline.label))</strong>; compared: \(c.configurations.map { "<strong>\(escapeHTML($0.label))</strong>" }.joined(separator: ", ")). Overhead is positive when the configuration is worse than the baseline (slower, or less bandwidth); intervals are \(Int((c.confidence * 100).rounded()))% bootstrap confidence intervals.</p>")
        } else {
            m.raw("<p>One configuration only (<strong>\(escapeHTML(labels.first ?? "none"))</strong>): there is no baseline, so this report shows the measured figures and their spread, not overheads. Add result sets with another label (e.g. <code>bare-metal</code>) to compare.</p>")
        }
        m.raw("<div class=\"scroll\"><table class=\"configs\">")
        m.raw("<caption>Configurations</caption>")
        m.raw(tableRow(["label", "role", "sets", "hosts", "detected configuration", "hypervisor"], header: true))
        for (i, label) in labels.enumerated() {
            let d = describe(label)
            let role = comparison == nil ? "measured" : (i == 0 ? "baseline" : "compared")
            m.raw(tableRow([label, role, String(d.sets), d.hosts, d.detected, d.hypervisor], numeric: [2]))
        }
        m.raw("</table></div>")

        if let c = comparison, !c.environmentDifferences.isEmpty {
            m.raw("<div class=\"warning\" role=\"note\">")
            m.element("p", text: "Warning: the result sets differ in more than the configuration under test, so some differences may not be the hypervisor's:")
            m.block("ul") { m in
                for d in c.environmentDifferences { m.element("li", text: d.description) }
            }
            m.raw("</div>")
        }

        guard let c = comparison else {
            m.raw("</section>")
            return
        }
        headline(c, &m)
        m.raw("</section>")
    }

    /// One sentence on how much of a configuration's data is trustworthy and what it can resolve:
    /// noisy, inconclusive and insufficient rows, and the median minimum detectable effect.
    func resolution(_ rows: [ComparisonRow], minEffect: Double) -> String {
        guard !rows.isEmpty else { return "No rows to judge." }
        let n = rows.count
        let noisy = rows.filter(\.noisy).count
        let open = rows.filter { $0.verdict == .inconclusive || $0.verdict == .insufficientData }.count
        func share(_ k: Int) -> String { "\(k) of \(n) (\(Int((Double(k) / Double(n) * 100).rounded()))%)" }
        var text = "Data quality: \(share(noisy)) rows noisy, \(share(open)) without a verdict (inconclusive or insufficient data). "
        let mdes = rows.compactMap(\.mdePct).filter(\.isFinite).sorted()
        if mdes.isEmpty {
            text += "No row has enough replicates to say what it can resolve; rerun with at least 5 replicates a side."
        } else {
            let mid = mdes[mdes.count / 2]
            let fine = mdes.filter { $0 <= minEffect }.count
            text += "Median minimum detectable effect \(String(format: "%.1f", mid))%: \(fine) of \(mdes.count) rows can resolve the \(String(format: "%g", minEffect))% minimum effect."
        }
        return text
    }

    func headline(_ c: Comparison, _ m: inout Markup) {
        let confidence = "\(Int((c.confidence * 100).rounded()))% CI"
        // One sentence per configuration: the overall figure and the largest significant overheads.
        m.block("ul", [("class", "headline")]) { m in
            for g in c.configurations {
                var text = "<strong>\(escapeHTML(g.label))</strong> vs \(escapeHTML(c.baseline.label)): "
                if let all = c.categories.first(where: { $0.configuration == g.label && $0.category == "all" })
                    ?? c.categories.first(where: { $0.configuration == g.label })
                {
                    text += "\(escapeHTML(all.category == "all" ? "all benchmarks" : all.category)) \(escapeHTML(formatPercent(all.overheadPct))) \(escapeHTML(formatInterval(all.ciLowPct, all.ciHighPct))), \(verdictBadge(all.verdict))"
                } else {
                    text += "no benchmark could be compared"
                }
                let mine = c.rows.filter { $0.configuration == g.label }
                // The largest overheads among rows that are not noisy: a noisy row's figure is mostly spread.
                let overheads = mine.filter { $0.verdict == .overhead }
                let worst = overheads.filter { !$0.noisy }.sorted { ($0.overheadPct ?? 0) > ($1.overheadPct ?? 0) }.prefix(3)
                if !worst.isEmpty {
                    text += "; largest overheads: " + worst.map {
                        escapeHTML("\($0.benchmark)\($0.paramsText.isEmpty ? "" : " \($0.paramsText)") \(formatPercent($0.overheadPct))")
                    }.joined(separator: ", ")
                }
                let noisyOverheads = overheads.filter(\.noisy).count
                if noisyOverheads > 0 { text += " (\(noisyOverheads) noisy overhead row\(noisyOverheads == 1 ? "" : "s") not ranked)" }
                let counts = Dictionary(grouping: mine, by: \.verdict).mapValues(\.count)
                text += " (" + Verdict.allCases.compactMap { v in counts[v].map { "\($0) \(verdictWords(v))" } }.joined(separator: ", ")
                text += "; \(mine.filter(\.noisy).count) of \(mine.count) noisy"
                // What the data can resolve: the rows that could not see the minimum effect.
                let blind = mine.filter { $0.verdict == .inconclusive && ($0.mdePct.map { $0 > c.minEffectPct } ?? true) }.count
                if blind > 0 {
                    text += "; \(blind) row\(blind == 1 ? "" : "s") cannot see differences below the \(escapeHTML(String(format: "%g", c.minEffectPct)))% minimum effect"
                }
                text += ")"
                m.raw("<li>\(text)</li>")
                m.raw("<li class=\"resolve\">\(escapeHTML(resolution(mine, minEffect: c.minEffectPct)))</li>")
            }
        }
        let cats = c.categories
        guard !cats.isEmpty else { return }
        var catOrder = categories.filter { cat in cats.contains { $0.category == cat } }
        if cats.contains(where: { $0.category == "all" }) { catOrder.append("all") }
        let groupsForChart = catOrder.map { cat in
            BarGroup(
                label: cat == "all" ? "all" : "\(cat) — \(categoryNote(cat).title)",
                bars: c.configurations.compactMap { g in
                    cats.first { $0.category == cat && $0.configuration == g.label }.map { s in
                        Bar(series: g.label, value: s.overheadPct, low: s.ciLowPct, high: s.ciHighPct, cssClass: verdictClass(s.verdict),
                            annotation: "\(formatPercent(s.overheadPct)) \(verdictWords(s.verdict)) (\(s.benchmarks))")
                    }
                })
        }
        let desc = "Geometric-mean overhead per category against \(c.baseline.label): " + cats.map {
            "\($0.configuration) \($0.category) \(formatPercent($0.overheadPct)) \(confidence) \(formatInterval($0.ciLowPct, $0.ciHighPct)), \(verdictWords($0.verdict))"
        }.joined(separator: "; ")
        m.raw("<figure>")
        m.raw("<div class=\"scroll\">")
        m.raw(barChart(
            id: "chart-categories", title: "Overhead by category (geometric mean of the ratios)",
            axisLabel: "overhead vs \(c.baseline.label), % (positive = worse); (n) = benchmarks in the mean", groups: groupsForChart,
            legend: verdictLegend, description: desc))
        m.raw("</div>")
        m.raw("</figure>")
        m.raw("<div class=\"scroll\"><table class=\"numbers\">")
        m.raw("<caption>Overhead by category (geometric mean of the cost ratios, \(escapeHTML(confidence)))</caption>")
        m.raw(tableRow(["category", "configuration", "benchmarks", "overhead", confidence, "verdict"], header: true))
        for cat in catOrder {
            for s in cats where s.category == cat {
                m.raw(tableRow(
                    [cat, s.configuration, String(s.benchmarks), formatPercent(s.overheadPct), formatInterval(s.ciLowPct, s.ciHighPct), verdictWords(s.verdict)],
                    numeric: [2, 3], classes: [5: verdictClass(s.verdict) + "-text"]))
            }
        }
        m.raw("</table></div>")
    }

    // MARK: Categories

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
                           annotation: "\(formatFigure(f.median)) \(f.unit), CV \(String(format: "%.1f", f.cvPct))%")
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
            header = ["params", "configuration", "median", "p5", "p95", "unit", "n", "CV", "notes"]
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
                        if f.cvPct > 5 { notes.append("noisy (CV > 5%)") }
                        if f.sets > 1 { notes.append("\(f.sets) sets pooled") }
                        m.raw(tableRow(
                            [params, label, formatFigure(f.median), formatFigure(f.p5), formatFigure(f.p95), f.unit, String(f.n),
                             String(format: "%.1f%%", f.cvPct), notes.joined(separator: "; ")],
                            numeric: [2, 3, 4, 6, 7]))
                    }
                }
            }
            m.raw("</tbody>")
        }
        m.raw("</table></div>")
    }

    // MARK: Lists

    func missing(_ m: inout Markup) {
        m.raw("<section id=\"missing\">")
        m.element("h2", text: "Not on every side")
        if let c = comparison, !c.missing.isEmpty {
            m.element("p", text: "These benchmarks are in some configurations only, so they were not compared:")
            m.raw("<div class=\"scroll\"><table class=\"numbers\">")
            m.raw(tableRow(["benchmark", "params", "present in", "missing from"], header: true))
            for x in c.missing {
                m.raw(tableRow([x.benchmark, x.paramsText.isEmpty ? "—" : x.paramsText, x.presentIn.joined(separator: ", "), x.missingFrom.joined(separator: ", ")]))
            }
            m.raw("</table></div>")
        } else {
            m.element("p", text: comparison == nil ? "Only one configuration: nothing to match." : "Every benchmark is on every side.")
        }
        m.raw("</section>")
    }

    func skipped(_ m: inout Markup) {
        m.raw("<section id=\"skipped\">")
        m.element("h2", text: "Skipped benchmarks")
        let rows = labels.flatMap { label in
            (groups[label]?.sets ?? []).flatMap { s in s.set.skipped.map { (label, s.set.environment.hostname, $0) } }
        }
        if rows.isEmpty {
            m.element("p", text: "No benchmark of the workloads was skipped.")
        } else {
            m.raw("<div class=\"scroll\"><table class=\"numbers\">")
            m.raw(tableRow(["configuration", "host", "benchmark", "params", "reason"], header: true))
            for (label, host, s) in rows {
                let p = paramsText(s.params)
                m.raw(tableRow([label, host, s.benchmark, p.isEmpty ? "—" : p, s.reason]))
            }
            m.raw("</table></div>")
        }
        m.raw("</section>")
    }

    func warnings(_ m: inout Markup) {
        m.raw("<section id=\"warnings\">")
        m.element("h2", text: "Warnings")
        var items: [String] = []
        for label in labels {
            for s in groups[label]?.sets ?? [] {
                let who = "\(label) (\(s.set.environment.hostname))"
                if s.set.interrupted { items.append("\(who): the run was interrupted; the set holds what finished") }
                for w in s.set.warnings { items.append("\(who): \(w)") }
                for r in s.set.results {
                    let p = paramsText(r.params)
                    for w in r.warnings { items.append("\(who) \(r.benchmark)\(p.isEmpty ? "" : " \(p)"): \(w)") }
                }
            }
        }
        let notes = input.notes + (comparison?.notes ?? []) + figures.notes
        items += notes.map { "note: \($0)" }
        if items.isEmpty {
            m.element("p", text: "None: no run or benchmark reported a warning.")
        } else {
            m.block("ul", [("class", "warnings")]) { m in
                for item in items { m.element("li", text: item) }
            }
        }
        m.raw("</section>")
    }

    // MARK: Environments

    func environments(_ m: inout Markup) {
        m.raw("<section id=\"environments\">")
        m.element("h2", text: "Environments side by side")
        let sets = labels.flatMap { label in (groups[label]?.sets ?? []).map { (label, $0) } }
        m.element("p", text: "One column per result set. Rows where the sets disagree are marked “differs”.")
        m.raw("<div class=\"scroll\"><table class=\"env\">")
        m.raw("<thead><tr><th scope=\"col\">attribute</th>" + sets.map { "<th scope=\"col\">\(escapeHTML($0.0))<br/><span class=\"sub\">\(escapeHTML($0.1.set.environment.hostname))</span></th>" }.joined() + "</tr></thead>")
        m.raw("<tbody>")
        let attributes: [(String, (LoadedSet) -> String)] = [
            ("file", { $0.path }),
            ("set id", { $0.set.id }),
            ("started", { $0.set.startedAt }),
            ("tool version", { $0.set.tool.version }),
            ("workload", { s in
                let w = s.set.workload
                return "\(w.name)\(w.quick && w.name != "quick" ? " (quick)" : ""): \(w.replicates) replicates × \(w.samplesPerReplicate) samples, min \(formatFigure(w.minSampleMs)) ms"
            }),
            ("detected configuration", { $0.set.environment.configuration.detected }),
            ("configuration reasons", { $0.set.environment.configuration.reasons.joined(separator: "\n") }),
            ("hypervisor", { s in
                let h = s.set.environment.hypervisor
                guard h.present else { return "none" }
                var text = h.vendor ?? "present"
                if !h.signatures.isEmpty { text += " (signatures: \(h.signatures.joined(separator: ", ")))" }
                if !h.evidence.isEmpty { text += "; evidence: \(h.evidence.joined(separator: ", "))" }
                return text
            }),
            ("container layer", { s in
                guard let c = s.set.environment.configuration.container else { return "not recorded" }
                return c.summary + (c.reasons.isEmpty ? "" : "\n" + c.reasons.joined(separator: "\n"))
            }),
            ("CPU", { s in
                let c = s.set.environment.cpu
                return "\(c.model) (\(c.vendor)); \(c.logicalCPUs) logical CPUs, SMT \(c.smt ? "on" : "off")"
            }),
            ("allowed CPUs, seccomp", { s in
                guard let p = s.set.environment.process else { return "not recorded" }
                let filters = p.seccompFilters.map { $0 > 0 ? " (\($0) filter\($0 == 1 ? "" : "s"))" : "" } ?? ""
                return "\(formatCPUList(p.allowedCPUs)) (\(p.allowedCPUs.count)); seccomp \(p.seccomp ?? "unknown")\(filters)"
            }),
            ("cgroup", { s in
                guard let p = s.set.environment.process else { return "not recorded" }
                guard let g = p.cgroup else { return "none visible" }
                let quota = g.cpuLimit.map { "CPU quota \(formatFigure($0)) CPUs (\(g.cpuQuotaUs ?? 0) µs per \(g.cpuPeriodUs ?? 0) µs)" } ?? "no CPU quota"
                let cpuset = g.cpusetEffective.map { "cpuset \(formatCPUList($0))" } ?? "cpuset unknown"
                let memory = g.memoryLimitBytes.map { "memory limit \(formatBytes(Double($0)))iB" } ?? "no memory limit"
                return "v\(g.version) \(g.path): \(quota), \(cpuset), \(memory)"
            }),
            ("microcode", { $0.set.environment.cpu.microcode ?? "unknown" }),
            ("CPU flags", { $0.set.environment.cpu.flags.joined(separator: " ") }),
            ("caches", { s in
                (s.set.environment.caches ?? []).map { "L\($0.level) \($0.type) \(formatBytes(Double($0.sizeBytes)))" }
                    .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
            }),
            ("memory", { formatBytes(Double($0.set.environment.memoryBytes)) + "iB" }),
            ("kernel", { $0.set.environment.kernel }),
            ("clocksource", { s in
                let e = s.set.environment
                return "\(e.clocksource) (available: \(e.availableClocksources.joined(separator: ", ")))"
            }),
            ("clock_gettime path", { s in
                guard let p = s.set.environment.clockGettime else { return "not measured" }
                return "\(p.path): libc \(formatFigure(p.libcNs)) ns, syscall \(formatFigure(p.syscallNs)) ns"
            }),
            ("TSC", { s in
                guard let t = s.set.environment.tsc else { return "unknown" }
                return "\(formatFigure(t.ghz)) GHz from \(t.source)\(t.invariant ? ", invariant" : ", not invariant")"
            }),
            ("THP", { $0.set.environment.transparentHugePages ?? "none" }),
            ("governor", { $0.set.environment.governor ?? "none (no cpufreq)" }),
            ("mitigations", { s in
                s.set.environment.mitigations.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
            }),
            ("NUMA", { s in
                let n = s.set.environment.numa
                guard n.available else { return "not available" }
                let nodes = n.nodes.map { "node \($0.id): \($0.cpus.count) CPUs, \(formatBytes(Double($0.memoryBytes)))iB" }.joined(separator: "\n")
                let distances = n.distances.map { $0.map(String.init).joined(separator: " ") }.joined(separator: " / ")
                return nodes + (distances.isEmpty ? "" : "\ndistances: \(distances)")
            }),
            ("devices", { s in
                s.set.environment.devices.map { d in
                    "\(d.name) [\(d.kind)] \(d.path) via \(d.bus)\(d.driver.map { ", driver \($0)" } ?? "")\(d.pciID.map { ", \($0)" } ?? "")"
                }.joined(separator: "\n")
            }),
            ("counters", { s in
                let c = s.set.environment.counters
                var text = "hardware \(c.hardware ? "yes" : "no"), software \(c.software ? "yes" : "no")"
                if let r = c.reason { text += " — \(r)" }
                return text
            }),
            ("fingerprint notes", { $0.set.environment.notes.joined(separator: "\n") }),
        ]
        for (name, value) in attributes {
            let values = sets.map { value($0.1) }
            let differs = Set(values).count > 1 && !["file", "set id", "started"].contains(name)
            var row = "<tr\(differs ? " class=\"differs\"" : "")><th scope=\"row\">\(escapeHTML(name))\(differs ? "<br/><span class=\"flag\">differs</span>" : "")</th>"
            for v in values {
                let lines = v.split(separator: "\n", omittingEmptySubsequences: false).map { escapeHTML(String($0)) }
                row += "<td>\(v.isEmpty ? "—" : lines.joined(separator: "<br/>"))</td>"
            }
            m.raw(row + "</tr>")
        }
        m.raw("</tbody>")
        m.raw("</table></div>")
        m.raw("</section>")
    }

    func method(_ m: inout Markup) {
        m.raw("<section id=\"method\">")
        m.element("h2", text: "Method")
        if let c = comparison {
            m.element("p", text: "The observation is a replicate's median: every run measures each benchmark in several independent replicates (fresh worker process, memory, calibration and peers), and a version-1 set counts as one replicate (Kalibera & Jones 2013). Per benchmark: the median of the replicate medians of each label; overhead = ratio of those medians − 1, signed so that positive is worse; a \(Int((c.confidence * 100).rounded()))% hierarchical bootstrap interval (sets, then replicates within sets; \(c.resamples) resamples, seed \(c.seed)); a two-sided Mann-Whitney U test on the replicate medians; Benjamini–Hochberg q-values across the rows of each configuration (false discovery rate \(c.alpha)). Verdict: overhead or improvement when q < \(c.alpha), the interval excludes 0 and the overhead is at least the minimum effect of \(String(format: "%g", c.minEffectPct))%; equivalent when the whole interval lies inside ±\(String(format: "%g", c.minEffectPct))%; inconclusive otherwise; insufficient data below \(c.minimumReplicates) replicates a side. MDE: the smallest difference the row's data detects with 80% power. Noisy: a side's robust spread (1.4826·MAD/median of the replicate medians) above \(String(format: "%g", c.noiseCVPct))%. Category figures are geometric means of the cost ratios with each benchmark id weighed once, resampled with the same draws. The same numbers come out of overhead-bench compare with the same inputs and seed.")
        } else {
            m.element("p", text: "Samples of every set with the same label are pooled; the tables show the median, the 5th and 95th percentiles and the coefficient of variation of the pooled samples.")
        }
        m.raw("</section>")
    }
}

/// CSS class of a verdict's marks.
func verdictClass(_ v: Verdict) -> String { "v-\(v.rawValue)" }

/// A verdict in words inside a styled span.
func verdictBadge(_ v: Verdict) -> String {
    "<span class=\"badge \(verdictClass(v))\">\(escapeHTML(verdictWords(v)))</span>"
}

let verdictLegend: [(cssClass: String, text: String)] = [
    ("v-overhead", "overhead (significant, worse)"), ("v-improvement", "improvement (significant, better)"),
    ("v-equivalent", "equivalent (CI inside ±minimum effect)"), ("v-inconclusive", "inconclusive"), ("v-insufficient-data", "insufficient data"),
]

/// The page's stylesheet: readable on a phone (tables and charts scroll sideways), printable
/// (colours kept, navigation dropped, charts not split across pages).
let stylesheet = """
    :root { color-scheme: light; }
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 40px; color: #1b1b1b; background: #fff; line-height: 1.45; }
    h1 { font-size: 1.6em; margin: 0.8em 0 0.2em; }
    h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 1.8em; }
    .meta { color: #555; margin: 0; }
    nav { margin: 0.5em 0 1em; font-size: 0.95em; }
    nav a { color: #0b57a4; }
    code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
    caption { text-align: left; font-weight: 600; padding: 4px 0; }
    th, td { border: 1px solid #d0d0d0; padding: 3px 7px; vertical-align: top; text-align: left; }
    thead th, table > tr:first-child th { background: #f0f0f0; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    tr.bench th { background: #f6f8fa; font-weight: normal; }
    .reveal { color: #444; font-style: italic; }
    table.env td { max-width: 420px; word-break: break-word; font-size: 0.95em; }
    tr.differs th, tr.differs td { background: #fff4e0; }
    .flag { font-size: 0.8em; font-weight: 700; color: #8a4b00; }
    .sub { font-weight: normal; color: #555; font-size: 0.9em; }
    .warning { border: 2px solid #b45309; background: #fff7ed; padding: 4px 12px; margin: 1em 0; }
    .warning p { font-weight: 600; margin: 0.4em 0; }
    .expected { background: #f4f7fb; border-left: 4px solid #0072B2; padding: 6px 10px; }
    ul.reveals { font-size: 0.9em; color: #333; margin: 4px 0 0; padding-left: 1.2em; }
    figure { margin: 1em 0; break-inside: avoid; page-break-inside: avoid; }
    .multiples { display: flex; flex-wrap: wrap; gap: 8px 24px; }
    .badge { padding: 0 5px; border-radius: 3px; font-weight: 600; }
    .badge.v-overhead { background: #fbe3d6; color: #8c2f00; }
    .badge.v-improvement { background: #dcebf7; color: #004a7c; }
    .badge.v-equivalent { background: #dde9f5; color: #234; }
    .badge.v-inconclusive { background: #eee; color: #333; }
    .badge.v-insufficient-data { background: #fdf2c6; color: #6b5200; }
    td.v-overhead-text { color: #8c2f00; font-weight: 600; }
    td.v-improvement-text { color: #004a7c; font-weight: 600; }
    td.v-insufficient-data-text { color: #6b5200; }
    svg.chart { font-family: inherit; max-width: 100%; height: auto; display: block; }
    svg.chart text { font-size: 12px; fill: #1b1b1b; }
    svg.chart .chart-title { font-size: 14px; font-weight: 600; }
    svg.chart .tick, svg.chart .legend, svg.chart .series-label, svg.chart .annotation, svg.chart .marker-label { font-size: 11px; }
    svg.chart .tick { fill: #444; }
    svg.chart .marker-label { fill: #666; }
    svg.chart .axis-label { font-size: 12px; fill: #333; }
    svg.chart .grid { stroke: #e4e4e4; stroke-width: 1; }
    svg.chart .zero { stroke: #000; stroke-width: 1.5; }
    svg.chart .frame { fill: none; stroke: #bbb; }
    svg.chart .marker-line { stroke: #999; stroke-dasharray: 2 3; }
    svg.chart .whisker { stroke: #111; stroke-width: 1.3; }
    svg.chart .bar.v-overhead { fill: #D55E00; }
    svg.chart .bar.v-improvement { fill: #0072B2; }
    svg.chart .bar.v-equivalent { fill: #8fb3d9; }
    svg.chart .bar.v-inconclusive { fill: #b8b8b8; }
    svg.chart .bar.v-spread { fill: #b8b8b8; }
    svg.chart .bar.v-insufficient-data { fill: #fff; stroke: #a07a00; stroke-dasharray: 3 2; }
    svg.chart .v-overhead-text { fill: #8c2f00; font-weight: 600; }
    svg.chart .v-improvement-text { fill: #004a7c; font-weight: 600; }
    svg.chart .v-insufficient-data-text { fill: #6b5200; }
    svg.chart .bar.noisy { fill-opacity: 0.3; stroke: #555; stroke-width: 1; stroke-dasharray: 2 2; }
    svg.chart .clip-mark { font-weight: 700; fill: #fff; }
    svg.chart .line { fill: none; stroke-width: 2; }
    svg.chart .line.dashed { stroke-dasharray: 6 4; }
    svg.chart .item-label { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; }
    li.resolve { list-style: none; color: #444; font-size: 0.95em; margin-bottom: 0.4em; }
    .finding { border-left: 4px solid #999; padding: 2px 12px; margin: 0.8em 0; background: #fafafa; }
    .finding h3 { font-size: 1.05em; margin: 0.4em 0; }
    .finding.sev-critical { border-color: #b91c1c; } .finding.sev-critical .sev { color: #b91c1c; }
    .finding.sev-warning { border-color: #b45309; } .finding.sev-warning .sev { color: #8a4b00; }
    .finding.sev-info .sev { color: #555; }
    .finding .caveat { color: #8a4b00; font-size: 0.9em; }
    ul.finding-facts { font-size: 0.92em; padding-left: 1.2em; }
    /* Phones: charts keep a legible size and scroll sideways inside their box instead of shrinking
       their text below reading size; wide tables scroll sideways too (words are never split). */
    @media (max-width: 600px) {
      body { padding: 0 8px 24px; font-size: 15px; }
      h1 { font-size: 1.3em; }
      svg.chart { max-width: none; width: auto; height: auto; zoom: 0.8; }
      .scroll { -webkit-overflow-scrolling: touch; border-right: 2px solid #eee; }
      table { font-size: 0.85em; }
      td, th { padding: 2px 5px; }
      table.env td { max-width: 220px; }
    }
    @media print {
      body { max-width: none; padding: 0; font-size: 10pt; }
      nav { display: none; }
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      .scroll { overflow: visible; }
      h2 { break-after: avoid; }
      table { break-inside: auto; }
      tr { break-inside: avoid; }
    }
    """
