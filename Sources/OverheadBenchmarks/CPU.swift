import OverheadEngine
import OverheadModel
import OverheadSystem

/// The `threads` param shared by the CPU benchmarks: by default 1, every power of two below the
/// allowed CPU count, and all of them, so machines of different sizes share the counts 1, 2, 4, …
let threadsParam = ParamSpec(
    name: "threads", values: .positiveInteger(extra: ["all"]), defaults: ["1", "all"],
    summary: "pinned threads, one per CPU (default 1, powers of two, all; 'all' = every CPU this process may use, recorded as its count)",
    machineDefaults: powerOfTwoThreads)

/// Resolves a `threads` value against the CPUs this process may use.
func threadCount(_ value: String?, context: RunContext) throws -> Int {
    let available = context.allowedCPUs.count
    guard let value, value != "all" else { return max(1, available) }
    guard let n = parseSize(value), n >= 1 else { throw BenchmarkError.failed("threads '\(value)' is not a positive integer") }
    guard n <= available else {
        throw BenchmarkError.unsupported("threads=\(n) needs \(n) CPUs; this process may use \(available)")
    }
    return n
}

/// `cpu.cpuid`: one CPUID (leaf 0), an unconditional VM exit under VT-x and SVM.
struct CPUCPUID: Benchmark {
    let info = BenchmarkInfo(
        id: "cpu.cpuid",
        summary: "one CPUID instruction (leaf 0)",
        reveals: "CPUID always traps to the hypervisor: ~100 cycles on bare metal, ~1,000+ cycles in a KVM guest, ~10k+ nested — the round-trip cost of one VM exit",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        #if !arch(x86_64)
        throw BenchmarkError.unsupported("CPUID exists on x86 only")
        #else
        return PreparedBenchmark(
            kernel: { n, _ in
                var sink: UInt32 = 0
                for _ in 0..<n { sink &+= Instructions.cpuid(leaf: 0) }
                blackHole(sink)
            },
            overheadKernel: { n, _ in
                for _ in 0..<n { Instructions.compilerBarrier() }
            },
            details: ["leaf": "0"])
        #endif
    }
}

/// `timer.rdtsc` and `timer.rdtscp`: one read of the time-stamp counter.
struct TimerTSC: Benchmark {
    let serializing: Bool
    var info: BenchmarkInfo {
        serializing
            ? BenchmarkInfo(
                id: "timer.rdtscp", summary: "one RDTSCP (waits for earlier instructions; also reads TSC_AUX)",
                reveals: "native unless the hypervisor traps RDTSCP (TSC scaling off, migration-safe TSC modes): then it costs a VM exit",
                params: [], metric: "latency", unit: "ns", better: .lower)
            : BenchmarkInfo(
                id: "timer.rdtsc", summary: "one RDTSC",
                reveals: "native unless the hypervisor traps RDTSC (unstable TSC, migration modes): then it costs a VM exit, thousands of cycles",
                params: [], metric: "latency", unit: "ns", better: .lower)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        #if !arch(x86_64)
        throw BenchmarkError.unsupported("RDTSC exists on x86 only")
        #else
        if serializing && !context.environment.cpu.flags.contains("rdtscp") && !context.environment.cpu.flags.isEmpty {
            throw BenchmarkError.unsupported("this CPU does not advertise RDTSCP")
        }
        let kernel: Kernel
        if serializing {
            kernel = { n, _ in
                var sink: UInt64 = 0
                for _ in 0..<n { sink &+= Instructions.rdtscp() }
                blackHole(sink)
            }
        } else {
            kernel = { n, _ in
                var sink: UInt64 = 0
                for _ in 0..<n { sink &+= Instructions.rdtsc() }
                blackHole(sink)
            }
        }
        return PreparedBenchmark(
            kernel: kernel,
            overheadKernel: { n, _ in
                for _ in 0..<n { Instructions.compilerBarrier() }
            })
        #endif
    }
}

/// `cpu.int`: a fixed integer workload — four independent 64-bit hash-mixing lanes
/// (xor-shift, multiply, add), so it exercises the integer ALUs and multiplier, not memory.
struct CPUInt: Benchmark {
    /// Mixing steps one op performs (4 lanes × 1 step).
    static let stepsPerOp = 4

    let info = BenchmarkInfo(
        id: "cpu.int",
        summary: "integer hash mixing (4 independent lanes of xor-shift, multiply, add); one op = one step on all lanes",
        reveals: "pure user-mode compute never exits: a VM should match bare metal within ~2%; more means steal, a topology-blind or unpinned guest, or SMT neighbours",
        params: [threadsParam], metric: "throughput", unit: "Mop/s", better: .higher)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let threads = try threadCount(params["threads"], context: context)
        return PreparedBenchmark(
            placement: .threads(count: threads),
            kernel: { n, thread in blackHole(integerMix(iterations: n, seed: UInt64(thread) &+ 1)) },
            conversion: .opsPerSecond(scale: 1e6),
            details: ["kernel": "swift: 4-lane xorshift-multiply mix"],
            derive: { median in ["nsPerOp": Double(threads) * 1e3 / median] })
    }
}

/// The cpu.int kernel. Kept free-standing and non-generic so it compiles to the same loop as the
/// plain-C reference in scripts/fidelity/cpu.c.
@inline(never)
func integerMix(iterations: Int, seed: UInt64) -> UInt64 {
    var a = seed, b = seed &* 3, c = seed &* 5, d = seed &* 7
    var i: UInt64 = 0
    let n = UInt64(iterations)
    while i < n {
        a = (a ^ (a >> 29)) &* 0xBF58_476D_1CE4_E5B9 &+ i
        b = (b ^ (b >> 29)) &* 0x94D0_49BB_1331_11EB &+ i
        c = (c ^ (c >> 29)) &* 0xBF58_476D_1CE4_E5B9 &+ i
        d = (d ^ (d >> 29)) &* 0x94D0_49BB_1331_11EB &+ i
        i &+= 1
    }
    return a ^ b ^ c ^ d
}

/// `cpu.fp`: double-precision FMA chains in the widest vector variant this CPU supports (chosen at
/// run time from CPUID and XGETBV; the binary itself targets baseline x86-64).
struct CPUFP: Benchmark {
    let info = BenchmarkInfo(
        id: "cpu.fp",
        summary: "double-precision multiply-add chains (12 independent chains, widest vector ISA available unless 'isa' says otherwise)",
        reveals: "compute never exits, so GFLOP/s should match bare metal; a lower figure with isa=auto often means the hypervisor hides AVX-512/AVX2 from the guest (see details.kernel)",
        params: [
            threadsParam,
            ParamSpec(name: "isa", values: .choices(["auto", "sse2", "avx2-fma", "avx512f"]), defaults: ["auto"],
                      summary: "vector variant; auto = the widest this CPU and OS support"),
        ],
        metric: "throughput", unit: "GFLOP/s", better: .higher)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let threads = try threadCount(params["threads"], context: context)
        let isa = params["isa"] ?? "auto"
        let variant: FloatingPointKernel
        if isa == "auto" {
            variant = .best
        } else {
            guard let v = FloatingPointKernel(rawValue: isa) else { throw BenchmarkError.failed("unknown isa '\(isa)'") }
            guard v.isSupported else {
                throw BenchmarkError.unsupported("\(isa) is not supported by this CPU (or not enabled by the OS/hypervisor)")
            }
            variant = v
        }
        let name = variant.rawValue
        let flops = Double(variant.flopsPerIteration)
        return PreparedBenchmark(
            placement: .threads(count: threads),
            kernel: { n, _ in blackHole(variant.run(iterations: UInt64(n))) },
            conversion: .rate(workPerOp: flops, scale: 1e9),
            details: ["kernel": name, "flopsPerIteration": String(Int(flops)), "implementation": "C intrinsics (run-time ISA dispatch; Swift cannot multiversion functions)"],
            derive: { median in ["nsPerOp": flops * Double(threads) / median] })
    }
}
