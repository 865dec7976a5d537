import Foundation
import OverheadCompare
import OverheadModel

// The page's header, summary and headline figures.
extension ReportBuilder {
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
    /// noisy, inconclusive and insufficient rows, and the median minimum detectable effect; when no
    /// row has one, the replicates a side that significance needs at this row count and α.
    func resolution(_ rows: [ComparisonRow], minEffect: Double, alpha: Double, minimumReplicates: Int) -> String {
        guard !rows.isEmpty else { return "No rows to judge." }
        let n = rows.count
        let noisy = rows.filter(\.noisy).count
        let open = rows.filter { $0.verdict == .inconclusive || $0.verdict == .insufficientData }.count
        func share(_ k: Int) -> String { "\(k) of \(n) (\(Int((Double(k) / Double(n) * 100).rounded()))%)" }
        var text = "Data quality: \(share(noisy)) rows noisy, \(share(open)) without a verdict (inconclusive or insufficient data). "
        let mdes = rows.compactMap(\.mdePct).filter(\.isFinite).sorted()
        if mdes.isEmpty {
            // The family Benjamini–Hochberg corrects over: the rows with a test.
            let tested = rows.filter { $0.verdict != .insufficientData && $0.pValue != nil }.count
            let m = tested > 0 ? tested : n
            let needed = replicatesNeeded(rows: m, alpha: alpha) ?? minimumReplicates
            text += "No row can resolve any difference: for one of \(m) rows to be significant at false discovery rate \(String(format: "%g", alpha)), the rank test's smallest p-value, 2/C(2n, n) with n replicates a side, must be below \(String(format: "%g", alpha))/\(m), which takes \(needed) replicates a side"
            text += needed >= minimumReplicates
                ? "; rerun with at least \(needed)."
                : " (a verdict needs \(minimumReplicates)); rerun with at least \(minimumReplicates)."
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
                m.raw("<li class=\"resolve\">\(escapeHTML(resolution(mine, minEffect: c.minEffectPct, alpha: c.alpha, minimumReplicates: c.minimumReplicates)))</li>")
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
}
