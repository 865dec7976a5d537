import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCompare
@testable import OverheadModel

@Suite struct CompareTests {
    func fixtureComparison(baseline: String? = nil, seed: UInt64 = 1) throws -> Comparison {
        // vm first: the default baseline is still bare-metal.
        let input = try loadResultSets(paths: [compareFixture("vm.json"), compareFixture("bare-metal.json")])
        let groups = groupByLabel(input.sets)
        #expect(groups.map(\.name) == ["vm", "bare-metal"])
        return try compare(groups: groups, baseline: baseline ?? defaultBaseline(groups)!, options: CompareOptions(seed: seed))
    }

    func row(_ c: Comparison, _ benchmark: String) -> ComparisonRow? { c.rows.first { $0.benchmark == benchmark } }

    @Test func fixedDataGivesExactFigures() throws {
        let c = try fixtureComparison()
        #expect(c.baseline.label == "bare-metal")
        #expect(c.configurations.map(\.label) == ["vm"])
        #expect(c.rows.map(\.benchmark) == ["sys.null", "mem.bw.triad", "timer.rdtsc", "ctx.yield"])

        let null = try #require(row(c, "sys.null"))
        #expect(null.baselineMedian == 103 && null.median == 113)
        #expect(abs(null.overheadPct! - (113.0 / 103 - 1) * 100) < 1e-12)
        #expect(abs(null.pValue! - 2.0 / 3432) < 1e-15)
        #expect(null.verdict == .overhead)
        // Seeded: the interval ends are ratios of order statistics (112/105 and 114/101).
        #expect(abs(null.ciLowPct! - (112.0 / 105 - 1) * 100) < 1e-9)
        #expect(abs(null.ciHighPct! - (114.0 / 101 - 1) * 100) < 1e-9)
        #expect(!null.noisy)
        #expect(null.baselineN == 7 && null.n == 7 && null.baselineSets == 1 && null.sets == 1)

        // Higher is better, MB/s converted to the baseline's GB/s.
        let triad = try #require(row(c, "mem.bw.triad"))
        #expect(triad.unit == "GB/s" && triad.paramsText == "threads=2")
        #expect(abs(triad.median - 9.25) < 1e-12)
        #expect(abs(triad.overheadPct! - (10.25 / 9.25 - 1) * 100) < 1e-9)
        #expect(abs(triad.pValue! - 2.0 / 924) < 1e-15)
        #expect(triad.verdict == .overhead)
        #expect(triad.ciLowPct! < triad.overheadPct! && triad.overheadPct! < triad.ciHighPct!)
        #expect(c.notes.contains { $0.contains("reports MB/s; converted to GB/s") })

        let rdtsc = try #require(row(c, "timer.rdtsc"))
        #expect(rdtsc.overheadPct == 0 && rdtsc.ciLowPct == 0 && rdtsc.ciHighPct == 0 && rdtsc.pValue == 1)
        // Identical on both sides: the interval [0, 0] lies inside ±5%.
        #expect(rdtsc.verdict == .equivalent)
        #expect(rdtsc.qValue == 1)

        let yield = try #require(row(c, "ctx.yield"))
        #expect(yield.verdict == .insufficientData)
        #expect(yield.ciLowPct == nil && yield.ciHighPct == nil)
        #expect(abs(yield.overheadPct! - (615.0 / 515 - 1) * 100) < 1e-9)

        #expect(c.missing == [
            MissingBenchmark(benchmark: "cpu.cpuid", paramsText: "", presentIn: ["bare-metal"], missingFrom: ["vm"]),
            MissingBenchmark(benchmark: "net.tcp_rr", paramsText: "peer=a,b", presentIn: ["vm"], missingFrom: ["bare-metal"]),
        ])
        #expect(c.environmentDifferences.map(\.attribute) == ["clocksource"])
        #expect(c.environmentDifferences[0].description == "clocksource: tsc (bare-metal); kvm-clock (vm)")
    }

    @Test func categoriesAreGeometricMeans() throws {
        let c = try fixtureComparison()
        #expect(c.categories.map(\.category) == ["sys", "mem", "timer", "all"])
        let all = try #require(c.categories.last)
        // ctx.yield (insufficient data) is left out.
        #expect(all.benchmarks == 3)
        let expected = (exp((log(113.0 / 103) + log(10.25 / 9.25) + log(1.0)) / 3) - 1) * 100
        #expect(abs(all.overheadPct - expected) < 1e-9)
        #expect(all.ciLowPct! < expected && expected < all.ciHighPct!)
        #expect(all.verdict == .overhead)
        #expect(c.categories[2].verdict == .equivalent)
    }

    @Test func baselineCanBeChosen() throws {
        let c = try fixtureComparison(baseline: "vm")
        let null = try #require(row(c, "sys.null"))
        #expect(abs(null.overheadPct! - (103.0 / 113 - 1) * 100) < 1e-12)
        #expect(null.verdict == .improvement)
        #expect(throws: CompareError.unknownBaseline("kvm", available: ["vm", "bare-metal"])) { try fixtureComparisonThrowing("kvm") }
    }

    func fixtureComparisonThrowing(_ baseline: String) throws {
        _ = try fixtureComparison(baseline: baseline)
    }

    @Test func seedChangesOnlyTheIntervals() throws {
        let a = try fixtureComparison(seed: 1)
        let b = try fixtureComparison(seed: 1)
        let c = try fixtureComparison(seed: 7)
        #expect(a == b)
        #expect(a.rows.map(\.overheadPct) == c.rows.map(\.overheadPct))
        #expect(a.rows.map(\.pValue) == c.rows.map(\.pValue))
    }

    /// Done means: a +10% shift is reported as overhead of 8–12% with a CI that contains 10%.
    @Test(arguments: [Better.lower, .higher])
    func tenPercentShiftIsFound(better: Better) throws {
        var rng = SplitMix64(seed: 2026)
        let base = normalSamples(30, mean: 100, sd: 1.5, rng: &rng)
        let other = normalSamples(30, mean: 100, sd: 1.5, rng: &rng).map { better == .lower ? $0 * 1.1 : $0 / 1.1 }
        let a = try syntheticSet(label: "bare-metal", id: "a", results: [("sys.null", [:], "ns", better, base)])
        let b = try syntheticSet(label: "vm", id: "b", results: [("sys.null", [:], "ns", better, other)])
        let c = try compare(groups: groupByLabel([a, b]), baseline: "bare-metal")
        let r = try #require(c.rows.first)
        #expect(r.verdict == .overhead)
        #expect(r.overheadPct! >= 8 && r.overheadPct! <= 12)
        #expect(r.ciLowPct! <= 10 && 10 <= r.ciHighPct!)
        #expect(r.pValue! < 0.001)
    }

    /// 200 A/A comparisons of independent replicates (same distribution, different data and seeds),
    /// with no minimum effect: the false-positive rate stays at or below α (10 of 200, plus tolerance).
    @Test func aaFalsePositiveRateIsAtMostAlpha() throws {
        var falsePositives = 0
        for trial in 0..<200 {
            var rng = SplitMix64(seed: 10_000 + UInt64(trial))
            let a = try syntheticSet(label: "one", id: "a\(trial)", results: [("sys.null", [:], "ns", .lower, normalSamples(8, mean: 100, sd: 3, rng: &rng))])
            let b = try syntheticSet(label: "two", id: "b\(trial)", results: [("sys.null", [:], "ns", .lower, normalSamples(8, mean: 100, sd: 3, rng: &rng))])
            let c = try compare(groups: groupByLabel([a, b]), baseline: "one", options: CompareOptions(resamples: 500, seed: UInt64(trial) + 1, minEffectPct: 0))
            if c.rows[0].verdict == .overhead || c.rows[0].verdict == .improvement { falsePositives += 1 }
        }
        #expect(falsePositives <= 14, "\(falsePositives) of 200 A/A comparisons flagged")
    }

    @Test func setsWithOneLabelArePooled() throws {
        let a1 = try syntheticSet(label: "bare-metal", id: "a1", results: [("sys.null", [:], "ns", .lower, [10, 11, 12, 13, 14])])
        let a2 = try syntheticSet(label: "bare-metal", id: "a2", results: [("sys.null", [:], "ns", .lower, [20, 21, 22, 23, 24])])
        let b = try syntheticSet(label: "vm", id: "b", results: [("sys.null", [:], "ns", .lower, [15, 16, 17, 18, 19])])
        let c = try compare(groups: groupByLabel([b, a1, a2]), baseline: "bare-metal")
        let r = c.rows[0]
        #expect(c.baseline.sets == 2 && c.baseline.setIDs == ["a1", "a2"])
        #expect(r.baselineN == 10 && r.baselineSets == 2 && r.n == 5)
        #expect(r.baselineReplicates == 10 && r.replicates == 5)
        // Median of the replicate medians 10..14 and 20..24.
        #expect(r.baselineMedian == 17)
        // Between-run spread shows in the spread and widens the interval past ±5%: no claim either way.
        #expect(r.noisy)
        #expect(r.verdict == .inconclusive)
        #expect(r.ciLowPct! < -5 && r.ciHighPct! > 5)
    }

    @Test func incompatibleUnitsAreRefused() throws {
        let a = try syntheticSet(label: "bare-metal", id: "a", results: [("sys.null", [:], "ns", .lower, [1, 2, 3, 4, 5])])
        let b = try syntheticSet(label: "vm", id: "b", results: [("sys.null", [:], "GB/s", .lower, [1, 2, 3, 4, 5])])
        #expect(throws: CompareError.incompatibleUnits(benchmark: "sys.null", params: "", unit: "ns", source: "a.json", otherUnit: "GB/s", otherSource: "b.json")) {
            try compare(groups: groupByLabel([a, b]), baseline: "bare-metal")
        }
        let text = CompareError.incompatibleUnits(benchmark: "sys.null", params: "", unit: "ns", source: "a.json", otherUnit: "GB/s", otherSource: "b.json").description
        #expect(text == "sys.null: reported in ns by a.json but in GB/s by b.json; these units cannot be converted, so the results cannot be compared")
        let c = try syntheticSet(label: "vm", id: "c", results: [("sys.null", [:], "ns", .higher, [1, 2, 3, 4, 5])])
        #expect(throws: CompareError.self) { try compare(groups: groupByLabel([a, c]), baseline: "bare-metal") }
    }

    @Test func oneLabelIsNotAComparison() throws {
        let a = try syntheticSet(label: "vm", id: "a", results: [("sys.null", [:], "ns", .lower, [1, 2, 3, 4, 5])])
        #expect(throws: CompareError.singleConfiguration("vm")) { try compare(groups: groupByLabel([a]), baseline: "vm") }
    }

    @Test func zeroMedianIsInsufficientData() throws {
        let a = try syntheticSet(label: "bare-metal", id: "a", results: [("timer.rdtsc", [:], "ns", .lower, [0, 0, 0, 0, 0, 1])])
        let b = try syntheticSet(label: "vm", id: "b", results: [("timer.rdtsc", [:], "ns", .lower, [5, 5, 5, 6, 6, 6])])
        let r = try compare(groups: groupByLabel([a, b]), baseline: "bare-metal").rows[0]
        #expect(r.verdict == .insufficientData && r.overheadPct == nil && r.ciLowPct == nil)
        #expect(r.notes == ["a median is 0 or negative, so the ratio is undefined"])
    }

    @Test func optionsAreChecked() throws {
        let a = try syntheticSet(label: "a", id: "a", results: [])
        let b = try syntheticSet(label: "b", id: "b", results: [])
        #expect(throws: CompareError.self) { try compare(groups: groupByLabel([a, b]), baseline: "a", options: CompareOptions(resamples: 10)) }
        #expect(throws: CompareError.self) { try compare(groups: groupByLabel([a, b]), baseline: "a", options: CompareOptions(alpha: 1.5)) }
    }

    @Test func environmentDifferencesNameLabelsAndCounts() throws {
        var a = try syntheticSet(label: "bare-metal", id: "a", results: [])
        var b = try syntheticSet(label: "vm", id: "b", results: [])
        var c = try syntheticSet(label: "vm", id: "c", results: [])
        a.set.environment.kernel = "6.1.0"
        b.set.environment.kernel = "6.8.0"
        c.set.environment.kernel = "6.8.0"
        c.set.workload.replicates = 9
        let d = environmentDifferences(groupByLabel([a, b, c]))
        #expect(d.map(\.attribute) == ["kernel", "workload settings"])
        #expect(d[0].description == "kernel: 6.1.0 (bare-metal); 6.8.0 (vm ×2)")
    }

    @Test func badFilesAreNamed() {
        let names = ["truncated.json", "not-json.json", "version9.json", "nan.json", "empty-samples.json", "wrong-type.json"]
        let expected = [
            "truncated.json: not valid JSON", "not-json.json: not valid JSON", "version9.json: schemaVersion 9 is not supported",
            "nan.json: not valid JSON", "empty-samples.json: invalid result set: results[0] (sys.null) has no samples",
            "wrong-type.json: invalid result set: wrong type at .results[1].unit",
        ]
        for (name, text) in zip(names, expected) {
            do {
                _ = try loadResultSets(paths: [compareFixture("bare-metal.json"), compareFixture("bad/\(name)")])
                Issue.record("\(name) was accepted")
            } catch {
                #expect(error.description.hasPrefix(compareFixture("bad") + "/" + text), "\(error.description)")
            }
        }
        // A directory: every bad file is reported, in path order.
        do {
            _ = try loadResultSets(paths: [compareFixture("bad")])
            Issue.record("bad/ was accepted")
        } catch {
            #expect(error.description.split(separator: "\n").count == 6)
        }
        #expect(throws: CompareError.missingPath("/no/such.json")) { try loadResultSets(paths: ["/no/such.json"]) }
        #expect(throws: CompareError.noInput) { try loadResultSets(paths: []) }
    }

    @Test func directoriesAreSearchedAndDuplicatesCountedOnce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ob-cmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("nested"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: compareFixture("bare-metal.json"), toPath: dir.appendingPathComponent("nested/bm.json").path)
        try FileManager.default.copyItem(atPath: compareFixture("vm.json"), toPath: dir.appendingPathComponent("vm.json").path)
        try Data("not a result set".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let input = try loadResultSets(paths: [dir.path, compareFixture("vm.json")])
        #expect(input.sets.map(\.set.label) == ["bare-metal", "vm"])
        #expect(input.notes.count == 1 && input.notes[0].contains("counted once"))
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: CompareError.emptyDirectory(empty.path)) { try loadResultSets(paths: [empty.path]) }
    }

    @Test func diffOutcomes() throws {
        let c = try fixtureComparison()
        #expect(summarizeDiff(c).outcome == .regressed && summarizeDiff(c).exitStatus == .regression)
        #expect(summarizeDiff(c).regressions.map(\.benchmark) == ["sys.null", "mem.bw.triad"])
        let reverse = try fixtureComparison(baseline: "vm")
        #expect(summarizeDiff(reverse).outcome == .improvedOnly)
        #expect(summarizeDiff(reverse).exitStatus == .success)
        #expect(summarizeDiff(reverse, failOn: .any).exitStatus == .improvementOnly)
    }
}

@Suite struct CompareCategoryTests {
    /// Three small shifts, none significant alone: the category says what the data shows, weighing
    /// each benchmark id once.
    @Test func categoryWeighsEachBenchmarkOnce() throws {
        let base: [Double] = [100, 103, 97, 101.5, 98.5, 100.2]
        let shifted = base.map { $0 * 0.98 }
        // timer.a has three parameter rows, all shifted; timer.b one row, not shifted.
        let a = try syntheticSet(label: "bare-metal", id: "a", results: [
            ("timer.a", ["k": "1"], "ns", .lower, base), ("timer.a", ["k": "2"], "ns", .lower, base), ("timer.a", ["k": "3"], "ns", .lower, base),
            ("timer.b", [:], "ns", .lower, base)])
        let b = try syntheticSet(label: "vm", id: "b", results: [
            ("timer.a", ["k": "1"], "ns", .lower, shifted), ("timer.a", ["k": "2"], "ns", .lower, shifted), ("timer.a", ["k": "3"], "ns", .lower, shifted),
            ("timer.b", [:], "ns", .lower, base)])
        let c = try compare(groups: groupByLabel([a, b]), baseline: "bare-metal")
        let timer = try #require(c.categories.first)
        #expect(timer.category == "timer" && timer.benchmarks == 2 && timer.rows == 4)
        // log mean over ids: (log 0.98 + log 1) / 2, not (3·log 0.98 + log 1) / 4.
        #expect(abs(timer.overheadPct - (0.98.squareRoot() - 1) * 100) < 1e-9)
        // A 1% change cannot be an improvement at a 5% minimum effect.
        #expect(timer.verdict != .improvement && timer.verdict != .overhead)
    }
}
