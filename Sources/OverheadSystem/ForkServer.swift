import COverhead
import Foundation
import Glibc
import Synchronization

/// A small static program that forks (and execs) on request, so that `proc.fork` and `proc.exec`
/// measure a parent of a stated size instead of overhead-bench's own multithreaded process, whose
/// size changes between builds (issue 17). The program is written to a directory at start
/// (`cob_proc_write_fork_server`, x86-64 only), pinned to one CPU, maps and touches a given amount
/// of anonymous memory in 4 KiB pages (`MADV_NOHUGEPAGE`), then serves batches over two pipes:
/// one request (count, operation) and one 8-byte reply per batch. Source:
/// scripts/helpers/fork-server.s. Stopped (EOF on its input, then reaped) by `stop()` or deinit.
public final class ForkServer: Sendable {
    /// What each forked child does.
    public enum Operation: Int32, Sendable {
        /// The child calls exit_group(0) at once (lat_proc fork's shape).
        case forkExit = 0
        /// The child execs the server's own file with an argument, which exits at once (lat_proc
        /// exec's shape, without a dynamic loader).
        case forkExec = 1
    }

    /// The server's file (removed by `stop()`).
    public let path: String
    /// Size of the server's file, bytes (code + its path).
    public let fileBytes: Int
    /// Anonymous memory the server touched before serving, bytes.
    public let touchedBytes: UInt64
    private let handle: Mutex<cob_fork_server?>

    /// Writes the server into `directory`, starts it pinned to `cpu` (nil: inherit the caller's
    /// affinity) and waits until it has touched `touchedBytes`. Throws `SystemError` with
    /// errno ENOSYS off x86-64, ENOEXEC when the file did not run (a noexec mount), or the errno of
    /// the failed call.
    public init(directory: String, cpu: Int?, touchedBytes: UInt64) throws(SystemError) {
        let path = directory + "/overhead-bench-fork-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let written = path.withCString { cob_proc_write_fork_server($0) }
        if written != 0 { throw SystemError(call: "write fork server \(path)", errno: -written) }
        var server = cob_fork_server(pid: 0, to_server: -1, from_server: -1)
        let started = path.withCString { cob_fork_server_start($0, CInt(clamping: cpu ?? -1), touchedBytes, &server) }
        if started != 0 {
            _ = unlink(path)
            throw SystemError(call: "start fork server \(path)", errno: -started)
        }
        var st = stat()
        self.fileBytes = stat(path, &st) == 0 ? Int(st.st_size) : 0
        self.path = path
        self.touchedBytes = touchedBytes
        self.handle = Mutex(server)
    }

    deinit { stop() }

    /// The server's process id while it runs.
    public var pid: Int32? { handle.withLock { $0.map { $0.pid } } }

    /// Runs `count` creations in the server and waits for them: 0, or -errno as
    /// `cob_fork_server_run` reports (-ECHILD: a child exited non-zero; -ENOEXEC: exec failed;
    /// -EPIPE: the server died; -ESRCH: stopped).
    public func run(_ count: UInt64, _ operation: Operation) -> Int32 {
        handle.withLock { server in
            guard let s = server else { return -ESRCH }
            return withUnsafePointer(to: s) { cob_fork_server_run($0, count, operation.rawValue) }
        }
    }

    /// The server's resident set and page-table size (`VmRSS`, `VmPTE` from /proc/PID/status), as
    /// "VmRSS: 65620 kB, VmPTE: 176 kB"; nil when it cannot be read.
    public func memoryStatus() -> String? {
        guard let pid else { return nil }
        return processMemoryStatus(pid: pid)
    }

    /// Ends the server (EOF on its input), reaps it and removes its file. Idempotent.
    public func stop() {
        handle.withLock { server in
            guard var s = server else { return }
            cob_fork_server_stop(&s)
            server = nil
        }
        _ = unlink(path)
    }
}

/// `VmRSS` and `VmPTE` of a process from /proc/PID/status (`self` for this one), as
/// "VmRSS: 28420 kB, VmPTE: 120 kB"; nil when the file cannot be read or lacks both fields.
public func processMemoryStatus(pid: Int32?) -> String? {
    let file = "/proc/\(pid.map(String.init) ?? "self")/status"
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
    let fields = text.split(separator: "\n").filter { $0.hasPrefix("VmRSS:") || $0.hasPrefix("VmPTE:") }
    guard !fields.isEmpty else { return nil }
    return fields.map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }.joined(separator: ", ")
}
