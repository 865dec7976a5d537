import Foundation
import OverheadModel

// Exporters are pure: a Comparison in, a String out; the CLI decides where it goes.

/// Output formats of `compare` and `diff`.
public enum ComparisonFormat: String, CaseIterable, Sendable {
    /// Aligned text for a terminal.
    case table
    /// A GitHub-flavoured Markdown table.
    case markdown
    /// The whole `Comparison` as JSON (sorted keys).
    case json
    /// One row per benchmark × params × configuration.
    case csv
}

/// Renders a comparison in the given format; `colour` adds ANSI colour to the table (terminals only).
public func render(_ comparison: Comparison, format: ComparisonFormat, colour: Bool = false) -> String {
    switch format {
    case .table: return renderTable(comparison, colour: colour)
    case .markdown: return renderMarkdown(comparison)
    case .json: return renderJSON(comparison)
    case .csv: return renderCSV(comparison)
    }
}

// MARK: Figures

/// A p-value with three decimals, `<0.001` below that.
func formatP(_ value: Double?) -> String {
    guard let value else { return "—" }
    return value < 0.001 ? "<0.001" : String(format: "%.3f", value)
}

/// A minimum detectable effect, `4.2%`; `none` when no difference is detectable.
func formatMDE(_ value: Double?) -> String {
    guard let value else { return "none" }
    return String(format: "%.1f%%", value)
}

func formatInterval(_ low: Double?, _ high: Double?) -> String {
    guard let low, let high else { return "—" }
    return "[\(formatPercent(low)), \(formatPercent(high))]"
}

// MARK: Tables

/// The cells of the main table, shared by the text and Markdown renderers.
private struct Grid {
    var header: [String]
    var rows: [[String]]
    var numeric: Set<Int>
    /// Per row, the ANSI colour code of the verdict cell (text table only).
    var colours: [String?]
    var verdictColumn: Int?
}

private func mainGrid(_ c: Comparison) -> Grid {
    let header = [
        "benchmark", "params", "configuration", "baseline", "median", "unit", "overhead", "\(Int((c.confidence * 100).rounded()))% CI", "q",
        "MDE", "reps", "verdict", "notes",
    ]
    var rows: [[String]] = []
    var colours: [String?] = []
    for r in c.rows {
        var notes: [String] = []
        if r.noisy { notes.append("noisy (spread \(String(format: "%.1f", r.baselineRobustCVPct))% / \(String(format: "%.1f", r.robustCVPct))%)") }
        if r.baselineSets > 1 || r.sets > 1 { notes.append("sets \(r.baselineSets)/\(r.sets)") }
        notes.append(contentsOf: r.notes)
        rows.append([
            r.benchmark, r.paramsText.replacingOccurrences(of: ";", with: " "), r.configuration,
            formatFigure(r.baselineMedian), formatFigure(r.median), r.unit, formatPercent(r.overheadPct),
            formatInterval(r.ciLowPct, r.ciHighPct), formatP(r.qValue), formatMDE(r.mdePct), "\(r.baselineReplicates)/\(r.replicates)",
            r.verdict.rawValue, notes.joined(separator: "; "),
        ])
        colours.append(colour(of: r.verdict))
    }
    return Grid(header: header, rows: rows, numeric: [3, 4, 6, 8, 9, 10], colours: colours, verdictColumn: 11)
}

private func categoryGrid(_ c: Comparison) -> Grid {
    let header = ["category", "configuration", "benchmarks", "rows", "overhead", "\(Int((c.confidence * 100).rounded()))% CI", "q", "verdict"]
    let rows = c.categories.map {
        [
            $0.category, $0.configuration, String($0.benchmarks), String($0.rows), formatPercent($0.overheadPct),
            formatInterval($0.ciLowPct, $0.ciHighPct), formatP($0.qValue), $0.verdict.rawValue,
        ]
    }
    return Grid(header: header, rows: rows, numeric: [2, 3, 4, 6], colours: c.categories.map { colour(of: $0.verdict) }, verdictColumn: 7)
}

private func colour(of verdict: Verdict) -> String? {
    switch verdict {
    case .overhead: return "31"  // red
    case .improvement: return "32"  // green
    case .equivalent: return "36"  // cyan
    case .inconclusive: return nil
    case .insufficientData: return "33"  // yellow
    }
}

private func renderText(_ grid: Grid, colour: Bool) -> String {
    let widths = grid.header.indices.map { i in ([grid.header[i]] + grid.rows.map { $0[i] }).map(\.count).max() ?? 0 }
    func line(_ cells: [String], colourCode: String?) -> String {
        cells.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            // Padding is measured on the plain text, so escape codes do not upset the alignment.
            var shown = cell
            if colour, let colourCode, i == grid.verdictColumn { shown = "\u{1B}[\(colourCode)m\(cell)\u{1B}[0m" }
            return grid.numeric.contains(i) ? pad + shown : shown + pad
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    var lines = [line(grid.header, colourCode: nil), line(widths.map { String(repeating: "-", count: $0) }, colourCode: nil)]
    for (i, row) in grid.rows.enumerated() { lines.append(line(row, colourCode: grid.colours[i])) }
    return lines.joined(separator: "\n")
}

private func renderMarkdownGrid(_ grid: Grid) -> String {
    func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|") }
    var lines = ["| " + grid.header.map(escape).joined(separator: " | ") + " |"]
    lines.append("|" + grid.header.indices.map { grid.numeric.contains($0) ? " ---: " : " --- " }.joined(separator: "|") + "|")
    for row in grid.rows { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
    return lines.joined(separator: "\n")
}

private func describe(_ g: GroupInfo) -> String {
    "\(g.label) (\(g.sets) set\(g.sets == 1 ? "" : "s")\(g.hosts.count > 1 ? ", \(g.hosts.count) hosts" : g.hosts.first.map { ", \($0)" } ?? ""))"
}

/// The lines above and below the tables, shared by text and Markdown.
private func preamble(_ c: Comparison) -> [String] {
    var lines = [
        "Baseline: \(describe(c.baseline)); compared: \(c.configurations.map(describe).joined(separator: ", "))",
        "Overhead: positive = worse; the observation is a replicate's median. \(Int((c.confidence * 100).rounded()))% hierarchical bootstrap CI of the ratio of medians (\(c.resamples) resamples, seed \(c.seed)); Mann-Whitney U on replicates, Benjamini–Hochberg q at FDR \(c.alpha); minimum effect \(String(format: "%g", c.minEffectPct))%; MDE at 80% power; noisy: robust spread > \(String(format: "%g", c.noiseCVPct))%.",
    ]
    lines.append(verdictCounts(c))
    if !c.environmentDifferences.isEmpty {
        lines.append("")
        lines.append("WARNING: the sets differ in more than the configuration under test; differences may not be the hypervisor's:")
        for d in c.environmentDifferences { lines.append("  \(d)") }
    }
    return lines
}

/// `58 rows: 2 overhead, 0 improvement, 31 equivalent, 25 inconclusive (12 noisy), 0 insufficient-data`.
public func verdictCounts(_ c: Comparison) -> String {
    let counts = Verdict.allCases.map { v in "\(c.rows.filter { $0.verdict == v }.count) \(v.rawValue)" }
    let noisy = c.rows.filter(\.noisy).count
    let blind = c.rows.filter { $0.verdict == .inconclusive && ($0.mdePct.map { $0 > c.minEffectPct } ?? true) }.count
    var text = "\(c.rows.count) rows: " + counts.joined(separator: ", ") + "; \(noisy) noisy"
    if blind > 0 { text += "; \(blind) inconclusive rows cannot see a \(String(format: "%g", c.minEffectPct))% difference (MDE above it)" }
    return text + "."
}

private func epilogue(_ c: Comparison) -> [String] {
    var lines: [String] = []
    if !c.missing.isEmpty {
        lines.append("")
        lines.append("Not on every side (not compared):")
        for m in c.missing {
            lines.append("  \(m.benchmark)\(m.paramsText.isEmpty ? "" : " \(m.paramsText)"): in \(m.presentIn.joined(separator: ", ")); missing from \(m.missingFrom.joined(separator: ", "))")
        }
    }
    if !c.notes.isEmpty {
        lines.append("")
        lines.append(contentsOf: c.notes.map { "Note: \($0)" })
    }
    return lines
}

/// The aligned text table: preamble, environment warnings, rows, category geometric means, one-sided benchmarks.
public func renderTable(_ c: Comparison, colour: Bool = false) -> String {
    var lines = preamble(c)
    if colour && !c.environmentDifferences.isEmpty, let i = lines.firstIndex(where: { $0.hasPrefix("WARNING") }) {
        lines[i] = "\u{1B}[33m\(lines[i])\u{1B}[0m"
    }
    lines.append("")
    lines.append(renderText(mainGrid(c), colour: colour))
    if !c.categories.isEmpty {
        lines.append("")
        lines.append("By category (geometric mean of the ratios):")
        lines.append(renderText(categoryGrid(c), colour: colour))
    }
    lines.append(contentsOf: epilogue(c))
    return lines.joined(separator: "\n") + "\n"
}

/// Markdown: the same content as the table, as GitHub-flavoured Markdown tables.
public func renderMarkdown(_ c: Comparison) -> String {
    var lines = preamble(c).map { $0.isEmpty ? "" : ($0.hasPrefix("  ") ? "- " + $0.dropFirst(2) : $0) }
    lines.append("")
    lines.append(renderMarkdownGrid(mainGrid(c)))
    if !c.categories.isEmpty {
        lines.append("")
        lines.append("By category (geometric mean of the ratios):")
        lines.append("")
        lines.append(renderMarkdownGrid(categoryGrid(c)))
    }
    lines.append(contentsOf: epilogue(c).map { $0.hasPrefix("  ") ? "- " + $0.dropFirst(2) : $0 })
    return lines.joined(separator: "\n") + "\n"
}

/// The whole comparison as pretty JSON with sorted keys; absent figures are omitted.
public func renderJSON(_ c: Comparison) -> String { prettyJSON(c) }

/// Pretty JSON with sorted keys and a trailing newline. Every figure is finite by construction
/// (undefined ones are nil), so encoding cannot fail.
func prettyJSON(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return "{}\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
}

// MARK: CSV

/// One CSV field, quoted per RFC 4180 when it holds a comma, quote or line break.
public func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A number for CSV: the shortest text that reads back as the same Double; empty when absent.
func csvNumber(_ value: Double?) -> String {
    guard let value else { return "" }
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

/// The CSV columns of `compare --format csv`, in order.
public let comparisonCSVColumns = [
    "benchmark", "params", "metric", "unit", "better", "baseline", "configuration", "baseline_median", "median",
    "overhead_pct", "ci_low_pct", "ci_high_pct", "p_value", "verdict", "noisy", "baseline_n", "n", "baseline_sets", "sets",
    "baseline_cv_pct", "cv_pct", "q_value", "mde_pct", "baseline_replicates", "replicates", "baseline_robust_cv_pct", "robust_cv_pct",
    "case",
]

/// The `case` column of `compare --format csv` (as in `export`): benchmark and params as one
/// never-empty label (`mem.lat bytes=16K pages=4k`), to plot or group by without building it.
func caseLabel(benchmark: String, paramsText: String) -> String {
    paramsText.isEmpty ? benchmark : benchmark + " " + paramsText.replacingOccurrences(of: ";", with: " ")
}

/// One row per benchmark × params × configuration; benchmarks on one side only follow with verdict
/// `missing` and the absent side's figures empty.
public func renderCSV(_ c: Comparison) -> String {
    var lines = [comparisonCSVColumns.joined(separator: ",")]
    for r in c.rows {
        let fields: [String] = [
            r.benchmark, r.paramsText, r.metric, r.unit, r.better.rawValue, r.baseline, r.configuration,
            csvNumber(r.baselineMedian), csvNumber(r.median), csvNumber(r.overheadPct), csvNumber(r.ciLowPct), csvNumber(r.ciHighPct),
            csvNumber(r.pValue), r.verdict.rawValue, r.noisy ? "true" : "false", String(r.baselineN), String(r.n),
            String(r.baselineSets), String(r.sets), csvNumber(r.baselineCVPct), csvNumber(r.cvPct),
            csvNumber(r.qValue), csvNumber(r.mdePct), String(r.baselineReplicates), String(r.replicates),
            csvNumber(r.baselineRobustCVPct), csvNumber(r.robustCVPct), caseLabel(benchmark: r.benchmark, paramsText: r.paramsText),
        ]
        lines.append(fields.map(csvField).joined(separator: ","))
    }
    for m in c.missing {
        for configuration in m.missingFrom + m.presentIn where configuration != c.baseline.label {
            // One row per configuration the baseline cannot be compared with for this benchmark.
            guard !(m.presentIn.contains(configuration) && m.presentIn.contains(c.baseline.label)) else { continue }
            var fields = Array(repeating: "", count: comparisonCSVColumns.count)
            fields[0] = m.benchmark
            fields[1] = m.paramsText
            fields[5] = c.baseline.label
            fields[6] = configuration
            fields[13] = "missing"
            fields[fields.count - 1] = caseLabel(benchmark: m.benchmark, paramsText: m.paramsText)
            lines.append(fields.map(csvField).joined(separator: ","))
        }
    }
    return lines.joined(separator: "\n") + "\n"
}
