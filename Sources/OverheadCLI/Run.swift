import ArgumentParser
import Foundation
import OverheadBenchmarks
import OverheadEngine
import OverheadEnvironment
import OverheadModel
import OverheadSystem

extension OverheadBench {
    /// `overhead-bench run`: runs a workload and writes a result set.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a workload and write a result set (JSON).",
            discussion: """
                Every benchmark runs in several independent replicates (by default each in a fresh worker
                process: new memory, calibration, peers and scratch files), interleaved in a seeded random
                order so drift spreads over all of them; compare uses the replicate medians.
                The result set goes to Results/<host>-<label>-<UTC time>.json unless --output says otherwise;
                an existing file is never overwritten without --force. Ctrl-C stops after the current batch and
                still writes what was measured (marked interrupted), then exits with status 130.
                """)

        @Option(help: "Workload name (Workloads/NAME.yaml) or path to a workload file. Default: default (quick with --quick).")
        var workload: String?

        @Option(help: "Comma-separated globs on benchmark ids, e.g. 'sys.*,timer.clock_gettime'. Repeatable.")
        var only: [String] = []

        @Option(help: "Configuration label for this run (default: the detected configuration: bare-metal, vm, vm-sriov, passthrough).")
        var label: String?

        @Option(help: "Where to write the result set; '-' writes it to stdout.")
        var output: String?

        @Flag(help: "Overwrite --output if it exists.")
        var force = false

        @Flag(help: "Shorter sample floors and fewer replicates (and the quick workload unless --workload is given).")
        var quick = false

        @Flag(help: "No progress on stderr.")
        var quiet = false

        @Option(help: "Seed of the interleaving order (default: random; always recorded in the result set).")
        var seed: UInt64?

        @Option(help: "CPU that single-threaded benchmarks are pinned to (default: the last CPU this process may use).")
        var cpu: Int?

        @Option(help: "Comma-separated performance events (libpfm4 names; see `list --events`) instead of the defaults: cycles, instructions, LLC and dTLB load misses, branch misses, context-switches, cpu-migrations, page-faults, task-clock.")
        var events: String?

        @Flag(help: "Read no performance counters.")
        var noCounters = false

        @Option(help: "Percent of MemAvailable one benchmark may allocate (1-90).")
        var memoryLimit: Double = 50

        @Option(help: "Percent of the I/O directory's free space scratch files may take (1-90).")
        var diskLimit: Double = 50

        @Option(help: "Seconds one benchmark may spend measuring over the whole run; past it, it stops with what it has and the run goes on.")
        var timeLimit: Double = 300
        @Option(help: "Peer for net.* benchmarks: HOST:PORT of an `overhead-bench serve` (default: a loopback server this run starts and stops).")
        var peer: String?

        @Option(help: "Override the workload's number of replicates (at least 5 a side for a compare verdict).")
        var replicates: Int?

        @Option(help: "Where each replicate runs: 'process' (a fresh worker process per replicate: new address space, heap, page placement) or 'in-process'.")
        var replicateIsolation: ReplicateIsolation = .process

        /// Set only by the parent run for its worker processes: the replicate (0-based) to measure.
        @Option(help: .hidden)
        var replicateWorker: Int?

        @Option(name: .customLong("io-dir"), help: "Directory for io.* scratch files (default: the result set's directory; files are unlinked at creation and gone after the run).")
        var ioDir: String?

        var patterns: [String] {
            only.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func validate() throws {
            if let label {
                guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw ValidationError("--label must be letters, digits, '-', '_' or '.', e.g. bare-metal or vm-sriov")
                }
            }
            if let output, output.isEmpty { throw ValidationError("--output needs a path, or '-' for stdout") }
            guard (1...90).contains(memoryLimit) else { throw ValidationError("--memory-limit is a percentage from 1 to 90") }
            guard (1...90).contains(diskLimit) else { throw ValidationError("--disk-limit is a percentage from 1 to 90") }
            guard timeLimit.isFinite, timeLimit > 0 else { throw ValidationError("--time-limit must be a positive number of seconds") }
            if let replicates, !(1...10_000).contains(replicates) {
                throw ValidationError("--replicates must be from 1 to 10000 (5 or more for a verdict in compare)")
            }
            if let replicateWorker, replicateWorker < 0 { throw ValidationError("--replicate-worker is internal") }
            if noCounters && events != nil { throw ValidationError("--events and --no-counters contradict each other; pass one") }
            if let events, events.split(separator: ",").isEmpty { throw ValidationError("--events needs at least one event name") }
            if let cpu, !Affinity.allowedCPUs().contains(cpu) {
                throw ValidationError("--cpu \(cpu) is not one of the CPUs this process may use: \(Affinity.allowedCPUs().map(String.init).joined(separator: ","))")
            }
            if let peer {
                do {
                    _ = try SocketAddress.parse(peer, defaultPort: PeerProtocol.defaultPort)
                } catch {
                    throw ValidationError("--peer \(peer): \(error)")
                }
            }
            if let ioDir {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: ioDir, isDirectory: &isDir), isDir.boolValue, access(ioDir, W_OK) == 0 else {
                    throw ValidationError("--io-dir \(ioDir) must be an existing directory you can write to")
                }
            }
        }

        func run() throws {
            let workloadPath = try Workload.locate(workload ?? (quick ? "quick" : "default"))
            let spec = try Workload.load(path: workloadPath)
            let cases = try spec.resolve(registry: Catalog.registry, only: patterns, cpus: max(1, Affinity.allowedCPUs().count))
            var settings = quick ? spec.quickSettings : spec.settings
            if let replicates { settings.replicates = replicates }
            let runSeed = seed ?? UInt64.random(in: 1...UInt64.max)
            if let replicateWorker {
                return try runWorker(replicate: replicateWorker, cases: cases, settings: settings, seed: runSeed)
            }

            let environment = collectEnvironment(.live)
            let runLabel = label ?? environment.configuration.detected
            let startedAt = Date()
            let destination = try prepareDestination(label: runLabel, host: environment.hostname, at: startedAt)
            let resolution = measuredResolutionNs(of: MonotonicRawClock())
            let progress = ProgressPrinter(enabled: !quiet, terminal: Terminal.stderrIsTerminal)
            Interrupt.install()
            let outcome: EngineOutcome
            let isolation: ReplicateIsolation = settings.replicates > 1 ? replicateIsolation : .inProcess
            switch isolation {
            case .inProcess:
                let ioDirectory = ioDir ?? destination.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
                outcome = measure(
                    cases: cases, settings: settings, seed: runSeed, range: 0..<settings.replicates, environment: environment,
                    ioDirectory: ioDirectory, progress: progress)
            case .process:
                outcome = try runWorkers(settings: settings, seed: runSeed, destination: destination, progress: progress)
            }
            // A second Ctrl-C during the write kills as usual.
            Interrupt.uninstall()
            progress.finish()

            let set = ResultSet(
                id: UUID().uuidString.lowercased(), label: runLabel, startedAt: isoTimestamp(startedAt),
                finishedAt: isoTimestamp(Date()), tool: ToolInfo(name: "overhead-bench", version: OverheadBench.version),
                environment: environment,
                workload: WorkloadInfo(
                    name: spec.name, source: workloadPath, quick: quick, seed: runSeed, replicates: settings.replicates,
                    samplesPerReplicate: settings.samplesPerReplicate, warmupBatches: settings.warmupBatches,
                    minSampleMs: settings.minSampleMs, only: patterns, clockResolutionNs: resolution,
                    replicateIsolation: isolation.rawValue),
                results: outcome.results, skipped: outcome.skipped, warnings: outcome.warnings,
                interrupted: outcome.interrupted)
            let data = try set.encoded()
            let summary = renderRunSummary(set)
            if let destination {
                try write(data, to: destination, id: set.id)
                Terminal.out(summary)
                Terminal.out("\nresult set: \(destination)")
            } else {
                FileHandle.standardOutput.write(data)
                Terminal.err(summary)
            }
            if outcome.interrupted {
                Terminal.err("interrupted: wrote the \(set.results.count) benchmark(s) measured so far")
                throw ExitCode(130)
            }
        }

        /// Measures `range` of the run's replicates in this process: counters, engine, and the
        /// run's resources (scratch files, loopback server) released on every path.
        private func measure(
            cases: [BenchmarkCase], settings: WorkloadSettings, seed: UInt64, range: Range<Int>, environment: Environment,
            ioDirectory: String?, progress: ProgressPrinter
        ) -> EngineOutcome {
            let allowed = Affinity.allowedCPUs()
            let clock = MonotonicRawClock()
            var runWarnings: [String] = []
            var counterSource: PerfCounterSource?
            if !noCounters {
                let requested = events.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                let setup = prepareCounters(requested: requested)
                counterSource = setup.source
                runWarnings += setup.warnings
            }
            let engine = Engine(
                settings: EngineSettings(
                    replicates: settings.replicates, samplesPerReplicate: settings.samplesPerReplicate,
                    warmupBatches: settings.warmupBatches, minSampleMs: settings.minSampleMs, seed: seed, replicateRange: range),
                clock: clock, clockResolutionNs: measuredResolutionNs(of: clock), counters: counterSource)
            var context = RunContext(
                allowedCPUs: allowed, measurementCPU: cpu ?? allowed.last ?? 0, quick: quick, environment: environment,
                tscGHz: environment.tsc?.ghz, peer: peer,
                // Scratch files go on the results' disk unless --io-dir says otherwise (not /tmp, often tmpfs).
                ioDirectory: ioDirectory ?? FileManager.default.currentDirectoryPath)
            context.limits = ResourceLimits(memoryFraction: memoryLimit / 100, diskFraction: diskLimit / 100, caseSeconds: timeLimit)
            context.samplesPerReplicate = settings.samplesPerReplicate
            var outcome = engine.run(cases: cases, context: context, progress: progress.show, shouldStop: { Interrupt.signal != nil })
            // Scratch files, latency logs, the loopback server: released on every path, Ctrl-C included.
            RunResources.releaseAll()
            outcome.warnings = runWarnings + outcome.warnings
            return outcome
        }

        /// A worker process: measures one replicate of the parent's run and writes it as a result set
        /// to `--output` (a private temporary file of the parent's).
        private func runWorker(replicate: Int, cases: [BenchmarkCase], settings: WorkloadSettings, seed: UInt64) throws {
            guard let output, output != "-", replicate < settings.replicates else {
                throw CLIError("--replicate-worker is internal to run")
            }
            let environment = collectEnvironment(.live)
            Interrupt.install()
            let progress = ProgressPrinter(enabled: !quiet, terminal: Terminal.stderrIsTerminal)
            let outcome = measure(
                cases: cases, settings: settings, seed: seed, range: replicate..<(replicate + 1), environment: environment,
                ioDirectory: ioDir, progress: progress)
            Interrupt.uninstall()
            progress.finish()
            let set = ResultSet(
                id: UUID().uuidString.lowercased(), label: label ?? "worker", startedAt: isoTimestamp(Date()),
                finishedAt: isoTimestamp(Date()), tool: ToolInfo(name: "overhead-bench", version: OverheadBench.version),
                environment: environment,
                workload: WorkloadInfo(
                    name: "worker", source: "", quick: quick, seed: seed, replicates: settings.replicates,
                    samplesPerReplicate: settings.samplesPerReplicate, warmupBatches: settings.warmupBatches,
                    minSampleMs: settings.minSampleMs, only: patterns, clockResolutionNs: 0, replicateIsolation: "process"),
                results: outcome.results, skipped: outcome.skipped, warnings: outcome.warnings, interrupted: outcome.interrupted)
            try AtomicFile.write(try set.encoded(), to: output, overwrite: true)
            if outcome.interrupted { throw ExitCode(130) }
        }

        /// Runs each replicate in a fresh worker process (this executable, `run --replicate-worker K`),
        /// one after another, and merges what they wrote. A signal to this process stops the current
        /// worker (it is forwarded) and launches no more; what finished is kept.
        private func runWorkers(
            settings: WorkloadSettings, seed: UInt64, destination: String?, progress: ProgressPrinter
        ) throws -> EngineOutcome {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("overhead-bench-\(getpid())-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: scratch) }
            let executable = try workerExecutable()
            // Scratch files on the results' disk unless --io-dir says otherwise, decided here once.
            let ioDirectory = ioDir ?? destination.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? FileManager.default.currentDirectoryPath
            var parts: [ResultSet] = []
            var interrupted = false
            var failures: [String] = []
            for replicate in 0..<settings.replicates {
                if Interrupt.signal != nil { interrupted = true; break }
                let partPath = scratch.appendingPathComponent("replicate-\(replicate).json").path
                var arguments = [
                    "run", "--replicate-worker", String(replicate), "--seed", String(seed), "--replicates", String(settings.replicates),
                    "--output", partPath, "--io-dir", ioDirectory, "--memory-limit", String(memoryLimit), "--disk-limit", String(diskLimit),
                    // The per-case time limit is over the whole run: each replicate gets its share.
                    "--time-limit", String(timeLimit / Double(settings.replicates)),
                ]
                arguments += ["--workload", workload ?? (quick ? "quick" : "default")]
                for p in only { arguments += ["--only", p] }
                if quick { arguments.append("--quick") }
                if quiet { arguments.append("--quiet") }
                if let cpu { arguments += ["--cpu", String(cpu)] }
                if let events { arguments += ["--events", events] }
                if noCounters { arguments.append("--no-counters") }
                if let peer { arguments += ["--peer", peer] }
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    throw CLIError("cannot start a worker process (\(executable.path)): \(error.localizedDescription); pass --replicate-isolation in-process")
                }
                var forwarded = false
                while process.isRunning {
                    if let signal = Interrupt.signal, !forwarded {
                        kill(process.processIdentifier, signal == SIGINT ? SIGINT : SIGTERM)
                        forwarded = true
                    }
                    usleep(20_000)
                }
                if process.terminationReason == .uncaughtSignal {
                    failures.append("replicate \(replicate + 1): the worker was killed by signal \(process.terminationStatus)")
                }
                if FileManager.default.fileExists(atPath: partPath) {
                    do {
                        let part = try ResultSet.load(path: partPath)
                        parts.append(part)
                        if part.interrupted { interrupted = true }
                    } catch {
                        failures.append("replicate \(replicate + 1): \(error)")
                    }
                } else if process.terminationReason == .exit {
                    failures.append("replicate \(replicate + 1): the worker exited with status \(process.terminationStatus) and wrote nothing")
                }
                if Interrupt.signal != nil || process.terminationStatus == 130 { interrupted = true; break }
            }
            let merged = mergeReplicateParts(parts, userHz: StealSnapshot.userHz)
            var warnings = merged.warnings.filter { $0 != EngineOutcome.interruptedWarning }
            warnings += failures.map { "a worker failed: \($0)" }
            if interrupted { warnings.append(EngineOutcome.interruptedWarning) }
            if parts.isEmpty && !interrupted {
                throw CLIError("no replicate was measured: " + (failures.isEmpty ? "no worker wrote results" : failures.joined(separator: "; ")))
            }
            return EngineOutcome(results: merged.results, skipped: merged.skipped, warnings: warnings, interrupted: interrupted)
        }

        /// Decides the output path and checks it before any measuring, so a run is never wasted on
        /// an unwritable or existing file. nil means stdout.
        private func prepareDestination(label: String, host: String, at date: Date) throws -> String? {
            if output == "-" { return nil }
            let path: String
            if let output {
                path = output
            } else {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
                let safeHost = String(host.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
                do {
                    try FileManager.default.createDirectory(atPath: "Results", withIntermediateDirectories: true)
                } catch {
                    throw CLIError("cannot create the Results directory here: \(error.localizedDescription); pass --output PATH")
                }
                path = "Results/\(safeHost)-\(label)-\(formatter.string(from: date)).json"
            }
            if !force && FileManager.default.fileExists(atPath: path) {
                throw CLIError("\(path) already exists; pass --force to overwrite it, or choose another --output")
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
                throw CLIError("cannot write \(path): directory \(directory) does not exist")
            }
            guard access(directory, W_OK) == 0 else {
                throw CLIError("cannot write \(path): directory \(directory) is not writable")
            }
            return path
        }

        /// Writes atomically; if that fails after a run, saves the data elsewhere rather than losing it.
        private func write(_ data: Data, to path: String, id: String) throws {
            do {
                try AtomicFile.write(data, to: path, overwrite: force)
            } catch {
                let rescue = NSTemporaryDirectory() + "overhead-bench-\(id).json"
                if (try? AtomicFile.write(data, to: rescue, overwrite: false)) != nil {
                    throw CLIError("\(error); the result set was saved to \(rescue) instead")
                }
                throw CLIError("\(error)")
            }
        }
    }
}

/// The executable a worker process runs: this one (`/proc/self/exe`), or, when this process is not
/// overhead-bench itself (the test runner, a program embedding the CLI), an `overhead-bench` beside it.
func workerExecutable() throws -> URL {
    let fm = FileManager.default
    let me = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let url = URL(fileURLWithPath: me)
    if url.lastPathComponent == "overhead-bench" { return url }
    var directory = url.deletingLastPathComponent()
    // A test bundle sits in the build directory (or inside a .xctest directory there).
    for _ in 0..<3 {
        let sibling = directory.appendingPathComponent("overhead-bench")
        if fm.isExecutableFile(atPath: sibling.path) { return sibling }
        directory = directory.deletingLastPathComponent()
    }
    throw CLIError("cannot find the overhead-bench executable to run replicates in worker processes (this process is \(me)); pass --replicate-isolation in-process")
}

/// Where a run's replicates execute.
enum ReplicateIsolation: String, ExpressibleByArgument, CaseIterable {
    /// Each replicate in a fresh worker process: new address space, heap, ASLR and page placement.
    case process
    /// Every replicate in this process (fresh memory, calibration, peers and scratch files each).
    case inProcess = "in-process"
}

/// ISO-8601 UTC with milliseconds.
func isoTimestamp(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
}

/// The table `run` prints: one row per result, then skips and warnings.
func renderRunSummary(_ set: ResultSet) -> String {
    // spread%: robust spread (1.4826·MAD/median) of the replicate medians, what compare sees.
    var table = TextTable(header: ["benchmark", "params", "median", "unit", "spread%", "reps", "n", "notes"], numeric: [2, 4, 5, 6])
    for r in set.results {
        let params = r.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let medians = r.replicateMedians
        table.rows.append([
            r.benchmark, params, formatFigure(median(medians)), r.unit, String(format: "%.1f", robustCV(medians) * 100),
            String(medians.count), String(r.summary.n), r.warnings.isEmpty ? "" : "\(r.warnings.count) warning\(r.warnings.count == 1 ? "" : "s")",
        ])
    }
    var lines = ["\(set.label) on \(set.environment.hostname) (\(set.environment.configuration.detected) detected), workload \(set.workload.name), seed \(set.workload.seed)", "", table.render()]
    for s in set.skipped {
        let params = s.params.isEmpty ? "" : " " + s.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("skipped \(s.benchmark)\(params): \(s.reason)")
    }
    for r in set.results {
        for w in r.warnings { lines.append("warning \(r.benchmark): \(w)") }
    }
    for w in set.warnings { lines.append("warning: \(w)") }
    return lines.joined(separator: "\n")
}

/// Progress on stderr: one rewritten line on a terminal, plain lines otherwise, nothing with --quiet.
final class ProgressPrinter: Sendable {
    let enabled: Bool
    let terminal: Bool

    init(enabled: Bool, terminal: Bool) {
        self.enabled = enabled
        self.terminal = terminal
    }

    func show(_ event: ProgressEvent) {
        guard enabled else { return }
        let text = "replicate \(event.replicate)/\(event.replicates) [\(event.done + 1)/\(event.total)] \(event.caseName)"
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else {
            Terminal.err(text)
        }
    }

    func finish() {
        if enabled && terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
