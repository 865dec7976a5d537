import ArgumentParser
import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCLI
@testable import OverheadCompare
@testable import OverheadModel

@Suite struct CompareCLITests {
    func compareOutput(_ args: [String]) throws -> String {
        let command = try OverheadBench.parseAsRoot(["compare"] + args)
        return try #require(command as? OverheadBench.Compare).output()
    }

    func diffOutput(_ args: [String]) throws -> (String, DiffOutcome) {
        let command = try OverheadBench.parseAsRoot(["diff"] + args)
        let (text, summary) = try #require(command as? OverheadBench.Diff).output()
        return (text, summary.outcome)
    }

    func diffStatus(_ args: [String]) throws -> Int32 {
        let command = try OverheadBench.parseAsRoot(["diff"] + args)
        return try #require(command as? OverheadBench.Diff).output().1.exitStatus.rawValue
    }

    func exportOutput(_ args: [String]) throws -> String {
        let command = try OverheadBench.parseAsRoot(["export"] + args)
        return try #require(command as? OverheadBench.Export).output()
    }

    /// Output paths are as given; golden files hold them relative to the fixture directory.
    func relative(_ text: String) -> String {
        text.replacingOccurrences(of: compareFixtures.path + "/", with: "")
    }

    @Test func csvMatchesGolden() throws {
        let csv = try compareOutput([compareFixture("bare-metal.json"), compareFixture("vm.json"), "--format", "csv"])
        #expect(csv == (try golden("compare.csv")))
        let header = csv.split(separator: "\n")[0]
        #expect(header.hasPrefix("benchmark,params,metric,unit,better,baseline,configuration,baseline_median,median,overhead_pct,ci_low_pct,ci_high_pct,p_value,verdict"))
        // Params with a comma are quoted; one-sided benchmarks are listed, not dropped.
        #expect(csv.contains("net.tcp_rr,\"peer=a,b\",,,,bare-metal,vm,,,,,,,missing"))
    }

    @Test func tableAndMarkdownMatchGolden() throws {
        let table = try compareOutput([compareFixture("bare-metal.json"), compareFixture("vm.json")])
        #expect(relative(table) == (try golden("compare.txt")))
        #expect(!table.contains("\u{1B}["))
        let markdown = try compareOutput([compareFixture("bare-metal.json"), compareFixture("vm.json"), "--format", "markdown"])
        #expect(relative(markdown) == (try golden("compare.md")))
    }

    @Test func colourOnlyWhenAsked() throws {
        let input = try loadResultSets(paths: [compareFixture("bare-metal.json"), compareFixture("vm.json")])
        let c = try compare(groups: groupByLabel(input.sets), baseline: "bare-metal")
        let coloured = renderTable(c, colour: true)
        #expect(coloured.contains("\u{1B}[31moverhead"))
        // Without the escapes it is the plain table.
        let stripped = coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == renderTable(c, colour: false))
    }

    @Test func jsonRoundTrips() throws {
        let json = try compareOutput([compareFixture("bare-metal.json"), compareFixture("vm.json"), "--format", "json"])
        let back = try JSONDecoder().decode(Comparison.self, from: Data(json.utf8))
        #expect(back.rows.count == 4)
        #expect(back.rows[0].verdict == .overhead)
        #expect(json.contains("\"verdict\" : \"equivalent\""))
        #expect(json.contains("\"qValue\""))
        #expect(json.contains("\"mdePct\""))
        // JSON written before version 0.2 said no-change; it reads as inconclusive.
        let old = json.replacingOccurrences(of: "\"verdict\" : \"equivalent\"", with: "\"verdict\" : \"no-change\"")
        let oldBack = try JSONDecoder().decode(Comparison.self, from: Data(old.utf8))
        #expect(oldBack.rows.contains { $0.verdict == .inconclusive })
        #expect(json.contains("\"verdict\" : \"insufficient-data\""))
    }

    @Test func badInputIsAnErrorWithExitStatusOne() throws {
        for name in ["truncated.json", "version9.json", "nan.json", "empty-samples.json", "wrong-type.json", "not-json.json"] {
            do {
                _ = try compareOutput([compareFixture("bare-metal.json"), compareFixture("bad/\(name)")])
                Issue.record("\(name) accepted")
            } catch {
                #expect("\(error)".contains("bad/\(name): "))
                #expect(OverheadBench.exitCode(for: error) == .failure)
            }
        }
        do {
            _ = try compareOutput([compareFixture("vm.json")])
            Issue.record("one label accepted")
        } catch {
            #expect("\(error)".contains("compare needs at least two labels"))
            #expect(OverheadBench.exitCode(for: error) == .failure)
        }
    }

    @Test func strictRefusesDifferentEnvironments() throws {
        do {
            _ = try compareOutput([compareFixture("bare-metal.json"), compareFixture("vm.json"), "--strict"])
            Issue.record("--strict accepted a clocksource difference")
        } catch {
            #expect("\(error)".contains("refusing to compare (--strict)"))
            #expect("\(error)".contains("clocksource: tsc (bare-metal); kvm-clock (vm)"))
            #expect(OverheadBench.exitCode(for: error) == .failure)
        }
    }

    /// A bad option value is a usage error (64) in every command, like `run`'s and the parser's own.
    @Test func optionErrorsAreUsageErrors() throws {
        let file = compareFixture("vm.json")
        let cases: [[String]] = [
            ["compare", file, "--alpha", "2"], ["compare", file, "--resamples", "5"], ["compare", file, "--noise-cv=-1"],
            ["compare", file, "--min-effect", "100"], ["diff", file, file, "--threshold", "-3"],
            ["explain", file, "--steal", "-1"], ["explain", file, "--alpha", "0"], ["compare"], ["export"], ["explain"],
            ["report", "--output", "r.html"], ["report", file, "--output", ""],
        ]
        for args in cases {
            do {
                _ = try OverheadBench.parseAsRoot(args)
                Issue.record("\(args) accepted")
            } catch {
                #expect(OverheadBench.exitCode(for: error) == .validationFailure, "\(args): \(error)")
            }
        }
    }

    /// A diff where no row could have shown the threshold claims nothing: exit 3, not "no change";
    /// where some rows could, "no change" is said of those only.
    @Test func diffWithoutPowerIsInconclusive() {
        let blind = DiffSummary(regressions: [], improvements: [], thresholdPct: 5, failOn: .regression, rowCount: 59, blindRowCount: 59)
        #expect(blind.outcome == .inconclusive)
        #expect(blind.exitStatus == .incomplete)
        #expect(blind.text.contains("No conclusion: none of the 59 rows can detect a 5% change"))
        #expect(!blind.text.contains("No significant change"))
        let some = DiffSummary(regressions: [], improvements: [], thresholdPct: 5, failOn: .regression, rowCount: 59, blindRowCount: 49)
        #expect(some.outcome == .unchanged)
        #expect(some.exitStatus == .success)
        #expect(some.text.contains("No significant change of 5% or more; 49 of 59 rows cannot detect a 5% change"))
    }

    @Test func diffExitStatuses() throws {
        let (text, outcome) = try diffOutput([compareFixture("bare-metal.json"), compareFixture("vm.json")])
        #expect(outcome == .regressed)
        #expect(try diffStatus([compareFixture("bare-metal.json"), compareFixture("vm.json")]) == 2)
        #expect(text.contains("regression: sys.null +9.7%"))
        #expect(text.hasSuffix("2 regressions of 5% or more (exit 2).\n"), "\(text)")
        // Improvements only: exit 0 by default (the CI gate fails on regressions), 4 with --fail-on any —
        // when both sides have the same benchmarks. The fixtures each have one the other lacks, which
        // makes the diff incomplete (exit 3, issue 19); restricted to the common ones, 0 and 4.
        #expect(try diffOutput([compareFixture("vm.json"), compareFixture("bare-metal.json")]).1 == .improvedOnly)
        #expect(try diffStatus([compareFixture("vm.json"), compareFixture("bare-metal.json")]) == 3)
        #expect(try diffStatus([compareFixture("vm.json"), compareFixture("bare-metal.json"), "--fail-on", "any"]) == 3)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var vm = try ResultSet.load(path: compareFixture("vm.json"))
        var bm = try ResultSet.load(path: compareFixture("bare-metal.json"))
        let key = { (r: BenchmarkResult) in r.benchmark + "\(r.params.sorted { $0.key < $1.key })" }
        let common = Set(vm.results.map(key)).intersection(bm.results.map(key))
        vm.results.removeAll { !common.contains(key($0)) }
        bm.results.removeAll { !common.contains(key($0)) }
        let vmCommon = dir.appendingPathComponent("vm.json").path
        let bmCommon = dir.appendingPathComponent("bare-metal.json").path
        try vm.encoded().write(to: URL(fileURLWithPath: vmCommon))
        try bm.encoded().write(to: URL(fileURLWithPath: bmCommon))
        #expect(try diffStatus([vmCommon, bmCommon]) == 0)
        #expect(try diffStatus([vmCommon, bmCommon, "--fail-on", "any"]) == 4)
        let (same, sameOutcome) = try diffOutput([compareFixture("vm.json"), compareFixture("vm.json")])
        #expect(sameOutcome == .unchanged)
        #expect(same.contains("the same result set (id "), "a file diffed with itself says so: \(same)")
        #expect(!text.contains("the same result set"))
        #expect(try diffOutput([compareFixture("bare-metal.json"), compareFixture("vm.json"), "--threshold", "50"]).1 == .unchanged)
        // JSON carries the threshold, the regressions and the exit status.
        let (json, _) = try diffOutput([compareFixture("bare-metal.json"), compareFixture("vm.json"), "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let diff = try #require(object["diff"] as? [String: Any])
        #expect(diff["exitStatus"] as? Int == 2 && diff["thresholdPct"] as? Double == 5 && diff["failOn"] as? String == "regression")
        #expect((diff["regressions"] as? [[String: Any]])?.compactMap { $0["benchmark"] as? String } == ["sys.null", "mem.bw.triad"])
        #expect(object["comparison"] is [String: Any])

        var command = try OverheadBench.parseAsRoot(["diff", compareFixture("bare-metal.json"), compareFixture("vm.json"), "--format", "csv"])
        do {
            try command.run()
            Issue.record("a regression exited 0")
        } catch {
            #expect(OverheadBench.exitCode(for: error).rawValue == 2)
        }
        do {
            _ = try diffOutput([compareFixture("bare-metal.json"), compareFixture("bad/truncated.json")])
            Issue.record("truncated input accepted")
        } catch {
            #expect(OverheadBench.exitCode(for: error) == .failure)
        }
    }

    @Test func exportMatchesGolden() throws {
        let csv = try exportOutput([compareFixture("bare-metal.json"), compareFixture("vm.json")])
        #expect(csv == (try golden("export.csv")))
        let lines = csv.split(separator: "\n")
        // 2 sets × 5 results: the summary, the replicates and what each result recorded; one header.
        #expect(lines.count == 1 + 194)
        #expect(lines[0] == "set_id,label,host,started_at,benchmark,params,case,peer,threads,metric,unit,better,statistic,replicate,value")
        // No unit on a count; `case` is never empty, even without params.
        #expect(lines[1] == "00000000-0000-4000-8000-0000000000b1,bare-metal,bm-1,2026-11-28T12:00:00.000Z,sys.null,,sys.null,,,latency,,lower,n,,7")
        #expect(lines[2] == "00000000-0000-4000-8000-0000000000b1,bare-metal,bm-1,2026-11-28T12:00:00.000Z,sys.null,,sys.null,,,latency,ns,lower,median,,103")
        #expect(lines.contains { $0.contains(",latency,,lower,cv,,") })
        #expect(!lines.contains { $0.contains(",ns,lower,cv,") || $0.contains(",ns,lower,n,") })

        let samples = try exportOutput([compareFixture("vm.json"), "--samples"]).split(separator: "\n")
        #expect(samples.count == 1 + 7 + 6 + 5 + 4 + 5)
        #expect(samples[0] == "set_id,label,host,started_at,benchmark,params,case,peer,threads,metric,unit,better,sample,replicate,value")
        // threads as a number in its own column; the replicate each sample belongs to.
        #expect(samples[8] == "00000000-0000-4000-8000-0000000000c1,vm,vm-1,2026-11-28T12:00:00.000Z,mem.bw.triad,threads=2,mem.bw.triad threads=2,,2,bandwidth,MB/s,higher,0,0,9000")
        #expect(samples.last == "00000000-0000-4000-8000-0000000000c1,vm,vm-1,2026-11-28T12:00:00.000Z,net.tcp_rr,\"peer=a,b\",\"net.tcp_rr peer=a,b\",\"a,b\",,latency,us,lower,4,4,34")
        #expect(throws: (any Error).self) { try exportOutput([compareFixture("bad/nan.json")]) }
    }

    @Test func exportParamValuesAreTyped() throws {
        #expect(parseSize("16K") == 16384)
        #expect(parseSize("256M") == 256 << 20)
        #expect(parseSize("1G") == 1 << 30)
        #expect(parseSize("4096") == 4096)
        #expect(parseSize("2MiB") == 2 << 20)
        #expect(parseSize("4k") == 4096)
        #expect(parseSize("lots") == nil)
        #expect(parseSize("99999999999999999999G") == nil)
        let set = try loadResultSets(paths: [compareFixture("vm.json")]).sets[0].set
        var r = set.results[1]
        r.cpus = [0, 1, 2]
        #expect(exportParamValue(name: "threads", value: "all", result: r) == "3")
        #expect(exportParamValue(name: "threads", value: "2", result: r) == "2")
        #expect(exportParamValue(name: "bytes", value: "64M", result: r) == String(64 << 20))
        #expect(exportParamValue(name: "pages", value: "4k", result: r) == "4k")
        #expect(exportCaseLabel(r) == "mem.bw.triad threads=2")
    }
}

/// python3 on PATH (the export check runs where it is; CI installs it).
let python3Available: Bool = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/python3")
}

@Suite struct ExportPythonTests {
    /// The export as a user's script reads it: Python's csv module (and pandas where installed)
    /// through scripts/check-export: row counts against the sets, numbers as numbers, units.
    @Test(.enabled(if: python3Available)) func exportLoadsInPython() throws {
        let inputs = [compareFixture("bare-metal.json"), compareFixture("vm.json")]
            + ["nested-guest.json", "vm.json"].map { repoRoot.appendingPathComponent("Results/examples/\($0)").path }
        let command = try #require(try OverheadBench.parseAsRoot(["export"] + inputs) as? OverheadBench.Export)
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).csv")
        try command.output().write(to: csv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: csv) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repoRoot.appendingPathComponent("scripts/check-export").path, csv.path] + inputs
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
