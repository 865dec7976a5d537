import OverheadCompare
import OverheadModel

/// One finding of `explain`, as the report shows it: the CLI maps `OverheadExplain`'s findings to
/// these, so the report stays independent of the rules that made them.
public struct ReportFinding: Sendable, Equatable {
    /// `critical`, `warning` or `info`.
    public var severity: String
    public var title: String
    public var configuration: String
    public var baseline: String
    /// The rows behind the finding.
    public var evidence: [ReportEvidence]
    /// Facts from the environments (clocksource, device path, ...).
    public var facts: [String]
    public var cause: String
    public var remedy: String
    public var reference: String
    /// False when the evidence is noisy or disturbed (steal); `caveats` say how.
    public var reliable: Bool
    public var caveats: [String]

    public init(
        severity: String, title: String, configuration: String, baseline: String, evidence: [ReportEvidence], facts: [String],
        cause: String, remedy: String, reference: String, reliable: Bool, caveats: [String]
    ) {
        self.severity = severity
        self.title = title
        self.configuration = configuration
        self.baseline = baseline
        self.evidence = evidence
        self.facts = facts
        self.cause = cause
        self.remedy = remedy
        self.reference = reference
        self.reliable = reliable
        self.caveats = caveats
    }
}

/// One evidence row of a finding: a comparison row's figures.
public struct ReportEvidence: Sendable, Equatable {
    public var benchmark: String
    /// `k=v;k=v`, keys sorted.
    public var params: String
    public var unit: String
    public var baselineMedian: Double
    public var median: Double
    public var overheadPct: Double?
    public var ciLowPct: Double?
    public var ciHighPct: Double?
    public var verdict: Verdict
    public var noisy: Bool

    public init(
        benchmark: String, params: String, unit: String, baselineMedian: Double, median: Double, overheadPct: Double?, ciLowPct: Double?,
        ciHighPct: Double?, verdict: Verdict, noisy: Bool
    ) {
        self.benchmark = benchmark
        self.params = params
        self.unit = unit
        self.baselineMedian = baselineMedian
        self.median = median
        self.overheadPct = overheadPct
        self.ciLowPct = ciLowPct
        self.ciHighPct = ciHighPct
        self.verdict = verdict
        self.noisy = noisy
    }
}

extension ReportBuilder {
    /// The findings of `explain` with their evidence, most severe first; nothing without findings.
    func findingsSection(_ m: inout Markup) {
        let rank = ["critical": 0, "warning": 1, "info": 2]
        let findings = input.findings.enumerated().sorted { (rank[$0.element.severity] ?? 3, $0.offset) < (rank[$1.element.severity] ?? 3, $1.offset) }.map(\.element)
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
            m.raw("<div class=\"finding sev-\(escapeHTML(f.severity))\">")
            m.raw("<h3><span class=\"sev\">\(escapeHTML(f.severity.uppercased()))</span> \(escapeHTML(f.title)) <span class=\"sub\">(\(escapeHTML(f.configuration)) vs \(escapeHTML(f.baseline)))</span></h3>")
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
