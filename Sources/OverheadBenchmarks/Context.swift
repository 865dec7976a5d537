import Glibc
import OverheadEngine
import OverheadModel
import OverheadSystem
import Synchronization

// MARK: - Placement (pure)

/// Where the two parties of a ping-pong run.
public enum PartyPlacement: String, CaseIterable, Sendable {
    /// Both parties pinned to the measurement CPU: every hand-over is a switch on that CPU.
    case sameCore = "same-core"
    /// The parties pinned to two CPUs: every hand-over is a cross-CPU wake-up (an IPI in a VM).
    case crossCore = "cross-core"
}

/// The CPUs the measuring party and its peer are pinned to.
public struct PartyCPUs: Sendable, Equatable {
    public var measuring: Int
    public var peer: Int

    public init(measuring: Int, peer: Int) {
        self.measuring = measuring
        self.peer = peer
    }

    /// The distinct CPUs used, measuring CPU first (what the result's `cpus` records).
    public var cpus: [Int] { measuring == peer ? [measuring] : [measuring, peer] }
}

/// Picks the CPUs for a two-party benchmark: the measuring party on `measurementCPU` (or the last
/// allowed CPU when that one is not allowed); same-core puts the peer there too, cross-core on the
/// first other allowed CPU. Throws `BenchmarkError.unsupported` when the placement cannot be had
/// (cross-core with one allowed CPU), so the case is skipped with the reason.
public func selectPartyCPUs(
    _ placement: PartyPlacement, allowedCPUs: [Int], measurementCPU: Int
) throws(BenchmarkError) -> PartyCPUs {
    guard let fallback = allowedCPUs.last else {
        throw BenchmarkError.unsupported("this process may not run on any CPU (empty affinity mask)")
    }
    let measuring = allowedCPUs.contains(measurementCPU) ? measurementCPU : fallback
    switch placement {
    case .sameCore:
        return PartyCPUs(measuring: measuring, peer: measuring)
    case .crossCore:
        guard let other = allowedCPUs.first(where: { $0 != measuring }) else {
            throw BenchmarkError.unsupported(
                "cross-core needs two CPUs; this process may use only CPU \(measuring) (same-core still runs)")
        }
        return PartyCPUs(measuring: measuring, peer: other)
    }
}

// MARK: - lmbench arithmetic (pure)

/// The arithmetic of a ping-pong measured the lmbench lat_ctx way: a round trip is two switches,
/// each preceded by the same write/read (or wake/wait) pair that is also timed inside one party
/// where no switch happens, so round trip = 2 × (switch + pair).
public enum SwitchArithmetic {
    /// Round trips a kernel runs for `switches` operations (two switches each, rounded up: an odd
    /// batch is half a round trip long, under 0.3% at calibrated batch sizes of a few hundred).
    public static func roundTrips(forSwitches switches: Int) -> Int {
        max(1, (switches + 1) / 2)
    }

    /// ns per switch from a raw round trip and the in-party pair; nil when the pair is not below
    /// half the round trip (nothing measurable is left).
    public static func switchNs(roundTripNs: Double, pairNs: Double) -> Double? {
        let net = roundTripNs / 2 - pairNs
        return net > 0 ? net : nil
    }

    /// The raw round trip back from a per-switch figure and the pair that was subtracted.
    public static func roundTripNs(switchNs: Double, pairNs: Double) -> Double {
        2 * (switchNs + pairNs)
    }

    /// Switches per round trip the `context-switches` counter must show at least: each party
    /// sleeps once per round trip (2.0), less a margin for counter start/stop edges.
    public static let minimumSwitchesPerRoundTrip = 1.9

    /// Above this, other tasks preempted the parties often enough to be part of the figure.
    public static let maximumSwitchesPerRoundTrip = 2.5

    /// A warning when `switches` over `roundTrips` says the benchmark did not measure what it
    /// claims (too few: parties did not sleep; too many: others ran in between), else nil.
    public static func counterWarning(switches: Int64, roundTrips: Int64) -> String? {
        guard roundTrips > 0 else { return nil }
        let perTrip = Double(switches) / Double(roundTrips)
        let figure = (perTrip * 100).rounded() / 100
        if perTrip < minimumSwitchesPerRoundTrip {
            return "the context-switches counter saw \(figure) switches per round trip (expected ≥ 2): the parties did not always sleep, so the figure is not a switch cost"
        }
        if perTrip > maximumSwitchesPerRoundTrip {
            return "the context-switches counter saw \(figure) switches per round trip (expected 2): other tasks preempted the parties and their time is in the figure"
        }
        return nil
    }
}

// MARK: - Shared plumbing

/// How long the measuring party waits for its peer before the batch fails: far above any switch,
/// short enough that a stopped peer never hangs the run.
let peerTimeoutMs: Int32 = 5_000

/// What one prepared switch benchmark saw: the first error, the engine's overhead, the check.
final class SwitchTally: Sendable {
    struct State {
        var error: String?
        var overheadNsPerOp: Double?
        var switchesPerRoundTrip: Double?
    }

    let state = Mutex(State())

    var failed: Bool { state.withLock { $0.error != nil } }

    func fail(_ message: String) {
        state.withLock { if $0.error == nil { $0.error = message } }
    }
}

/// Text for a failed C call (`-errno`), naming what was waited for.
func describeFailure(_ rc: Int64, what: String) -> String {
    switch -rc {
    case Int64(ETIMEDOUT): return "\(what): the peer stopped answering for \(peerTimeoutMs / 1000) s"
    case Int64(EPIPE): return "\(what): the peer went away (EOF on its pipe)"
    default: return SystemError(call: what, errno: Int32(truncatingIfNeeded: -rc)).description
    }
}

/// Round trips of the counter check after measuring: long enough that start/stop edges stay
/// under 1%, short (a few ms) next to the samples.
let counterCheckRoundTrips = 400

/// A two-party switch benchmark from its peer (OverheadSystem's C loops): pins the caller, starts
/// the peer, and wires kernel, overhead kernel, teardown and the post-measurement counter check.
/// The peer's `roundTrips` returns ≥ 0 (its own turns where `peerCountsItsTurns`, else 0) or -errno.
func preparePingPong<Peer: SwitchPeer>(
    cpus: PartyCPUs, what: String, peerCountsItsTurns: Bool = false, details: [String: String],
    start: (_ peerCPU: Int32) -> Result<Peer, SystemError>,
    inspect: ((Peer) -> [String: String])? = nil
) throws -> PreparedBenchmark {
    // A peer that died must surface as EPIPE on the next write, not a SIGPIPE that ends the run.
    Interrupt.ignoreBrokenPipes()
    do {
        try Affinity.set([cpus.measuring])
    } catch {
        throw BenchmarkError.unsupported("cannot pin to CPU \(cpus.measuring): \(error)")
    }
    var details = details
    details["cpus"] = "measuring party on CPU \(cpus.measuring), peer on CPU \(cpus.peer)"
    switch SwitchCounter.open(tid: 0) {
    case .success:
        details["switchCounter"] =
            "checked after the samples: \(counterCheckRoundTrips) round trips with perf context-switches counters on both parties (expected 2 per round trip); not during timed batches, where an attached event adds ~10% to a switch"
    case .failure(let error):
        details["switchCounter"] = "unavailable (\(error)); the switch count was not cross-checked"
    }
    let peer: Peer
    switch start(Int32(cpus.peer)) {
    case .success(let p): peer = p
    case .failure(let error): throw BenchmarkError.failed("\(what): cannot start the peer: \(error)")
    }
    if let inspect { details.merge(inspect(peer)) { $1 } }
    let tally = SwitchTally()
    var prepared = PreparedBenchmark(
        placement: .own(cpus: cpus.cpus),
        kernel: { n, _ in
            guard !tally.failed else { return }
            let trips = SwitchArithmetic.roundTrips(forSwitches: n)
            let rc = peer.roundTrips(UInt64(trips))
            if rc < 0 { tally.fail(describeFailure(rc, what: what)) }
        },
        overheadKernel: { n, _ in
            guard !tally.failed else { return }
            let rc = peer.selfPairs(UInt64(n))
            if rc < 0 { tally.fail(describeFailure(rc, what: what + " (no-switch pair)")) }
        },
        teardown: { peer.stop() },
        validate: {
            if let error = tally.state.withLock({ $0.error }) { throw BenchmarkError.failed(error) }
        },
        details: details,
        derive: { median in
            tally.state.withLock { s in
                var d: [String: Double] = [:]
                if let pair = s.overheadNsPerOp {
                    d["roundTripNs"] = SwitchArithmetic.roundTripNs(switchNs: median, pairNs: pair)
                    d["pairNs"] = pair
                }
                if let perTrip = s.switchesPerRoundTrip { d["contextSwitchesPerRoundTrip"] = perTrip }
                return d
            }
        },
        finish: { overhead in
            var warnings: [String] = []
            let check = { () -> (switches: Int64, peerTurns: Int64)? in
                let tid = peer.peerTID
                guard tid > 0, case .success(let mine) = SwitchCounter.open(tid: 0),
                    case .success(let theirs) = SwitchCounter.open(tid: tid)
                else { return nil }
                let rc = peer.roundTrips(UInt64(counterCheckRoundTrips))
                guard rc >= 0, let a = mine.read(), let b = theirs.read() else { return nil }
                return (a + b, rc)
            }()
            let perTrip = check.map { Double($0.switches) / Double(counterCheckRoundTrips) }
            if let c = check {
                if let w = SwitchArithmetic.counterWarning(switches: c.switches, roundTrips: Int64(counterCheckRoundTrips)) {
                    warnings.append(w)
                }
                if peerCountsItsTurns, c.peerTurns * 2 < Int64(counterCheckRoundTrips) {
                    warnings.append("the peer took \(c.peerTurns) turns for \(counterCheckRoundTrips) of the measuring thread's: most calls returned without a switch")
                }
            }
            tally.state.withLock { s in
                s.overheadNsPerOp = overhead
                s.switchesPerRoundTrip = perTrip
            }
            return warnings
        })
    // Ping-pongs are made of context switches: count them outside the timed batches.
    prepared.countersInSeparateBatch = true
    return prepared
}

let placementParam = ParamSpec(
    name: "placement", values: .choices(PartyPlacement.allCases.map(\.rawValue)), defaults: ["same-core", "cross-core"],
    summary: "same-core: both parties pinned to the measurement CPU; cross-core: pinned to two CPUs")

func placement(_ params: [String: String]) throws -> PartyPlacement {
    guard let p = params["placement"].flatMap(PartyPlacement.init(rawValue:)) else {
        throw BenchmarkError.failed("unknown placement '\(params["placement"] ?? "")'")
    }
    return p
}

/// Why each switch result is computed the way it is (the result's `details.method`).
let lmbenchMethod =
    "sample = round trip / 2 − pair, where pair is the same calls timed inside one party (no switch) and a round trip is 2 switches (lmbench lat_ctx); derived.roundTripNs = 2 × (sample + pairNs)"

// MARK: - Benchmarks

/// `ctx.pipe`: a one-byte token ping-pong over two pipes between two processes or two threads.
struct ContextPipe: Benchmark {
    let info = BenchmarkInfo(
        id: "ctx.pipe",
        summary: "ns per context switch: one-byte token ping-pong over two pipes, minus the same write/read inside one party (lmbench lat_ctx)",
        reveals: "same-core is a plain switch (≈ native in a VM); cross-core adds a wake-up IPI and the idle exit/entry of the target vCPU, where hypervisors add the most",
        params: [
            placementParam,
            ParamSpec(
                name: "party", values: .choices(["process", "thread"]), defaults: ["process", "thread"],
                summary: "process: a forked child (address-space switch); thread: a thread of this process"),
        ],
        metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let cpus = try selectPartyCPUs(try placement(params), allowedCPUs: context.allowedCPUs, measurementCPU: context.measurementCPU)
        let party = params["party"] ?? "process"
        guard party == "process" || party == "thread" else { throw BenchmarkError.failed("unknown party '\(party)'") }
        let timeout = peerTimeoutMs
        let echo = party == "process" ? EchoHelper.fresh() : (path: nil, why: "")
        let helper = echo.path
        var keep = false
        defer { if !keep, let helper { _ = unlink(helper) } }
        let parties: String
        if party == "thread" {
            parties = "two threads of this process"
        } else if let helper {
            parties = "two processes: the peer is a 179-byte static echo program (\(helper); one code page, a stack, no libc) forked and exec'd, not a copy of this process"
        } else {
            parties = "two processes: the peer is a forked copy of this process (\(processMemoryStatus(pid: nil) ?? "size unknown")), because \(echo.why)"
        }
        var prepared = try preparePingPong(
            cpus: cpus, what: "pipe ping-pong",
            details: [
                "method": lmbenchMethod + "; pair = write + read of one byte on a private pipe",
                "parties": parties,
            ],
            start: { peerCPU in PipePeer.start(process: party == "process", peerCPU: peerCPU, helper: helper, timeoutMs: timeout) },
            inspect: { peer in
                // Made on this (the measuring) thread, which is the one the kernel runs on.
                [
                    "waiting": peer.usesDeadlineTimer
                        ? "plain blocking read; a per-batch POSIX timer (SIGRTMIN+5) fails a batch whose peer stops answering"
                        : "poll() with a timeout before each read (no POSIX timer here), so the round trip includes one poll"
                ]
            })
        // The helper's file goes with the case (the running peer keeps its exec'd image).
        let stopPeer = prepared.teardown
        prepared.teardown = { stopPeer(); if let helper { _ = unlink(helper) } }
        keep = true
        return prepared
    }
}

/// `ctx.futex`: two threads handing a turn back and forth through FUTEX_WAKE / FUTEX_WAIT.
struct ContextFutex: Benchmark {
    let info = BenchmarkInfo(
        id: "ctx.futex",
        summary: "ns per context switch: two threads ping-pong through futex wake/wait, minus a wake + non-sleeping wait in one thread",
        reveals: "the cheapest kernel switch; cross-core isolates the wake-up IPI and idle-state cost a hypervisor adds",
        params: [placementParam], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let cpus = try selectPartyCPUs(try placement(params), allowedCPUs: context.allowedCPUs, measurementCPU: context.measurementCPU)
        let timeout = peerTimeoutMs
        return try preparePingPong(
            cpus: cpus, what: "futex ping-pong",
            details: [
                "method": lmbenchMethod + "; pair = FUTEX_WAKE with no waiter + FUTEX_WAIT that returns at once (value mismatch)",
                "parties": "two threads of this process",
            ],
            start: { peerCPU in FutexPeer.start(peerCPU: peerCPU, timeoutMs: timeout) })
    }
}

/// `ctx.yield`: two threads on one CPU calling `sched_yield` in turn.
struct ContextYield: Benchmark {
    let info = BenchmarkInfo(
        id: "ctx.yield",
        summary: "ns per context switch: two threads pinned to one CPU calling sched_yield, minus a yield with nobody to switch to",
        reveals: "a switch with no wake-up and no sleep: the scheduler's own cost, which should match bare metal",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let cpus = try selectPartyCPUs(.sameCore, allowedCPUs: context.allowedCPUs, measurementCPU: context.measurementCPU)
        var prepared = try preparePingPong(
            cpus: cpus, what: "sched_yield ping-pong", peerCountsItsTurns: true,
            details: [
                "method": lmbenchMethod + "; a round trip is one sched_yield of the measuring thread (it runs the peer's yield in between); pair = sched_yield with the peer parked",
                "parties": "two threads of this process on one CPU",
            ],
            // Its round trips return the peer's yields (≥ 0), so the tally can tell whether anybody was switched to.
            start: { cpu in YieldPeer.start(cpu: cpu) })
        prepared.details["peerCheck"] = "the peer counts its own yields; fewer than half the measuring thread's means the yields did not switch"
        return prepared
    }
}

/// The ctx.pipe process peer as a small program of stated size (`PipePeer.writeEchoHelper`): a
/// forked copy of overhead-bench (tens of MiB, many threads' mappings) as the peer made every
/// round trip 12–28% dearer than lmbench lat_ctx's small peer. Each prepared case writes its own
/// copy to the temporary directory and removes it in teardown (no file shared between cases, so
/// nothing can pull it from under a running case); whether it runs here is tried once per process.
enum EchoHelper {
    /// nil: not tried yet; .some(nil): it runs; .some(why): it does not.
    private static let verdict = Mutex<String??>(nil)

    /// A fresh copy of the helper when it runs here (the caller removes it), or nil and why not.
    static func fresh() -> (path: String?, why: String) {
        let dir = defaultTemporaryDirectory()
        let path = dir + "/overhead-bench-echo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if let failure = PipePeer.writeEchoHelper(to: path) {
            return (nil, failure.rawValue == ENOSYS ? "there is no static echo helper for this architecture" : "no helper could be written to \(dir)")
        }
        let known: String?? = verdict.withLock { $0 }
        let why: String?
        if let known {
            why = known
        } else {
            // One trial round trip: a noexec mount or a seccomp filter shows here, not mid-run.
            var works = false
            if case .success(let peer) = PipePeer.start(process: true, peerCPU: -1, helper: path, timeoutMs: 2000) {
                works = peer.roundTrips(1) == 0
                peer.stop()
            }
            why = works ? nil : "the echo helper written to \(dir) did not run (noexec mount?)"
            verdict.withLock { $0 = .some(why) }
        }
        if let why {
            _ = unlink(path)
            return (nil, why)
        }
        return (path, "")
    }
}
