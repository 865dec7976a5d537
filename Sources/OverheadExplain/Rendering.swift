import Foundation
import OverheadCompare
import OverheadModel

/// Output formats of `explain`.
public enum ExplainFormat: String, CaseIterable, Sendable {
    /// Plain text for a terminal.
    case text
    /// GitHub-flavoured Markdown.
    case markdown
    /// Pretty JSON with sorted keys.
    case json
}

/// Renders an explanation; pure, the caller decides where it goes.
public func render(_ explanation: Explanation, format: ExplainFormat) -> String {
    switch format {
    case .text: renderText(explanation)
    case .markdown: renderMarkdown(explanation)
    case .json: renderJSON(explanation)
    }
}

/// The explanation as pretty JSON with sorted keys (stable for scripts); absent figures are omitted.
public func renderJSON(_ explanation: Explanation) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    // Every figure is finite by construction (undefined ones are nil), so encoding cannot fail.
    guard let data = try? encoder.encode(explanation) else { return "{}\n" }
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// The headline of one configuration: `vm against bare-metal: 2 findings (61 cases, 4 significant)`.
func heading(_ c: ConfigurationFindings) -> String {
    let count = c.notCompared != nil ? "nothing compared"
        : c.findings.isEmpty ? "nothing notable" : "\(c.findings.count) finding\(c.findings.count == 1 ? "" : "s")"
    return "\(c.configuration) against \(c.baseline): \(count) (\(c.rowsCompared) cases compared, \(c.significantRows) significantly different)"
}

/// Why nothing was found, in words: nothing compared, nothing significant, or no known signature.
func nothingNotable(_ c: ConfigurationFindings) -> String {
    if let why = c.notCompared { return "Nothing compared: \(c.configuration) and \(c.baseline) have no results in common; \(why)." }
    return c.significantRows == 0
        ? "Nothing notable: no case differs significantly from \(c.baseline)."
        : "Nothing notable: \(c.significantRows) case\(c.significantRows == 1 ? " differs" : "s differ") significantly, but none matches a known signature of hypervisor overhead (see `compare` for the figures)."
}

/// Plain text: per configuration, each finding with its evidence, cause, remedy and reference.
public func renderText(_ e: Explanation) -> String {
    var lines: [String] = []
    if !e.environmentDifferences.isEmpty {
        lines.append("WARNING: the sets differ in more than the configuration under test; differences may not be the hypervisor's:")
        lines += e.environmentDifferences.map { "  \($0.description)" }
        lines.append("")
    }
    for c in e.configurations {
        lines.append("== \(heading(c))")
        if c.findings.isEmpty { lines.append(nothingNotable(c)) }
        for f in c.findings {
            lines.append("")
            lines.append("[\(f.severity.rawValue.uppercased())] \(f.id): \(f.title)")
            for caveat in f.caveats { lines.append("  ! \(caveat)") }
            lines.append("  evidence:")
            lines += f.evidence.map { "    - \($0.text)" }
            lines += f.facts.map { "    - \($0)" }
            lines.append("  cause:     \(f.cause)")
            lines.append("  remedy:    \(f.remedy)")
            lines.append("  reference: \(f.reference)")
            lines.append("  severity:  \(f.severityBasis)")
        }
        lines.append("")
    }
    return lines.joined(separator: "\n")
}

/// Markdown: a section per configuration and a subsection per finding.
public func renderMarkdown(_ e: Explanation) -> String {
    func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
    var lines: [String] = ["# Findings", ""]
    if !e.environmentDifferences.isEmpty {
        lines.append("> **Warning:** the sets differ in more than the configuration under test; differences may not be the hypervisor's:")
        lines += e.environmentDifferences.map { "> - \($0.description)" }
        lines.append("")
    }
    for c in e.configurations {
        lines.append("## \(heading(c))")
        lines.append("")
        if c.findings.isEmpty { lines += [nothingNotable(c), ""] }
        for f in c.findings {
            lines.append("### \(f.severity.rawValue.uppercased()) `\(f.id)`: \(f.title)")
            lines.append("")
            for caveat in f.caveats { lines.append("> ⚠ \(caveat)") }
            if !f.caveats.isEmpty { lines.append("") }
            if !f.evidence.isEmpty {
                lines.append("| benchmark | params | \(f.baseline) | \(f.configuration) | unit | overhead | 95% CI | p | verdict |")
                lines.append("|---|---|---:|---:|---|---:|---|---:|---|")
                for r in f.evidence {
                    let ci = r.ciLowPct.flatMap { low in r.ciHighPct.map { "\(formatPct(low)) … \(formatPct($0))" } } ?? "—"
                    let p = r.pValue.map { $0 < 0.001 ? "<0.001" : formatFixed($0, 3) } ?? "—"
                    lines.append("| \(cell(r.benchmark)) | \(cell(r.params)) | \(formatFigure(r.baselineMedian)) | \(formatFigure(r.median)) | \(cell(r.unit)) | \(r.overheadPct.map(formatPct) ?? "—") | \(ci) | \(p) | \(r.verdict.rawValue)\(r.noisy ? " (noisy)" : "") |")
                }
                lines.append("")
            }
            lines += f.facts.map { "- \($0)" }
            if !f.facts.isEmpty { lines.append("") }
            lines.append("- **Cause:** \(f.cause)")
            lines.append("- **Remedy:** \(f.remedy)")
            lines.append("- **Reference:** \(f.reference)")
            lines.append("- **Severity:** \(f.severityBasis)")
            lines.append("")
        }
    }
    return lines.joined(separator: "\n")
}
