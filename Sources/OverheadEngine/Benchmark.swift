import OverheadModel

/// Where the measuring thread(s) run.
public enum Placement: Sendable, Equatable {
    /// One thread pinned to the engine's measurement CPU.
    case singleCPU
    /// One thread per CPU, pinned, on the first `count` allowed CPUs; the kernel runs on all at once.
    case threads(count: Int)
    /// The benchmark places its own parties (e.g. a ping-pong across two CPUs) on these CPUs.
    case own(cpus: [Int])
    /// One thread per listed CPU, pinned, the kernel on all at once (e.g. the CPUs of one NUMA node).
    case threadsOn(cpus: [Int])
}

/// How elapsed time per operation becomes a sample in the result's unit.
public enum Conversion: Sendable, Equatable {
    /// Nanoseconds per operation.
    case nanosecondsPerOp
    /// `work` units per operation (bytes, flops, ...), summed over threads, divided by `scale`
    /// per second: bytes with scale 1e9 → GB/s.
    case rate(workPerOp: Double, scale: Double)
    /// Operations per second, summed over threads, divided by `scale` (1e6 → Mop/s).
    case opsPerSecond(scale: Double)

    /// The sample value for `nsPerOp` ns per operation on each of `threads` threads.
    public func value(nsPerOp: Double, threads: Int) -> Double {
        switch self {
        case .nanosecondsPerOp: return nsPerOp
        case .rate(let work, let scale): return work * Double(threads) / (nsPerOp * 1e-9) / scale
        case .opsPerSecond(let scale): return Double(threads) / (nsPerOp * 1e-9) / scale
        }
    }
}

/// A kernel: runs `iterations` operations on worker `thread` (0-based). It must do the same work
/// each call; the engine times whole calls.
public typealias Kernel = @Sendable (_ iterations: Int, _ thread: Int) -> Void

/// A benchmark ready to be measured: created by `Benchmark.prepare`, dropped after its segment.
public struct PreparedBenchmark: Sendable {
    public var placement: Placement
    public var kernel: Kernel
    /// The same loop with an empty body; when present its cost per op is subtracted.
    public var overheadKernel: Kernel?
    public var conversion: Conversion
    /// Largest sensible batch (e.g. one pass over a big array is already long); nil = no limit.
    public var maxIterationsPerBatch: Int?
    /// Warnings about this case (capped sizes, fallbacks); copied into the result.
    public var warnings: [String]
    /// Releases what prepare took (memory, files, children); called on every path.
    public var teardown: @Sendable () -> Void
    /// Checks the kernel's output after measuring (e.g. STREAM validation); a thrown error fails the case.
    public var validate: @Sendable () throws -> Void
    /// Facts recorded in the result's `details` (e.g. `kernel: avx2-fma`).
    public var details: [String: String]
    /// Given the median sample, extra figures for the result's `derived` (e.g. ns per op from Mop/s).
    public var derive: @Sendable (_ median: Double) -> [String: Double]
    /// Runs once on every measuring thread, pinned, before calibration: first touch of memory
    /// (so pages land on the thread's NUMA node), per-thread state. Argument: the thread index.
    public var threadSetup: (@Sendable (_ thread: Int) -> Void)?
    /// Count performance events over one extra, untimed batch instead of the timed samples: for
    /// ops made of context switches, perf's per-switch bookkeeping would slow the timing itself.
    public var countersInSeparateBatch = false
    /// A kernel that times itself, for operations whose per-batch setup must stay out of the
    /// measurement (mapping memory before first-touch faults, ...): runs `iterations` ops and
    /// returns the ns spent on them. Used instead of timing `kernel` when present (one thread).
    public var selfTimedKernel: (@Sendable (_ iterations: Int) -> UInt64)?
    /// Called after a segment's samples (before `teardown`, after a passing `validate`) with the
    /// per-op overhead the engine subtracts (nil when none): returns warnings found only by measuring
    /// (e.g. a context-switch counter that disagrees with what the kernel claims to do).
    public var finish: @Sendable (_ overheadNsPerOp: Double?) -> [String]

    public init(
        placement: Placement = .singleCPU, kernel: @escaping Kernel, overheadKernel: Kernel? = nil,
        conversion: Conversion = .nanosecondsPerOp, maxIterationsPerBatch: Int? = nil, warnings: [String] = [],
        teardown: @escaping @Sendable () -> Void = {}, validate: @escaping @Sendable () throws -> Void = {},
        details: [String: String] = [:], derive: @escaping @Sendable (_ median: Double) -> [String: Double] = { _ in [:] },
        finish: @escaping @Sendable (_ overheadNsPerOp: Double?) -> [String] = { _ in [] }
    ) {
        self.placement = placement
        self.kernel = kernel
        self.overheadKernel = overheadKernel
        self.conversion = conversion
        self.maxIterationsPerBatch = maxIterationsPerBatch
        self.warnings = warnings
        self.teardown = teardown
        self.validate = validate
        self.details = details
        self.derive = derive
        self.threadSetup = nil
        self.selfTimedKernel = nil
        self.finish = finish
    }
}

/// Why a case does not produce a result.
public enum BenchmarkError: Error, Equatable, CustomStringConvertible {
    /// It cannot run here (one NUMA node, no PMU, ...): recorded as a skip with the reason.
    case unsupported(String)
    /// It ran and failed (validation mismatch, a syscall error): recorded as a skip with the error.
    case failed(String)

    public var description: String {
        switch self {
        case .unsupported(let why): return why
        case .failed(let why): return "failed: \(why)"
        }
    }
}

/// How much of the machine one benchmark may take.
public struct ResourceLimits: Sendable, Equatable {
    /// Fraction of MemAvailable one benchmark may allocate (`--memory-limit`).
    public var memoryFraction: Double
    /// Fraction of the free space of the I/O directory scratch files may take (`--disk-limit`).
    public var diskFraction: Double
    /// Seconds one benchmark may spend measuring over the whole run before it is stopped and
    /// reported with what it has (`--time-limit`).
    public var caseSeconds: Double

    public init(memoryFraction: Double = 0.5, diskFraction: Double = 0.5, caseSeconds: Double = 300) {
        self.memoryFraction = memoryFraction
        self.diskFraction = diskFraction
        self.caseSeconds = caseSeconds
    }

    /// "50%" for messages.
    public static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }
}

/// What a benchmark may know about the run when it prepares.
public struct RunContext: Sendable {
    /// CPUs this process may use, in order.
    public var allowedCPUs: [Int]
    /// The CPU single-threaded benchmarks are pinned to.
    public var measurementCPU: Int
    public var quick: Bool
    public var environment: Environment
    /// TSC frequency in GHz when known (for cycles per op); nil otherwise.
    public var tscGHz: Double?
    /// Memory, disk and time each benchmark may use.
    public var limits = ResourceLimits()
    /// `run --peer HOST:PORT`: the `serve` instance network benchmarks talk to; nil = a loopback
    /// server started in-process.
    public var peer: String?
    /// `run --io-dir DIR`: where storage benchmarks put their scratch files; nil = the temp dir.
    public var ioDirectory: String?
    /// Timed samples per replicate (the batches after calibration and warm-up): benchmarks that
    /// log per-op latencies keep only these batches. nil when unknown.
    public var samplesPerReplicate: Int?
    /// The session's shared resources (scratch files, latency logs, the loopback server); the
    /// session that made the context releases them.
    public var resources: RunResources

    public init(
        allowedCPUs: [Int], measurementCPU: Int, quick: Bool, environment: Environment, tscGHz: Double? = nil,
        peer: String? = nil, ioDirectory: String? = nil, resources: RunResources = RunResources()
    ) {
        self.allowedCPUs = allowedCPUs
        self.measurementCPU = measurementCPU
        self.quick = quick
        self.environment = environment
        self.tscGHz = tscGHz
        self.peer = peer
        self.ioDirectory = ioDirectory
        self.resources = resources
    }
}

/// A benchmark type registered by id. Implementations are small value types.
public protocol Benchmark: Sendable {
    var info: BenchmarkInfo { get }
    /// Builds the kernel for one set of params; throws `BenchmarkError.unsupported` to skip.
    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark
    /// Figures that need other cases of this benchmark (e.g. a ratio to the local NUMA case):
    /// given every result of this id, returns them with entries added to `derived`. Default: as is.
    func relate(_ results: [BenchmarkResult]) -> [BenchmarkResult]
    /// The number of threads `threads=all` stands for with these params on a process allowed
    /// `allowedCPUs`; nil when the benchmark takes no `threads` param. Workloads resolve `all` with
    /// it, so results carry the count and machines of different sizes are matched by it.
    func threadsForAll(params: [String: String], allowedCPUs: [Int]) -> Int?
}

extension Benchmark {
    /// Results unchanged: most benchmarks stand alone.
    public func relate(_ results: [BenchmarkResult]) -> [BenchmarkResult] { results }

    /// One thread per allowed CPU, for benchmarks with a `threads` param.
    public func threadsForAll(params: [String: String], allowedCPUs: [Int]) -> Int? {
        info.params.contains { $0.name == "threads" } ? max(1, allowedCPUs.count) : nil
    }
}
