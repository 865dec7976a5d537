import OverheadEngine
import OverheadSystem

/// `sys.null`: one `syscall(SYS_getppid)` — a kernel entry and exit doing no work.
struct SyscallNull: Benchmark {
    let info = BenchmarkInfo(
        id: "sys.null",
        summary: "getppid through syscall(2): one kernel entry and exit doing no work",
        reveals: "a syscall does not exit to the hypervisor, so a VM should match bare metal; a gap points at mitigations (PTI, retpolines) or steal, not at virtualization",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        PreparedBenchmark(
            kernel: { n, _ in
                for _ in 0..<n { _ = Instructions.getppidSyscall() }
            },
            overheadKernel: { n, _ in
                for _ in 0..<n { Instructions.compilerBarrier() }
            })
    }
}
