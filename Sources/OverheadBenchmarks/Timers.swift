import OverheadEngine
import OverheadModel
import OverheadSystem

/// `timer.clock_gettime`: one `clock_gettime` read of the chosen clock.
struct TimerClockGettime: Benchmark {
    let info = BenchmarkInfo(
        id: "timer.clock_gettime",
        summary: "one clock_gettime() read (vDSO where the clocksource allows it)",
        reveals: "tens of ns through the vDSO with a stable tsc/kvm-clock; µs when the guest's clocksource forces a real syscall (xen, hpet, unstable kvm-clock)",
        params: [
            ParamSpec(
                name: "clock", values: .choices(PosixClock.allCases.map(\.rawValue)),
                defaults: ["monotonic", "monotonic_raw", "realtime"], summary: "the POSIX clock read")
        ],
        metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        guard let name = params["clock"], let clock = PosixClock(rawValue: name) else {
            throw BenchmarkError.failed("unknown clock '\(params["clock"] ?? "")'")
        }
        guard clock.resolutionNs() != nil else {
            throw BenchmarkError.unsupported("the kernel does not support clock \(name)")
        }
        var details = ["clocksource": context.environment.clocksource]
        if let path = context.environment.clockGettime {
            // Measured for CLOCK_MONOTONIC when the fingerprint was taken; the other clocks share the vDSO path.
            details["vdso"] = path.path == "vdso" ? "yes" : "no (falls back to a syscall)"
        }
        return PreparedBenchmark(
            kernel: { n, _ in
                var sink: UInt64 = 0
                for _ in 0..<n { sink &+= clock.read() }
                blackHole(sink)
            },
            overheadKernel: { n, _ in
                for _ in 0..<n { Instructions.compilerBarrier() }
            },
            details: details)
    }
}
