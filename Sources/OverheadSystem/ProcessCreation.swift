import COverhead

/// The process- and thread-creation loops of proc.* that run in this process (`cob_proc_*`): the
/// child of a fork in a multithreaded process may make only async-signal-safe calls, so the loops
/// are C. Each returns 0, or -errno for the first failure (-ECHILD: a child did not exit 0;
/// -ENOEXEC: the exec'd program did not run or exited non-zero).
public enum ProcessCreation {
    /// `n` times fork, `_exit(0)` in the child, waitpid (`cob_proc_fork_exit`).
    public static func forkExit(_ n: UInt64) -> Int32 { cob_proc_fork_exit(n) }

    /// `n` times `pthread_create` of an empty routine and `pthread_join` (`cob_proc_thread_create_join`).
    public static func threadCreateJoin(_ n: UInt64) -> Int32 { cob_proc_thread_create_join(n) }

    /// `n` times fork, execve of `path` with no arguments or environment, waitpid (`cob_proc_fork_exec`).
    public static func forkExec(_ path: String, _ n: UInt64) -> Int32 { path.withCString { cob_proc_fork_exec($0, n) } }
}
