import Foundation
import Glibc
import Synchronization
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

/// A benchmark whose op alternates between a slow and a fast cost on the fake clock, with an
/// empty loop that costs more than the fast op: some samples can be subtracted, some cannot.
struct AlternatingBenchmark: Benchmark {
    let clock: FakeClock
    let info = BenchmarkInfo(id: "fake.alternating", summary: "", reveals: "", params: [], metric: "latency", unit: "ns", better: .lower)
    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let clock = self.clock
        let calls = Mutex(0)
        return PreparedBenchmark(
            kernel: { n, _ in
                let k = calls.withLock { c in c += 1; return c }
                clock.advance(UInt64(n) * (k % 2 == 0 ? 100 : 4))
            },
            overheadKernel: { n, _ in clock.advance(UInt64(n) * 5) })
    }
}

@Suite struct OverheadRuleTests {
    @Test func allOrNoneWithinAReplicate() {
        #expect(applyOverhead([100, 50], overheadNsPerOp: 5).values == [95, 45])
        #expect(applyOverhead([100, 50], overheadNsPerOp: 5).subtracted)
        let mixed = applyOverhead([100, 4], overheadNsPerOp: 5)
        #expect(mixed.values == [100, 4])
        #expect(!mixed.subtracted)
        #expect(applyOverhead([3], overheadNsPerOp: nil) == ([3], true))
    }

    @Test func engineNeverMixesRawAndSubtractedSamples() throws {
        let clock = FakeClock()
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 6, warmupBatches: 0, minSampleMs: 1, seed: 4), clock: clock, clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: AlternatingBenchmark(clock: clock), params: [:])], context: testContext())
        let r = try #require(outcome.results.first)
        // Raw 100 and 4 only: a subtracted 95 next to a raw 4 would be two quantities under one median.
        #expect(Set(r.samples).isSubset(of: [100, 4]))
        #expect(r.samples.contains(100) && r.samples.contains(4))
        #expect(r.replicates?.allSatisfy { $0.overheadNsPerOp == nil } == true)
        #expect(r.warnings.contains { $0.contains("2 of 2 replicate(s)") })
        #expect(r.details?["overheadSubtraction"]?.contains("all or none") == true)
    }
}

@Suite struct PageFaultErrorTests {
    @Test func aFailingBatchFailsTheCaseInsteadOfAZeroSample() {
        let calls = Mutex(0)
        let bench = MemoryPageFault(touch: { pages, _ in
            let k = calls.withLock { c in c += 1; return c }
            if k > 3 { throw SystemError(call: "mmap(\(pages) pages)", errno: ENOMEM) }
            return UInt64(pages) * 500
        })
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 5, warmupBatches: 0, minSampleMs: 1, seed: 1), clock: MonotonicRawClock(), clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: bench, params: ["pages": "4k"])], context: testContext())
        #expect(outcome.results.isEmpty)
        #expect(outcome.results.allSatisfy { $0.samples.allSatisfy { $0 > 0 } })
        let skip = outcome.skipped.first
        #expect(skip?.benchmark == "mem.pagefault")
        #expect(skip?.reason.contains("could not be mapped") == true)
    }
}

@Suite struct NoTHPTests {
    /// A kernel built without CONFIG_TRANSPARENT_HUGEPAGE: madvise(MADV_[NO]HUGEPAGE) is EINVAL.
    static let noTHP: MappedMemory.Advise = { _, _, _ in EINVAL }

    @Test func fourKRunsAndTwoMIsSkippedWithTheReason() {
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 2), clock: MonotonicRawClock(), clockResolutionNs: 1)
        let bench = MemoryLatency(advise: Self.noTHP)
        let outcome = engine.run(
            cases: [BenchmarkCase(benchmark: bench, params: ["bytes": "64K", "pages": "4k"]), BenchmarkCase(benchmark: bench, params: ["bytes": "64K", "pages": "2m"])],
            context: testContext())
        #expect(outcome.results.map { $0.params["pages"] } == ["4k"])
        #expect(outcome.results.first?.samples.allSatisfy { $0 > 0 } == true)
        #expect(outcome.skipped.map { $0.params["pages"] } == ["2m"])
        #expect(outcome.skipped.first?.reason.contains("no transparent huge pages") == true)
    }

    @Test func pageFaultTwoMIsSkippedToo() {
        #expect(throws: BenchmarkError.unsupported(MappedMemory.noTHPReason)) {
            _ = try MemoryPageFault(advise: Self.noTHP).prepare(params: ["pages": "2m"], context: testContext())
        }
        #expect(throws: Never.self) { _ = try MemoryPageFault(advise: Self.noTHP).prepare(params: ["pages": "4k"], context: testContext()) }
    }
}

@Suite struct MemoryLatencyPlacementTests {
    @Test func chainIsFirstTouchedByThePinnedMeasuringThread() throws {
        // Record which CPU touches the chain: with the engine's pinning it must be the measurement CPU.
        let cpus = Affinity.allowedCPUs()
        var context = testContext()
        context.measurementCPU = cpus.first ?? 0
        let prepared = try MemoryLatency().prepare(params: ["bytes": "64K", "pages": "4k"], context: context)
        #expect(prepared.threadSetup != nil)
        #expect(prepared.details["firstTouch"]?.contains("pinned measuring thread") == true)
        let engine = Engine(settings: EngineSettings(replicates: 2, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 2), clock: MonotonicRawClock(), clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: MemoryLatency(), params: ["bytes": "64K", "pages": "4k"])], context: context)
        #expect(outcome.results.first?.samples.count == 4)
        #expect(outcome.results.first?.cpus == [context.measurementCPU])
    }
}

@Suite struct DynamicCPUSetTests {
    @Test func parsesThePossibleList() {
        #expect(Affinity.possibleCPUCount("0-4095\n") == 4096)
        #expect(Affinity.possibleCPUCount("0,2-3") == 4)
        #expect(Affinity.possibleCPUCount("0") == 1)
        #expect(Affinity.possibleCPUCount("x") == nil)
    }

    @Test func moreThan1024PossibleCPUsStillReadsTheAllowedSet() throws {
        let real = Affinity.allowedCPUs()
        #expect(!real.isEmpty)
        // Injected: the kernel says 4096 (or 8192) possible CPUs; the set must be read through a
        // mask that large, not come back empty.
        #expect(Affinity.allowedCPUs(possibleCPUs: 4096) == real)
        #expect(Affinity.allowedCPUs(possibleCPUs: 8192) == real)
        // Pinning through a 4096-CPU mask works for real CPUs, and an id past 1024 reaches the
        // kernel (EINVAL: no such CPU here) instead of being refused by a fixed 1024-CPU set.
        try Affinity.set(real, possibleCPUs: 4096)
        #expect(Affinity.allowedCPUs(possibleCPUs: 4096) == real)
        #expect(throws: SystemError.self) { try Affinity.set([2000], possibleCPUs: 4096) }
        try Affinity.set(real + [2000], possibleCPUs: 4096)
        #expect(Affinity.allowedCPUs() == real)
    }
}

@Suite struct PlacementRecordTests {
    static let interrupts = """
                   CPU0       CPU1
         24:          1          0  IO-APIC   5-edge      ACPI:Ged
         35:          0          1 PCI-MSIX-0000:00:02.0   0-edge      virtio1-config
         36:          7     469728 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0
         37:          0          0 PCI-MSIX-0000:00:03.0   0-edge      virtio2-config
         38:        100          0 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0
        """

    @Test func deviceInterruptLinesByPCIFunctionWithoutConfigVectors() {
        let irq = DeviceInterrupts.parse(Self.interrupts, pci: "0000:00:02.0", name: "virtio1-")
        #expect(irq.lines == ["virtio1-req.0": [7, 469_728]])
        #expect(irq.cpusWithInterrupts == [0, 1])
        let later = DeviceInterrupts(lines: ["virtio1-req.0": [7, 469_800]])
        #expect(later.cpusTaking(since: irq) == [1])
        #expect(DeviceInterrupts.parse(Self.interrupts, pci: "0000:00:09.0", name: nil).lines.isEmpty)
    }

    @Test func loopbackServerGoesToAnotherCPUWhenThereIsOne() {
        #expect(LoopbackPeer.serverCPU(allowed: [0, 1], measurementCPU: 1) == 0)
        #expect(LoopbackPeer.serverCPU(allowed: [3], measurementCPU: 3) == 3)
    }

    @Test func perOpClockIsTheOneTheFingerprintProved() {
        let vdso = OperationClock.choose(clockPath: "vdso", tscGHz: 2.5, invariantTSC: true)
        #expect(vdso.source == .monotonicVDSO)
        #expect(vdso.readCostNs > 0 && vdso.readCostNs < 10_000)
        #if arch(x86_64)
        let tsc = OperationClock.choose(clockPath: "syscall", tscGHz: 2.5, invariantTSC: true)
        #expect(tsc.source == .tsc)
        #endif
        #expect(OperationClock.choose(clockPath: "syscall", tscGHz: nil, invariantTSC: false).source == .monotonicUnproven)
        #expect(OperationClock.choose(clockPath: nil, tscGHz: nil, invariantTSC: false).source == .monotonicUnproven)
        #expect(vdso.net(1000) == 1000 - UInt64(vdso.readCostNs.rounded()))
        #expect(vdso.net(0) == 0)
    }

    #if arch(x86_64)
    @Test func pipePeerIsTheSmallEchoHelper() throws {
        let helper = try #require(EchoHelper.fresh().path)
        let size = try FileManager.default.attributesOfItem(atPath: helper)[.size] as? Int
        #expect(size == 179)
        _ = unlink(helper)
        let prepared = try ContextPipe().prepare(params: ["placement": "same-core", "party": "process"], context: testContext())
        let parties = try #require(prepared.details["parties"])
        #expect(parties.contains("179-byte static echo program"))
        // Its own copy of the helper, removed with the case.
        let path = try #require(parties.split(separator: "(").dropFirst().first?.split(separator: ";").first.map(String.init))
        #expect(FileManager.default.fileExists(atPath: path))
        prepared.teardown()
        #expect(!FileManager.default.fileExists(atPath: path))
    }
    #endif
}
