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
