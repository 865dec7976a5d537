import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCLI
@testable import OverheadCompare
@testable import OverheadExplain
@testable import OverheadModel

@Suite struct ExplainTests {
    func explainOf(_ sets: [LoadedSet]) throws -> Explanation {
        let (comparison, groups) = try comparisonOf(sets)
        return explain(comparison, groups: groups)
    }

    /// Two sets with a CPUID exit (vm-exit fires) and, optionally, steal on the guest's CPUID case.
    func exitSets(steal: Double = 0, noisyNull: Bool = false) throws -> [LoadedSet] {
        [
            try explainSet("bare-metal", [
                ExplainCase(benchmark: "cpu.cpuid", samples: around(50)),
                ExplainCase(benchmark: "sys.null", samples: around(130)),
            ], env: bareMetal),
            try explainSet("vm", [
                ExplainCase(benchmark: "cpu.cpuid", samples: around(450), steal: steal),
                ExplainCase(benchmark: "sys.null", samples: around(130, spread: noisyNull ? 0.3 : 0.01)),
            ]),
        ]
    }

    @Test func identicalSetsAreNothingNotable() throws {
        let e = try explainOf(try exitSets().enumerated().map { i, s in
            var s = s
            if i == 1 { s.set.results[0].samples = around(50) }
            return s
        })
        #expect(e.configurations.count == 1)
        #expect(e.configurations[0].findings.isEmpty)
        #expect(e.configurations[0].nothingNotable)
        #expect(renderText(e).contains("Nothing notable: no case differs significantly from bare-metal."))
        #expect(renderJSON(e).contains("\"nothingNotable\" : true"))
    }

    /// An interrupted set with no results, or sides without a case in common, is not "nothing notable":
    /// nothing was compared, and every format says so and why.
    @Test func nothingComparedIsNotNothingNotable() throws {
        let bare = try explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: around(50))], env: bareMetal)
        let e = try explainOf([bare, try explainSet("vm", [])])
        let c = e.configurations[0]
        #expect(c.rowsCompared == 0 && c.findings.isEmpty && !c.nothingNotable)
        let why = "Nothing compared: vm and bare-metal have no results in common; vm has no results (interrupted before any case finished, or every case skipped)."
        let text = renderText(e)
        #expect(text.contains("== vm against bare-metal: nothing compared (0 cases compared, 0 significantly different)\n\(why)"), "\(text)")
        #expect(!text.contains("Nothing notable"))
        #expect(renderMarkdown(e).contains("## vm against bare-metal: nothing compared (0 cases compared, 0 significantly different)\n\n\(why)"))
        let json = renderJSON(e)
        #expect(json.contains("\"nothingNotable\" : false"))
        #expect(json.contains("\"notCompared\" : \"vm has no results (interrupted before any case finished, or every case skipped)\""), "\(json)")
        #expect(try JSONDecoder().decode(Explanation.self, from: Data(json.utf8)) == e)
        // Both sides measured, but different cases.
        let apart = try explainOf([bare, try explainSet("vm", [ExplainCase(benchmark: "sys.null", samples: around(130))])])
        #expect(renderText(apart).contains("Nothing compared: vm and bare-metal have no results in common; both have results, but of different benchmarks or parameters."))
    }

    @Test func cleanFindingIsReliable() throws {
        let c = try explainOf(try exitSets()).configurations[0]
        #expect(c.findings.map(\.id) == ["vm-exit"])
        #expect(c.findings[0].reliable)
        #expect(c.findings[0].caveats.isEmpty)
        #expect(c.significantRows == 1)
    }

    @Test func stealMakesFindingsUnreliableAndNoiseComesFirst() throws {
        let c = try explainOf(try exitSets(steal: 4.2)).configurations[0]
        #expect(c.findings.map(\.id) == ["noise", "vm-exit"])
        let exit = c.findings[1]
        #expect(!exit.reliable)
        #expect(exit.caveats.first?.hasPrefix("unreliable:") == true)
        #expect(exit.caveats.contains { $0.contains("steal 4.2% (vm)") })
        #expect(exit.evidence[0].stealPct == 4.2)
        let noise = c.findings[0]
        #expect(!noise.reliable)
        #expect(noise.severity == .warning)  // 1 of 2 cases
        #expect(noise.evidence.map(\.benchmark) == ["cpu.cpuid"])
        // The text puts the caveat before the evidence.
        let text = renderText(try explainOf(try exitSets(steal: 4.2)))
        let caveat = try #require(text.range(of: "! unreliable"))
        let evidence = try #require(text.range(of: "evidence:", range: caveat.upperBound..<text.endIndex))
        #expect(caveat.lowerBound < evidence.lowerBound)
    }

    @Test func highCVIsNoiseButLeavesOtherFindingsReliable() throws {
        let c = try explainOf(try exitSets(noisyNull: true)).configurations[0]
        #expect(c.findings.map(\.id) == ["noise", "vm-exit"])
        #expect(c.findings[0].evidence.map(\.benchmark) == ["sys.null"])
        #expect(c.findings[0].facts[1].hasPrefix("1 of 2 cases are inconclusive and cannot see a 5% difference"))
        #expect(c.findings[0].facts[2].hasPrefix("sys.null: spread "), "\(c.findings[0].facts)")
        #expect(c.findings[0].facts[2].contains("threshold 5.0%; this data cannot see differences below"))
        // The CPUID evidence itself is clean.
        #expect(c.findings[1].reliable)
    }

    /// The user's report: rows that cannot see the minimum effect were counted as "noisy or measured
    /// under steal time". Ten cases of five replicates (2/C(10, 5) ≈ 0.0079 is above 0.05/10, so no
    /// row can reach significance), one of them noisy, none under steal.
    @Test func noiseFindingCountsNoisyStealAndLowPowerApart() throws {
        // Spread 4.4% (below the 5% noise threshold) and overlapping sides: inconclusive, not noisy.
        let cases = (0..<10).map { ExplainCase(benchmark: "cpu.b\($0)", samples: [94, 97, 100, 103, 106]) }
        var vm = (0..<9).map { ExplainCase(benchmark: "cpu.b\($0)", samples: [95, 98, 101, 104, 107]) }
        vm.append(ExplainCase(benchmark: "cpu.b9", samples: [70, 85, 100, 115, 130]))
        let e = try explainOf([try explainSet("bare-metal", cases, env: bareMetal), try explainSet("vm", vm)])
        let noise = try #require(e.configurations[0].findings.first { $0.id == "noise" })
        #expect(!noise.title.contains("noisy or measured under steal"), "\(noise.title)")
        #expect(noise.title.hasPrefix("10 of 10 cases in vm vs bare-metal are unreliable (1 noisy, "), "\(noise.title)")
        #expect(noise.title.hasSuffix(" inconclusive, unable to see a 5% difference)") && !noise.title.contains("steal"), "\(noise.title)")
        #expect(noise.facts[0].hasPrefix("1 of 10 cases are noisy (robust spread above 5% on a side), 0 were measured under steal time above 1.0%, "), "\(noise.facts[0])")
        // The remedy names the replicates significance needs here (2/C(12, 6) ≈ 0.0022 < 0.005), not "N".
        #expect(noise.remedy.contains("at least 6 replicates a side, --replicates 6, for one of 10 cases"), "\(noise.remedy)")
        // The reference names a file in the repository, not one beside it.
        #expect(noise.reference.hasSuffix("method notes in docs/references.md"))
        #expect(FileManager.default.fileExists(atPath: repoRoot.appendingPathComponent("docs/references.md").path))
    }

    @Test func stealBelowThresholdIsIgnored() throws {
        let c = try explainOf(try exitSets(steal: 0.5)).configurations[0]
        #expect(c.findings.map(\.id) == ["vm-exit"])
    }

    @Test func jsonIsStableAndSorted() throws {
        let e = try explainOf(try exitSets(steal: 4.2))
        let a = renderJSON(e)
        #expect(a == renderJSON(try explainOf(try exitSets(steal: 4.2))))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["alpha", "baseline", "configurations", "environmentDifferences", "noiseCVPct", "rules", "stealThresholdPct"])
        let back = try JSONDecoder().decode(Explanation.self, from: Data(a.utf8))
        #expect(back == e)
        // Keys appear in sorted order.
        let keys = ["\"alpha\"", "\"baseline\"", "\"configurations\"", "\"environmentDifferences\""].map { a.range(of: $0)!.lowerBound }
        #expect(keys == keys.sorted())
    }

    @Test func markdownHasEvidenceTables() throws {
        let md = renderMarkdown(try explainOf(try exitSets()))
        #expect(md.contains("### INFO `vm-exit`: A VM exit costs about 1200 cycles"))
        #expect(md.contains("| cpu.cpuid |  | 50.00 | 450.0 | ns | +800.0% |"))
        #expect(md.contains("- **Remedy:**"))
    }

    @Test func everyRuleHasADistinctID() {
        let ids = defaultRules.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.first == "noise")
    }

    @Test func cliRunsOnFilesAndRejectsBadOptions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for s in try exitSets() { try s.set.encoded().write(to: dir.appendingPathComponent(s.path)) }
        let command = try #require(try OverheadBench.parseAsRoot(["explain", dir.path, "--format", "json"]) as? OverheadBench.Explain)
        let out = try command.output()
        #expect(out.contains("\"id\" : \"vm-exit\""))
        let text = try #require(try OverheadBench.parseAsRoot(["explain", dir.path, "--baseline", "vm"]) as? OverheadBench.Explain).output()
        #expect(text.contains("== bare-metal against vm"))
        #expect(throws: (any Error).self) { _ = try OverheadBench.parseAsRoot(["explain"]) }
        #expect(throws: (any Error).self) { _ = try OverheadBench.parseAsRoot(["explain", dir.path, "--format", "csv"]) }
        #expect(throws: (any Error).self) { _ = try OverheadBench.parseAsRoot(["explain", dir.path, "--steal", "-1"]) }
    }
}
