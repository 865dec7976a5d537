import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
import OverheadModel

@Suite struct WorkloadTests {
    let registry = Catalog.registry

    /// `64m`, `64M` and `65536K` are one case, recorded as `64M` (sets written with either spelling
    /// compare row by row).
    @Test func sizeSpellingsAreOneCase() throws {
        let w = try Workload.parse("""
            name: t
            benchmarks:
              - id: mem.lat
                params: { bytes: [64m, 64M, 65536K], pages: [4k] }
              - id: proc.fork
                params: { bytes: [0, 64MiB] }
            """, path: "t.yaml")
        let cases = try w.resolve(registry: registry)
        #expect(cases.map(\.displayName) == ["mem.lat{bytes=64M,pages=4k}", "proc.fork{bytes=0}", "proc.fork{bytes=64M}"])
    }

    @Test func expandsParamsAndDefaults() throws {
        let w = try Workload.parse("""
            name: t
            benchmarks:
              - sys.null
              - id: timer.clock_gettime
                params:
                  clock: [monotonic, realtime]
              - id: timer.clock_gettime
            """, path: "t.yaml")
        let cases = try w.resolve(registry: registry)
        #expect(cases.map(\.displayName) == [
            "sys.null", "timer.clock_gettime{clock=monotonic}", "timer.clock_gettime{clock=realtime}",
            "timer.clock_gettime{clock=monotonic_raw}",
        ])
        #expect(w.settings == .standard)
    }

    @Test func unknownIdNamesFileLineAndChoices() {
        let w = try! Workload.parse("name: t\nbenchmarks:\n  - sys.null\n  - id: sys.nul\n", path: "w.yaml")
        #expect(throws: WorkloadError.self) { try w.resolve(registry: registry) }
        do {
            _ = try w.resolve(registry: registry)
        } catch {
            #expect(error.description.hasPrefix("w.yaml:4: unknown benchmark id 'sys.nul'"))
            #expect(error.description.contains("sys.null"))
        }
    }

    @Test func badParamValueListsValidValues() {
        let w = try! Workload.parse("benchmarks:\n  - id: timer.clock_gettime\n    params:\n      clock: sundial\n", path: "w.yaml")
        do {
            _ = try w.resolve(registry: registry)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "w.yaml:2: 'timer.clock_gettime' param 'clock': 'sundial' is not valid; valid: monotonic, monotonic_raw, realtime, monotonic_coarse, boottime")
        }
    }

    @Test func unknownParamNamesValidParams() {
        let w = try! Workload.parse("benchmarks:\n  - id: sys.null\n    params:\n      threads: 2\n", path: "w.yaml")
        do {
            _ = try w.resolve(registry: registry)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "w.yaml:2: 'sys.null' has no param 'threads'; it takes no params")
        }
    }

    @Test func syntaxErrorsCarryALine() {
        do {
            _ = try Workload.parse("benchmarks:\n  - id: sys.null\n   params: [\n", path: "bad.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("bad.yaml:"))
            #expect(error.description.contains("not valid YAML"))
        }
    }

    @Test func settingsAreChecked() {
        #expect(throws: WorkloadError.self) { try Workload.parse("settings:\n  rounds: 0\nbenchmarks: [sys.null]\n", path: "s.yaml") }
        #expect(throws: WorkloadError.self) { try Workload.parse("settings:\n  minSampleMs: .nan\nbenchmarks: [sys.null]\n", path: "s.yaml") }
        #expect(throws: WorkloadError.self) { try Workload.parse("setings: {}\nbenchmarks: [sys.null]\n", path: "s.yaml") }
        let w = try! Workload.parse("settings:\n  rounds: 7\n  minSampleMs: 2.5\nbenchmarks: [sys.null]\n", path: "s.yaml")
        #expect(w.settings.replicates == 7)
        #expect(w.settings.minSampleMs == 2.5)
        #expect(w.settings.samplesPerReplicate == WorkloadSettings.standard.samplesPerReplicate)
    }

    @Test func missingBenchmarksIsAnError() {
        #expect(throws: WorkloadError.self) { try Workload.parse("name: empty\n", path: "e.yaml") }
        #expect(throws: WorkloadError.self) { try Workload.parse("- just\n- a list\n", path: "e.yaml") }
    }

    @Test func onlyFiltersByGlob() throws {
        let w = try Workload.parse("benchmarks: [sys.null, timer.clock_gettime]", path: "o.yaml")
        #expect(try w.resolve(registry: registry, only: ["timer.*"]).allSatisfy { $0.benchmark.info.id == "timer.clock_gettime" })
        #expect(try w.resolve(registry: registry, only: ["sys.null"]).count == 1)
        #expect(throws: WorkloadError.self) { try w.resolve(registry: registry, only: ["mem.*"]) }
    }

    @Test func globs() {
        #expect(globMatches("mem.*", "mem.bw.triad"))
        #expect(globMatches("*.null", "sys.null"))
        #expect(globMatches("sys.?ull", "sys.null"))
        #expect(!globMatches("sys.*", "timer.rdtsc"))
        #expect(globMatches("*", "anything"))
        #expect(!globMatches("sys", "sys.null"))
    }

    @Test func shippedWorkloadsResolve() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Workloads")
        for name in ["default", "quick"] {
            let w = try Workload.load(path: dir.appendingPathComponent("\(name).yaml").path)
            #expect(try !w.resolve(registry: registry).isEmpty)
            // Every registered id is in the quick workload: the smoke test covers everything.
            if name == "quick" {
                #expect(Set(try w.resolve(registry: registry).map(\.benchmark.info.id)) == Set(registry.ids))
            }
        }
    }

    @Test func sizes() {
        #expect(parseSize("16K") == 16384)
        #expect(parseSize("256M") == 268_435_456)
        #expect(parseSize("1G") == 1 << 30)
        #expect(parseSize("12") == 12)
        #expect(parseSize("x") == nil)
        // One parser for params, export and explain: the spellings other tools write, no negatives.
        #expect(parseSize("16KB") == 16384)
        #expect(parseSize("2MiB") == 2 << 20)
        #expect(parseSize("1t") == 1 << 40)
        #expect(parseSize("-5") == nil)
        #expect(parseSize("K") == nil)
        #expect(parseSize("99999999999999999999G") == nil)
        // One spelling per case: sizes with a unit are rewritten in the largest exact unit.
        let sizes = ParamValues.size(extra: ["0"])
        #expect(sizes.canonical("64m") == "64M")
        #expect(sizes.canonical("64MiB") == "64M")
        #expect(sizes.canonical("65536K") == "64M")
        #expect(sizes.canonical("1536k") == "1536K")
        // A plain byte count is the same case as its unit spelling (a trial ran 16K and 16384 twice).
        #expect(sizes.canonical("16384") == "16K")
        #expect(sizes.canonical("1000") == "1000")
        #expect(sizes.canonical("0") == "0")
        // Counts stay as written.
        #expect(ParamValues.positiveInteger(extra: ["all"]).canonical("1024") == "1024")
        #expect(ParamValues.choices(["4k", "2m"]).canonical("4k") == "4k")
        #expect(ParamValues.positiveInteger(extra: ["all"]).accepts("all"))
        #expect(!ParamValues.positiveInteger(extra: []).accepts("0"))
    }
}

/// Mistakes a trial found accepted silently: a key given twice (the second replaced the first) and
/// an empty benchmark list (a run that measured nothing and exited 3, as if every case were skipped).
@Suite struct WorkloadSilentMistakesTests {
    @Test func aDuplicateKeyIsAnErrorWithItsLine() {
        let text = "benchmarks:\n  - id: mem.lat\n    params: { bytes: [16K], bytes: [32K] }\n"
        #expect {
            try Workload.parse(text, path: "w.yaml")
        } throws: { error in
            "\(error)".contains("key 'bytes' is given twice") && "\(error)".contains("w.yaml:3")
        }
        #expect(throws: WorkloadError.self) { try Workload.parse("name: a\nname: b\nbenchmarks: [sys.null]\n", path: "w.yaml") }
        // The same key in two different mappings is fine.
        #expect(throws: Never.self) { try Workload.parse("benchmarks:\n  - id: mem.lat\n    params: { bytes: [16K] }\n  - id: proc.fork\n    params: { bytes: [0] }\n", path: "w.yaml") }
    }

    /// Yams parses from a pointer that outlives its closure; a small (inline) string's pointer was
    /// to a temporary copy. Texts of 15 bytes or fewer get trailing newlines; the YAML is unchanged.
    @Test func smallTextsAreHandedToYamsInHeapStorage() throws {
        #expect(Workload.heapBacked("benchmarks: []").utf8.count == 16)
        #expect(Workload.heapBacked("benchmarks: []").hasPrefix("benchmarks: []\n"))
        let long = "benchmarks: [sys.null]\n"
        #expect(Workload.heapBacked(long) == long)
        let w = try Workload.parse("benchmarks: [sys.null]", path: "w.yaml")
        #expect(w.entries.map(\.id) == ["sys.null"])
    }

    @Test func anEmptyBenchmarkListIsAnError() {
        #expect {
            try Workload.parse("benchmarks: []\n", path: "w.yaml")
        } throws: { error in
            "\(error)".contains("'benchmarks' is empty")
        }
    }

    @Test func spellingsOfOneSizeAreOneCase() throws {
        let w = try Workload.parse("benchmarks:\n  - id: mem.lat\n    params: { bytes: [16K, 16384, 16KiB], pages: [4k] }\n", path: "w.yaml")
        let cases = try w.resolve(registry: Catalog.registry)
        #expect(cases.map { $0.params["bytes"] } == ["16K"])
    }
}

@Suite struct WorkloadExpansionTests {
    @Test func hugeCartesianProductsAreRefused() throws {
        let sizes = (1...40).map { "\($0)K" }.joined(separator: ", ")
        let w = try Workload.parse("benchmarks:\n  - id: mem.lat\n    params:\n      bytes: [\(sizes)]\n      pages: [4k, 2m]\n", path: "w.yaml")
        #expect(try w.resolve(registry: Catalog.registry).count == 80)
        let many = (1...1200).map { "\($0)K" }.joined(separator: ", ")
        let big = try Workload.parse("benchmarks:\n  - id: mem.lat\n    params:\n      bytes: [\(many)]\n      pages: [4k, 2m]\n", path: "w.yaml")
        do {
            _ = try big.resolve(registry: Catalog.registry)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("w.yaml:2: 'mem.lat' expands to 2400 parameter combinations"))
        }
    }
}
