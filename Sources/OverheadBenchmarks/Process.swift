import Foundation
import OverheadEngine
import OverheadModel
import OverheadSystem
import Synchronization

/// The first error a creation kernel hit; `validate` turns it into a failed case.
final class FirstError: Sendable {
    private let message = Mutex<String?>(nil)

    var failed: Bool { message.withLock { $0 != nil } }

    func record(_ rc: Int32, what: String) {
        let text: String
        switch -rc {
        case ECHILD: text = "\(what): a child did not exit with status 0"
        case ENOEXEC: text = "\(what): the program did not run (exec failed in the child, or it exited non-zero)"
        default: text = SystemError(call: what, errno: -rc).description
        }
        message.withLock { if $0 == nil { $0 = text } }
    }

    func check() throws {
        if let m = message.withLock({ $0 }) { throw BenchmarkError.failed(m) }
    }
}

/// Creation benchmarks run a few hundred ops per sample at most; a cap keeps one calibration
/// overshoot from making a multi-second batch.
let creationBatchCap = 20_000

/// A creation benchmark: `loop(n)` performs n creations in C and returns 0 or -errno; the first
/// failure stops the batch and fails the case.
func creationBenchmark(
    what: String, details: [String: String], teardown: @escaping @Sendable () -> Void = {},
    loop: @escaping @Sendable (UInt64) -> Int32
) -> PreparedBenchmark {
    let error = FirstError()
    return PreparedBenchmark(
        kernel: { n, _ in
            guard !error.failed else { return }
            let rc = loop(UInt64(n))
            if rc != 0 { error.record(rc, what: what) }
        },
        maxIterationsPerBatch: creationBatchCap,
        teardown: teardown,
        validate: { try error.check() },
        details: details)
}

/// `proc.fork`: fork + child exit + wait, from the fork server (a small static program of stated
/// size, `ForkServer`) holding `bytes` of touched anonymous memory.
struct ProcessFork: Benchmark {
    let info = BenchmarkInfo(
        id: "proc.fork",
        summary: "fork + child exit_group(0) + wait4, from a ~0.5 KiB static program holding `bytes` of touched 4 KiB pages",
        reveals: "page-table copy and copy-on-write set-up: nested paging (EPT/NPT) and shadow page tables make it dearer in a VM, more so with a bigger parent",
        params: [
            ParamSpec(
                name: "bytes", values: .size(extra: ["0"]), defaults: ["0", "64M"],
                summary: "anonymous memory the forking program has touched (4 KiB pages, THP off): 0 = a small parent like lat_proc's; 64M shows the page-table copy")
        ],
        metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let (memory, capped) = try forkParentBytes(params, context: context)
        var prepared = try forkServerBenchmark(
            operation: .forkExit, touchedBytes: memory, context: context,
            what: "fork/exit_group/wait4",
            method: "fork() in the fork server pinned to the measurement CPU; the child calls only exit_group(0); one pipe round trip per batch",
            fallback: { reason in
                // The old shape, stated: overhead-bench forks itself.
                guard memory == 0 else {
                    throw BenchmarkError.unsupported("bytes=\(params["bytes"] ?? "") needs the fork server: \(reason)")
                }
                return creationBenchmark(
                    what: "fork/_exit/waitpid",
                    details: [
                        "method": "fork() from a pinned worker thread of overhead-bench itself; the child calls only _exit(0)",
                        "parent": "overhead-bench (\(processMemoryStatus(pid: nil) ?? "size unknown")), because \(reason)",
                    ],
                    loop: { ProcessCreation.forkExit($0) })
            })
        if let capped { prepared.warnings.append(capped) }
        return prepared
    }
}

/// The `bytes` parameter of proc.fork (absent or "0": 0), capped like every working set at
/// `--memory-limit` of what MemAvailable (or the cgroup's limit) leaves, with the warning saying so.
func forkParentBytes(_ params: [String: String], context: RunContext) throws(BenchmarkError) -> (bytes: UInt64, capped: String?) {
    guard let text = params["bytes"], text != "0" else { return (0, nil) }
    guard let requested = parseSize(text), requested > 0 else {
        throw BenchmarkError.failed("bytes=\(text): expected 0 or a size such as 64M")
    }
    let (bytes, capped) = latencyBytes(requested: requested, memAvailable: MemInfo.available(), fraction: context.limits.memoryFraction)
    guard bytes > 0 else {
        throw BenchmarkError.unsupported("bytes=\(text): no memory left under --memory-limit (\(capped ?? "MemAvailable unknown"))")
    }
    return (UInt64(bytes), capped.map { "fork parent's " + $0 })
}

/// A creation benchmark run by a fork server pinned to the measurement CPU: `operation` per op,
/// the parent's size stated in `details.parent`. When the server cannot run here (not x86-64, a
/// noexec temporary directory), `fallback` gets the reason and builds the case another way.
func forkServerBenchmark(
    operation: ForkServer.Operation, touchedBytes: UInt64, context: RunContext, what: String, method: String,
    fallback: (String) throws -> PreparedBenchmark
) throws -> PreparedBenchmark {
    let dir = FileManager.default.temporaryDirectory.path
    let server: ForkServer
    do {
        server = try ForkServer(directory: dir, cpu: context.measurementCPU, touchedBytes: touchedBytes)
    } catch {
        let reason =
            switch error.errno {
            case ENOSYS: "no fork server for this architecture"
            case ENOEXEC: "the fork server written to \(dir) did not run (noexec mount?)"
            default: "the fork server did not start: \(error)"
            }
        return try fallback(reason)
    }
    let size = server.memoryStatus() ?? "size unknown"
    return creationBenchmark(
        what: what,
        details: [
            "method": method,
            "parent": "fork server: \(server.fileBytes)-byte static x86-64 program, \(formatSize(touchedBytes)) touched (\(size)), pinned to CPU \(context.measurementCPU)",
        ],
        teardown: { server.stop() },
        loop: { server.run($0, operation) })
}

/// `proc.thread`: `pthread_create` of an empty routine and `pthread_join`.
struct ProcessThread: Benchmark {
    let info = BenchmarkInfo(
        id: "proc.thread",
        summary: "pthread_create of an empty routine + pthread_join",
        reveals: "clone, stack mmap and the first switch to the new thread: mostly native, with a wake-up when the scheduler places the thread",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        creationBenchmark(
            what: "pthread_create/pthread_join",
            details: ["method": "the new thread inherits the pinned worker's CPU; glibc caches thread stacks, so this is clone + switch + exit"],
            loop: { ProcessCreation.threadCreateJoin($0) })
    }
}

/// `proc.exec`: fork + execve of a tiny static program + wait, from the fork server (or, where it
/// cannot run, from overhead-bench itself with `/bin/true`).
struct ProcessExec: Benchmark {
    let info = BenchmarkInfo(
        id: "proc.exec",
        summary: "fork + execve of a ~0.5 KiB static program that exits at once + wait4, from the fork server (or /bin/true from overhead-bench where it cannot run)",
        reveals: "a fresh address space: page-table build, page faults and the ELF load, all dearer under nested paging",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        try forkServerBenchmark(
            operation: .forkExec, touchedBytes: 0, context: context,
            what: "fork/execve/wait4",
            method: "fork() in the fork server pinned to the measurement CPU; the child execs the server's own file with an argument, which calls exit_group(0) at once (no dynamic loader); one pipe round trip per batch",
            fallback: { reason in
                let path = "/bin/true"
                return creationBenchmark(
                    what: "fork/execve(\(path))/waitpid",
                    details: [
                        "method": "fork() from a pinned worker thread of overhead-bench, execve of /bin/true (dynamically linked: ld.so and libc loading included) with no arguments or environment, waitpid",
                        "parent": "overhead-bench (\(processMemoryStatus(pid: nil) ?? "size unknown")), because \(reason)",
                    ],
                    loop: { ProcessCreation.forkExec(path, $0) })
            })
    }
}
