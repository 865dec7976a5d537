import ArgumentParser
import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadCLI
@testable import OverheadModel

@Suite(.serialized) struct CLITests {
    @Test func runWritesAValidResultSetAndRefusesToOverwrite() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.json").path
        let args = ["run", "--quick", "--only", "sys.null", "--output", out, "--quiet", "--seed", "7",
                    "--workload", repoRoot.appendingPathComponent("Workloads/quick.yaml").path, "--label", "test-label"]
        var command = try OverheadBench.parseAsRoot(args)
        try command.run()
        let set = try ResultSet.load(path: out)
        #expect(set.label == "test-label")
        #expect(set.workload.seed == 7)
        #expect(set.workload.quick)
        #expect(set.results.map(\.benchmark) == ["sys.null"])
        // The quick workload: 6 replicates × 3 samples, each replicate in its own worker process.
        #expect(set.results[0].summary.n == 18)
        #expect(set.results[0].replicates?.count == 6 && set.results[0].replicates?.allSatisfy { $0.sampleCount == 3 } == true)
        #expect(set.workload.replicateIsolation == "process" && set.workload.replicates == 6)
        #expect(set.results[0].samples.allSatisfy { $0 > 0 })
        #expect(set.environment.configuration.detected.isEmpty == false)

        var again = try OverheadBench.parseAsRoot(args)
        #expect(throws: (any Error).self) { try again.run() }
        do {
            try again.run()
        } catch {
            #expect("\(error)".contains("already exists; pass --force"))
        }
        // The first file is untouched.
        #expect(try ResultSet.load(path: out).id == set.id)
    }

    @Test func badLabelIsAValidationError() {
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--label", "a b/c"]) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--output", ""]) }
    }

    @Test func missingOutputDirectoryFailsBeforeMeasuring() throws {
        var command = try OverheadBench.parseAsRoot(["run", "--quick", "--only", "sys.null", "--output", "/nonexistent-dir/x.json", "--quiet",
                                                     "--workload", repoRoot.appendingPathComponent("Workloads/quick.yaml").path])
        do {
            try command.run()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("directory /nonexistent-dir does not exist"))
        }
    }

    @Test func unknownWorkloadListsWhereItLooked() throws {
        var command = try OverheadBench.parseAsRoot(["run", "--workload", "no-such-workload", "--quiet"])
        do {
            try command.run()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("workload 'no-such-workload' not found; looked for:"))
        }
    }

    @Test func onlyThatMatchesNothingNamesTheIds() throws {
        var command = try OverheadBench.parseAsRoot(["run", "--only", "nothing.*", "--quiet", "--output", "-",
                                                     "--workload", repoRoot.appendingPathComponent("Workloads/quick.yaml").path])
        do {
            try command.run()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("matches no benchmark of the workload; its benchmarks are: sys.null"))
        }
    }

    @Test func listShowsEveryId() {
        let text = renderList(Catalog.registry)
        for id in Catalog.registry.ids { #expect(text.contains(id)) }
        #expect(text.contains("param clock"))
        #expect(text.contains("reveals:"))
    }

    @Test func summaryTableListsResultsAndSkips() throws {
        var set = try sampleResultSet()
        // A case's warning names its params: one benchmark has several cases.
        var withParams = set.results[0]
        withParams.benchmark = "mem.lat"
        withParams.params = ["bytes": "1M", "pages": "4k"]
        withParams.warnings = ["a case warning"]
        set.results.append(withParams)
        let text = renderRunSummary(set)
        #expect(text.contains("sys.null"))
        #expect(text.contains("warning mem.lat bytes=1M pages=4k: a case warning"), "\(text)")
        #expect(text.contains("skipped numa.lat cpuNode=0 memNode=1: one NUMA node"))
    }
}

@Suite struct ReadmeTests {
    @Test func readmeBenchmarkTableMatchesTheRegistry() throws {
        let readme = try String(contentsOf: repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- benchmarks:begin -->\n"))
        let end = try #require(readme.range(of: "\n<!-- benchmarks:end -->"))
        let table = String(readme[begin.upperBound..<end.lowerBound])
        #expect(table == renderListMarkdown(Catalog.registry), "run scripts/update-readme-benchmarks")
    }
}

/// The help of every reading command states the statuses of the README's table, 64 included, and
/// its paragraphs carry no hard line breaks (ArgumentParser wraps them to the terminal).
@Suite struct HelpExitStatusTests {
    static let commands: [(String, CommandConfiguration)] = [
        ("compare", OverheadBench.Compare.configuration), ("diff", OverheadBench.Diff.configuration),
        ("export", OverheadBench.Export.configuration), ("report", OverheadBench.Report.configuration),
        ("explain", OverheadBench.Explain.configuration), ("env", OverheadBench.Env.configuration),
        ("list", OverheadBench.List.configuration),
    ]

    @Test(arguments: commands.map(\.0))
    func helpStatesExitStatuses(command: String) throws {
        let discussion = try #require(Self.commands.first { $0.0 == command }?.1.discussion)
        #expect(discussion.contains("Exit status: 0 on "), "\(command)")
        #expect(discussion.contains("1 on an error"), "\(command)")
        #expect(discussion.contains("64 on a usage error"), "\(command)")
        #expect(!discussion.contains("a bad option"), "\(command): a bad option value is 64, not 1")
        for paragraph in discussion.trimmingCharacters(in: .newlines).components(separatedBy: "\n\n") {
            #expect(!paragraph.contains("\n"), "\(command): hard line break in \"\(paragraph.prefix(60))…\"")
        }
        // The statuses of diff and no other.
        #expect(discussion.contains("2 on a regression") == (command == "diff"))
    }
}
