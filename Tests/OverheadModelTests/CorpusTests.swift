import ArgumentParser
import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCLI

/// Every broken input in Fixtures/corpus gives exit status 1 and one sentence naming the file and
/// the problem: no crash, no stack dump, nothing written.
@Suite(.serialized) struct CorpusTests {
    static let corpus = fixturesDirectory.appendingPathComponent("corpus")
    static let resultSets = (try? FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent("resultsets").path).sorted()) ?? []
    static let workloads = (try? FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent("workloads").path).sorted()) ?? []
    static let valid = fixturesDirectory.appendingPathComponent("compare/vm.json").path

    /// Runs a command in-process; returns (exit status, error text).
    func outcome(_ args: [String]) -> (Int32, String) {
        do {
            var command = try OverheadBench.parseAsRoot(args)
            try command.run()
            return (0, "")
        } catch {
            return (OverheadBench.exitCode(for: error).rawValue, OverheadBench.message(for: error))
        }
    }

    @Test func corpusIsThere() {
        #expect(Self.resultSets.count >= 23)
        #expect(Self.workloads.count >= 10)
    }

    /// Every command that reads result sets, in every format.
    static func readers(_ paths: [String]) -> [[String]] {
        var commands: [[String]] = []
        for format in ["table", "markdown", "json", "csv"] {
            commands.append(["compare"] + paths + ["--format", format])
            commands.append(["diff", paths[0], paths.count > 1 ? paths[1] : valid, "--format", format])
            commands.append(["diff", paths.count > 1 ? paths[1] : valid, paths[0], "--format", format])
        }
        for format in ["text", "markdown", "json"] { commands.append(["explain"] + paths + [valid, "--format", format]) }
        commands.append(["export"] + paths)
        commands.append(["export", "--samples"] + paths)
        commands.append(["report"] + paths + [valid, "--output", "-"])
        return commands
    }

    @Test(arguments: resultSets)
    func brokenResultSetsAreRefusedByName(name: String) {
        let path = Self.corpus.appendingPathComponent("resultsets/\(name)").path
        for args in Self.readers([path]) {
            let (status, message) = outcome(args)
            #expect(status == 1, "\(args)")
            #expect(message.contains(path), "\(args): \(message)")
            #expect(!message.isEmpty && message.split(separator: "\n").count <= 3, "\(args): \(message)")
        }
    }

    /// The whole kind, not just the corpus files: every number of every result of a valid set,
    /// replaced by a value whose statistics overflow (1.7e308, -1e300, 1e-300) or by a literal no
    /// Double can hold (1e999), is refused with the file named by every command in every format.
    @Test func everyNumberOfAResultIsChecked() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.valid))) as? [String: Any])
        var result = try #require((original["results"] as? [[String: Any]])?.first)
        result["counters"] = ["cycles": 1000.5]
        result["derived"] = ["cyclesPerOp": 1000.5]
        result["overheadNsPerOp"] = 2.5
        let summaryKeys = ["median", "mean", "min", "max", "stddev", "cv", "p5", "p95"]
        // (where, how to plant the bad value in a copy of the result)
        var cases: [(String, ([String: Any], Double) -> [String: Any])] = [
            // Every sample, with the replicate medians that must match them (schema version 2).
            ("sample", { r, v in
                var r = r
                r["samples"] = [Double](repeating: v, count: (r["samples"] as! [Double]).count)
                r["replicates"] = (r["replicates"] as? [[String: Any]])?.map { var x = $0; x["median"] = v; return x }
                return r
            }),
            ("counter", { r, v in var r = r; r["counters"] = ["cycles": v]; return r }),
            ("derived", { r, v in var r = r; r["derived"] = ["cyclesPerOp": v]; return r }),
            ("overhead", { r, v in var r = r; r["overheadNsPerOp"] = v; return r }),
        ]
        for key in summaryKeys {
            cases.append(("summary.\(key)", { r, v in var r = r; var s = r["summary"] as! [String: Any]; s[key] = v; r["summary"] = s; return r }))
        }
        let field = ["sample": "sample 0", "counter": "counters.cycles", "derived": "derived.cyclesPerOp", "overhead": "overheadNsPerOp"]
        var checked = 0
        for (place, plant) in cases {
            for value in [1.7e308, -1e300, 1e-300, 7777.25] {
                var set = original
                var results = set["results"] as! [[String: Any]]
                results[0] = plant(result, value)
                set["results"] = results
                set["id"] = UUID().uuidString.lowercased()
                var text = String(decoding: try JSONSerialization.data(withJSONObject: set, options: [.sortedKeys]), as: UTF8.self)
                // 7777.25 stands for a literal JSON can carry but a Double cannot (+inf).
                text = text.replacingOccurrences(of: "7777.25", with: "1e999")
                let path = dir.appendingPathComponent("\(place)-\(value).json").path
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                // The refusal is for the planted value, not something else the edit broke.
                let expected = value == 7777.25 ? "is not representable" : "\(field[place] ?? place) is \(value)"
                for args in Self.readers([path]) {
                    let (status, message) = outcome(args)
                    #expect(status == 1, "\(place) = \(value): \(args)")
                    #expect(message.contains(path) && message.contains(expected), "\(place) = \(value): \(message)")
                }
                checked += 1
            }
        }
        #expect(checked == 48)
        // The unmodified result, with its added counters, passes: the check is not refusing everything.
        var set = original
        var results = set["results"] as! [[String: Any]]
        results[0] = result
        set["results"] = results
        let path = dir.appendingPathComponent("fine.json").path
        try JSONSerialization.data(withJSONObject: set, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        let export = try #require(try OverheadBench.parseAsRoot(["export", path]) as? OverheadBench.Export)
        #expect(try export.output().contains(",sys.null,"))
    }

    /// Two files with one set id and different content: an error naming both, whatever the order.
    @Test func sameIdDifferentContentNamesBoth() {
        let a = Self.corpus.appendingPathComponent("pairs/same-id-a.json").path
        let b = Self.corpus.appendingPathComponent("pairs/same-id-b.json").path
        for args in Self.readers([a, b]) + Self.readers([b, a]) {
            let (status, message) = outcome(args)
            #expect(status == 1, "\(args)")
            #expect(message.contains(a) && message.contains(b) && message.contains("different content"), "\(args): \(message)")
        }
        // The same file twice, or an identical copy, still counts once.
        #expect(outcome(["export", a, a]).0 == 0)
    }

    /// Interrupted and empty sets load, and every command's output says so.
    @Test func interruptedAndEmptySetsAreNamed() throws {
        let interrupted = Self.corpus.appendingPathComponent("partial/interrupted.json").path
        let empty = Self.corpus.appendingPathComponent("partial/empty.json").path
        let stopped = Self.corpus.appendingPathComponent("partial/interrupted-empty.json").path
        for format in ["table", "markdown", "json"] {
            let text = try #require(try OverheadBench.parseAsRoot(["compare", Self.valid, interrupted, empty, "--baseline", "vm", "--format", format]) as? OverheadBench.Compare).output()
            #expect(text.contains("\(interrupted) (label vm-interrupted) was interrupted"), "\(format)")
            #expect(text.contains("\(empty) (label vm-empty) holds no results"), "\(format)")
        }
        for format in ["text", "markdown"] {
            let text = try #require(try OverheadBench.parseAsRoot(["explain", Self.valid, interrupted, "--baseline", "vm", "--format", format]) as? OverheadBench.Explain).output()
            #expect(text.contains("\(interrupted) (label vm-interrupted) was interrupted"), "\(format)")
        }
        let html = try #require(try OverheadBench.parseAsRoot(["report", Self.valid, empty, "--baseline", "vm", "--output", "-"]) as? OverheadBench.Report).render(generatedAt: nil)
        #expect(html.contains("holds no results"))
        // diff never says "no change" for what one side lacks: exit 3, and the text says why.
        for other in [interrupted, empty, stopped] {
            for (a, b) in [(Self.valid, other), (other, Self.valid)] {
                for failOn in ["regression", "any"] {
                    let diff = try #require(try OverheadBench.parseAsRoot(["diff", a, b, "--fail-on", failOn]) as? OverheadBench.Diff)
                    let (text, summary) = try diff.output()
                    #expect(summary.exitStatus == .incomplete, "\(a) \(b)")
                    #expect(!text.contains("No significant change"), "\(a) \(b)")
                    #expect(text.contains("incomplete: ") && text.contains("(exit 3)"))
                }
                // JSON carries the same status.
                let json = try #require(try OverheadBench.parseAsRoot(["diff", a, b, "--format", "json"]) as? OverheadBench.Diff).output().0
                #expect(json.contains("\"exitStatus\" : 3"), "\(json.suffix(300))")
            }
        }
        // A complete pair is not flagged.
        let (text, summary) = try #require(try OverheadBench.parseAsRoot(["diff", Self.valid, Self.valid]) as? OverheadBench.Diff).output()
        #expect(summary.exitStatus == .success && !text.contains("incomplete"))
    }

    @Test func missingFileIsNamed() {
        let (status, message) = outcome(["compare", "/nonexistent/set.json"])
        #expect(status == 1)
        #expect(message.contains("/nonexistent/set.json"))
    }

    @Test func hugeFileIsRefusedWithoutReadingIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("huge.json").path
        // A sparse file: the size is real, the disk use is not.
        _ = FileManager.default.createFile(atPath: path, contents: Data("{".utf8))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 2 << 30)
        try handle.close()
        let (status, message) = outcome(["compare", path])
        #expect(status == 1)
        #expect(message.contains(path) && message.contains("far larger"))
    }

    @Test(arguments: workloads)
    func brokenWorkloadsAreRefusedByName(name: String) {
        let path = Self.corpus.appendingPathComponent("workloads/\(name)").path
        let (status, message) = outcome(["run", "--workload", path, "--output", "-", "--quiet", "--no-counters"])
        #expect(status == 1, "\(name)")
        #expect(message.contains(path), "\(name): \(message)")
    }

    @Test func workloadDirectoryAndMissingFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let asDir = dir.appendingPathComponent("w.yaml")
        try FileManager.default.createDirectory(at: asDir, withIntermediateDirectories: true)
        let binary = dir.appendingPathComponent("binary.yaml")
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: binary)
        for (path, says) in [(asDir.path, "is a directory"), (dir.path, "is a directory"), (dir.path + "/", "is a directory"),
                             (dir.appendingPathComponent("missing.yaml").path, "not found"), (binary.path, "not UTF-8")] {
            let (status, message) = outcome(["run", "--workload", path, "--output", "-", "--quiet"])
            #expect(status == 1)
            #expect(message.contains(path) && message.contains(says), "\(message)")
            #expect(!message.contains("NSCocoaErrorDomain") && !message.contains("operation could not be completed"), "\(message)")
        }
    }
}
