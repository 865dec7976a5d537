import OverheadEngine
import OverheadModel
import OverheadSystem
import Synchronization

/// A clock that only moves when a fake kernel says so.
package final class FakeClock: BenchmarkClock {
    package init() {}
    private let time = Mutex<UInt64>(1_000)
    package func now() -> UInt64 { time.withLock { $0 } }
    package func advance(_ ns: UInt64) { time.withLock { $0 += ns } }
}

/// A benchmark whose op "takes" `nsPerOp` on the fake clock and whose empty loop takes `overheadNs`.
package struct FakeBenchmark: Benchmark {
    package let clock: FakeClock
    package let nsPerOp: UInt64
    package let overheadNs: UInt64?
    package var id = "fake.op"
    package var conversion: Conversion = .nanosecondsPerOp

    package init(clock: FakeClock, nsPerOp: UInt64, overheadNs: UInt64?, id: String = "fake.op") {
        self.clock = clock
        self.nsPerOp = nsPerOp
        self.overheadNs = overheadNs
        self.id = id
    }
    package var info: BenchmarkInfo {
        BenchmarkInfo(id: id, summary: "fake", reveals: "nothing", params: [], metric: "latency", unit: "ns", better: .lower)
    }

    package func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let clock = self.clock, perOp = nsPerOp
        var overhead: Kernel?
        if let ns = overheadNs {
            overhead = { n, _ in clock.advance(UInt64(n) * ns) }
        }
        return PreparedBenchmark(kernel: { n, _ in clock.advance(UInt64(n) * perOp) }, overheadKernel: overhead, conversion: conversion)
    }
}

/// A benchmark that is always skipped, with a reason.
package struct UnsupportedBenchmark: Benchmark {
    package init() {}
    package let info = BenchmarkInfo(id: "fake.unsupported", summary: "", reveals: "", params: [], metric: "latency", unit: "ns", better: .lower)
    package func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        throw BenchmarkError.unsupported("needs two NUMA nodes; this machine has one")
    }
}

/// A run context on a made-up bare-metal machine, with this process's allowed CPUs.
package func testContext() -> RunContext {
    let env = Environment(
        hostname: "test", kernel: "6.1", cpu: CPUInfo(vendor: "v", model: "m", family: nil, modelNumber: nil, stepping: nil, microcode: nil, logicalCPUs: 1, smt: false, flags: []),
        memoryBytes: 1 << 30, clocksource: "tsc", availableClocksources: ["tsc"], transparentHugePages: nil, governor: nil,
        mitigations: [:], hypervisor: Hypervisor(present: false, vendor: nil, signatures: [], evidence: []),
        configuration: Configuration(detected: "bare-metal", reasons: []),
        numa: NUMATopology(available: false, source: "sysfs", nodes: [], distances: []), devices: [],
        counters: CounterAvailability(hardware: false, software: false, reason: nil), notes: [])
    let cpus = Affinity.allowedCPUs()
    return RunContext(allowedCPUs: cpus, measurementCPU: cpus.last ?? 0, quick: true, environment: env)
}
