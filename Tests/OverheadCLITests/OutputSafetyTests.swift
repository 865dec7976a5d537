import ArgumentParser
import Foundation
import Glibc
import OverheadTestSupport
import Testing
@testable import OverheadCLI
@testable import OverheadModel
@testable import OverheadSystem

/// The writer behind stdout and stderr: a closed pipe or a full device stops the output, never the process.
@Suite struct StandardStreamTests {
    @Test func closedPipeIsEPIPEAndLaterWritesAreDropped() throws {
        Interrupt.ignoreBrokenPipes()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[1]) }
        close(fds[0])
        let stream = StandardStream(descriptor: fds[1])
        #expect(stream.write("first line\n") == false)
        #expect(stream.failure?.readerGone == true)
        #expect(stream.write("second line\n") == false)
        #expect(stream.failure == StreamFailure(errno: EPIPE))
    }

    @Test func fullDeviceIsENOSPCNotReaderGone() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let stream = StandardStream(descriptor: fd)
        #expect(stream.write(Data(repeating: 0x41, count: 100_000)) == false)
        #expect(stream.failure?.errno == ENOSPC)
        #expect(stream.failure?.readerGone == false)
        #expect("\(stream.failure!)" == "No space left on device")
    }

    @Test func everythingArrivesOnAWorkingPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let stream = StandardStream(descriptor: fds[1])
        // Within one pipe buffer (64 KiB), so no reader thread is needed.
        let text = String(repeating: "0123456789abcdef\n", count: 3_000)
        #expect(stream.write(text))
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        var received: [UInt8] = []
        while case let n = read(fds[0], &buffer, buffer.count), n > 0 { received += buffer[0..<n] }
        #expect(String(decoding: received, as: UTF8.self) == text)
        #expect(stream.failure == nil)
    }
}

/// Only regular files are written or replaced, with or without overwrite (`--force`).
@Suite struct RegularFilesOnlyTests {
    @Test func specialFilesAreNeverReplaced() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let directory = dir.appendingPathComponent("adir").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let target = dir.appendingPathComponent("target.json").path
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        let link = dir.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        var cases = [(fifo, "a FIFO (named pipe)"), (directory, "a directory"), (link, "a symbolic link")]
        // A device node of our own (never /dev/null itself): needs root, as CI runs.
        let device = dir.appendingPathComponent("null-device").path
        // 1:3 is what /dev/null is.
        if getuid() == 0, mknod(device, S_IFCHR | 0o666, dev_t(0x103)) == 0 { cases.append((device, "a character device")) }
        for (path, kind) in cases {
            for overwrite in [false, true] {
                #expect(throws: FileWriteError.notRegular(path: path, kind: kind)) {
                    try AtomicFile.write(Data("x".utf8), to: path, overwrite: overwrite)
                }
            }
            let message = "\(FileWriteError.notRegular(path: path, kind: kind))"
            #expect(message.contains("even with --force") && !message.contains("pass --force"))
        }
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
        if cases.count == 4 { #expect(lstat(device, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR) }
        // A regular file is still replaced with overwrite, and refused without.
        #expect(throws: FileWriteError.exists(path: target)) { try AtomicFile.write(Data("y".utf8), to: target, overwrite: false) }
        try AtomicFile.write(Data("y".utf8), to: target, overwrite: true)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "y")
    }

    @Test func nameLengthIsTheFileSystemsLimit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let limit = AtomicFile.maximumNameBytes(inDirectory: dir.path)
        #expect(limit == 255)
        // The longest name the file system takes works (the temporary name does not grow with it).
        let longest = dir.appendingPathComponent(String(repeating: "a", count: limit - 5) + ".json").path
        try AtomicFile.write(Data("{}".utf8), to: longest, overwrite: false)
        #expect(FileManager.default.fileExists(atPath: longest))
        let tooLong = dir.appendingPathComponent(String(repeating: "b", count: limit - 4) + ".json").path
        #expect(throws: FileWriteError.nameTooLong(path: tooLong, bytes: limit + 1, limit: limit)) {
            try AtomicFile.write(Data("{}".utf8), to: tooLong, overwrite: false)
        }
    }
}

/// `run` refuses what it cannot honour before measuring, with a sentence naming the option.
@Suite(.serialized) struct RunInputTests {
    let quick = repoRoot.appendingPathComponent("Workloads/quick.yaml").path

    func outcome(_ args: [String]) -> (Int32, String) {
        do {
            var command = try OverheadBench.parseAsRoot(args)
            try command.run()
            return (0, "")
        } catch {
            return (OverheadBench.exitCode(for: error).rawValue, OverheadBench.message(for: error))
        }
    }

    @Test func emptyOnlyIsAUsageError() {
        for only in ["", ",", " , ", ",,"] {
            let (status, message) = outcome(["run", "--only", only, "--output", "-"])
            #expect(status == 64, "\(only)")
            #expect(message.contains("--only needs at least one pattern"), "\(message)")
        }
        // A trailing comma next to a pattern is tolerated.
        #expect(throws: Never.self) { try OverheadBench.parseAsRoot(["run", "--only", "sys.null,"]) }
    }

    @Test func negativeOrNonNumericSeedNamesTheOption() {
        for command in [["run"], ["compare", "x.json"], ["diff", "a.json", "b.json"], ["explain", "x.json"], ["report", "x.json", "--output", "r.html"]] {
            for seed in ["-1", "abc", "18446744073709551616"] {
                let (status, message) = outcome(command + ["--seed", seed])
                #expect(status == 64, "\(command) \(seed)")
                #expect(message.contains("--seed") && message.contains("whole number from 0 to 18446744073709551615"), "\(message)")
                #expect(!message.contains("Missing value"), "\(message)")
            }
        }
        // Other negative numbers reach the checks that explain them.
        #expect(outcome(["diff", "a.json", "b.json", "--threshold", "-3"]).1.contains("--threshold is a percentage from 0"))
        #expect(outcome(["run", "--cpu", "-1"]).1.contains("--cpu -1 is not one of the CPUs"))
    }

    @Test func overlongLabelIsRefusedBeforeMeasuring() throws {
        // The default path is Results/<host>-<label>-<time>.json under the current directory.
        let results = FileManager.default.currentDirectoryPath + "/Results"
        let before = (try? FileManager.default.contentsOfDirectory(atPath: results)) ?? []
        let started = Date()
        let (status, message) = outcome(["run", "--workload", quick, "--only", "sys.null", "--quiet", "--label", String(repeating: "x", count: 300)])
        #expect(status == 1)
        #expect(message.contains("--label is 300 bytes long") && message.contains("use a label of at most") && message.contains("--output PATH"), "\(message)")
        // Refused at once: nothing was measured, nothing written.
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: results)) ?? []) == before)
        // The limit the message states is the real one: a label of that length is accepted.
        let room = try #require(message.range(of: #"at most [0-9]+"#, options: .regularExpression).map { Int(message[$0].dropFirst(8))! })
        var command = try #require(try OverheadBench.parseAsRoot(["run", "--label", String(repeating: "y", count: room)]) as? OverheadBench.Run)
        _ = command
        command = try #require(try OverheadBench.parseAsRoot(["run", "--label", String(repeating: "y", count: room + 1)]) as? OverheadBench.Run)
        _ = command
        #expect(room > 100 && room < 255)
    }

    @Test func forceNeverReplacesAFIFO() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("out.json").path
        #expect(mkfifo(fifo, 0o644) == 0)
        for force in [[], ["--force"]] {
            let (status, message) = outcome(["run", "--workload", quick, "--only", "sys.null", "--quiet", "--output", fifo] + force)
            #expect(status == 1)
            #expect(message.contains("\(fifo) is a FIFO (named pipe), not a regular file"), "\(message)")
        }
        let report = outcome(["report", fixturesDirectory.appendingPathComponent("compare/vm.json").path, "--output", fifo, "--force"])
        #expect(report.0 == 1 && report.1.contains("not a regular file"))
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func nothingMeasuredExitsThreeAndKeepsTheReasons() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("none.json").path
        // A peer nobody listens on: every net.tcp_rr case fails.
        let (status, _) = outcome(["run", "--workload", quick, "--only", "net.tcp_rr", "--peer", "127.0.0.1:1", "--quiet", "--no-counters", "--output", out])
        #expect(status == 3)
        let set = try ResultSet.load(path: out)
        #expect(set.results.isEmpty && !set.skipped.isEmpty && !set.interrupted)
        #expect(set.skipped.allSatisfy { $0.reason.contains("127.0.0.1:1") })
    }

    @Test func unusableFiguresAreDroppedNotTheRun() throws {
        let set = try ResultSet.load(path: fixturesDirectory.appendingPathComponent("compare/vm.json").path)
        #expect(set.withUsableValues() == set)
        var broken = set
        broken.results[0].counters = ["cycles": .infinity, "instructions": 12]
        broken.results[1].derived = ["nsPerOp": .nan]
        broken.results[2].samples[0] = 1.7e308
        broken.results[3].overheadNsPerOp = -.infinity
        let fixed = broken.withUsableValues()
        try fixed.validateValues(source: "fixed")
        #expect(fixed.results.count == set.results.count - 1)
        #expect(fixed.results[0].counters == ["instructions": 12])
        #expect(fixed.results[0].warnings.last?.contains("cycles") == true)
        #expect(fixed.results[1].derived == [:])
        #expect(fixed.skipped.last?.benchmark == set.results[2].benchmark)
        #expect(fixed.results[2].overheadNsPerOp == nil)
        _ = try fixed.encoded()
        #expect(throws: ResultSetError.self) { _ = try broken.encoded() }
    }
}

/// The built binary, with its stdout and stderr closed, full or hung up on: the result set survives.
@Suite(.serialized, .enabled(if: builtBinary != nil, "needs the built overhead-bench binary"))
struct BrokenStreamsTests {
    let quick = repoRoot.appendingPathComponent("Workloads/quick.yaml").path

    /// Runs the binary with stdout/stderr as given (a descriptor, or nil for a pipe whose reader is
    /// closed at once); returns (status, stderr when it was captured).
    func spawn(_ args: [String], stdout: FileHandle?, stderr: FileHandle?, signal: (Int32, Double)? = nil) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(builtBinary))
        process.arguments = args
        let closedOut = Pipe()
        let closedErr = Pipe()
        let captured = Pipe()
        process.standardOutput = stdout ?? closedOut
        process.standardError = stderr ?? captured
        try process.run()
        try closedOut.fileHandleForReading.close()
        try closedErr.fileHandleForReading.close()
        if let (sig, after) = signal {
            Thread.sleep(forTimeInterval: after)
            kill(process.processIdentifier, sig)
            kill(process.processIdentifier, sig)
        }
        var text = ""
        if stderr == nil {
            text = String(decoding: captured.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func closedStdoutAndStderrStillWriteTheResultSet() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.json").path
        let gone = Pipe()
        try gone.fileHandleForReading.close()
        let (status, _) = try spawn(["run", "--workload", quick, "--only", "sys.null,timer.*", "--no-counters", "--output", out],
                                    stdout: gone.fileHandleForWriting, stderr: gone.fileHandleForWriting)
        #expect(status == 0)
        let set = try ResultSet.load(path: out)
        #expect(!set.results.isEmpty && !set.interrupted)
    }

    @Test func fullStdoutRescuesTheResultSet() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let (status, errors) = try spawn(["run", "--workload", quick, "--only", "sys.null", "--no-counters", "--quiet", "--output", "-"], stdout: full, stderr: nil)
        #expect(status == 1)
        #expect(!errors.contains("Fatal error") && !errors.contains("Stack dump"))
        let range = try #require(errors.range(of: #"saved to (\S+\.json) instead"#, options: .regularExpression))
        let path = String(errors[range].dropFirst("saved to ".count).dropLast(" instead".count))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(errors.contains("No space left on device"))
        #expect(try ResultSet.load(path: path).results.map(\.benchmark) == ["sys.null"])
    }

    @Test func exportIntoAClosedPipeEndsCleanly() throws {
        let (status, errors) = try spawn(["export", "--samples", repoRoot.appendingPathComponent("Results/examples").path], stdout: nil, stderr: nil)
        #expect(status == 0)
        #expect(errors.isEmpty, "\(errors)")
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let (fullStatus, fullErrors) = try spawn(["export", "--samples", repoRoot.appendingPathComponent("Results/examples").path], stdout: full, stderr: nil)
        #expect(fullStatus == 1)
        #expect(fullErrors.contains("cannot write the output to stdout: No space left on device"))
    }

    @Test func hangupWritesAPartialSetMarkedInterrupted() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("hup.json").path
        let null = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        // An ignored SIGHUP is inherited and kept (that is nohup, and the run then goes on); the
        // test runner may have been started that way, so the child gets the default disposition.
        let previous = signal(SIGHUP, SIG_DFL)
        defer { signal(SIGHUP, previous) }
        let (status, errors) = try spawn(["run", "--workload", quick, "--only", "sys.*,mem.lat", "--no-counters", "--quiet", "--output", out],
                                         stdout: null, stderr: nil, signal: (SIGHUP, 3))
        #expect(status == 130)
        #expect(errors.contains("interrupted by SIGHUP"))
        let set = try ResultSet.load(path: out)
        #expect(set.interrupted)
    }
}
