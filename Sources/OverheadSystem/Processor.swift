import COverhead

/// The four registers one CPUID returns.
public struct CPUIDRegisters: Sendable, Equatable {
    public var eax: UInt32
    public var ebx: UInt32
    public var ecx: UInt32
    public var edx: UInt32

    public init(eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        self.eax = eax
        self.ebx = ebx
        self.ecx = ecx
        self.edx = edx
    }
}

/// Where CPUID values come from: the real instruction, or a fixture in tests.
public protocol CPUIDSource: Sendable {
    /// CPUID(leaf, subleaf); nil where the instruction does not exist (non-x86).
    func cpuid(leaf: UInt32, subleaf: UInt32) -> CPUIDRegisters?
}

/// The CPUID instruction of this processor (`cob_cpuid`).
public struct HardwareCPUID: CPUIDSource {
    public init() {}

    public func cpuid(leaf: UInt32, subleaf: UInt32) -> CPUIDRegisters? {
        var regs = cob_cpuid_regs()
        guard cob_cpuid(leaf, subleaf, &regs) != 0 else { return nil }
        return CPUIDRegisters(eax: regs.eax, ebx: regs.ebx, ecx: regs.ecx, edx: regs.edx)
    }
}

/// Thin wrappers over the instructions and raw syscalls the benchmarks time.
public enum Instructions {
    /// RDTSC (`cob_rdtsc`).
    @inlinable @inline(__always) public static func rdtsc() -> UInt64 { cob_rdtsc() }

    /// RDTSCP (`cob_rdtscp`), discarding TSC_AUX.
    @inlinable @inline(__always) public static func rdtscp() -> UInt64 {
        var aux: UInt32 = 0
        return cob_rdtscp(&aux)
    }

    /// One CPUID (`cob_cpuid`), the classic VM-exit probe.
    @inlinable @inline(__always) public static func cpuid(leaf: UInt32) -> UInt32 {
        var regs = cob_cpuid_regs()
        _ = cob_cpuid(leaf, 0, &regs)
        return regs.eax
    }

    /// `syscall(SYS_getppid)` (`cob_sys_getppid`): one kernel entry and exit.
    @inlinable @inline(__always) public static func getppidSyscall() -> Int { cob_sys_getppid() }

    /// `syscall(SYS_clock_gettime, CLOCK_MONOTONIC)` (`cob_sys_clock_gettime_ns`): never the vDSO.
    @inlinable @inline(__always) public static func clockGettimeSyscall(_ clock: PosixClock) -> UInt64 {
        cob_sys_clock_gettime_ns(clock.id)
    }

    /// An empty asm statement the optimizer must keep (`cob_compiler_barrier`), the body of an
    /// empty loop: what remains is the loop's own cost.
    @inlinable @inline(__always) public static func compilerBarrier() { cob_compiler_barrier() }
}

/// Keeps a computed value alive (`cob_consume`): the loop that produced it cannot be dropped.
@inlinable public func blackHole(_ value: UInt64) { cob_consume(value) }

/// Keeps a computed value alive (`cob_consume` of its bits).
@inlinable public func blackHole(_ value: UInt32) { cob_consume(UInt64(value)) }

/// Keeps a computed value alive (`cob_consume` of its bits).
@inlinable public func blackHole(_ value: Double) { cob_consume(value.bitPattern) }

/// The cpu.fp kernels (`cob_fp_*`): multiply-add chains compiled per ISA with target attributes and
/// chosen at run time, which Swift cannot express (no function multiversioning).
public enum FloatingPointKernel: String, CaseIterable, Sendable {
    /// Baseline x86-64: 2-wide multiply and add, no FMA.
    case sse2
    /// 4-wide fused multiply-add.
    case avx2FMA = "avx2-fma"
    /// 8-wide fused multiply-add.
    case avx512f

    private var variant: Int32 {
        switch self {
        case .sse2: Int32(COB_FP_SSE2)
        case .avx2FMA: Int32(COB_FP_AVX2_FMA)
        case .avx512f: Int32(COB_FP_AVX512F)
        }
    }

    /// The widest variant this CPU and its OS support (`cob_fp_best_variant`, which always names
    /// one of the three; SSE2 is baseline x86-64 and the portable fallback elsewhere).
    public static var best: FloatingPointKernel {
        let v = cob_fp_best_variant()
        return allCases.first { $0.variant == v } ?? .sse2
    }

    /// Whether it can run here (`cob_fp_variant_supported`: CPUID, and XGETBV for the OS).
    public var isSupported: Bool { cob_fp_variant_supported(variant) != 0 }

    /// Double-precision flops per iteration, multiply and add counted apart (`cob_fp_flops_per_iteration`).
    public var flopsPerIteration: Int { Int(cob_fp_flops_per_iteration(variant)) }

    /// Runs `iterations` iterations (`cob_fp_kernel`); returns the checksum the caller must keep.
    @inline(__always) public func run(iterations: UInt64) -> Double { cob_fp_kernel(variant, iterations) }
}
