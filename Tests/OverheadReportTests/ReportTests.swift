import Foundation
import OverheadTestSupport
import Testing
import OverheadEngine
@testable import OverheadBenchmarks
@testable import OverheadCLI
@testable import OverheadCompare
@testable import OverheadModel
@testable import OverheadReport

#if canImport(FoundationXML)
import FoundationXML
#endif

let reportFixtures = fixturesDirectory.appendingPathComponent("report")

/// The first well-formedness problem of `text`, or nil: tags must nest and balance (checked here, since
/// FoundationXML does not report every mismatched end tag), and XMLParser must accept it (entities,
/// attribute quoting, characters).
func xmlError(_ text: String) -> String? {
    if let problem = tagBalanceError(text) { return problem }
    return xmlParserError(text)
}

/// Checks that start and end tags nest: `<!...>` is skipped, `<x/>` is self-closed. Valid only for
/// markup whose text and attribute values never hold a raw `<` or `>` (the report escapes them).
func tagBalanceError(_ text: String) -> String? {
    var stack: [String] = []
    var rest = Substring(text)
    while let open = rest.firstIndex(of: "<") {
        guard let close = rest[open...].firstIndex(of: ">") else { return "unterminated tag" }
        let tag = rest[rest.index(after: open)..<close]
        rest = rest[rest.index(after: close)...]
        if tag.hasPrefix("!") || tag.hasPrefix("?") { continue }
        if tag.hasSuffix("/") { continue }
        if tag.hasPrefix("/") {
            let name = String(tag.dropFirst())
            guard let top = stack.popLast() else { return "</\(name)> closes nothing" }
            guard top == name else { return "</\(name)> closes <\(top)>" }
        } else {
            let name = String(tag.prefix { !$0.isWhitespace })
            stack.append(name)
        }
    }
    return stack.isEmpty ? nil : "unclosed <\(stack.last!)>"
}

/// XMLParser's verdict: the first error, or nil.
func xmlParserError(_ text: String) -> String? {
    final class Delegate: NSObject, XMLParserDelegate {
        var error: String?
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if error == nil { error = "line \(parser.lineNumber): \(parseError)" }
        }
    }
    let parser = XMLParser(data: Data(text.utf8))
    let delegate = Delegate()
    parser.delegate = delegate
    // Entities other than the five predefined ones must not be needed.
    parser.shouldResolveExternalEntities = false
    let ok = parser.parse()
    return ok ? nil : (delegate.error ?? "parse failed")
}

/// Occurrences of `needle` in `text`.
func count(_ needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

/// The string every hostile field gets.
let hostile = "<script>alert(1)</script>\"'&"

@Suite struct ReportTests {
    func fixtureGroups() throws -> [SetGroup] {
        let input = try loadResultSets(paths: [compareFixture("bare-metal.json"), compareFixture("vm.json")])
        return groupByLabel(input.sets)
    }

    func page(_ groups: [SetGroup], baseline: String? = "bare-metal") throws -> (String, Comparison?) {
        let c = try baseline.map { try compare(groups: groups, baseline: $0) }
        let html = renderReport(ReportInput(groups: groups, comparison: c, benchmarks: Catalog.registry.benchmarks.map(\.info)))
        return (html, c)
    }

    /// Memory results shaped like a real run: the latency sweep in both page sizes and triad at 1 and 2 threads.
    func memorySet(label: String, id: String, scale: Double) throws -> LoadedSet {
        var results: [(String, [String: String], String, Better, [Double])] = []
        for (i, bytes) in ["16K", "256K", "4M", "64M"].enumerated() {
            for pages in ["4k", "2m"] {
                let base = [1.5, 4.0, 12.0, 90.0][i] * (pages == "4k" && i == 3 ? 1.4 : 1) * scale
                results.append(("mem.lat", ["bytes": bytes, "pages": pages], "ns", .lower, (0..<6).map { base + Double($0) * 0.01 }))
            }
        }
        for threads in ["1", "all"] {
            let base = (threads == "1" ? 14.0 : 28.0) / scale
            results.append(("mem.bw.triad", ["threads": threads], "GB/s", .higher, (0..<6).map { base + Double($0) * 0.01 }))
        }
        var set = try syntheticSet(label: label, id: id, results: results)
        for i in set.set.results.indices where set.set.results[i].params["threads"] == "all" { set.set.results[i].cpus = [0, 1] }
        set.set.environment.caches = [CacheInfo(level: 1, type: "Data", sizeBytes: 49_152, sharedCPUs: [0])]
        return set
    }

    @Test func escapesEveryMarkupCharacter() {
        #expect(escapeHTML("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        // Characters XML forbids become U+FFFD rather than breaking the document.
        #expect(escapeHTML("a\u{01}b\u{0B}c\td") == "a\u{FFFD}b\u{FFFD}c\td")
        #expect(escapeHTML("µs — ✓") == "µs — ✓")
        // The well-formedness check used below does catch unbalanced markup.
        #expect(xmlError("<svg><g></svg>") != nil)
        #expect(xmlError("<svg><g>") != nil)
        #expect(xmlError("<p><b></p></b>") != nil)
        #expect(xmlError("<p>a &nbsp; b</p>") != nil)
        #expect(xmlError("<p>a &amp; <br/> b</p>") == nil)
    }

    @Test func pageIsWellFormedAndSelfContained() throws {
        let (html, _) = try page(try fixtureGroups())
        #expect(xmlError(html) == nil)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(count("<svg", in: html) == count("</svg>", in: html))
        #expect(count("<svg", in: html) >= 2)
        // No script and nothing fetched: the only URL is the SVG namespace.
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("url("))
        #expect(!html.contains("@import"))
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)
        // Every chart has a title and a text alternative.
        #expect(count("<svg", in: html) == count("<desc id=", in: html))
        #expect(count("<svg", in: html) == count("<title id=", in: html))
    }

    @Test func hostileStringsAreEscaped() throws {
        var groups = try fixtureGroups()
        for g in groups.indices {
            for s in groups[g].sets.indices {
                var set = groups[g].sets[s].set
                set.environment.hostname = hostile
                set.environment.kernel = hostile
                set.environment.configuration.reasons = [hostile]
                set.environment.cpu.model = hostile
                set.environment.devices = [Device(name: hostile, kind: "network", bus: "pci", pciAddress: nil, pciID: nil, driver: hostile, path: "virtio", reason: hostile)]
                set.environment.mitigations = [hostile: hostile]
                set.skipped = [SkippedBenchmark(benchmark: hostile, params: [hostile: hostile], reason: hostile)]
                set.warnings = [hostile]
                set.results[0].warnings = [hostile]
                set.results[0].params = ["peer": hostile]
                groups[g].sets[s].set = set
                groups[g].sets[s].path = hostile + ".json"
            }
        }
        let (html, c) = try page(groups)
        #expect(xmlError(html) == nil)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"))
        // The CPU model and kernel differ from nothing now, but the hostname shows in every column header.
        #expect(count("&lt;script&gt;", in: html) >= 10)
        #expect(c?.rows.contains { $0.paramsText.contains("<script>") } == true)

        // A hostile label too (labels are free text given to `run --label`).
        for g in groups.indices {
            for s in groups[g].sets.indices { groups[g].sets[s].set.label = hostile + groups[g].name }
        }
        let relabelled = groupByLabel(groups.flatMap(\.sets))
        let (html2, _) = try page(relabelled, baseline: hostile + "bare-metal")
        #expect(xmlError(html2) == nil)
        #expect(!html2.contains("<script>"))
    }

    @Test func oneChartAndOneTablePerCategory() throws {
        let (html, c) = try page(try fixtureGroups())
        let comparison = try #require(c)
        let categories = Set(comparison.rows.map(\.category))
        #expect(!categories.isEmpty)
        for cat in categories {
            #expect(html.contains("<section id=\"cat-\(cat)\" class=\"category\">"))
            #expect(html.contains("id=\"chart-\(cat)\""))
        }
        #expect(html.contains("id=\"chart-categories\""))
        // Reveals lines come from the catalog.
        let sysNull = try #require(Catalog.registry.benchmark(id: "sys.null")).info
        #expect(html.contains(escapeHTML(sysNull.reveals)))
        // One-sided and skipped benchmarks are listed.
        for m in comparison.missing { #expect(html.contains("<td>\(escapeHTML(m.benchmark))</td>")) }
        #expect(html.contains("<section id=\"skipped\">"))
    }

    @Test func numbersMatchCompare() throws {
        let groups = try fixtureGroups()
        let (html, c) = try page(groups)
        let comparison = try #require(c)
        // The same inputs through `compare --format csv`: the page's numbers are those of compare.
        let csv = try (try OverheadBench.parseAsRoot(["compare", compareFixture("bare-metal.json"), compareFixture("vm.json"), "--format", "csv"])
            as? OverheadBench.Compare).map { try $0.output() } ?? ""
        for r in comparison.rows {
            #expect(csv.contains("\(r.benchmark),"))
            let cells = [
                r.configuration, OverheadModel.formatFigure(r.baselineMedian), OverheadModel.formatFigure(r.median), r.unit, OverheadModel.formatPercent(r.overheadPct),
                OverheadReport.formatInterval(r.ciLowPct, r.ciHighPct), OverheadReport.formatP(r.qValue), verdictWords(r.verdict),
            ].map(escapeHTML)
            // The cells appear in this order within one table row.
            let rowText = html.components(separatedBy: "<tr>").first { row in
                var rest = Substring(row)
                for cell in cells {
                    guard let range = rest.range(of: ">\(cell)</td>") else { return false }
                    rest = rest[range.upperBound...]
                }
                return true
            }
            #expect(rowText != nil, "row of \(r.benchmark) \(r.paramsText) not found")
        }
        for s in comparison.categories {
            #expect(html.contains(escapeHTML(OverheadReport.formatInterval(s.ciLowPct, s.ciHighPct))))
        }
        // The overhead chart's bars: one per row, each with its verdict's class.
        #expect(count("<rect class=\"bar v-", in: html) >= comparison.rows.count + comparison.categories.count)
    }

    @Test func environmentDifferencesAreWarnedAbout() throws {
        var groups = try fixtureGroups()
        groups[1].sets[0].set.environment.kernel = "9.9.9-other"
        let (html, c) = try page(groups)
        #expect(c?.environmentDifferences.contains { $0.attribute == "kernel" } == true)
        #expect(html.contains("<div class=\"warning\" role=\"note\">"))
        #expect(html.contains("9.9.9-other"))
        #expect(html.contains("<tr class=\"differs\"><th scope=\"row\">kernel<br/><span class=\"flag\">differs</span></th>"))
    }

    @Test func memoryLatencyAndBandwidthLines() throws {
        let groups = groupByLabel([
            try memorySet(label: "bare-metal", id: "a", scale: 1), try memorySet(label: "vm", id: "b", scale: 1.1),
        ])
        let (html, c) = try page(groups)
        #expect(xmlError(html) == nil)
        #expect(c?.rows.count == 10)
        #expect(html.contains("id=\"chart-mem-lat\""))
        #expect(html.contains("id=\"chart-mem-bw-triad\""))
        // Latency: one line per configuration × page size; bandwidth: one per configuration.
        let lat = try #require(html.components(separatedBy: "id=\"chart-mem-lat\"").last?.components(separatedBy: "</svg>").first)
        #expect(count("<polyline", in: lat) == 4)
        #expect(lat.contains("vm · 2 MiB pages"))
        #expect(lat.contains("L1 48K"))
        let bw = try #require(html.components(separatedBy: "id=\"chart-mem-bw-triad\"").last?.components(separatedBy: "</svg>").first)
        #expect(count("<polyline", in: bw) == 2)
        // `threads=all` is placed at the number of pinned CPUs.
        #expect(bw.contains(">2</text>"))
    }

    @Test func singleConfigurationShowsFigures() throws {
        let input = try loadResultSets(paths: [compareFixture("vm.json")])
        let groups = groupByLabel(input.sets)
        let (html, c) = try page(groups, baseline: nil)
        #expect(c == nil)
        #expect(xmlError(html) == nil)
        #expect(html.contains("One configuration only"))
        for r in input.sets[0].set.results {
            // compare's figure: the median of the replicate medians, and their robust spread.
            #expect(html.contains("<td class=\"num\">\(OverheadModel.formatFigure(r.medianOfReplicates))</td>"), "median of \(r.benchmark)")
            #expect(html.contains(String(format: "%.1f%%", robustCV(r.replicateMedians) * 100)), "spread of \(r.benchmark)")
            #expect(html.contains("id=\"chart-\(category(of: r.benchmark))\""))
        }
        #expect(html.contains("<th scope=\"col\">spread</th>") || html.contains(">spread<"))
        #expect(!html.contains("v-overhead\""))
    }

    @Test func matchesGolden() throws {
        // Independent of where the checkout lives and of benchmarks added later: the fixture's own
        // ids get fixed descriptions, and the repository path becomes a placeholder.
        let groups = try fixtureGroups()
        let ids = Set(groups.flatMap { $0.sets.flatMap { $0.set.results.map(\.benchmark) } })
        let infos = ids.sorted().map {
            BenchmarkInfo(id: $0, summary: "summary of \($0)", reveals: "what \($0) reveals", params: [], metric: "m", unit: "u", better: .lower)
        }
        let c = try compare(groups: groups, baseline: "bare-metal")
        let html = renderReport(ReportInput(groups: groups, comparison: c, benchmarks: infos))
            .replacingOccurrences(of: repoRoot.path, with: "REPO")
        let golden = reportFixtures.appendingPathComponent("golden.html")
        if ProcessInfo.processInfo.environment["UPDATE_REPORT_GOLDEN"] != nil {
            try html.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(html == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test func hundredSetsRenderQuickly() throws {
        var sets: [LoadedSet] = []
        var rng = SplitMix64(seed: 7)
        for i in 0..<100 {
            let label = i % 2 == 0 ? "bare-metal" : "vm"
            var results: [(String, [String: String], String, Better, [Double])] = []
            for b in 0..<20 {
                results.append(("cpu.b\(b)", [:], "ns", .lower, normalSamples(6, mean: 100 + Double(i % 2) * 3, sd: 1, rng: &rng)))
            }
            sets.append(try syntheticSet(label: label, id: "set-\(i)", results: results))
        }
        // The speed goal lives in scripts/bench-compare (a benchmark, not a timed test).
        let (html, c) = try page(groupByLabel(sets))
        #expect(c?.rows.count == 20)
        #expect(html.contains("sets 50/50"))
        // 300 replicates a side of a 3% shift: every interval is narrow, around +3%, and inside the
        // ±5% minimum effect, so the rows are equivalent (a difference too small to matter), not overhead.
        #expect(c?.rows.allSatisfy { $0.verdict == .equivalent && $0.baselineReplicates == 300 && abs(($0.overheadPct ?? 0) - 3) < 1 } == true)
    }
}

/// An interval far wider than the cut axis is marked at the edge and given in full in the tooltip
/// (a reader saw a ±25% whisker for an interval of [-79%, +748%]).
@Suite struct ChartClippingTests {
    @Test func clippedIntervalIsMarkedAndStatedInFull() {
        let small = (0..<8).map { BarGroup(label: "b\($0)", bars: [Bar(series: "vm", value: 2, low: 1, high: 3, cssClass: "v-equivalent", annotation: "+2.0%")]) }
        let wide = BarGroup(label: "mem.lat 4M", bars: [Bar(series: "vm", value: 5, low: -79.1, high: 747.6, cssClass: "v-inconclusive", annotation: "+5.0% inconclusive")])
        let svg = barChart(id: "c", title: "t", axisLabel: "overhead", groups: small + [wide], legend: [], description: "d")
        #expect(svg.contains("interval [-79.1%, +747.6%]"))
        #expect(svg.contains(">›</text>"))
        #expect(svg.contains("› or ‹ a longer interval"))
    }
}

@Suite struct ReportCLITests {
    func command(_ args: [String]) throws -> OverheadBench.Report {
        try #require(try OverheadBench.parseAsRoot(["report"] + args) as? OverheadBench.Report)
    }

    @Test func writesOnceAndOverwritesOnlyWithForce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r.html").path
        let inputs = [compareFixture("bare-metal.json"), compareFixture("vm.json")]
        try command(inputs + ["--output", out]).run()
        let first = try String(contentsOfFile: out, encoding: .utf8)
        #expect(first.contains("<h1>Hypervisor overhead report</h1>"))
        #expect(first.contains("generated "))
        try "keep".write(toFile: out, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try command(inputs + ["--output", out]).run() }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep")
        try command(inputs + ["--output", out, "--force"]).run()
        #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    }

    @Test func baselineAndErrors() throws {
        let inputs = [compareFixture("bare-metal.json"), compareFixture("vm.json")]
        let html = try command(inputs + ["--output", "-", "--baseline", "vm"]).render(generatedAt: nil)
        #expect(html.contains("Baseline: <strong>vm</strong>"))
        #expect(throws: CompareError.self) { try command(inputs + ["--output", "-", "--baseline", "nope"]).render(generatedAt: nil) }
        #expect(throws: CompareError.self) { try command([compareFixture("vm.json"), "--output", "-", "--baseline", "nope"]).render(generatedAt: nil) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["report", compareFixture("vm.json")]) }
    }
}

@Suite struct ReportMatrixTests {
    func result(_ id: String, _ params: [String: String], unit: String, better: Better, median: Double, derived: [String: Double]) throws -> BenchmarkResult {
        let samples = [median * 0.99, median, median * 1.01, median, median]
        return BenchmarkResult(
            benchmark: id, params: params, metric: "m", unit: unit, better: better, samples: samples, summary: try summarize(samples),
            counters: nil, warnings: [], iterationsPerSample: 1, overheadNsPerOp: nil, cpus: [0],
            conditions: RunConditions(measuredSeconds: 1, stealPercent: 0, involuntaryContextSwitches: 0, voluntaryContextSwitches: 0),
            details: nil, derived: derived, replicates: oneReplicatePerSample(samples))
    }

    @Test func numaHeatmapAndPercentilesAreDrawn() throws {
        var set = try sampleResultSet()
        set.label = "two-node <host>"
        set.results = [
            try result("numa.lat", ["cpuNode": "0", "memNode": "0"], unit: "ns", better: .lower, median: 100, derived: ["ratioToLocal": 1, "slitDistance": 10]),
            try result("numa.lat", ["cpuNode": "0", "memNode": "1"], unit: "ns", better: .lower, median: 180, derived: ["ratioToLocal": 1.8, "slitDistance": 21]),
            try result("numa.lat", ["cpuNode": "1", "memNode": "0"], unit: "ns", better: .lower, median: 175, derived: ["ratioToLocal": 1.75, "slitDistance": 21]),
            try result("numa.lat", ["cpuNode": "1", "memNode": "1"], unit: "ns", better: .lower, median: 101, derived: ["ratioToLocal": 1, "slitDistance": 10]),
            try result("io.randread", ["direct": "true", "qd": "1"], unit: "IOPS", better: .higher, median: 14_000, derived: ["p50Us": 63, "p99Us": 382, "p999Us": 2826, "latencyOps": 500]),
            try result("io.randread", ["direct": "true", "qd": "32"], unit: "IOPS", better: .higher, median: 90_000, derived: ["p50Us": 300, "p99Us": 1234, "p999Us": 5000, "latencyOps": 20_000]),
        ]
        let groups = [SetGroup(name: set.label, sets: [LoadedSet(path: "x.json", set: set)])]
        let html = renderReport(ReportInput(groups: groups, comparison: nil, benchmarks: Catalog.registry.benchmarks.map(\.info)))
        #expect(xmlError(html) == nil)
        let heat = try #require(html.components(separatedBy: "id=\"chart-two-node--host--numa-lat\"").last?.components(separatedBy: "</svg>").first)
        #expect(heat.components(separatedBy: "<rect").count - 1 == 4)
        #expect(heat.contains("×1.80 SLIT 21"))
        #expect(heat.contains("cpu 1 → mem 0: 175.0 ns, 1.75× local SLIT 21"))
        #expect(!html.contains("<host>"))
        #expect(html.contains("Latency percentiles (µs)"))
        // 500 operations support the median, not p99 (1,000) or p99.9 (10,000); 20,000 support all three.
        #expect(html.contains("<td class=\"num\">63.00</td><td class=\"num\">– (too few ops)</td><td class=\"num\">– (too few ops)</td>"))
        #expect(html.contains("<td class=\"num\">1234</td><td class=\"num\">5000</td>"))
        #expect(!percentileSupported(0.999, operations: 9_999) && percentileSupported(0.999, operations: 10_000))
        #expect(percentileSupported(0.5, operations: nil) && !percentileSupported(0.99, operations: nil))
    }
}

/// Issue 20: the page says how much is noisy and what the data resolves, and shows explain's findings.
@Suite struct ReportHonestyTests {
    @Test func dataQualityLineAndFindingsWithEvidence() throws {
        let groups = groupByLabel(try loadResultSets(paths: [compareFixture("bare-metal.json"), compareFixture("vm.json")]).sets)
        let c = try compare(groups: groups, baseline: "bare-metal")
        var evidence = EvidenceRow(try #require(c.rows.first), baselineStealPct: nil, stealPct: nil)
        evidence.benchmark = "timer.clock_gettime"
        evidence.params = "clock=monotonic"
        evidence.unit = "ns"
        (evidence.baselineMedian, evidence.median, evidence.overheadPct, evidence.ciLowPct, evidence.ciHighPct) = (20, 2000, 9900, 9000, 11000)
        (evidence.verdict, evidence.noisy) = (.overhead, false)
        let finding = Finding(
            id: "clocksource", title: "clocksource <hpet>", severity: .critical, severityBasis: "test", configuration: "vm", baseline: "bare-metal",
            evidence: [evidence], facts: ["clocksource: hpet (vm)"], cause: "no vDSO", remedy: "use kvm-clock", reference: "kernel docs")
        let html = renderReport(ReportInput(groups: groups, comparison: c, benchmarks: [], findings: [finding]))
        #expect(xmlError(html) == nil)
        #expect(html.contains("Data quality: "))
        #expect(html.contains("rows noisy"))
        #expect(html.contains("minimum detectable effect"))
        #expect(html.contains("<section id=\"findings\">"))
        #expect(html.contains("CRITICAL</span> clocksource &lt;hpet&gt;"))
        #expect(html.contains("timer.clock_gettime clock=monotonic"))
        #expect(html.contains("<strong>Remedy:</strong> use kvm-clock"))
        // Without findings the section says so rather than vanishing.
        let none = renderReport(ReportInput(groups: groups, comparison: c, benchmarks: []))
        #expect(none.contains("finds nothing notable"))
    }

    /// 59 rows with 6 replicates a side: 2/C(12, 6) ≈ 0.0022 is above 0.05/59 ≈ 0.00085, so no row has
    /// an MDE, and the page must ask for 7 a side (2/C(14, 7) ≈ 0.00058), not the verdict floor of 5.
    @Test func replicateAdviceFollowsRowCountAndAlpha() throws {
        func side(_ label: String, _ shift: Double) throws -> LoadedSet {
            try syntheticSet(label: label, id: label, results: (0..<59).map { b in
                ("cpu.b\(b)", [:], "ns", .lower, (0..<6).map { 100 + shift + Double($0) * 0.5 })
            })
        }
        let groups = groupByLabel([try side("bare-metal", 0), try side("vm", 1)])
        let c = try compare(groups: groups, baseline: "bare-metal")
        #expect(c.rows.count == 59 && c.rows.allSatisfy { $0.mdePct == nil && $0.baselineReplicates == 6 })
        let html = renderReport(ReportInput(groups: groups, comparison: c, benchmarks: []))
        #expect(html.contains("must be below 0.05/59, which takes 7 replicates a side; rerun with at least 7."), "\(html)")
        #expect(!html.contains("at least 5 replicates"))
        // One row: the rank test alone needs 4, below the verdict floor of 5, which the advice keeps.
        let one = groupByLabel([
            try syntheticSet(label: "bare-metal", id: "a", results: [("cpu.b", [:], "ns", .lower, [1, 2, 3])]),
            try syntheticSet(label: "vm", id: "b", results: [("cpu.b", [:], "ns", .lower, [1, 2, 3])]),
        ])
        let small = renderReport(ReportInput(groups: one, comparison: try compare(groups: one, baseline: "bare-metal"), benchmarks: []))
        #expect(small.contains("which takes 4 replicates a side (a verdict needs 5); rerun with at least 5."))
    }
}
