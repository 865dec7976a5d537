import Foundation
import OverheadModel
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine

/// What must hold for any text given as a workload: `Workload.parse` returns a workload whose
/// settings are in range, or a `WorkloadError` naming the file; `resolve` against the real catalog
/// then gives cases or an error, never a crash.
enum WorkloadOracle {
    static let path = "fuzz-workload.yaml"

    static func check(_ bytes: [UInt8]) -> String? {
        // Workload.load reads UTF-8 (invalid bytes are an `unreadable` error before parsing), so
        // the parser only ever sees valid strings; decoding with replacement gives it the same.
        let text = String(decoding: bytes, as: UTF8.self)
        let workload: Workload
        do {
            workload = try Workload.parse(text, path: path)
        } catch {
            return error.description.hasPrefix(path) ? nil : "error does not start with the file name: \(error)"
        }
        for s in [workload.settings, workload.quickSettings] {
            guard (1...10_000).contains(s.replicates), (1...10_000).contains(s.samplesPerReplicate), (0...10_000).contains(s.warmupBatches),
                  s.minSampleMs.isFinite, s.minSampleMs > 0, s.minSampleMs <= 60_000
            else { return "settings out of range accepted: \(s)" }
        }
        // Resolving multiplies param lists; bound the product so one input cannot take minutes.
        let product = workload.entries.reduce(1.0) { acc, e in acc * e.params.values.reduce(1.0) { $0 * Double(max(1, $1.count)) } }
        guard product <= 10_000 else { return nil }
        do {
            let cases = try workload.resolve(registry: Catalog.registry)
            if cases.isEmpty && !workload.entries.isEmpty { return "entries resolved to no case" }
        } catch {
            if case .onlyMatchesNothing = error { return "--only error without --only" }
            guard error.description.hasPrefix(path) else { return "resolve error does not name the file: \(error)" }
        }
        return nil
    }
}

@Suite struct FuzzWorkloadTests {
    static let seeds: [[UInt8]] = {
        var paths = ["Workloads/default.yaml", "Workloads/quick.yaml"].map { repoRoot.appendingPathComponent($0).path }
        let corpus = fixturesDirectory.appendingPathComponent("corpus/workloads").path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: corpus).sorted()) ?? [] {
            paths.append(corpus + "/" + name)
        }
        return paths.compactMap { FileManager.default.contents(atPath: $0).map(Array.init) }
    }()

    static let yamlTokens: [[UInt8]] = [
        ".nan", ".NaN", ".inf", "-.inf", "1e999", "-1e999", "0x7fffffffffffffff", "0o777", "0b101", "1_000", "9223372036854775808",
        "~", "null", "true", "yes", "on", "''", "\"\"", "[", "]", "{", "}", "- ", ": ", "? ", "|", ">", "---", "...", "\t", "  ",
        "&a ", "*a", "*undefined", "&a [1, 2]", "<<: *a", "!!float ", "!!str ", "!!binary ", "!<tag:yaml.org,2002:int> ", "!custom ",
        "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "#", "'", "\"\\ud800\"", "\"\\x00\"", "é", "😀", "\u{FEFF}", "\u{85}", "\u{2028}", "\r",
        "\nbenchmarks:\n", "\n  - id: sys.null\n", "\n    params:\n      threads: [1, all, 1]\n", "\n  - cpu.int\n", "\nsettings: {rounds: 0}\n",
        "\nquick:\n  minSampleMs: .nan\n", "\nname: [x]\n", "\n  - {id: mem.bw.copy, params: {threads: [1, 2, 3, 4, 5, 6, 7, 8]}}\n",
        String(repeating: "[", count: 20_000), String(repeating: "- ", count: 5_000) + "x", String(repeating: "{a: ", count: 5_000),
    ].map { Array($0.utf8) } + [[0xFF], [0xC3, 0x28], [0x00]]

    /// Line-level edits a person makes by mistake: a line deleted, duplicated, moved, re-indented.
    static func mutateLines(_ bytes: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { return bytes }
        let i = Int.random(in: 0..<lines.count, using: &rng)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: lines.remove(at: i)
        case 1: lines.insert(lines[i], at: Int.random(in: 0...lines.count, using: &rng))
        case 2: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &rng))
        default: lines[i] = Array(repeating: 0x20, count: Int.random(in: 0...6, using: &rng)) + lines[i].drop { $0 == 0x20 }
        }
        return Array(lines.joined(separator: [0x0A]))
    }

    @Test func seedsAreThere() {
        #expect(Self.seeds.count >= 10)
        for seed in Self.seeds { #expect(WorkloadOracle.check(seed) == nil) }
    }

    @Test func mutatedWorkloadsNeverCrash() {
        let budget = FuzzBudget(defaultIterations: 2_000)
        var rng = SplitMix64(seed: budget.seed ^ 0x5EED)
        let bytes = ByteMutator(tokens: Self.yamlTokens)
        var i = 0
        var failures = 0
        while budget.allows(i), failures < 5 {
            var input = Self.seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                input = Bool.random(using: &rng) ? bytes.mutate(input, rng: &rng) : Self.mutateLines(input, rng: &rng)
            }
            if let problem = WorkloadOracle.check(input) {
                failures += 1
                let saved = saveFuzzFailure(input, name: "workload-\(budget.seed)-\(i).yaml")
                Issue.record("seed \(budget.seed) iteration \(i): \(problem); input saved at \(saved)")
            }
            i += 1
        }
        print("fuzz \(budget.deadline == nil ? "" : "(timed) ")workloads: \(i) inputs, seed \(budget.seed), \(failures) failure(s)")
    }

    @Test(arguments: [
        String(repeating: "[", count: 100_000),
        "benchmarks: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        "benchmarks:\n" + String(repeating: "- ", count: 50_000) + "sys.null\n",
        "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nbenchmarks: [*c, *c]\n",
        "benchmarks: [sys.null]\nsettings: {rounds: 9223372036854775808, minSampleMs: .nan}\n",
        "benchmarks: [sys.null]\nsettings: {minSampleMs: 1e999}\n",
        "name: *x\nbenchmarks: []\n",
        "benchmarks:\n  - id: sys.null\n    params: {? [a] : b}\n",
        // Just within the nesting limit: parsed by Yams, so the limit leaves it stack to spare.
        "benchmarks: " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "\n",
        "benchmarks:\n" + String(repeating: "- ", count: 31) + "sys.null\n",
    ])
    func knownHardInputs(text: String) {
        #expect(WorkloadOracle.check(Array(text.utf8)) == nil)
    }

    /// Deep nesting crashed Yams (stack overflow); now it is refused before parsing, naming the line.
    @Test func deepNestingIsRefusedWithTheLine() {
        for (line, text) in [(2, "name: x\nbenchmarks: " + String(repeating: "[", count: 100_000)), (3, "name: x\nbenchmarks:\n" + String(repeating: "- ", count: 5_000) + "x")] {
            #expect(throws: WorkloadError.invalid(path: "w.yaml", line: line, message: "nested more than 64 levels deep; a workload needs 4 (benchmarks, entry, params, values)")) {
                try Workload.parse(text, path: "w.yaml")
            }
        }
        #expect(Workload.nestingBeyondLimit("a: [b, {c: [d]}]  # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n") == nil)
    }
}
