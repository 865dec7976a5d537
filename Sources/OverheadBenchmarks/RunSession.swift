import Foundation
import OverheadEngine
import OverheadModel
import OverheadSystem

/// Why a run could not produce a result set; the text says what to do.
public struct RunError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Everything a run is asked to do, as `run`'s options state it: the one settings value that goes
/// from the command line through the session to the worker processes and into the result set.
public struct RunSettings: Sendable, Equatable {
    /// Workload name (`Workloads/NAME.yaml`) or path; nil = `default` (`quick` with `quick`).
    public var workload: String?
    /// Globs on benchmark ids (`--only`, split at commas); empty = the whole workload.
    public var only: [String] = []
    public var quick = false
    /// Seed of the interleaving order (a random one is drawn when nil).
    public var seed: UInt64?
    /// Overrides the workload's number of replicates.
    public var replicates: Int?
    public var isolation: ReplicateIsolation = .process
    /// CPU single-threaded benchmarks are pinned to (default: the last allowed CPU).
    public var cpu: Int?
    /// libpfm4 event names instead of the defaults; ignored with `counters` false.
    public var events: [String]?
    /// Read performance counters at all.
    public var counters = true
    /// Percent of available memory / free disk one benchmark may take; seconds one case may take
    /// over the whole run.
    public var memoryLimit: Double = 50
    public var diskLimit: Double = 50
    public var timeLimit: Double = 300
    /// `HOST:PORT` of an `overhead-bench serve`; nil = a loopback server the run starts and stops.
    public var peer: String?
    /// Directory for io.* scratch files (`--io-dir`, or where the CLI decides: the result set's
    /// directory); nil = the current directory. See `scratchDirectory`.
    public var ioDirectory: String?
    /// No progress lines (passed on to worker processes).
    public var quiet = false

    public init() {}

    /// The workload to look up when none is named.
    public var workloadName: String { workload ?? (quick ? "quick" : "default") }

    /// Where io.* scratch files go: `ioDirectory`, else the current directory (a disk, where /tmp
    /// is often tmpfs). Benchmarks record it (`ioDir` in `details`); worker processes get it as `--io-dir`.
    public var scratchDirectory: String { ioDirectory ?? FileManager.default.currentDirectoryPath }
}

/// The main job of `overhead-bench run`: workload → fingerprint → counters → resources → engine →
/// (replicates merged from worker processes) → `ResultSet`. The CLI parses, checks the destination,
/// writes and summarises; everything measured happens here.
public struct RunSession: Sendable {
    public private(set) var settings: RunSettings
    /// The resolved workload file, its cases and its engine settings (the replicate override applied).
    public let workloadPath: String
    public let workload: Workload
    public let cases: [BenchmarkCase]
    public let workloadSettings: WorkloadSettings
    public let seed: UInt64

    /// Resolves the workload and the cases `settings.only` selects.
    public init(settings: RunSettings) throws {
        self.settings = settings
        workloadPath = try Workload.locate(settings.workloadName)
        workload = try Workload.load(path: workloadPath)
        let allowed = Affinity.allowedCPUs()
        cases = try workload.resolve(registry: Catalog.registry, only: settings.only, cpus: max(1, allowed.count), allowedCPUs: allowed)
        var engineSettings = settings.quick ? workload.quickSettings : workload.settings
        if let replicates = settings.replicates { engineSettings.replicates = replicates }
        workloadSettings = engineSettings
        seed = settings.seed ?? UInt64.random(in: 1...UInt64.max)
    }

    /// This session with its io.* scratch files in `directory` (`RunSettings.ioDirectory`; nil = the
    /// current directory); the workload, cases and seed stay as resolved.
    public func withScratchDirectory(_ directory: String?) -> RunSession {
        var copy = self
        copy.settings.ioDirectory = directory
        return copy
    }

    /// Where the replicates run: a run of one replicate always runs in process.
    public var isolation: ReplicateIsolation { workloadSettings.replicates > 1 ? settings.isolation : .inProcess }

    /// The `workload` record of a result set of this run.
    public func workloadInfo(clockResolutionNs: Double, isolation: ReplicateIsolation) -> WorkloadInfo {
        WorkloadInfo(
            name: workload.name, source: workloadPath, quick: settings.quick, seed: seed, sampling: workloadSettings, only: settings.only,
            clockResolutionNs: clockResolutionNs, replicateIsolation: isolation.rawValue)
    }

    /// A result set of this run holding `outcome`.
    public func resultSet(
        _ outcome: EngineOutcome, label: String, environment: Environment, startedAt: Date, toolVersion: String,
        workload info: WorkloadInfo
    ) -> ResultSet {
        ResultSet(
            id: UUID().uuidString.lowercased(), label: label, startedAt: isoTimestamp(startedAt), finishedAt: isoTimestamp(Date()),
            tool: ToolInfo(name: "overhead-bench", version: toolVersion), environment: environment, workload: info,
            results: outcome.results, skipped: outcome.skipped, warnings: outcome.warnings, interrupted: outcome.interrupted)
    }

    /// The whole run: every replicate (in worker processes or here, per `isolation`), merged into a
    /// result set labelled `label`. `checkpoint` receives the merged results after each worker
    /// replicate but the last (the CLI keeps them in `<output>.partial`).
    public func run(
        label: String, environment: Environment, startedAt: Date = Date(), toolVersion: String,
        progress: (ProgressEvent) -> Void = { _ in }, workerProgressArguments: ([Double]) -> [String] = { _ in [] },
        checkpoint: (ResultSet) -> Void = { _ in }, shouldStop: () -> Bool = { Interrupt.signal != nil }
    ) throws -> ResultSet {
        let resolution = measuredResolutionNs(of: MonotonicRawClock())
        let isolation = self.isolation
        let outcome: EngineOutcome
        switch isolation {
        case .inProcess:
            outcome = measure(range: 0..<workloadSettings.replicates, environment: environment, progress: progress, shouldStop: shouldStop)
        case .process:
            outcome = try runWorkers(progressArguments: workerProgressArguments) { partial in
                var set = resultSet(
                    partial, label: label, environment: environment, startedAt: startedAt, toolVersion: toolVersion,
                    workload: workloadInfo(clockResolutionNs: resolution, isolation: .process))
                set.warnings.append("checkpoint: the run had not finished when this was written; it holds the completed replicates")
                checkpoint(set)
            }
        }
        return resultSet(
            outcome, label: label, environment: environment, startedAt: startedAt, toolVersion: toolVersion,
            workload: workloadInfo(clockResolutionNs: resolution, isolation: isolation))
    }

    /// Measures `range` of the run's replicates in this process, skipping `skip`: counters, engine,
    /// and this measurement's own resources (scratch files, latency logs, loopback server), handed
    /// to the benchmarks through their context and released on every path.
    public func measure(
        range: Range<Int>, environment: Environment, skip: [SkippedBenchmark] = [], progress: (ProgressEvent) -> Void = { _ in },
        shouldStop: () -> Bool = { Interrupt.signal != nil }
    ) -> EngineOutcome {
        // Scratch files, latency logs, the loopback server: released on every path, Ctrl-C included.
        let resources = RunResources()
        defer { resources.releaseAll() }
        let allowed = Affinity.allowedCPUs()
        let clock = MonotonicRawClock()
        var runWarnings: [String] = []
        var counterSource: PerfCounterSource?
        if settings.counters {
            let setup = prepareCounters(requested: settings.events)
            counterSource = setup.source
            runWarnings += setup.warnings
        }
        let engine = Engine(
            settings: EngineSettings(workloadSettings, seed: seed, replicateRange: range),
            clock: clock, clockResolutionNs: measuredResolutionNs(of: clock), counters: counterSource)
        var context = RunContext(
            allowedCPUs: allowed, measurementCPU: settings.cpu ?? allowed.last ?? 0, quick: settings.quick, environment: environment,
            tscGHz: environment.tsc?.ghz, peer: settings.peer, ioDirectory: settings.scratchDirectory, resources: resources)
        context.limits = ResourceLimits(
            memoryFraction: settings.memoryLimit / 100, diskFraction: settings.diskLimit / 100, caseSeconds: settings.timeLimit)
        context.samplesPerReplicate = workloadSettings.samplesPerReplicate
        let toRun = cases.filter { c in !skip.contains { $0.benchmark == c.benchmark.info.id && $0.params == c.params } }
        var outcome = engine.run(cases: toRun, context: context, progress: progress, shouldStop: shouldStop)
        outcome.warnings = runWarnings + outcome.warnings
        return outcome
    }

    /// The `run` arguments of the worker process that measures `replicate` into `output`.
    func workerArguments(replicate: Int, output: String, skipCases: String?) -> [String] {
        var arguments = [
            "run", "--replicate-worker", String(replicate), "--seed", String(seed), "--replicates", String(workloadSettings.replicates),
            "--output", output, "--io-dir", settings.scratchDirectory,
            "--memory-limit", String(settings.memoryLimit), "--disk-limit", String(settings.diskLimit),
            // The per-case time limit is over the whole run: each replicate gets its share.
            "--time-limit", String(settings.timeLimit / Double(workloadSettings.replicates)),
        ]
        arguments += ["--workload", settings.workloadName]
        if let skipCases { arguments += ["--skip-cases", skipCases] }
        for p in settings.only { arguments += ["--only", p] }
        if settings.quick { arguments.append("--quick") }
        if settings.quiet { arguments.append("--quiet") }
        if let cpu = settings.cpu { arguments += ["--cpu", String(cpu)] }
        if let events = settings.events { arguments += ["--events", events.joined(separator: ",")] }
        if !settings.counters { arguments.append("--no-counters") }
        if let peer = settings.peer { arguments += ["--peer", peer] }
        return arguments
    }

    /// Runs each replicate in a fresh worker process (this executable, `run --replicate-worker K`),
    /// one after another, and merges what they wrote. A signal to this process stops the current
    /// worker (it is forwarded) and launches no more; what finished is kept.
    func runWorkers(progressArguments: ([Double]) -> [String], checkpoint: (EngineOutcome) -> Void) throws -> EngineOutcome {
        removeStaleScratchDirectories()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("overhead-bench-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        // Held for the run's life: the directory is in use while someone holds this lock.
        let lock = open(scratch.appendingPathComponent("lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if lock >= 0 { _ = flock(lock, LOCK_EX) }
        // Touched every ScratchHeartbeat.interval: the proof of life where flock is not shared.
        var lastHeartbeat = Date()
        defer {
            try? FileManager.default.removeItem(at: scratch)
            if lock >= 0 { close(lock) }
        }
        let executable = try workerExecutable()
        let replicates = workloadSettings.replicates
        var parts: [ResultSet] = []
        // A case one replicate had to skip is skipped by the later ones (a peer that does not
        // answer would otherwise cost its timeout once per replicate).
        var skippedSoFar: [SkippedBenchmark] = []
        let skipPath = scratch.appendingPathComponent("skip.json")
        var interrupted = false
        var failures: [String] = []
        var replicateSeconds: [Double] = []
        for replicate in 0..<replicates {
            let replicateStart = Date()
            defer { replicateSeconds.append(Date().timeIntervalSince(replicateStart)) }
            if Interrupt.signal != nil { interrupted = true; break }
            let partPath = scratch.appendingPathComponent("replicate-\(replicate).json").path
            if !skippedSoFar.isEmpty, let data = try? JSONEncoder().encode(skippedSoFar) {
                try? data.write(to: skipPath)
            }
            let arguments =
                workerArguments(replicate: replicate, output: partPath, skipCases: skippedSoFar.isEmpty ? nil : skipPath.path)
                + progressArguments(replicateSeconds)
            let process: ChildProcess
            do {
                process = try ChildProcess(path: executable.path, arguments: arguments)
            } catch {
                throw RunError("cannot start a worker process (\(executable.path)): \(error); pass --replicate-isolation in-process")
            }
            var forwarded = false
            // The worker ignores the group's SIGINT/SIGTERM/SIGHUP (a terminal's Ctrl-C, `kill --
            // -PGID`, a supervisor's SIGTERM reach it too); the run forwards exactly one stop request.
            var termination = process.poll()
            while termination == nil {
                if Interrupt.signal != nil, !forwarded {
                    forwarded = true
                    process.send(Interrupt.workerStop)
                }
                if lock >= 0, Date().timeIntervalSince(lastHeartbeat) >= ScratchHeartbeat.interval {
                    _ = futimens(lock, nil)
                    lastHeartbeat = Date()
                }
                usleep(20_000)
                termination = process.poll()
            }
            var exitStatus: Int32 = 0
            switch termination {
            case .signalled(let signal):
                failures.append("replicate \(replicate + 1): the worker was killed by signal \(signal)")
                exitStatus = 128 + signal
            case .exited(let status):
                exitStatus = status
            case nil:
                break
            }
            if FileManager.default.fileExists(atPath: partPath) {
                do {
                    let part = try ResultSet.load(path: partPath)
                    parts.append(part)
                    for skip in part.skipped where !skippedSoFar.contains(skip) { skippedSoFar.append(skip) }
                    if part.interrupted { interrupted = true }
                } catch {
                    failures.append("replicate \(replicate + 1): \(error)")
                }
            } else if case .exited = termination {
                failures.append("replicate \(replicate + 1): the worker exited with status \(exitStatus) and wrote nothing")
            }
            if Interrupt.signal != nil || exitStatus == ExitStatus.interrupted.rawValue { interrupted = true; break }
            if replicate + 1 < replicates, !parts.isEmpty {
                let merged = mergeReplicateParts(parts, userHz: StealSnapshot.userHz)
                checkpoint(EngineOutcome(
                    results: relateAcrossCases(merged.results, cases: cases), skipped: merged.skipped, warnings: merged.warnings, interrupted: true))
            }
        }
        let merged = mergeReplicateParts(parts, userHz: StealSnapshot.userHz)
        var warnings = merged.warnings.filter { $0 != EngineOutcome.interruptedWarning }
        warnings += failures.map { "a worker failed: \($0)" }
        if interrupted { warnings.append(EngineOutcome.interruptedWarning) }
        if parts.isEmpty && !interrupted {
            throw RunError("no replicate was measured: " + (failures.isEmpty ? "no worker wrote results" : failures.joined(separator: "; ")))
        }
        return EngineOutcome(
            results: relateAcrossCases(merged.results, cases: cases), skipped: merged.skipped, warnings: warnings, interrupted: interrupted)
    }
}

/// ISO-8601 UTC with milliseconds.
public func isoTimestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
}

/// How often a run touches its scratch directory's `lock` file (seconds), and how long an untouched,
/// unlocked directory lives before `removeStaleScratchDirectories` takes it for abandoned.
public enum ScratchHeartbeat {
    public static let interval: TimeInterval = 60
    public static let staleAfter: TimeInterval = 600
}

/// Removes worker scratch directories (`overhead-bench-<pid>-<8 hex>` in `directory`, by default
/// the temporary directory) left by runs that were killed outright (SIGKILL, OOM). A directory is
/// abandoned when both hold: its `lock` file's exclusive `flock` can be taken (a live run holds
/// it; this works across PID namespaces, where a run in a container sharing /tmp cannot see the
/// host's pids), and the lock file was last touched more than `staleAfter` seconds ago (a live run
/// touches it every `ScratchHeartbeat.interval`; this holds where flock is not shared between the
/// machines that see the directory, e.g. a guest's virtio-9p mount of the host's /tmp, where QEMU
/// grants every lock). The run's own `<output>.partial` checkpoint already holds what a dead run measured.
public func removeStaleScratchDirectories(
    in directory: URL = FileManager.default.temporaryDirectory, now: Date = Date(), staleAfter: TimeInterval = ScratchHeartbeat.staleAfter
) {
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
    for name in names where name.hasPrefix("overhead-bench-") {
        let parts = name.split(separator: "-")
        guard parts.count == 4, Int32(parts[2]) != nil, parts[3].count == 8, parts[3].allSatisfy(\.isHexDigit) else { continue }
        let scratch = directory.appendingPathComponent(name)
        let lockPath = scratch.appendingPathComponent("lock").path
        let fd = open(lockPath, O_RDWR | O_CLOEXEC)
        // No lock file: a directory of a run that is still creating it, or of an older version; leave it.
        guard fd >= 0 else { continue }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
        var status = stat()
        guard fstat(fd, &status) == 0 else { continue }
        let touched = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec) + TimeInterval(status.st_mtim.tv_nsec) / 1e9)
        guard now.timeIntervalSince(touched) > staleAfter else { continue }
        try? fm.removeItem(at: scratch)
    }
}

/// The executable a worker process runs: this one (`/proc/self/exe`), or, when this process is a
/// test bundle running the commands in-process, the `overhead-bench` built beside it.
public func workerExecutable() throws -> URL {
    let fm = FileManager.default
    let me = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let url = URL(fileURLWithPath: me)
    // Whatever the binary is called (renamed, versioned, copied to a node), it is the CLI itself —
    // unless it is a test bundle running the commands in-process.
    if !me.contains(".xctest") { return url }
    var directory = url.deletingLastPathComponent()
    // A test bundle sits in the build directory (or inside a .xctest directory there).
    for _ in 0..<3 {
        let sibling = directory.appendingPathComponent("overhead-bench")
        if fm.isExecutableFile(atPath: sibling.path) { return sibling }
        directory = directory.deletingLastPathComponent()
    }
    throw RunError("cannot find the overhead-bench executable to run replicates in worker processes (this process is \(me)); pass --replicate-isolation in-process")
}
