import COverhead
import Glibc

/// Ctrl-C / SIGTERM / SIGHUP handling for long runs: the handler only records the signal; the engine
/// polls between batches, stops, and the CLI still writes what was measured. SIGHUP is left ignored
/// when it already is (`nohup`).
public enum Interrupt {
    /// Installs the recording handlers (`cob_install_interrupt_handlers`) and ignores SIGPIPE.
    public static func install() {
        ignoreBrokenPipes()
        _ = cob_install_interrupt_handlers()
    }

    /// A replicate worker's handlers (`cob_install_worker_handlers`): the group's SIGINT, SIGTERM and
    /// SIGHUP are ignored — the run that started the worker gets them too and forwards exactly one
    /// `workerStop` — and `workerStop` is recorded like a first stop signal (a second one kills).
    public static func installForWorker() {
        ignoreBrokenPipes()
        _ = cob_install_worker_handlers()
    }

    /// The signal a run sends its worker to stop after the current batch (and the one a worker gets
    /// when its run dies, `terminateWithParent`).
    public static let workerStop = SIGUSR1

    /// Ignores SIGPIPE (`cob_ignore_sigpipe`): writes to a dead peer fail with EPIPE instead of
    /// killing the process. Idempotent; benchmarks with peers call it in prepare.
    public static func ignoreBrokenPipes() {
        cob_ignore_sigpipe()
    }

    /// Restores the default handlers, so a second Ctrl-C during the final write still kills; a
    /// SIGHUP that was handled is ignored from now on, so a late hangup cannot lose the write.
    public static func uninstall() {
        cob_restore_interrupt_handlers()
    }

    /// The signal received since install or reset, nil when none (`cob_interrupt_signal`).
    public static var signal: Int32? {
        let s = cob_interrupt_signal()
        return s == 0 ? nil : s
    }

    /// The name of a signal this handles ("SIGINT", "SIGTERM", "SIGHUP"), else "signal N".
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        case SIGUSR1: return "SIGUSR1 (the run's stop request to its worker)"
        default: return "signal \(signal)"
        }
    }

    /// Asks the kernel to send `workerStop` to this process when its parent exits
    /// (`cob_die_with_parent`, PR_SET_PDEATHSIG): a worker stops after its batch, like on Ctrl-C,
    /// when the run that started it is killed (a second stop request kills it at once).
    public static func terminateWithParent() {
        _ = cob_die_with_parent(workerStop)
    }

    /// Forgets a recorded signal.
    public static func reset() {
        cob_reset_interrupt()
    }
}
