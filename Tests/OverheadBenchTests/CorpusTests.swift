import ArgumentParser
import Foundation
import Testing
@testable import OverheadCLI

/// Every broken input in Fixtures/corpus gives exit status 1 and one sentence naming the file and
/// the problem: no crash, no stack dump, nothing written.
@Suite(.serialized) struct CorpusTests {
    static let corpus = repoRoot.appendingPathComponent("Tests/OverheadBenchTests/Fixtures/corpus")
    static let resultSets = (try? FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent("resultsets").path).sorted()) ?? []
    static let workloads = (try? FileManager.default.contentsOfDirectory(atPath: corpus.appendingPathComponent("workloads").path).sorted()) ?? []
    static let valid = repoRoot.appendingPathComponent("Tests/OverheadBenchTests/Fixtures/compare/vm.json").path

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
        #expect(Self.resultSets.count >= 14)
        #expect(Self.workloads.count >= 10)
    }

    @Test(arguments: resultSets)
    func brokenResultSetsAreRefusedByName(name: String) {
        let path = Self.corpus.appendingPathComponent("resultsets/\(name)").path
        for args in [["compare", path], ["diff", path, Self.valid], ["diff", Self.valid, path], ["export", path]] {
            let (status, message) = outcome(args)
            #expect(status == 1, "\(args)")
            #expect(message.contains(path), "\(args): \(message)")
            #expect(!message.isEmpty && message.split(separator: "\n").count <= 3, "\(args): \(message)")
        }
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
        FileManager.default.createFile(atPath: path, contents: Data("{".utf8))
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
        for path in [asDir.path, dir.appendingPathComponent("missing.yaml").path] {
            let (status, message) = outcome(["run", "--workload", path, "--output", "-", "--quiet"])
            #expect(status == 1)
            #expect(message.contains(path), "\(message)")
        }
    }
}
