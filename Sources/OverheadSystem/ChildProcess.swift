import Glibc

/// A child process started with `posix_spawn`, its stdin and stdout on /dev/null and stderr
/// inherited, and polled with `waitpid(WNOHANG)`. Foundation's `Process` is not used for the
/// replicate workers: it watches children through a run-loop socket pair, which minimal
/// environments (the initramfs guest of scripts/run-in-guest) cannot always create — it then never
/// noticed a worker's exit and the run hung.
public final class ChildProcess {
    /// The child's pid.
    public let pid: pid_t
    private var status: Int32?

    /// How the child ended.
    public enum Termination: Equatable, Sendable {
        /// exit(status).
        case exited(Int32)
        /// Killed by a signal.
        case signalled(Int32)
    }

    /// Starts `path` with `arguments` (argv[0] is `path`). Throws the `posix_spawn` error.
    public init(path: String, arguments: [String]) throws(SystemError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw SystemError(call: "posix_spawn \(path)", errno: rc) }
        pid = child
    }

    /// nil while the child runs; its termination once it has ended (reaped by this call).
    public func poll() -> Termination? {
        if status == nil {
            var raw: Int32 = 0
            let r = retryOnInterrupt { waitpid(pid, &raw, WNOHANG) }
            if r == pid {
                status = raw
            } else if r < 0 {
                status = 0x7F00  // not our child any more: treat as exited with 127
            }
        }
        guard let raw = status else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which are macros Swift cannot import.
        let signal = raw & 0x7F
        return signal == 0 ? .exited((raw >> 8) & 0xFF) : .signalled(signal)
    }

    /// Sends `signal` to the child (ignored once it has been reaped).
    public func send(_ signal: Int32) {
        if status == nil { kill(pid, signal) }
    }

    deinit {
        // Never leave a zombie: a child still running when its owner goes away is waited for.
        if status == nil {
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
        }
    }
}
