import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCompare
@testable import OverheadModel

@Suite struct CompareStatisticsTests {
    // Expected p-values from SciPy 1.17 `scipy.stats.mannwhitneyu(x, y)` (method "auto", two-sided).

    @Test func mannWhitneyExactWhenSmallWithoutTies() {
        let r = mannWhitneyU(sortedX: [100, 101, 102, 103, 104, 105, 106], sortedY: [110, 111, 112, 113, 114, 115, 116])
        #expect(r.exact)
        #expect(r.u == 0)
        // Every y above every x: 2 / C(14, 7).
        #expect(abs(r.pValue - 2.0 / 3432) < 1e-15)
    }

    @Test func mannWhitneyExactUnequalSizes() {
        let y = (0..<20).map(Double.init)
        let r = mannWhitneyU(sortedX: [5.5, 7.25, 9.5], sortedY: y)
        #expect(r.exact)
        #expect(r.u == 24)
        #expect(abs(r.pValue - 0.634669678147939) < 1e-12)
        let far = mannWhitneyU(sortedX: [20.5, 21.5, 22.5], sortedY: y)
        #expect(abs(far.pValue - 0.001129305477131564) < 1e-12)
    }

    @Test func mannWhitneyNormalApproximationWithTies() {
        let r = mannWhitneyU(sortedX: [1, 2, 2, 3, 3, 3, 4, 5, 6, 7], sortedY: [3, 4, 4, 5, 6, 7, 8, 8, 9, 10])
        #expect(!r.exact)
        #expect(r.u == 17)
        #expect(abs(r.pValue - 0.01334199410434861) < 1e-12)
    }

    @Test func mannWhitneyNormalApproximationLarge() {
        let x = (0..<12).map { Double($0) * 1.5 + 0.25 }
        let y = (0..<15).map { Double($0) * 1.1 + 3.1 }
        let r = mannWhitneyU(sortedX: x, sortedY: y)
        #expect(!r.exact)
        #expect(r.u == 68)
        #expect(abs(r.pValue - 0.2941355115409753) < 1e-12)
    }

    @Test func mannWhitneyAllEqualIsNoEvidence() {
        #expect(mannWhitneyU(sortedX: [3, 3, 3, 3, 3], sortedY: [3, 3, 3, 3, 3]).pValue == 1)
        #expect(mannWhitneyU(sortedX: [], sortedY: [1]).pValue == 1)
    }

    /// Smallest exact p 2/C(2n, n) must be below α/m: 2/3432 ≈ 0.00058 < 0.05/59 ≈ 0.00085 while
    /// 2/924 ≈ 0.0022 is not; one row: 2/70 ≈ 0.029 < 0.05, 2/20 = 0.1 is not (nor below α = 0.1,
    /// since q < α is strict); 100 rows: 2/12870 ≈ 0.00016 < 0.0005.
    @Test func replicatesNeededForSignificanceAfterFDR() {
        #expect(replicatesNeeded(rows: 59, alpha: 0.05) == 7)
        #expect(replicatesNeeded(rows: 1, alpha: 0.05) == 4)
        #expect(replicatesNeeded(rows: 10, alpha: 0.05) == 6)
        #expect(replicatesNeeded(rows: 100, alpha: 0.05) == 8)
        #expect(replicatesNeeded(rows: 59, alpha: 0.01) == 8)
        #expect(replicatesNeeded(rows: 1, alpha: 0.1) == 4)
        #expect(replicatesNeeded(rows: 0, alpha: 0.05) == 4)
        // Beyond 8 a side the test's normal approximation sets the floor: 9 a side gives 0.00041,
        // 10 gives 0.00018, 11 gives 0.000082 < 0.05/400 = 0.000125 (the exact 2/C(18, 9) would say 9).
        #expect(replicatesNeeded(rows: 400, alpha: 0.05) == 11)
        #expect(replicatesNeeded(rows: 1000, alpha: 0.05) == 12)
        #expect(replicatesNeeded(rows: 59, alpha: 0) == nil)
        #expect(replicatesNeeded(rows: 59, alpha: 1) == nil)
    }

    /// The O(1) bootstrap median must have exactly the distribution of "resample, take the median":
    /// compare its frequencies with full enumeration of all n^n resamples.
    @Test(arguments: [[1.0, 2, 4, 8], [1.0, 2, 3, 5, 8], [2.0, 2, 3, 7, 7, 9]])
    func bootstrapMedianMatchesEnumeration(data: [Double]) {
        let n = data.count
        var exact: [Double: Double] = [:]
        var total = 1
        for _ in 0..<n { total *= n }
        for code in 0..<total {
            var c = code
            var resample: [Double] = []
            for _ in 0..<n {
                resample.append(data[c % n])
                c /= n
            }
            exact[median(resample), default: 0] += 1 / Double(total)
        }
        var rng = SplitMix64(seed: 99)
        var replicates = [Double](repeating: 0, count: 200_000)
        bootstrapMedians(sorted: data.sorted(), into: &replicates, rng: &rng)
        var seen: [Double: Double] = [:]
        for r in replicates { seen[r, default: 0] += 1 / Double(replicates.count) }
        #expect(Set(seen.keys).isSubset(of: Set(exact.keys)))
        for (value, p) in exact {
            // 200,000 draws: the standard error of a frequency is at most 0.0012.
            #expect(abs((seen[value] ?? 0) - p) < 0.005, "median \(value): \(seen[value] ?? 0) vs exact \(p)")
        }
    }

    @Test func bootstrapIsReproducibleFromTheSeed() {
        let data = (0..<31).map { 100 + Double($0 * $0 % 17) }.sorted()
        func draw(_ seed: UInt64) -> [Double] {
            var rng = SplitMix64(seed: seed)
            var out = [Double](repeating: 0, count: 500)
            bootstrapMedians(sorted: data, into: &out, rng: &rng)
            return out
        }
        #expect(draw(1) == draw(1))
        #expect(draw(1) != draw(2))
        var one = [Double](repeating: 0, count: 3)
        var rng = SplitMix64(seed: 1)
        bootstrapMedians(sorted: [42], into: &one, rng: &rng)
        #expect(one == [42, 42, 42])
    }

    @Test func gammaHasTheRightMean() {
        var rng = SplitMix64(seed: 5)
        for shape in [1.0, 3.5, 200] {
            let mean = (0..<50_000).map { _ in rng.gamma(shape: shape) }.reduce(0, +) / 50_000
            #expect(abs(mean / shape - 1) < 0.02)
        }
    }

    @Test func unitConversions() {
        #expect(UnitConversion.factor(from: "ns", to: "ns") == 1)
        #expect(UnitConversion.factor(from: "us", to: "ns") == 1000)
        #expect(UnitConversion.factor(from: "ms", to: "µs") == 1000)
        #expect(UnitConversion.factor(from: "MB/s", to: "GB/s") == 1e-3)
        #expect(UnitConversion.factor(from: "MiB/s", to: "GB/s") == 1_048_576 / 1e9)
        #expect(UnitConversion.factor(from: "Gbit/s", to: "MB/s") == 125)
        #expect(UnitConversion.factor(from: "ns", to: "GB/s") == nil)
        #expect(UnitConversion.factor(from: "ns", to: "ops/s") == nil)
        #expect(UnitConversion.factor(from: "furlongs", to: "ns") == nil)
    }

    @Test func csvQuoting() {
        #expect(csvField("threads=2") == "threads=2")
        #expect(csvField("peer=a,b") == "\"peer=a,b\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("two\nlines") == "\"two\nlines\"")
        #expect(csvNumber(103) == "103")
        #expect(csvNumber(0.25) == "0.25")
        #expect(csvNumber(nil) == "")
    }

    @Test func paramsAndCategory() {
        #expect(paramsText(["threads": "2", "bytes": "4096"]) == "bytes=4096;threads=2")
        #expect(paramsText([:]) == "")
        #expect(category(of: "mem.bw.triad") == "mem")
        #expect(category(of: "ctx") == "ctx")
    }
}

@Suite struct FastDecodingTests {
    @Test func fastPathDecodesExactlyAsResultSetDecode() throws {
        for name in ["bare-metal.json", "vm.json"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: compareFixture(name)))
            let fast = try #require(decodeLiftingSamples(data))
            #expect(fast == (try ResultSet.decode(data, source: name)))
        }
        // Awkward but valid: "samples" as a string value, escaped quotes, exponents, negative zero.
        var set = try sampleResultSet()
        set.results[0].warnings = ["samples", "a \"samples\": [1] b", "back\\slash"]
        set.results[0].samples = [1e-7, -0.0, 123456789.123456789, 2.5e10, 0.1]
        set.results[0].summary = try summarize(set.results[0].samples)
        set.results[0].replicates = [
            Replicate(
                sampleCount: 5, median: median(set.results[0].samples), iterationsPerSample: 1, overheadNsPerOp: nil, measuredSeconds: 1,
                stealTicks: nil, involuntaryContextSwitches: 0, migrations: nil, robustCV: 0)
        ]
        let data = try set.encoded()
        let fast = try #require(decodeLiftingSamples(data))
        #expect(fast == set)
        #expect(fast.results[0].samples.map(\.bitPattern) == set.results[0].samples.map(\.bitPattern))
    }

    @Test func fastPathGivesUpOnAnythingUnusual() throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: compareFixture("vm.json"))), as: UTF8.self)
        for (from, to) in [("110.0", "\"NaN\""), ("110.0", "01"), ("110.0", "1e999"), ("110.0", "0x1p3"), ("110.0", "null")] {
            #expect(decodeLiftingSamples(Data(text.replacingOccurrences(of: from, with: to).utf8)) == nil, "\(to)")
        }
        #expect(decodeLiftingSamples(Data(text.prefix(text.count / 2).utf8)) == nil)
        // Empty samples survive the fast path and are then rejected by validation, as before.
        let empty = try #require(decodeLiftingSamples(Data(contentsOf: URL(fileURLWithPath: compareFixture("bad/empty-samples.json")))))
        #expect(empty.results[0].samples.isEmpty)
    }
}
