import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCompare
@testable import OverheadModel

/// The inference on replicates: hierarchical bootstrap, false-discovery control, minimum detectable
/// effect, verdict boundaries, version-1 sets and an A/A simulation with correlated replicates.
@Suite struct CompareInferenceTests {
    // MARK: Benjamini–Hochberg

    @Test func benjaminiHochbergMatchesHandComputation() {
        // Sorted 0.005, 0.01, 0.03, 0.04 (m = 4): m·p/rank = 0.02, 0.02, 0.04, 0.04; running minimum
        // from the top leaves them so. nil is not a test and is not counted.
        let q = benjaminiHochberg([0.01, 0.04, nil, 0.03, 0.005])
        let expected: [Double?] = [0.02, 0.04, nil, 0.04, 0.02]
        for (a, b) in zip(q, expected) {
            if let b { #expect(abs(a! - b) < 1e-15) } else { #expect(a == nil) }
        }
        // R: p.adjust(c(0.02, 0.03, 0.5), "BH") = 0.045 0.045 0.5 (the running minimum at work).
        let r = benjaminiHochberg([0.02, 0.03, 0.5]).map { $0! }
        #expect(abs(r[0] - 0.045) < 1e-15 && abs(r[1] - 0.045) < 1e-15 && r[2] == 0.5)
        // Capped at 1.
        #expect(benjaminiHochberg([0.9, 0.8])[0] == 0.9 && benjaminiHochberg([1, 1])[1] == 1)
        #expect(benjaminiHochberg([]).isEmpty)
    }

    // MARK: Quantiles and MDE

    @Test func quantilesMatchTables() {
        #expect(abs(normalQuantile(0.975) - 1.959963985) < 1e-8)
        #expect(abs(normalQuantile(0.8) - 0.841621234) < 1e-8)
        #expect(abs(normalQuantile(0.001) + 3.090232306) < 1e-7)
        // Student's t tables (df 8, 10, 30).
        #expect(abs(tQuantile(0.975, df: 8) - 2.306004) < 2e-3)
        #expect(abs(tQuantile(0.975, df: 10) - 2.228139) < 1e-3)
        #expect(abs(tQuantile(0.8, df: 10) - 0.879058) < 1e-4)
        #expect(abs(tQuantile(0.975, df: 30) - 2.042272) < 1e-4)
    }

    @Test func minimumDetectableEffectFollowsItsFormula() throws {
        // Logs 0, .01, .02, .03, .04 on both sides: sd = √(0.001/4) = 0.0158114; se = sd·√(2/5) =
        // 0.0100000; δ = (t₀.₉₇₅,₈ + t₀.₈,₈)·se = (2.306004 + 0.888890)·0.01 = 0.0319489; MDE = e^δ − 1.
        let logs = [0, 0.01, 0.02, 0.03, 0.04]
        let mde = try #require(minimumDetectableEffectPct(baseLogs: logs, otherLogs: logs, alpha: 0.05))
        let expected = (exp((2.306004 + 0.888890) * 0.01) - 1) * 100
        #expect(abs(mde - expected) < 0.01, "\(mde) vs \(expected)")
        // More replicates, smaller MDE; more spread, larger.
        let more = try #require(minimumDetectableEffectPct(baseLogs: logs + logs, otherLogs: logs + logs, alpha: 0.05))
        #expect(more < mde)
        let wide = try #require(minimumDetectableEffectPct(baseLogs: logs.map { $0 * 3 }, otherLogs: logs, alpha: 0.05))
        #expect(wide > mde)
        // One disturbed replicate costs power, and the MDE says so.
        let disturbed = try #require(minimumDetectableEffectPct(baseLogs: logs + [0.3], otherLogs: logs + [0.02], alpha: 0.05))
        #expect(disturbed > 3 * mde)
        // Three a side: the exact rank test cannot reach p < 0.05 (its smallest p is 0.1): no MDE.
        #expect(minimumDetectableEffectPct(baseLogs: [0, 0.01, 0.02], otherLogs: [0, 0.01, 0.02], alpha: 0.05) == nil)
        #expect(abs(minimumMannWhitneyP(3, 3) - 0.1) < 1e-12)
        #expect(abs(minimumMannWhitneyP(6, 6) - 2.0 / 924) < 1e-15)
    }

    /// The MDE a row reports is at its Benjamini–Hochberg level: α/m when nothing moved.
    @Test func rowMDEIsAtTheRowsFalseDiscoveryLevel() throws {
        var rng = SplitMix64(seed: 5)
        var a: [(String, [String: String], String, Better, [Double])] = []
        var b: [(String, [String: String], String, Better, [Double])] = []
        for row in 0..<10 {
            a.append(("sys.r\(row)", [:], "ns", .lower, (0..<8).map { _ in 100 * exp(0.02 * rng.standardNormal()) }))
            b.append(("sys.r\(row)", [:], "ns", .lower, (0..<8).map { _ in 100 * exp(0.02 * rng.standardNormal()) }))
        }
        let c = try compare(groups: groupByLabel([try syntheticSet(label: "a", id: "a", results: a), try syntheticSet(label: "b", id: "b", results: b)]), baseline: "a")
        #expect(c.rows.allSatisfy { $0.verdict != .overhead && $0.verdict != .improvement })
        for (r, (x, y)) in zip(c.rows, zip(a, b)) {
            let expected = minimumDetectableEffectPct(baseLogs: x.4.map { log($0) }, otherLogs: y.4.map { log($0) }, alpha: 0.05 / 10)
            #expect(r.mdePct == expected)
            #expect(r.mdePct! > minimumDetectableEffectPct(baseLogs: x.4.map { log($0) }, otherLogs: y.4.map { log($0) }, alpha: 0.05)!)
        }
    }

    // MARK: Verdict boundaries

    @Test func verdictBoundaries() {
        func v(_ point: Double, _ low: Double?, _ high: Double?, _ q: Double?) -> Verdict {
            decideVerdict(overheadPct: point, ciLowPct: low, ciHighPct: high, qValue: q, alpha: 0.05, minEffectPct: 5)
        }
        #expect(v(10, 6, 14, 0.01) == .overhead)
        #expect(v(5, 1, 9, 0.01) == .overhead)  // at the minimum effect
        #expect(v(4.99, 1, 9, 0.01) == .inconclusive)  // significant but smaller than what matters, CI past +5%
        #expect(v(10, 6, 14, 0.05) == .inconclusive)  // q must be below α
        #expect(v(10, -1, 14, 0.01) == .inconclusive)  // interval crosses 0
        #expect(v(-10, -14, -6, 0.01) == .improvement)
        #expect(v(2, -4.9, 4.9, 0.5) == .equivalent)  // whole interval inside ±5%
        #expect(v(2, -4.9, 5, 0.5) == .inconclusive)  // touching the margin is not inside it
        #expect(v(3, 1, 4.5, 0.001) == .equivalent)  // significant, yet too small to matter
        #expect(v(0, nil, nil, nil) == .inconclusive)
    }

    // MARK: Hierarchical bootstrap

    @Test func hierarchicalCentersAreMediansOfTheDrawnReplicates() {
        // Two sets (3 and 5 replicates) on one side; the counting shortcut must give exactly the
        // median of the values each draw picked.
        let side = Hierarchy(values: [[5, 1, 9], [2, 8, 8, 3, 7]])
        let draws = HierarchicalDraws(replicatesPerSet: [3, 5], resamples: 300, seed: 42)
        let centers = draws.centers(side)
        for (b, draw) in draws.pairs.enumerated() {
            let picked = draw.map { side.values[$0.set][$0.slot % side.values[$0.set].count] }
            #expect(centers[b] == median(picked))
        }
        // Seeded: the same seed gives the same draws, another seed others.
        #expect(HierarchicalDraws(replicatesPerSet: [3, 5], resamples: 300, seed: 42).centers(side) == centers)
        #expect(HierarchicalDraws(replicatesPerSet: [3, 5], resamples: 300, seed: 43).centers(side) != centers)
        // Draws resample sets: some draws hold only one set's replicates (3 or 5 values twice over).
        #expect(draws.pairs.contains { d in d.allSatisfy { $0.set == 0 } })
        #expect(draws.pairs.contains { d in d.allSatisfy { $0.set == 1 } })
        // A set lacking the row is skipped; a draw of only such sets is NaN.
        let partial = Hierarchy(values: [[], [4, 6]])
        let c = draws.centers(partial)
        for (b, draw) in draws.pairs.enumerated() {
            if draw.allSatisfy({ $0.set == 0 }) { #expect(c[b].isNaN) } else { #expect(c[b] >= 4 && c[b] <= 6) }
        }
    }

    /// Two runs of a label that disagree: the between-set level widens the interval beyond what the
    /// replicates within either set would give.
    @Test func betweenSetVarianceWidensTheInterval() throws {
        let tight = (0..<8).map { 100 + Double($0) * 0.1 }
        let a1 = try syntheticSet(label: "base", id: "a1", results: [("sys.null", [:], "ns", .lower, tight)])
        let a2 = try syntheticSet(label: "base", id: "a2", results: [("sys.null", [:], "ns", .lower, tight.map { $0 * 1.06 })])
        let b1 = try syntheticSet(label: "vm", id: "b1", results: [("sys.null", [:], "ns", .lower, tight.map { $0 * 1.03 })])
        let b2 = try syntheticSet(label: "vm", id: "b2", results: [("sys.null", [:], "ns", .lower, tight.map { $0 * 1.03 })])
        let pooled = try compare(groups: groupByLabel([a1, a2, b1, b2]), baseline: "base").rows[0]
        let single = try compare(groups: groupByLabel([a1, b1]), baseline: "base").rows[0]
        #expect(pooled.baselineSets == 2 && pooled.baselineReplicates == 16)
        #expect((pooled.ciHighPct! - pooled.ciLowPct!) > 3 * (single.ciHighPct! - single.ciLowPct!))
        #expect(single.verdict == .equivalent || single.verdict == .inconclusive)
    }

    // MARK: Version 1

    @Test func versionOneSetsCountAsOneReplicateEach() throws {
        var v1 = try syntheticSet(label: "bare-metal", id: "v1a", results: [("sys.null", [:], "ns", .lower, [100, 101, 102, 103, 104, 105])])
        v1.set.schemaVersion = 1
        for i in v1.set.results.indices { v1.set.results[i].replicates = nil }
        var v1b = try syntheticSet(label: "vm", id: "v1b", results: [("sys.null", [:], "ns", .lower, [200, 201, 202, 203, 204, 205])])
        v1b.set.schemaVersion = 1
        for i in v1b.set.results.indices { v1b.set.results[i].replicates = nil }
        let c = try compare(groups: groupByLabel([v1, v1b]), baseline: "bare-metal")
        let r = c.rows[0]
        // Six samples but one replicate a side: no verdict, and the output says why.
        #expect(r.baselineN == 6 && r.baselineReplicates == 1 && r.replicates == 1)
        #expect(r.verdict == .insufficientData)
        #expect(c.notes.contains { $0.contains("schema version 1") && $0.contains("one replicate") })
        // Several version-1 sets of one label pool into enough replicates (each set one observation).
        var sets: [LoadedSet] = []
        for i in 0..<6 {
            for (label, base) in [("bare-metal", 100.0), ("vm", 130.0)] {
                var s = try syntheticSet(label: label, id: "\(label)\(i)", results: [("sys.null", [:], "ns", .lower, [base + Double(i), base + Double(i) + 1])])
                s.set.schemaVersion = 1
                s.set.results[0].replicates = nil
                sets.append(s)
            }
        }
        let pooled = try compare(groups: groupByLabel(sets), baseline: "bare-metal").rows[0]
        #expect(pooled.baselineReplicates == 6 && pooled.baselineSets == 6)
        #expect(pooled.verdict == .overhead)
    }

    // MARK: A/A simulation with correlated replicates

    /// Each replicate disturbs every row it measures alike (a shared effect of 3% sd), on top of 1%
    /// row noise, the way one noisy worker process slows all of its cases. With no minimum effect,
    /// the family-wise rate of any false `overhead`/`improvement` (rows or aggregates) over 100 A/A
    /// comparisons of 20 rows stays at α = 5% within its tolerance (binomial: ≤ 10 of 100).
    @Test func aaWithCorrelatedReplicatesStaysAtAlpha() throws {
        var flagged = 0
        for trial in 0..<100 {
            var rng = SplitMix64(seed: 77_000 + UInt64(trial))
            func side(_ label: String) throws -> LoadedSet {
                let shared = (0..<8).map { _ in exp(0.03 * rng.standardNormal()) }
                var results: [(String, [String: String], String, Better, [Double])] = []
                for row in 0..<20 {
                    let values = shared.map { 100 * $0 * exp(0.01 * rng.standardNormal()) }
                    results.append(("cat\(row % 4).b\(row)", [:], "ns", .lower, values))
                }
                return try syntheticSet(label: label, id: "\(label)-\(trial)", results: results)
            }
            let c = try compare(
                groups: groupByLabel([try side("a"), try side("b")]), baseline: "a",
                options: CompareOptions(resamples: 300, seed: UInt64(trial) + 1, minEffectPct: 0))
            let significant: Set<Verdict> = [.overhead, .improvement]
            if c.rows.contains(where: { significant.contains($0.verdict) }) || c.categories.contains(where: { significant.contains($0.verdict) }) {
                flagged += 1
            }
        }
        #expect(flagged <= 10, "\(flagged) of 100 A/A comparisons had a significant row or aggregate")
    }

    /// The planted shift of the issue: b's replicates ×1.10 (lower is better) or ÷1.10 (higher):
    /// every row whose MDE is at most 5% is called overhead with an interval containing +10%.
    @Test(arguments: [Better.lower, .higher])
    func plantedTenPercentShiftIsFoundWhereTheMDEAllows(better: Better) throws {
        var rng = SplitMix64(seed: 99)
        var base: [(String, [String: String], String, Better, [Double])] = []
        var other: [(String, [String: String], String, Better, [Double])] = []
        for row in 0..<12 {
            let sd = [0.005, 0.01, 0.02, 0.08][row % 4]
            let a = (0..<8).map { _ in 100 * exp(sd * rng.standardNormal()) }
            let b = (0..<8).map { _ in 100 * exp(sd * rng.standardNormal()) }.map { better == .lower ? $0 * 1.1 : $0 / 1.1 }
            base.append(("mem.b\(row)", [:], "ns", better, a))
            other.append(("mem.b\(row)", [:], "ns", better, b))
        }
        let c = try compare(
            groups: groupByLabel([try syntheticSet(label: "a", id: "a", results: base), try syntheticSet(label: "b", id: "b", results: other)]),
            baseline: "a")
        let detectable = c.rows.filter { ($0.mdePct ?? .infinity) <= 5 }
        #expect(detectable.count >= 6)
        for r in detectable {
            #expect(r.verdict == .overhead, "\(r.benchmark) MDE \(r.mdePct!)")
            #expect(r.ciLowPct! <= 10 && 10 <= r.ciHighPct!, "\(r.benchmark) [\(r.ciLowPct!), \(r.ciHighPct!)]")
        }
        for r in c.rows where (r.mdePct ?? .infinity) > 10 { #expect(r.verdict != .equivalent) }
    }
}

/// Combining replicates: one rule for in-process runs and the merge of worker processes.
@Suite struct ReplicateCombiningTests {
    func part(_ samples: [Double], steal: Int?, seconds: Double = 1, warnings: [String] = []) throws -> BenchmarkResult {
        BenchmarkResult(
            benchmark: "sys.null", params: [:], metric: "latency", unit: "ns", better: .lower, samples: samples, summary: try summarize(samples),
            counters: ["page-faults": 2], warnings: warnings, iterationsPerSample: 10, overheadNsPerOp: 1, cpus: [1],
            conditions: RunConditions(measuredSeconds: seconds, stealPercent: nil, involuntaryContextSwitches: 1, voluntaryContextSwitches: 0),
            derived: ["cyclesPerOp": samples[0]],
            replicates: [
                Replicate(
                    sampleCount: samples.count, median: median(samples), iterationsPerSample: 10, overheadNsPerOp: 1, measuredSeconds: seconds,
                    stealTicks: steal, involuntaryContextSwitches: 1, migrations: 0, robustCV: robustCV(samples))
            ])
    }

    @Test func partsConcatenateInReplicateOrder() throws {
        let parts = try (0..<5).map { try part([Double($0), Double($0) + 1], steal: 0) }
        let r = combineReplicates(parts, userHz: 100)
        #expect(r.samples == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5])
        #expect(r.replicates?.map(\.sampleCount) == [2, 2, 2, 2, 2])
        #expect(r.replicateMedians == [0.5, 1.5, 2.5, 3.5, 4.5])
        #expect(r.summary.n == 10 && r.conditions.measuredSeconds == 5 && r.conditions.involuntaryContextSwitches == 5)
        #expect(r.derived?["cyclesPerOp"] == 2)  // median over the parts
        #expect(r.counters?["page-faults"] == 2)
        #expect(r.conditions.stealPercent == 0)
        #expect(!r.warnings.contains { $0.hasPrefix("only") })
    }

    @Test func oneStealTickNeverWarns() throws {
        // 1 tick of 10 ms in 0.5 s of one CPU is 2%, but each count is ±1 tick: no warning.
        var one = try part([1, 2], steal: 1, seconds: 0.5)
        one.refreshReplicateFindings(userHz: 100)
        #expect(abs(one.conditions.stealPercent! - 2) < 1e-12)
        #expect(!one.warnings.contains { $0.hasPrefix("steal") })
        // 5 ticks in 5 × 0.2 s: 5% measured, 4% after the quantization: a warning, with the ticks stated.
        let parts = try (0..<5).map { _ in try part([1, 2], steal: 1, seconds: 0.2) }
        var many = combineReplicates(parts, userHz: 100)
        many.refreshReplicateFindings(userHz: 100)  // idempotent
        #expect(many.warnings.filter { $0.hasPrefix("steal") }.count == 0, "5 ticks over 5 replicates is exactly the quantization")
        let heavy = combineReplicates(try (0..<5).map { _ in try part([1, 2], steal: 3, seconds: 0.2) }, userHz: 100)
        #expect(heavy.warnings.filter { $0.hasPrefix("steal time was 15.0%") && $0.contains("15 ticks") }.count == 1)
    }

    @Test func tooFewReplicatesAreSaid() throws {
        let r = combineReplicates(try (0..<3).map { _ in try part([1, 2], steal: 0) }, userHz: 100)
        #expect(r.warnings.contains("only 3 replicates: compare needs at least 5 a side for a verdict"))
    }

    @Test func mergeKeepsPartialCasesAndSaysWhatWasLost() throws {
        let set = try sampleResultSet()
        var p1 = set
        p1.results = [try part([1, 2], steal: 0)]
        p1.skipped = []
        var p2 = set
        p2.results = []
        p2.skipped = [SkippedBenchmark(benchmark: "sys.null", params: [:], reason: "failed: boom")]
        var p3 = set
        p3.results = []
        p3.skipped = [SkippedBenchmark(benchmark: "numa.lat", params: [:], reason: "one node")]
        let merged = mergeReplicateParts([p1, p2, p3], userHz: 100)
        #expect(merged.results.count == 1 && merged.results[0].replicates?.count == 1)
        #expect(merged.results[0].warnings.contains("a replicate measured nothing: replicate 2: failed: boom"))
        #expect(merged.skipped.map(\.benchmark) == ["numa.lat"])
    }
}
