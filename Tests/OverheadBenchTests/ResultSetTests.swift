import Foundation
import Testing
@testable import OverheadModel
@testable import OverheadSystem

func sampleResultSet() throws -> ResultSet {
    let samples = [130.5, 131.0, 129.8, 130.2, 135.0]
    let env = Environment(
        hostname: "node-1", kernel: "6.1.0", cpu: CPUInfo(vendor: "GenuineIntel", model: "Xeon", family: 6, modelNumber: 143, stepping: 8, microcode: "0x2b000590", logicalCPUs: 2, smt: false, flags: ["avx2"]),
        memoryBytes: 25_769_803_776, clocksource: "tsc", availableClocksources: ["tsc", "kvm-clock"], transparentHugePages: "madvise", governor: nil,
        mitigations: ["meltdown": "Not affected"], hypervisor: Hypervisor(present: true, vendor: "KVM", signatures: ["KVMKVMKVM"], evidence: ["cpuid"]),
        configuration: Configuration(detected: "vm", reasons: ["CPUID says KVM"]),
        numa: NUMATopology(available: true, source: "libnuma", nodes: [NUMANode(id: 0, cpus: [0, 1], memoryBytes: 25_769_803_776)], distances: [[10]]),
        devices: [Device(name: "eth0", kind: "network", bus: "pci", pciAddress: "0000:00:03.0", pciID: "1af4:1000", driver: "virtio_net", path: "virtio", reason: "virtio")],
        counters: CounterAvailability(hardware: false, software: true, reason: "no PMU"), notes: [])
    return ResultSet(
        id: "7f0c7c1e-0000-4000-8000-000000000001", label: "vm", startedAt: "2026-11-28T12:00:00.000Z", finishedAt: "2026-11-28T12:01:00.000Z",
        tool: ToolInfo(name: "overhead-bench", version: "0.1.0"), environment: env,
        workload: WorkloadInfo(name: "quick", source: "Workloads/quick.yaml", quick: true, seed: 42, replicates: 3, samplesPerReplicate: 2, warmupBatches: 1, minSampleMs: 2, only: [], clockResolutionNs: 20,
            replicateIsolation: "process"),
        results: [BenchmarkResult(
            benchmark: "sys.null", params: [:], metric: "latency", unit: "ns", better: .lower, samples: samples, summary: try summarize(samples),
            counters: nil, warnings: [], iterationsPerSample: 76_000, overheadNsPerOp: 1.25, cpus: [1],
            conditions: RunConditions(measuredSeconds: 0.1, stealPercent: 0, involuntaryContextSwitches: 1, voluntaryContextSwitches: 0),
            replicates: [
                Replicate(sampleCount: 3, median: 130.5, iterationsPerSample: 76_000, overheadNsPerOp: 1.25, measuredSeconds: 0.06, stealTicks: 0, involuntaryContextSwitches: 1, migrations: 0, robustCV: robustCV([130.5, 131.0, 129.8])),
                Replicate(sampleCount: 2, median: 132.6, iterationsPerSample: 75_000, overheadNsPerOp: 1.3, measuredSeconds: 0.04, stealTicks: nil, involuntaryContextSwitches: 0, migrations: nil, robustCV: robustCV([130.2, 135.0])),
            ])],
        skipped: [SkippedBenchmark(benchmark: "numa.lat", params: ["cpuNode": "0", "memNode": "1"], reason: "one NUMA node")],
        warnings: [], interrupted: false)
}

@Suite struct ResultSetTests {
    @Test func roundTrip() throws {
        let set = try sampleResultSet()
        let data = try set.encoded()
        let back = try ResultSet.decode(data, source: "x.json")
        #expect(back == set)
        // Sorted keys, the schema header, a flat results array.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"schema\" : \"overhead-bench/result-set\""))
        #expect(text.contains("\"schemaVersion\" : 2"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect((object["results"] as? [Any])?.count == 1)
        let keys = Array((object["results"] as! [[String: Any]])[0].keys)
        for key in ["benchmark", "params", "metric", "unit", "better", "samples", "summary", "warnings"] { #expect(keys.contains(key)) }
        let summary = (object["results"] as! [[String: Any]])[0]["summary"] as! [String: Any]
        #expect(Set(summary.keys) == ["n", "median", "mean", "min", "max", "stddev", "cv", "p5", "p95", "robustCV"])
        // Samples grouped by replicate: counts add up, each median is its slice's.
        let replicates = (object["results"] as! [[String: Any]])[0]["replicates"] as! [[String: Any]]
        #expect(replicates.map { $0["sampleCount"] as! Int } == [3, 2])
        #expect(back.results[0].replicateMedians == [130.5, 132.6])
    }

    @Test func truncatedJSONIsNamed() throws {
        let data = try sampleResultSet().encoded()
        do {
            _ = try ResultSet.decode(data.prefix(data.count / 2), source: "half.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("half.json: not valid JSON"))
        }
    }

    @Test func unknownSchemaVersion() throws {
        var text = String(decoding: try sampleResultSet().encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"schemaVersion\" : 2", with: "\"schemaVersion\" : 9")
        #expect(throws: ResultSetError.unsupportedVersion(path: "v9.json", version: 9)) { try ResultSet.decode(Data(text.utf8), source: "v9.json") }
    }

    @Test func notAResultSet() {
        #expect(throws: ResultSetError.notAResultSet(path: "p.json")) { try ResultSet.decode(Data("{\"name\": 1}".utf8), source: "p.json") }
        #expect(throws: ResultSetError.notAResultSet(path: "p.json")) { try ResultSet.decode(Data("[1,2]".utf8), source: "p.json") }
    }

    @Test func wrongTypesAndNaN() throws {
        var text = String(decoding: try sampleResultSet().encoded(), as: UTF8.self)
        let wrong = text.replacingOccurrences(of: "\"unit\" : \"ns\"", with: "\"unit\" : 5")
        do {
            _ = try ResultSet.decode(Data(wrong.utf8), source: "w.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("results[0].unit"))
        }
        // JSON has no NaN literal; a string in its place is a type error, never a silent NaN.
        text = text.replacingOccurrences(of: "130.5", with: "\"NaN\"")
        #expect(throws: ResultSetError.self) { try ResultSet.decode(Data(text.utf8), source: "nan.json") }
    }

    @Test func emptySamplesRejected() throws {
        var set = try sampleResultSet()
        set.results[0].samples = []
        #expect(throws: (any Error).self) { try set.encoded() }
    }

    @Test func atomicWriteRefusesToOverwrite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ob-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.json").path
        try AtomicFile.write(Data("one".utf8), to: path, overwrite: false)
        #expect(throws: FileWriteError.exists(path: path)) { try AtomicFile.write(Data("two".utf8), to: path, overwrite: false) }
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "one")
        try AtomicFile.write(Data("three".utf8), to: path, overwrite: true)
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "three")
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["r.json"])
        #expect(throws: FileWriteError.self) { try AtomicFile.write(Data(), to: dir.path + "/missing/r.json", overwrite: false) }
    }
}

@Suite struct StatisticsEdgeTests {
    @Test func oneSample() throws {
        let s = try summarize([7])
        #expect(s.n == 1 && s.median == 7 && s.stddev == 0 && s.p5 == 7 && s.p95 == 7 && s.cv == 0)
    }

    @Test func allEqual() throws {
        let s = try summarize([3, 3, 3, 3])
        #expect(s.stddev == 0 && s.cv == 0 && s.median == 3)
    }

    @Test func zerosAndEvenMedian() throws {
        let s = try summarize([0, 0, 2, 4])
        #expect(s.median == 1)
        #expect(s.mean == 1.5)
    }

    @Test func rejectsNaNAndEmpty() {
        #expect(throws: StatisticsError.empty) { try summarize([]) }
        #expect(throws: StatisticsError.self) { try summarize([1, .nan]) }
        #expect(throws: StatisticsError.self) { try summarize([.infinity]) }
    }
}
