// What benchmarks share across the rounds and cases of one session, made on first use through
// `RunContext.resources` and released by the session (RunSession.measure) when it ends.

import OverheadEngine
import OverheadModel
import OverheadSystem
import Synchronization

/// Latency logs by case (id and params), so the last round's `derive` sees every round; one per
/// session (`RunContext.resources`), forgotten when it ends.
final class LatencyLogs: SessionResource {
    private let logs = Mutex<[String: LatencyLog]>([:])

    init() {}

    func log(_ id: String, _ params: [String: String]) -> LatencyLog {
        let key = id + "{" + paramsText(params, separator: ",") + "}"
        return logs.withLock { l in
            if let existing = l[key] { return existing }
            let log = LatencyLog()
            l[key] = log
            return log
        }
    }

    func release() { logs.withLock { $0.removeAll() } }
}

/// Scratch files by directory and size: created on first use in a session, reused by every round
/// and every storage case, closed when the session releases its resources (their names were
/// unlinked at creation, so closing frees the space).
final class ScratchFiles: SessionResource {
    private let files = Mutex<[String: ScratchFile]>([:])

    init() {}

    func file(directory: String, bytes: Int, role: String) throws -> ScratchFile {
        let key = "\(role)|\(directory)|\(bytes)"
        if let f = files.withLock({ $0[key] }) { return f }
        let f = try ScratchFile(directory: directory, bytes: bytes)
        files.withLock { $0[key] = f }
        return f
    }

    func release() { files.withLock { $0.removeAll() } }
}

/// The in-process loopback server `run` starts when no `--peer` is given: one per session, started
/// on first use (127.0.0.1, a free port), stopped when the session releases its resources — or,
/// when a case still uses it then, by that case's teardown.
final class LoopbackPeer: SessionResource {
    private struct State {
        var server: EchoServer?
        var users = 0
        var stopWhenIdle = false
    }

    private let state = Mutex(State())

    init() {}

    /// The CPU the loopback server runs on: the first allowed CPU other than the measurement CPU
    /// (a peer elsewhere, as a remote host is), or the measurement CPU when it is the only one.
    static func serverCPU(allowed: [Int], measurementCPU: Int) -> Int {
        allowed.first { $0 != measurementCPU } ?? measurementCPU
    }

    /// The server's address; the caller must `relinquish()` once done with it. The server's threads
    /// are pinned to `cpu`.
    func acquire(cpu: Int) throws -> SocketAddress {
        try state.withLock { s in
            s.users += 1
            if let server = s.server { return server.address }
            do {
                let started = try EchoServer(listen: try SocketAddress.parse("127.0.0.1:0"))
                started.start(pinnedTo: [cpu])
                s.server = started
                s.stopWhenIdle = false
                return started.address
            } catch {
                s.users -= 1
                throw error
            }
        }
    }

    /// Lets go of the server `acquire` returned; the last user stops it once the session has ended.
    func relinquish() {
        let idle: EchoServer? = state.withLock { s in
            s.users -= 1
            guard s.users == 0, s.stopWhenIdle else { return nil }
            defer { s.server = nil }
            return s.server
        }
        idle?.stop()
    }

    /// The session ended: stops the server now, or when its last user lets go of it.
    func release() {
        let idle: EchoServer? = state.withLock { s in
            guard s.users == 0 else {
                s.stopWhenIdle = true
                return nil
            }
            defer { s.server = nil }
            return s.server
        }
        idle?.stop()
    }
}
