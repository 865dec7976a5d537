import OverheadCompare
import OverheadModel

extension ReportBuilder {
    /// The findings of `explain` with their evidence, most severe first; nothing without findings.
    func findingsSection(_ m: inout Markup) {
        // Most severe first; equal severities keep explain's order.
        let findings = input.findings.enumerated().sorted { ($1.element.severity, $0.offset) < ($0.element.severity, $1.offset) }.map(\.element)
        guard comparison != nil else { return }
        m.raw("<section id=\"findings\">")
        m.element("h2", text: "Findings")
        if findings.isEmpty {
            m.element("p", text: "overhead-bench explain finds nothing notable in these sets (no rule matched a significant difference).")
            m.raw("</section>")
            return
        }
        m.element("p", text: "What overhead-bench explain concludes from these sets (the same rules and figures as the explain command), most severe first.")
        for f in findings {
            m.raw("<div class=\"finding sev-\(escapeHTML(f.severity.rawValue))\">")
            m.raw("<h3><span class=\"sev\">\(escapeHTML(f.severity.rawValue.uppercased()))</span> \(escapeHTML(f.title)) <span class=\"sub\">(\(escapeHTML(f.configuration)) vs \(escapeHTML(f.baseline)))</span></h3>")
            if !f.reliable && !f.caveats.isEmpty {
                m.element("p", [("class", "caveat")], text: "Unreliable evidence: " + f.caveats.joined(separator: "; "))
            }
            if !f.evidence.isEmpty {
                m.raw("<div class=\"scroll\"><table class=\"numbers\">")
                m.raw(tableRow(["evidence", f.baseline, f.configuration, "overhead", "CI", "verdict"], header: true))
                for e in f.evidence {
                    let name = e.params.isEmpty ? e.benchmark : "\(e.benchmark) \(e.params.replacingOccurrences(of: ";", with: " "))"
                    m.raw(tableRow(
                        [name, "\(formatFigure(e.baselineMedian)) \(e.unit)", "\(formatFigure(e.median)) \(e.unit)", formatPercent(e.overheadPct),
                         formatInterval(e.ciLowPct, e.ciHighPct), verdictWords(e.verdict) + (e.noisy ? ", noisy" : "")],
                        numeric: [1, 2, 3], classes: [5: verdictClass(e.verdict) + "-text"]))
                }
                m.raw("</table></div>")
            }
            m.block("ul", [("class", "finding-facts")]) { m in
                for fact in f.facts { m.element("li", text: fact) }
                m.raw("<li><strong>Cause:</strong> \(escapeHTML(f.cause))</li>")
                m.raw("<li><strong>Remedy:</strong> \(escapeHTML(f.remedy))</li>")
                if !f.reference.isEmpty { m.raw("<li><strong>Reference:</strong> \(escapeHTML(f.reference))</li>") }
            }
            m.raw("</div>")
        }
        m.raw("</section>")
    }
}
