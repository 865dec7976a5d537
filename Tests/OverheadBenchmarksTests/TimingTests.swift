import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
@testable import OverheadEnvironment
@testable import OverheadModel
@testable import OverheadSystem

/// CPUID answers from a table; absent leaves read as zeros, like a CPU past its max leaf.
struct TableCPUID: CPUIDSource {
    var leaves: [UInt32: CPUIDRegisters]
    func cpuid(leaf: UInt32, subleaf: UInt32) -> CPUIDRegisters? {
        leaves[leaf] ?? CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0)
    }
}

@Suite struct TSCFrequencyTests {
    // Sapphire Rapids-like: max leaf 0x20, leaf 0x15 = 2/104 × 25 MHz... written as the real
    // encoding: EAX denominator, EBX numerator, ECX crystal Hz → 25 MHz × 84 / 1 = 2.1 GHz.
    let intel = TableCPUID(leaves: [
        0: CPUIDRegisters(eax: 0x20, ebx: 0, ecx: 0, edx: 0),
        0x15: CPUIDRegisters(eax: 1, ebx: 84, ecx: 25_000_000, edx: 0),
    ])
    // A KVM/VMware guest with the hypervisor timing leaf: EAX = TSC kHz.
    let vmware = TableCPUID(leaves: [
        0: CPUIDRegisters(eax: 0x16, ebx: 0, ecx: 0, edx: 0),
        0x4000_0000: CPUIDRegisters(eax: 0x4000_0010, ebx: 0x6177_4d56, ecx: 0x4d56_6572, edx: 0x6572_6177),
        0x4000_0010: CPUIDRegisters(eax: 2_445_406, ebx: 1_000_000, ecx: 0, edx: 0),
    ])
    // An AMD guest like this machine: no leaf 0x15, no timing leaf.
    let amd = TableCPUID(leaves: [0: CPUIDRegisters(eax: 0x10, ebx: 0, ecx: 0, edx: 0)])

    @Test func leaf15IsExact() throws {
        let r = try #require(tscFrequencyFromCPUID(intel, hypervisorPresent: false))
        #expect(r.source == "cpuid-0x15")
        #expect(abs(r.ghz - 2.1) < 1e-12)
    }

    @Test func hypervisorTimingLeaf() throws {
        let r = try #require(tscFrequencyFromCPUID(vmware, hypervisorPresent: true))
        #expect(r.source == "cpuid-0x40000010")
        #expect(abs(r.ghz - 2.445406) < 1e-12)
        // The same leaf means nothing without a hypervisor.
        #expect(tscFrequencyFromCPUID(vmware, hypervisorPresent: false) == nil)
    }

    @Test func leaf15WithoutCrystalIsIgnored() {
        let partial = TableCPUID(leaves: [0: CPUIDRegisters(eax: 0x16, ebx: 0, ecx: 0, edx: 0), 0x15: CPUIDRegisters(eax: 2, ebx: 176, ecx: 0, edx: 0)])
        #expect(tscFrequencyFromCPUID(partial, hypervisorPresent: false) == nil)
        #expect(tscFrequencyFromCPUID(amd, hypervisorPresent: true) == nil)
    }

    @Test func selection() {
        let agree = selectTSCFrequency(cpuidRate: (2.1, "cpuid-0x15"), calibratedGHz: 2.1005, invariant: true)
        #expect(agree == TSCInfo(ghz: 2.1, source: "cpuid-0x15", calibratedGHz: 2.1005, invariant: true))
        // CPUID says 2.1 GHz but the counter runs at 2.6: trust the measurement.
        let disagree = selectTSCFrequency(cpuidRate: (2.1, "cpuid-0x15"), calibratedGHz: 2.6, invariant: true)
        #expect(disagree?.source == "calibrated" && disagree?.ghz == 2.6)
        #expect(selectTSCFrequency(cpuidRate: nil, calibratedGHz: 2.445, invariant: false)?.source == "calibrated")
        #expect(selectTSCFrequency(cpuidRate: nil, calibratedGHz: nil, invariant: false) == nil)
    }
}

@Suite struct ClockPathTests {
    @Test func vdsoWhenFarBelowTheSyscall() {
        let p = decideClockGettimePath(libcNs: 27, syscallNs: 250, clocksource: "tsc")
        #expect(p.path == "vdso")
        #expect(p.reason.contains("11%"))
    }

    @Test func syscallWhenTheVDSOFallsBack() {
        // xen clocksource: the vDSO calls into the kernel, so libc costs as much as the syscall.
        let p = decideClockGettimePath(libcNs: 610, syscallNs: 580, clocksource: "xen")
        #expect(p.path == "syscall")
        #expect(p.reason.contains("clocksource xen"))
        #expect(decideClockGettimePath(libcNs: 176, syscallNs: 250, clocksource: "hpet").path == "syscall")
        #expect(decideClockGettimePath(libcNs: 170, syscallNs: 250, clocksource: "hpet").path == "vdso")
    }
}

@Suite struct UnitConversionTests {
    @Test func nsToCyclesUsesTheTSCRate() {
        let clock = FakeClock()
        var context = testContext()
        context.tscGHz = 2.5
        let engine = Engine(settings: EngineSettings(replicates: 1, samplesPerReplicate: 5, warmupBatches: 0, minSampleMs: 1, seed: 1), clock: clock, clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 1200, overheadNs: nil), params: [:])], context: context)
        #expect(outcome.results[0].derived?["cyclesPerOp"] == 3000)
        context.tscGHz = nil
        let none = engine.run(cases: [BenchmarkCase(benchmark: FakeBenchmark(clock: clock, nsPerOp: 1200, overheadNs: nil), params: [:])], context: context)
        #expect(none.results[0].derived == nil)
    }

    @Test func throughputToNsPerOp() throws {
        // 500 Mop/s on one thread = 2 ns per op.
        let p = try CPUInt().prepare(params: ["threads": "1"], context: testContext())
        #expect(p.derive(500)["nsPerOp"] == 2)
        #expect(abs(Conversion.opsPerSecond(scale: 1e6).value(nsPerOp: 2, threads: 1) - 500) < 1e-9)
        let fp = try CPUFP().prepare(params: ["threads": "1", "isa": "sse2"], context: testContext())
        // SSE2 variant: 12 chains × 2 lanes × 2 flops = 48 flops per iteration.
        #expect(fp.details["flopsPerIteration"] == "48")
        #expect(fp.derive(24)["nsPerOp"] == 2)
    }

    @Test func threadCountsAreChecked() throws {
        let ctx = testContext()
        #expect(try threadCount("all", context: ctx) == ctx.allowedCPUs.count)
        #expect(try threadCount("1", context: ctx) == 1)
        #expect(throws: BenchmarkError.self) { try threadCount("4096", context: ctx) }
    }

    @Test func integerKernelIsDeterministic() {
        #expect(integerMix(iterations: 1000, seed: 1) == integerMix(iterations: 1000, seed: 1))
        #expect(integerMix(iterations: 1000, seed: 1) != integerMix(iterations: 1000, seed: 2))
    }
}
