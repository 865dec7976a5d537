import COverhead
import Glibc
import Synchronization

/// The running peer of a two-party context-switch benchmark (the C loops of `ctx.c`): started
/// pinned, driven one batch at a time by the measuring thread, stopped exactly once — by `stop()`,
/// or when the last reference goes.
public protocol SwitchPeer: AnyObject, Sendable {
    /// `n` round trips with the peer: ≥ 0 (the peer's own turns where it counts them, else 0), or
    /// -errno (-ETIMEDOUT: the peer stopped answering; -EPIPE: it went away; -EBADF: stopped).
    func roundTrips(_ n: UInt64) -> Int64
    /// `n` of the same calls inside the measuring party, where no switch happens; 0 or -errno.
    func selfPairs(_ n: UInt64) -> Int64
    /// The peer's thread id (for its `context-switches` counter); ≤ 0 when unknown or stopped.
    var peerTID: Int32 { get }
    /// Kills or joins and reaps the peer; later calls do nothing.
    func stop()
}

/// A C peer handle stopped exactly once. The mutex makes it Sendable (the pointer's bit pattern,
/// 0 once stopped, is an integer); only the engine thread uses it, one call at a time.
final class PeerHandle: Sendable {
    private let handle: Mutex<UInt>
    private let stopPeer: @Sendable (OpaquePointer) -> Void

    init(_ handle: OpaquePointer, stop: @escaping @Sendable (OpaquePointer) -> Void) {
        self.handle = Mutex(UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle))))
        self.stopPeer = stop
    }

    /// `body` on the live handle; nil after `stop`.
    @inline(__always) func with<R: Sendable>(_ body: (OpaquePointer) -> R) -> R? {
        handle.withLock { bits in OpaquePointer(bitPattern: bits).map(body) }
    }

    /// A C call on the live handle returning ≥ 0 or -errno; -EBADF once stopped.
    @inline(__always) func call(_ body: (OpaquePointer) -> Int64) -> Int64 { with(body) ?? -Int64(EBADF) }

    func stop() {
        let stopPeer = self.stopPeer
        handle.withLock { bits in
            if let live = OpaquePointer(bitPattern: bits) { stopPeer(live) }
            bits = 0
        }
    }

    deinit { stop() }
}

/// `ctx.pipe`'s peer (`cob_ctx_pipe_*`): a one-byte token over two pipes to a forked process (the
/// small static echo program at `helper`, or a forked copy of this process) or a thread.
public final class PipePeer: SwitchPeer {
    private let handle: PeerHandle
    private let timeoutMs: Int32

    private init(_ handle: PeerHandle, timeoutMs: Int32) {
        self.handle = handle
        self.timeoutMs = timeoutMs
    }

    /// Starts the peer (`cob_ctx_pipe_start`): a process (`process` true) or a thread, pinned to
    /// `peerCPU` (-1: not pinned), exec'ing `helper` when given; a batch fails after `timeoutMs`
    /// without an answer.
    public static func start(process: Bool, peerCPU: Int32, helper: String?, timeoutMs: Int32) -> Result<PipePeer, SystemError> {
        var err: Int32 = 0
        let party = process ? Int32(COB_CTX_PROCESS) : Int32(COB_CTX_THREAD)
        let started = helper.map { $0.withCString { cob_ctx_pipe_start(party, peerCPU, $0, &err) } } ?? cob_ctx_pipe_start(party, peerCPU, nil, &err)
        guard let h = started else { return .failure(SystemError(call: "cob_ctx_pipe_start", errno: err)) }
        return .success(PipePeer(PeerHandle(h, stop: { cob_ctx_pipe_stop($0) }), timeoutMs: timeoutMs))
    }

    /// `cob_ctx_pipe_round_trips`.
    public func roundTrips(_ n: UInt64) -> Int64 { handle.call { [timeoutMs] in Int64(cob_ctx_pipe_round_trips($0, n, timeoutMs)) } }
    /// `cob_ctx_pipe_self_pairs`: write + read of one byte on a private pipe.
    public func selfPairs(_ n: UInt64) -> Int64 { handle.call { Int64(cob_ctx_pipe_self_pairs($0, n)) } }

    /// `cob_ctx_pipe_peer_tid`.
    public var peerTID: Int32 { handle.with { cob_ctx_pipe_peer_tid($0) } ?? -1 }

    /// Whether a batch waits in a plain blocking read guarded by a per-batch POSIX timer (true) or
    /// polls before each read (`cob_ctx_pipe_uses_deadline_timer`). Asked on the measuring thread.
    public var usesDeadlineTimer: Bool { handle.with { cob_ctx_pipe_uses_deadline_timer($0) != 0 } ?? false }

    public func stop() { handle.stop() }

    /// Writes the 179-byte static echo program ctx.pipe's process peer execs to `path`
    /// (`cob_ctx_write_echo_helper`): nil, or why not (`.notSupported`: no helper for this architecture).
    public static func writeEchoHelper(to path: String) -> Errno? {
        let rc = path.withCString { cob_ctx_write_echo_helper($0) }
        return rc == 0 ? nil : Errno(rawValue: -rc)
    }
}

/// `ctx.futex`'s peer (`cob_ctx_futex_*`): a thread handing a turn back and forth through
/// FUTEX_WAKE / FUTEX_WAIT (futex(2) is reachable only through the variadic syscall(2)).
public final class FutexPeer: SwitchPeer {
    private let handle: PeerHandle
    private let timeoutMs: Int32

    private init(_ handle: PeerHandle, timeoutMs: Int32) {
        self.handle = handle
        self.timeoutMs = timeoutMs
    }

    /// Starts the peer thread pinned to `peerCPU` (`cob_ctx_futex_start`).
    public static func start(peerCPU: Int32, timeoutMs: Int32) -> Result<FutexPeer, SystemError> {
        var err: Int32 = 0
        guard let h = cob_ctx_futex_start(peerCPU, &err) else { return .failure(SystemError(call: "cob_ctx_futex_start", errno: err)) }
        return .success(FutexPeer(PeerHandle(h, stop: { cob_ctx_futex_stop($0) }), timeoutMs: timeoutMs))
    }

    /// `cob_ctx_futex_round_trips`.
    public func roundTrips(_ n: UInt64) -> Int64 { handle.call { [timeoutMs] in Int64(cob_ctx_futex_round_trips($0, n, timeoutMs)) } }
    /// `cob_ctx_futex_self_pairs`: FUTEX_WAKE with no waiter + a FUTEX_WAIT that returns at once.
    public func selfPairs(_ n: UInt64) -> Int64 { handle.call { Int64(cob_ctx_futex_self_pairs($0, n)) } }

    /// `cob_ctx_futex_peer_tid`.
    public var peerTID: Int32 { handle.with { cob_ctx_futex_peer_tid($0) } ?? -1 }

    public func stop() { handle.stop() }
}

/// `ctx.yield`'s peer (`cob_ctx_yield_*`): a thread on the same CPU calling sched_yield in turn.
public final class YieldPeer: SwitchPeer {
    private let handle: PeerHandle

    private init(_ handle: PeerHandle) { self.handle = handle }

    /// Starts the peer thread pinned to `cpu` (`cob_ctx_yield_start`).
    public static func start(cpu: Int32) -> Result<YieldPeer, SystemError> {
        var err: Int32 = 0
        guard let h = cob_ctx_yield_start(cpu, &err) else { return .failure(SystemError(call: "cob_ctx_yield_start", errno: err)) }
        return .success(YieldPeer(PeerHandle(h, stop: { cob_ctx_yield_stop($0) })))
    }

    /// `cob_ctx_yield_run`: the peer's yields (≥ 0), so a caller can tell whether anybody was switched to.
    public func roundTrips(_ n: UInt64) -> Int64 { handle.call { cob_ctx_yield_run($0, n) } }
    /// `cob_ctx_yield_alone`: sched_yield with the peer parked.
    public func selfPairs(_ n: UInt64) -> Int64 { handle.call { _ in cob_ctx_yield_alone(n); return 0 } }

    /// `cob_ctx_yield_peer_tid`.
    public var peerTID: Int32 { handle.with { cob_ctx_yield_peer_tid($0) } ?? -1 }

    public func stop() { handle.stop() }
}

/// The `context-switches` software counter of one task (`cob_ctx_switch_counter_*`:
/// perf_event_open needs <linux/perf_event.h>, which Swift never sees), open only around a check;
/// closed in deinit.
public final class SwitchCounter: Sendable {
    private let fd: Int32

    /// Opens the counter on `tid` (0: the calling thread), or returns why it is unavailable.
    public static func open(tid: Int32) -> Result<SwitchCounter, SystemError> {
        let fd = cob_ctx_switch_counter_open(tid)
        return fd >= 0 ? .success(SwitchCounter(fd: fd)) : .failure(SystemError(call: "perf_event_open(context-switches)", errno: -fd))
    }

    private init(fd: Int32) { self.fd = fd }

    /// The count so far, nil on a read error.
    public func read() -> Int64? {
        let v = cob_ctx_switch_counter_read(fd)
        return v >= 0 ? v : nil
    }

    deinit { cob_ctx_switch_counter_close(fd) }
}
