import OverheadEngine
import OverheadModel
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

/// The five `sys.*` I/O syscalls, one type: each op is one C call (`cob_sys_*`) on targets opened
/// in prepare, timed in a plain loop; an empty loop's cost is subtracted as for `sys.null`.
struct SyscallIO: Benchmark {
    enum Op: String, CaseIterable, Sendable {
        case read, write, stat, open, mmap
    }

    let op: Op

    var info: BenchmarkInfo {
        let (summary, reveals): (String, String) = {
            switch op {
            case .read:
                return ("read(2) of 1 byte from /dev/zero", "a syscall with a small copy-out: no exit, so a VM should match bare metal; a gap points at mitigations or steal")
            case .write:
                return ("write(2) of 1 byte to /dev/null", "a syscall with a file-table lookup: no exit; a VM should match bare metal")
            case .stat:
                return ("stat(2) of an existing file (dentry cache hit)", "path walk in the guest kernel's VFS: no exit; differences come from the kernel build or mitigations")
            case .open:
                return ("open(2) + close(2) of an existing file, read-only", "path walk plus file allocation and release: guest-kernel work, no exit")
            case .mmap:
                return ("mmap(2) of 4 KiB anonymous memory + munmap(2), never touched", "VMA setup and teardown with a TLB flush on unmap: in a guest the flush can cost more (no exit with EPT, but IPIs to other vCPUs do exit)")
            }
        }()
        return BenchmarkInfo(
            id: "sys.\(op.rawValue)", summary: summary, reveals: reveals,
            params: [], metric: "latency", unit: "ns", better: .lower)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let directory = defaultTemporaryDirectory()
        let targets: SyscallTargets
        do {
            targets = try SyscallTargets(directory: directory)
        } catch {
            throw BenchmarkError.failed("cannot prepare \(info.id): \(error)")
        }
        let failures = FailureFlag()
        let kernel: Kernel
        switch op {
        case .read:
            kernel = { n, _ in for _ in 0..<n where !targets.read1() { failures.set("read(/dev/zero) returned no byte"); return } }
        case .write:
            kernel = { n, _ in for _ in 0..<n where !targets.write1() { failures.set("write(/dev/null) failed"); return } }
        case .stat:
            kernel = { n, _ in for _ in 0..<n where !targets.stat() { failures.set("stat(\(targets.path)) failed"); return } }
        case .open:
            kernel = { n, _ in for _ in 0..<n where !targets.openClose() { failures.set("open(\(targets.path)) failed"); return } }
        case .mmap:
            kernel = { n, _ in for _ in 0..<n where !targets.mapUnmap(bytes: 4096) { failures.set("mmap(4096) failed"); return } }
        }
        var details: [String: String] = [:]
        switch op {
        case .read: details["file"] = "/dev/zero"
        case .write: details["file"] = "/dev/null"
        case .stat, .open: details["file"] = targets.path
        case .mmap: details["bytes"] = "4096"
        }
        return PreparedBenchmark(
            kernel: kernel,
            overheadKernel: { n, _ in
                for _ in 0..<n { Instructions.compilerBarrier() }
            },
            teardown: { withExtendedLifetime(targets) {} },
            validate: { if let why = failures.value { throw BenchmarkError.failed(why) } },
            details: details)
    }
}
