import Foundation
import COverhead
import Glibc
import Synchronization
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

@Suite struct ContextPlacementTests {
    @Test func oneCPUMachineRunsSameCoreAndSkipsCrossCore() throws {
        #expect(try selectPartyCPUs(.sameCore, allowedCPUs: [0], measurementCPU: 0) == PartyCPUs(measuring: 0, peer: 0))
        #expect(try selectPartyCPUs(.sameCore, allowedCPUs: [0], measurementCPU: 0).cpus == [0])
        #expect(throws: BenchmarkError.unsupported("cross-core needs two CPUs; this process may use only CPU 0 (same-core still runs)")) {
            try selectPartyCPUs(.crossCore, allowedCPUs: [0], measurementCPU: 0)
        }
    }

    @Test func multiCPUMachinePutsThePeerOnTheFirstOtherCPU() throws {
        let allowed = [0, 1, 2, 3]
        #expect(try selectPartyCPUs(.sameCore, allowedCPUs: allowed, measurementCPU: 3) == PartyCPUs(measuring: 3, peer: 3))
        let cross = try selectPartyCPUs(.crossCore, allowedCPUs: allowed, measurementCPU: 3)
        #expect(cross == PartyCPUs(measuring: 3, peer: 0))
        #expect(cross.cpus == [3, 0])
        // The measurement CPU itself first in the list: the peer is the next one.
        #expect(try selectPartyCPUs(.crossCore, allowedCPUs: allowed, measurementCPU: 0) == PartyCPUs(measuring: 0, peer: 1))
    }

    @Test func measurementCPUOutsideTheMaskFallsBackToTheLastAllowed() throws {
        // A cpuset of CPUs 2 and 5 (e.g. a container) with a measurement CPU it does not include.
        #expect(try selectPartyCPUs(.sameCore, allowedCPUs: [2, 5], measurementCPU: 7) == PartyCPUs(measuring: 5, peer: 5))
        #expect(try selectPartyCPUs(.crossCore, allowedCPUs: [2, 5], measurementCPU: 7) == PartyCPUs(measuring: 5, peer: 2))
        #expect(throws: BenchmarkError.self) { try selectPartyCPUs(.sameCore, allowedCPUs: [], measurementCPU: 0) }
    }
}

@Suite struct ContextArithmeticTests {
    @Test func aRoundTripIsTwoSwitchesRoundedUp() {
        #expect(SwitchArithmetic.roundTrips(forSwitches: 1) == 1)
        #expect(SwitchArithmetic.roundTrips(forSwitches: 2) == 1)
        #expect(SwitchArithmetic.roundTrips(forSwitches: 3) == 2)
        #expect(SwitchArithmetic.roundTrips(forSwitches: 1000) == 500)
        #expect(SwitchArithmetic.roundTrips(forSwitches: 0) == 1)
    }

    @Test func switchIsHalfTheRoundTripLessThePair() {
        // lmbench: RT = 2 × (switch + pair) → 12 µs with a 1 µs pair is 5 µs per switch.
        #expect(SwitchArithmetic.switchNs(roundTripNs: 12_000, pairNs: 1_000) == 5_000)
        #expect(SwitchArithmetic.roundTripNs(switchNs: 5_000, pairNs: 1_000) == 12_000)
        #expect(SwitchArithmetic.switchNs(roundTripNs: 2_000, pairNs: 1_000) == nil)
        #expect(SwitchArithmetic.switchNs(roundTripNs: 1_000, pairNs: 1_000) == nil)
    }

    @Test func counterWarnsWhenTheCountDisagrees() throws {
        #expect(SwitchArithmetic.counterWarning(switches: 2_000, roundTrips: 1_000) == nil)
        #expect(SwitchArithmetic.counterWarning(switches: 1_950, roundTrips: 1_000) == nil)
        #expect(SwitchArithmetic.counterWarning(switches: 0, roundTrips: 0) == nil)
        let few = try #require(SwitchArithmetic.counterWarning(switches: 1_000, roundTrips: 1_000))
        #expect(few.contains("1.0 switches per round trip") && few.contains("did not always sleep"))
        let many = try #require(SwitchArithmetic.counterWarning(switches: 3_000, roundTrips: 1_000))
        #expect(many.contains("preempted"))
    }

    /// A ping-pong on the fake clock: a round trip costs `roundTripNs`, the in-party pair `pairNs`.
    struct FakePingPong: Benchmark {
        let clock: FakeClock
        let roundTripNs: UInt64
        let pairNs: UInt64
        var info: BenchmarkInfo {
            BenchmarkInfo(id: "fake.pingpong", summary: "", reveals: "", params: [], metric: "latency", unit: "ns", better: .lower)
        }

        func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
            let clock = self.clock, rt = roundTripNs, pair = pairNs
            return PreparedBenchmark(
                kernel: { n, _ in clock.advance(UInt64(SwitchArithmetic.roundTrips(forSwitches: n)) * rt) },
                overheadKernel: { n, _ in clock.advance(UInt64(n) * pair) })
        }
    }

    @Test func engineReportsHalfTheRoundTripLessThePair() throws {
        let clock = FakeClock()
        let engine = Engine(
            settings: EngineSettings(replicates: 2, samplesPerReplicate: 3, warmupBatches: 1, minSampleMs: 1, seed: 3), clock: clock,
            clockResolutionNs: 1)
        let outcome = engine.run(
            cases: [BenchmarkCase(benchmark: FakePingPong(clock: clock, roundTripNs: 12_000, pairNs: 1_000), params: [:])],
            context: testContext())
        let r = try #require(outcome.results.first)
        #expect(r.overheadNsPerOp == 1_000)
        // Exact for an even batch; an odd one is at most half a round trip long (< 0.3% here).
        let expectedSwitch = 5_000.0
        let n = Double(r.iterationsPerSample)
        let bound = expectedSwitch + 6_000 / n + 1e-9
        #expect(r.samples.allSatisfy { $0 >= expectedSwitch - 1e-9 && $0 <= bound })
        #expect(SwitchArithmetic.roundTripNs(switchNs: r.summary.median, pairNs: 1_000) >= 12_000)
    }
}

/// A benchmark whose `finish` hook records the overhead it is handed and returns one warning.
final class Seen: Sendable {
    let values = Mutex<[Double?]>([])
}

struct FinishingBenchmark: Benchmark {
    let clock: FakeClock
    let seen: Seen
    var info: BenchmarkInfo {
        BenchmarkInfo(id: "fake.finish", summary: "", reveals: "", params: [], metric: "latency", unit: "ns", better: .lower)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let clock = self.clock
        return PreparedBenchmark(
            kernel: { n, _ in clock.advance(UInt64(n) * 50) }, overheadKernel: { n, _ in clock.advance(UInt64(n) * 5) },
            finish: { [seen] overhead in
                seen.values.withLock { $0.append(overhead) }
                return ["counter disagrees"]
            })
    }
}

@Suite struct EngineFinishHookTests {
    @Test func finishGetsTheSubtractedOverheadAndItsWarningsReachTheResult() throws {
        let clock = FakeClock()
        let bench = FinishingBenchmark(clock: clock, seen: Seen())
        let engine = Engine(
            settings: EngineSettings(replicates: 2, samplesPerReplicate: 1, warmupBatches: 0, minSampleMs: 1, seed: 5), clock: clock,
            clockResolutionNs: 1)
        let outcome = engine.run(cases: [BenchmarkCase(benchmark: bench, params: [:])], context: testContext())
        let r = try #require(outcome.results.first)
        #expect(r.warnings.contains("counter disagrees"))
        #expect(r.samples == [45, 45])
        // Once per segment (round), each time with the overhead the engine subtracted.
        #expect(bench.seen.values.withLock { $0 } == [5, 5])
    }
}

/// Live checks on this machine: real peers, real reaping, real timeouts.
@Suite struct ContextLiveTests {
    /// A context with `allowedCPUs` narrowed to one CPU (the fixture of a 1-CPU machine).
    func oneCPUContext() -> RunContext {
        var c = testContext()
        let cpu = c.allowedCPUs.last ?? 0
        c.allowedCPUs = [cpu]
        c.measurementCPU = cpu
        return c
    }

    @Test func sameCoreRunsAndCrossCoreIsSkippedOnOneCPU() throws {
        let engine = Engine(
            settings: EngineSettings(replicates: 1, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 1),
            clock: MonotonicRawClock(), clockResolutionNs: 1)
        let outcome = engine.run(
            cases: [
                BenchmarkCase(benchmark: ContextPipe(), params: ["placement": "same-core", "party": "process"]),
                BenchmarkCase(benchmark: ContextPipe(), params: ["placement": "cross-core", "party": "process"]),
            ],
            context: oneCPUContext())
        let r = try #require(outcome.results.first)
        #expect(outcome.results.count == 1)
        #expect(r.params["placement"] == "same-core")
        #expect(r.cpus.count == 1)
        let derived = try #require(r.derived)
        let pair = try #require(r.overheadNsPerOp)
        // The raw round trip is rebuilt from the median and the pair the engine subtracted.
        #expect(derived["roundTripNs"] == 2 * (r.summary.median + pair))
        if let perTrip = derived["contextSwitchesPerRoundTrip"] {
            #expect(perTrip >= 1.9)
        }
        #expect(outcome.skipped.count == 1)
        #expect(outcome.skipped.first?.reason.contains("cross-core needs two CPUs") == true)
    }

    /// A process pipe peer: the exec'd echo helper where it runs (its file removed once the peer
    /// answered), else the forked echo.
    func processPeer(_ err: inout Int32) -> OpaquePointer? {
        guard let helper = EchoHelper.fresh().path else { return cob_ctx_pipe_start(Int32(COB_CTX_PROCESS), -1, nil, &err) }
        defer { _ = unlink(helper) }
        let p = helper.withCString { cob_ctx_pipe_start(Int32(COB_CTX_PROCESS), -1, $0, &err) }
        if let p { _ = cob_ctx_pipe_round_trips(p, 1, 2_000) }
        return p
    }

    @Test func aStoppedPeerTimesOutAndADeadOneReadsAsEOF() throws {
        var err: Int32 = 0
        let p = try #require(processPeer(&err))
        let pid = cob_ctx_pipe_peer_pid(p)
        #expect(pid > 0)
        #expect(cob_ctx_pipe_round_trips(p, 10, 2_000) == 0)
        kill(pid, SIGSTOP)
        #expect(cob_ctx_pipe_round_trips(p, 1, 100) == -ETIMEDOUT)
        kill(pid, SIGKILL)
        // The byte sent before the stop is lost with the child; what remains is EOF.
        #expect(cob_ctx_pipe_round_trips(p, 1, 2_000) == -EPIPE)
        cob_ctx_pipe_stop(p)
        // Reaped: the pid no longer exists (not even as a zombie).
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func teardownReapsALiveProcessPeer() throws {
        var err: Int32 = 0
        // The exec'd echo helper, then the forked-copy fallback: both answer and are reaped.
        let peers = [try #require(processPeer(&err)), try #require(cob_ctx_pipe_start(Int32(COB_CTX_PROCESS), -1, nil, &err))]
        for p in peers {
            let pid = cob_ctx_pipe_peer_pid(p)
            #expect(pid > 0)
            #expect(cob_ctx_pipe_round_trips(p, 100, 2_000) == 0)
            cob_ctx_pipe_stop(p)
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
        }
    }

    @Test func threadAndFutexAndYieldPeersAnswerAndStop() throws {
        var err: Int32 = 0
        let t = try #require(cob_ctx_pipe_start(Int32(COB_CTX_THREAD), -1, nil, &err))
        #expect(cob_ctx_pipe_peer_pid(t) == -1)
        #expect(cob_ctx_pipe_round_trips(t, 100, 2_000) == 0)
        #expect(cob_ctx_pipe_self_pairs(t, 100) == 0)
        cob_ctx_pipe_stop(t)
        let f = try #require(cob_ctx_futex_start(-1, &err))
        #expect(cob_ctx_futex_round_trips(f, 100, 2_000) == 0)
        #expect(cob_ctx_futex_self_pairs(f, 100) == 0)
        cob_ctx_futex_stop(f)
        let cpu = Int32(Affinity.allowedCPUs().last ?? 0)
        let y = try #require(cob_ctx_yield_start(cpu, &err))
        #expect(cob_ctx_yield_run(y, 10) >= 0)
        cob_ctx_yield_stop(y)
    }

    @Test func creationLoopsSucceedAndReportFailedExec() {
        #expect(cob_proc_fork_exit(3) == 0)
        #expect(cob_proc_thread_create_join(3) == 0)
        #expect(cob_proc_fork_exec("/bin/true", 2) == 0)
        #expect(cob_proc_fork_exec("/nonexistent/overhead-bench-helper", 1) == -ENOEXEC)
    }

    /// The fork server forks and execs at a stated size, reports a failing child, and leaves
    /// nothing behind.
    @Test(.enabled(if: isX86_64)) func forkServerForksExecsAndCleansUp() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let server = try ForkServer(directory: dir, cpu: Affinity.allowedCPUs().last, touchedBytes: 8 << 20)
        #expect(server.fileBytes > 120 && server.fileBytes < 1024)
        #expect(server.run(3, .forkExit) == 0)
        #expect(server.run(2, .forkExec) == 0)
        #expect(server.run(0, .forkExit) == 0)
        // 8 MiB touched in 4 KiB pages: the server's resident set holds them.
        let status = try #require(server.memoryStatus())
        let rssKB = try #require(Int(status.split(separator: " ")[1]))
        #expect(rssKB >= 8 * 1024, "\(status)")
        let path = server.path
        server.stop()
        #expect(access(path, F_OK) != 0)
        #expect(server.run(1, .forkExit) == -ESRCH)
    }

    /// A server whose file is replaced by one that cannot exec reports ENOEXEC for exec batches.
    @Test(.enabled(if: isX86_64)) func forkServerReportsAFailedExec() throws {
        let server = try ForkServer(directory: FileManager.default.temporaryDirectory.path, cpu: nil, touchedBytes: 0)
        defer { server.stop() }
        #expect(unlink(server.path) == 0)
        #expect(server.run(1, .forkExec) == -ENOEXEC)
        #expect(server.run(2, .forkExit) == 0)
    }

    /// Ctrl-C reaches the whole process group; the server must outlive it so that the run, not the
    /// signal, ends the batch (it used to die and fail the case with EPIPE).
    @Test(.enabled(if: isX86_64)) func forkServerOutlivesTheGroupsStopSignals() throws {
        let server = try ForkServer(directory: FileManager.default.temporaryDirectory.path, cpu: nil, touchedBytes: 0)
        defer { server.stop() }
        let pid = try #require(server.pid)
        for signal in [SIGINT, SIGTERM, SIGHUP] { #expect(kill(pid, signal) == 0) }
        usleep(50_000)
        #expect(server.run(2, .forkExit) == 0)
    }

    /// proc.fork states its parent: the fork server and the memory it holds.
    @Test(.enabled(if: isX86_64)) func procForkRunsFromTheForkServer() throws {
        let prepared = try ProcessFork().prepare(params: ["bytes": "4M"], context: testContext())
        defer { prepared.teardown() }
        #expect(prepared.details["parent"]?.contains("fork server") == true)
        #expect(prepared.details["parent"]?.contains("4 MiB touched") == true)
        prepared.kernel(4, 0)
        try prepared.validate()
        #expect(prepared.warnings.isEmpty)
    }

    /// A parent larger than --memory-limit allows is capped, with the warning every working set gets.
    @Test(.enabled(if: isX86_64)) func procForkParentIsCappedByTheMemoryLimit() throws {
        var context = testContext()
        context.limits.memoryFraction = 0.01
        let available = try #require(MemInfo.available())
        let prepared = try ProcessFork().prepare(params: ["bytes": "100T"], context: context)
        defer { prepared.teardown() }
        #expect(prepared.warnings.contains { $0.contains("capped at") && $0.contains("--memory-limit") })
        let cap = Int(Double(available) * 0.01) / (2 << 20) * (2 << 20)
        #expect(prepared.details["parent"]?.contains("\(cap >> 20) MiB touched") == true, "\(prepared.details)")
    }
}

let isX86_64: Bool = {
    #if arch(x86_64)
    return true
    #else
    return false
    #endif
}()
