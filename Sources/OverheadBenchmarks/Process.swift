import COverhead
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

/// `proc.fork`: fork, the child `_exit(0)`s at once, the parent `waitpid`s.
struct ProcessFork: Benchmark {
    let info = BenchmarkInfo(
        id: "proc.fork",
        summary: "fork + child _exit + waitpid, from overhead-bench's own (multithreaded, ~tens of MiB) process",
        reveals: "page-table copy and copy-on-write faults: nested paging (EPT/NPT) and shadow page tables make it dearer in a VM",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        creationBenchmark(
            what: "fork/_exit/waitpid",
            details: [
                "method": "fork() from a pinned worker thread; the child calls only _exit(0); cost grows with the parent's mapped memory",
                "parentMemory": parentMemory(),
            ],
            loop: { cob_proc_fork_exit($0) })
    }
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
            loop: { cob_proc_thread_create_join($0) })
    }
}

/// `proc.exec`: fork + execve of a tiny static helper (or `/bin/true`) + waitpid.
struct ProcessExec: Benchmark {
    let info = BenchmarkInfo(
        id: "proc.exec",
        summary: "fork + execve of a 129-byte static program (or /bin/true where it cannot be written) + waitpid",
        reveals: "a fresh address space: page-table build, page faults and the ELF load, all dearer under nested paging",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let (path, program, cleanup) = execTarget()
        return creationBenchmark(
            what: "fork/execve(\(path))/waitpid",
            details: [
                "program": program, "method": "fork() from a pinned worker thread, execve with no arguments or environment, waitpid",
                "parentMemory": parentMemory(),
            ],
            teardown: cleanup,
            loop: { n in path.withCString { cob_proc_fork_exec($0, n) } })
    }

    /// The program to exec, what to say about it, and how to remove it: the static helper written
    /// to the temporary directory when it runs there (x86-64, exec allowed), else `/bin/true`.
    func execTarget() -> (path: String, program: String, cleanup: @Sendable () -> Void) {
        let dir = FileManager.default.temporaryDirectory.path
        let helper = dir + "/overhead-bench-exit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var reason: String
        let written = helper.withCString { cob_proc_write_exit_helper($0) }
        if written == 0 {
            let trial = helper.withCString { cob_proc_fork_exec($0, 1) }
            if trial == 0 {
                return (helper, "\(helper): a 129-byte static x86-64 ELF calling exit_group(0) — exec with no dynamic loader", {
                    _ = unlink(helper)
                })
            }
            _ = unlink(helper)
            reason = "the helper written to \(dir) did not run (noexec mount?)"
        } else {
            reason = written == -ENOSYS ? "no static helper for this architecture" : "cannot write a helper to \(dir)"
        }
        return ("/bin/true", "/bin/true (dynamically linked, so ld.so and libc loading are included): \(reason)", {})
    }
}

/// The forking process's resident set and page-table size from `/proc/self/status`: fork copies
/// the page tables, so a bigger parent forks slower (overhead-bench is bigger than a C loop).
func parentMemory() -> String {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let fields = text.split(separator: "\n").filter { $0.hasPrefix("VmRSS:") || $0.hasPrefix("VmPTE:") }
    guard !fields.isEmpty else { return "unknown (no /proc/self/status)" }
    return fields.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }.joined(separator: ", ")
}
