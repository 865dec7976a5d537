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
                Every benchmark runs in several independent replicates (by default each in a fresh worker \
                process: new memory, calibration, peers and scratch files), interleaved in a seeded random \
                order so drift spreads over all of them; compare uses the replicate medians. \
                The result set goes to Results/<host>-<label>-<UTC time>.json unless --output says otherwise; \
                an existing file is never overwritten without --force, and nothing but a regular file is ever \
                replaced (not a device, FIFO, socket, directory or symbolic link, even with --force). Ctrl-C, \
                SIGTERM or SIGHUP stops after the current batch and still writes what was measured (marked \
                interrupted). Exit status: 0 when the result set was written (even if stdout or stderr went \
                away), 1 on an error (if the result set cannot be written where asked, it is saved under the \
                temporary directory and the message names the file), 3 when nothing was measured (every case \
                skipped or failed; the set is still written with the reasons), 130 when interrupted, 64 on a \
                usage error.
                """)

        @Option(help: "Workload name (Workloads/NAME.yaml) or path to a workload file. Default: default (quick with --quick).", completion: Completions.workloads)
        var workload: String?

        @Option(help: "Comma-separated globs on benchmark ids, e.g. 'sys.*,timer.clock_gettime'. Repeatable.", completion: Completions.benchmarkPatterns)
        var only: [String] = []

        @Option(help: "Configuration label for this run (default: the detected configuration: bare-metal, vm, vm-sriov, passthrough).", completion: Completions.labels)
        var label: String?

        @Option(help: "Where to write the result set; '-' writes it to stdout.", completion: .file(extensions: ["json"]))
        var output: String?

        @Flag(help: "Overwrite --output if it exists.")
        var force = false

        @Flag(help: "Shorter sample floors and fewer replicates (and the quick workload unless --workload is given).")
        var quick = false

        @Flag(help: "No progress on stderr.")
        var quiet = false

        @Option(parsing: .unconditional, help: "Seed of the interleaving order, 0 to 18446744073709551615 (default: random; always recorded in the result set).", transform: parseSeed)
        var seed: UInt64?

        @Option(parsing: .unconditional, help: "CPU that single-threaded benchmarks are pinned to (default: the last CPU this process may use).")
        var cpu: Int?

        @Option(help: "Comma-separated performance events (libpfm4 names; see `list --events`) instead of the defaults: cycles, instructions, LLC and dTLB load misses, branch misses, context-switches, cpu-migrations, page-faults, task-clock.")
        var events: String?

        @Flag(help: "Read no performance counters.")
        var noCounters = false

        @Option(parsing: .unconditional, help: "Percent of MemAvailable (or of what the cgroup memory limit still leaves, when less) one benchmark may allocate (1-90).")
        var memoryLimit: Double = 50

        @Option(parsing: .unconditional, help: "Percent of the I/O directory's free space scratch files may take (1-90).")
        var diskLimit: Double = 50

        @Option(parsing: .unconditional, help: "Seconds one benchmark may spend measuring over the whole run; past it, it stops with what it has and the run goes on.")
        var timeLimit: Double = 300
        @Option(help: "Peer for net.* benchmarks: HOST:PORT of an `overhead-bench serve` (default: a loopback server this run starts and stops).")
        var peer: String?

        @Option(parsing: .unconditional, help: "Override the workload's number of replicates (at least 5 a side for a compare verdict).")
        var replicates: Int?

        @Option(help: "Where each replicate runs: 'process' (a fresh worker process per replicate: new address space, heap, page placement) or 'in-process'.")
        var replicateIsolation: ReplicateIsolation = .process

        /// Set only by the parent run for its worker processes: the replicate (0-based) to measure.
        @Option(help: .hidden)
        var replicateWorker: Int?

        /// Set only by the parent run: a JSON file of cases an earlier replicate skipped (a dead peer,
        /// a missing feature), which later replicates skip too, as an in-process run does.
        @Option(help: .hidden)
        var skipCases: String?

        /// Set only by the parent run: when the run started (Unix seconds) and the mean seconds of
        /// its finished replicates, so a worker's progress line counts from the run (`ProgressPrinter`).
        @Option(help: .hidden)
        var progressStart: Double?
        @Option(help: .hidden)
        var progressReplicateSeconds: Double?

        @Option(name: .customLong("io-dir"), help: "Directory for io.* scratch files (default: the result set's directory; files are unlinked at creation and gone after the run).", completion: .directory)
        var ioDir: String?

        var patterns: [String] {
            only.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func validate() throws {
            // An empty --only (an unset shell variable, a stray comma) would otherwise mean "everything".
            if only.contains(where: { $0.split(separator: ",").allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }) {
                throw ValidationError("--only needs at least one pattern, e.g. --only 'sys.*,timer.*'; leave it out to run the whole workload")
            }
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
            // Blank names only (" , ") would otherwise count nothing, and reach the workers as an empty list.
            if let events, events.split(separator: ",").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw ValidationError("--events needs at least one event name")
            }
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

        /// The options as the run session takes them (io.* scratch files in --io-dir; without it,
        /// `run` puts them beside the result set, see `scratchDirectory(destination:)`).
        func sessionSettings() -> RunSettings {
            var settings = RunSettings()
            settings.workload = workload
            settings.only = patterns
            settings.quick = quick
            settings.seed = seed
            settings.replicates = replicates
            settings.isolation = replicateIsolation
            settings.cpu = cpu
            settings.events = events.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            settings.counters = !noCounters
            settings.memoryLimit = memoryLimit
            settings.diskLimit = diskLimit
            settings.timeLimit = timeLimit
            settings.peer = peer
            settings.ioDirectory = ioDir
            settings.quiet = quiet
            return settings
        }

        func run() throws {
            if let replicateWorker {
                return try runWorker(replicate: replicateWorker, session: try RunSession(settings: sessionSettings()))
            }
            // The workload is resolved before the fingerprint, so a bad workload fails at once.
            var session = try RunSession(settings: sessionSettings())
            let environment = collectEnvironment(.live)
            let runLabel = label ?? environment.configuration.defaultLabel
            let startedAt = Date()
            let destination = try prepareDestination(label: runLabel, host: environment.hostname, at: startedAt)
            session = session.withScratchDirectory(scratchDirectory(destination: destination))
            let progress = ProgressPrinter(enabled: !quiet, terminal: Terminal.stderrIsTerminal && Terminal.understandsEscapes())
            Interrupt.install()
            // After each replicate the merged results so far go to <output>.partial (atomically), so
            // a run killed outright (SIGKILL, OOM) keeps its completed replicates; removed at the end.
            let checkpointPath = destination.map { $0 + ".partial" }
            let set: ResultSet
            do {
                set = try session.run(
                    label: runLabel, environment: environment, startedAt: startedAt, toolVersion: OverheadBench.version,
                    progress: progress.show, workerProgressArguments: { progress.workerArguments(finishedReplicateSeconds: $0) },
                    checkpoint: { partial in
                        guard let checkpointPath else { return }
                        if let data = try? partial.encoded() { try? AtomicFile.write(data, to: checkpointPath, overwrite: true) }
                    })
            } catch let error as RunError {
                throw CLIError(error.description)
            }
            if session.isolation == .process, let checkpointPath { unlink(checkpointPath) }
            // A second Ctrl-C during the write kills as usual.
            Interrupt.uninstall()
            progress.finish()
            try deliver(set.withUsableValues(), to: destination)
        }

        /// Writes the result set, then the summary; decides the exit status. A closed or full stdout
        /// or stderr only silences the summary and the progress; a result set that cannot reach its
        /// destination (file or stdout) is saved under a named path instead.
        private func deliver(_ set: ResultSet, to destination: String?) throws {
            let data = try set.encoded()
            let summary = renderRunSummary(set)
            if let destination {
                try write(data, to: destination, id: set.id)
                Terminal.out(summary)
                Terminal.out("\nresult set: \(destination)")
            } else {
                if !StandardStream.output.write(data) {
                    let reason = StandardStream.output.failure.map { "\($0)" } ?? "write failed"
                    Terminal.err(summary)
                    if let rescue = Self.rescue(data, id: set.id) {
                        throw CLIError("cannot write the result set to stdout (\(reason)); it was saved to \(rescue) instead")
                    }
                    throw CLIError("cannot write the result set to stdout (\(reason)), nor save it in \(Self.rescueDirectories.joined(separator: ", ")); it is lost")
                }
                Terminal.err(summary)
            }
            if set.interrupted {
                let by = Interrupt.signal.map { " by \(Interrupt.name(of: $0))" } ?? ""
                Terminal.err("interrupted\(by): wrote the \(set.results.count) benchmark(s) measured so far")
                throw ExitCode(.interrupted)
            }
            if set.results.isEmpty {
                Terminal.err("nothing was measured: every case was skipped or failed (see the skipped lines of the summary); exit status 3")
                throw ExitCode(.incomplete)
            }
        }

        /// A worker process: measures one replicate of the parent's run and writes it as a result set
        /// to `--output` (a private temporary file of the parent's).
        private func runWorker(replicate: Int, session: RunSession) throws {
            guard let output, output != "-", replicate < session.workloadSettings.replicates else {
                throw CLIError("--replicate-worker is internal to run")
            }
            let parent = getppid()
            Interrupt.installForWorker()
            Interrupt.terminateWithParent()
            // The parent may have died before the line above took effect.
            if getppid() != parent { throw ExitCode(.interrupted) }
            let environment = collectEnvironment(.live)
            let progress = ProgressPrinter(
                enabled: !quiet, terminal: Terminal.stderrIsTerminal && Terminal.understandsEscapes(), runStart: progressStart,
                replicateSeconds: progressReplicateSeconds)
            var skip: [SkippedBenchmark] = []
            if let skipCases, let data = FileManager.default.contents(atPath: skipCases),
                let skipped = try? JSONDecoder().decode([SkippedBenchmark].self, from: data)
            {
                skip = skipped
            }
            let outcome = session.measure(range: replicate..<(replicate + 1), environment: environment, skip: skip, progress: progress.show)
            progress.finish()
            var info = session.workloadInfo(clockResolutionNs: 0, isolation: .process)
            info.name = "worker"
            info.source = ""
            let set = session.resultSet(
                outcome, label: label ?? "worker", environment: environment, startedAt: Date(), toolVersion: OverheadBench.version,
                workload: info)
            // The handlers stay installed through the write, so a signal now is recorded, not fatal
            // mid-write. If the run that wanted this replicate is gone (killed), leave nothing behind
            // in its scratch directory.
            if getppid() == parent { try AtomicFile.write(try set.withUsableValues().encoded(), to: output, overwrite: true) }
            if getppid() != parent {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: output).deletingLastPathComponent().path)
                throw ExitCode(.interrupted)
            }
            Interrupt.uninstall()
            if outcome.interrupted { throw ExitCode(.interrupted) }
        }

        /// Where io.* scratch files go: --io-dir, else the result set's directory, so they land on
        /// the results' disk (not /tmp, often tmpfs); nil (the current directory) with stdout.
        func scratchDirectory(destination: String?) -> String? {
            ioDir ?? destination.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
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
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
                throw CLIError("cannot write \(path): directory \(directory) does not exist")
            }
            if output == nil {
                // The label is part of the default file name, whose length the file system bounds,
                // with room for the checkpoint's ".partial".
                let name = URL(fileURLWithPath: path).lastPathComponent.utf8.count
                let limit = AtomicFile.maximumNameBytes(inDirectory: directory) - ".partial".utf8.count
                if name > limit {
                    let room = label.utf8.count - (name - limit)
                    guard room > 0 else {
                        throw CLIError("the result file name \(path) would be \(name) bytes, more than the \(limit) this file system allows (\(limit + 8), less 8 for the \".partial\" checkpoint), whatever the label; pass --output PATH")
                    }
                    throw CLIError(
                        "--label is \(label.utf8.count) bytes long: the result file name \(path) would be \(name) bytes, more than the \(limit) this file system allows (\(limit + 8), less 8 for the \".partial\" checkpoint); use a label of at most \(room) bytes, or pass --output PATH")
                }
            }
            // The checkpoint beside it is replaced during the run and removed at its end: a file there
            // (the checkpoint of an earlier, killed run) is kept unless --force says otherwise.
            try checkDestinations([path, path + ".partial"], force: force)
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
                if let rescue = Self.rescue(data, id: id) {
                    throw CLIError("\(error); the result set was saved to \(rescue) instead")
                }
                throw CLIError("\(error); saving it in \(Self.rescueDirectories.joined(separator: ", ")) failed too, so it is lost")
            }
        }

        /// Where a result set goes when its destination fails: the temporary directory ($TMPDIR or
        /// /tmp), else the current directory, else $HOME.
        static var rescueDirectories: [String] {
            var directories = [NSTemporaryDirectory(), FileManager.default.currentDirectoryPath]
            if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { directories.append(home) }
            return directories
        }

        /// Saves `data` as overhead-bench-<id>.json in the first rescue directory that takes it; its path.
        static func rescue(_ data: Data, id: String) -> String? {
            for directory in rescueDirectories {
                let path = URL(fileURLWithPath: directory).appendingPathComponent("overhead-bench-\(id).json").path
                if (try? AtomicFile.write(data, to: path, overwrite: false)) != nil { return path }
            }
            return nil
        }
    }
}

/// A seed as `--seed` takes it. The option parses with `.unconditional`, so "-1" arrives here
/// (instead of being taken for an option and reported as a missing value) and is refused by name.
func parseSeed(_ text: String) throws -> UInt64 {
    guard let seed = UInt64(text) else {
        throw ValidationError("a seed is a whole number from 0 to \(UInt64.max), e.g. --seed 42")
    }
    return seed
}

/// `--replicate-isolation` takes the session's choices by name.
extension ReplicateIsolation: ExpressibleByArgument {}

/// The table `run` prints: one row per result, then skips and warnings.
func renderRunSummary(_ set: ResultSet) -> String {
    // spread%: robust spread (1.4826·MAD/median) of the replicate medians, what compare sees.
    var table = TextTable(header: ["benchmark", "params", "median", "unit", "spread%", "reps", "n", "notes"], numeric: [2, 4, 5, 6])
    for r in set.results {
        let params = paramsText(r.params, separator: " ")
        let medians = r.replicateMedians
        table.rows.append([
            r.benchmark, params, formatFigure(r.medianOfReplicates), r.unit, String(format: "%.1f", robustCV(medians) * 100),
            String(medians.count), String(r.summary.n), r.warnings.isEmpty ? "" : "\(r.warnings.count) warning\(r.warnings.count == 1 ? "" : "s")",
        ])
    }
    var lines = ["\(set.label) on \(set.environment.hostname) (\(set.environment.configuration.detected) detected), workload \(set.workload.name), seed \(set.workload.seed)", "", table.render()]
    for s in set.skipped {
        let params = s.params.isEmpty ? "" : " " + paramsText(s.params, separator: " ")
        lines.append("skipped \(s.benchmark)\(params): \(s.reason)")
    }
    for r in set.results {
        let params = r.params.isEmpty ? "" : " " + paramsText(r.params, separator: " ")
        for w in r.warnings { lines.append("warning \(r.benchmark)\(params): \(w)") }
    }
    for w in set.warnings { lines.append("warning: \(w)") }
    return lines.joined(separator: "\n")
}

/// Progress on stderr: one rewritten line on a terminal, plain lines otherwise, nothing with --quiet.
/// Each line says the time since the run started and an ETA: every replicate measures the same
/// cases, so once one replicate has finished its duration (calibration included) predicts the
/// others; during the first, the ETA scales the time so far by the cases still to come.
/// Worker processes learn the run's start and the finished replicates' mean duration from the
/// parent (hidden `run` options, `workerArguments`), so their lines count from the run, not the worker.
final class ProgressPrinter: @unchecked Sendable {
    let enabled: Bool
    let terminal: Bool
    /// Guards the timing state below (the engine may report from any thread).
    private let lock = NSLock()
    private let runStart: Double
    private var replicateStart: Double
    private var currentReplicate = 0
    private var replicateSeconds: [Double]
    init(enabled: Bool, terminal: Bool, runStart: Double? = nil, replicateSeconds: Double? = nil, now: Double = Date().timeIntervalSince1970) {
        self.enabled = enabled
        self.terminal = terminal
        self.runStart = runStart ?? now
        replicateStart = now
        self.replicateSeconds = replicateSeconds.map { [$0] } ?? []
    }

    /// The hidden `run` options that hand a worker starting now the run's start and the mean
    /// duration of the finished replicates.
    func workerArguments(finishedReplicateSeconds: [Double]) -> [String] {
        var args = ["--progress-start", String(runStart)]
        if !finishedReplicateSeconds.isEmpty {
            args += ["--progress-replicate-seconds", String(finishedReplicateSeconds.reduce(0, +) / Double(finishedReplicateSeconds.count))]
        }
        return args
    }

    func show(_ event: ProgressEvent) {
        guard enabled else { return }
        let text = line(event, now: Date().timeIntervalSince1970)
        if terminal {
            StandardStream.error.write("\r\u{1B}[K\(text)")
        } else {
            Terminal.err(text)
        }
    }

    /// The progress line for `event` at time `now` (Unix seconds).
    func line(_ event: ProgressEvent, now: Double) -> String {
        lock.lock()
        defer { lock.unlock() }
        if event.replicate != currentReplicate {
            // In-process replicates: the previous one just ended.
            if currentReplicate != 0 { replicateSeconds.append(now - replicateStart) }
            currentReplicate = event.replicate
            replicateStart = now
        }
        let elapsed = now - runStart
        let inReplicate = now - replicateStart
        let replicatesLeft = Double(max(0, event.replicates - event.replicate))
        var eta: Double?
        if !replicateSeconds.isEmpty {
            let perReplicate = replicateSeconds.reduce(0, +) / Double(replicateSeconds.count)
            eta = max(0, perReplicate - inReplicate) + perReplicate * replicatesLeft
        } else if event.done > 0, event.total > 0 {
            let perReplicate = inReplicate / Double(event.done) * Double(event.total)
            eta = max(0, perReplicate - inReplicate) + perReplicate * replicatesLeft
        }
        return "replicate \(event.replicate)/\(event.replicates) [\(event.done + 1)/\(event.total)] \(event.caseName)  "
            + "elapsed \(formatDuration(elapsed)), ETA \(eta.map(formatDuration) ?? "?")"
    }

    func finish() {
        if enabled && terminal { StandardStream.error.write("\r\u{1B}[K") }
    }
}

/// `42s`, `3m05s`, `1h02m`: a duration for a progress line.
func formatDuration(_ seconds: Double) -> String {
    let s = Int(max(0, seconds).rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
}
