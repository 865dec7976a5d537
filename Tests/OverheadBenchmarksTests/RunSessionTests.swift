import Foundation
import OverheadTestSupport
import Testing
import OverheadBenchmarks
import OverheadEngine
import OverheadEnvironment
import OverheadModel

/// The main job without the CLI: a whole run through `RunSession`, in process.
@Suite(.serialized) struct RunSessionTests {
    private func settings() -> RunSettings {
        var settings = RunSettings()
        settings.workload = repoRoot.appendingPathComponent("Workloads/quick.yaml").path
        settings.only = ["sys.null", "timer.rdtsc"]
        settings.quick = true
        settings.seed = 11
        settings.replicates = 3
        settings.isolation = .inProcess
        settings.counters = false
        settings.quiet = true
        return settings
    }

    @Test func aWholeRunInProcessMakesAResultSet() throws {
        let session = try RunSession(settings: settings())
        #expect(session.cases.map { $0.benchmark.info.id }.sorted() == ["sys.null", "timer.rdtsc"])
        #expect(session.seed == 11 && session.workloadSettings.replicates == 3 && session.isolation == .inProcess)
        var events: [ProgressEvent] = []
        var checkpoints = 0
        let set = try session.run(
            label: "session-test", environment: collectEnvironment(.live), toolVersion: "9.9.9",
            progress: { events.append($0) }, checkpoint: { _ in checkpoints += 1 }, shouldStop: { false })
        #expect(set.label == "session-test" && set.tool.version == "9.9.9")
        #expect(set.workload.seed == 11 && set.workload.quick && set.workload.replicates == 3)
        #expect(set.workload.replicateIsolation == "in-process" && set.workload.only == ["sys.null", "timer.rdtsc"])
        #expect(set.workload.clockResolutionNs > 0)
        #expect(!set.interrupted)
        #expect(set.results.map(\.benchmark).sorted() == ["sys.null", "timer.rdtsc"])
        for result in set.results {
            // 3 replicates of the quick workload's samples each, every one measured.
            #expect(result.replicates?.count == 3)
            #expect(result.summary.n == 3 * session.workloadSettings.samplesPerReplicate)
            #expect(result.samples.allSatisfy { $0 > 0 })
        }
        // One progress event per case per replicate; in-process runs write no checkpoints.
        #expect(events.count == 2 * 3)
        #expect(Set(events.map(\.replicate)) == [1, 2, 3])
        #expect(checkpoints == 0)
        // The result set survives its own encoding.
        #expect(try ResultSet.decode(set.encoded(), source: "test").results.count == 2)
    }

    @Test func aStopRequestEndsTheRunWithWhatWasMeasured() throws {
        let session = try RunSession(settings: settings())
        let set = try session.run(label: "stopped", environment: collectEnvironment(.live), toolVersion: "0", shouldStop: { true })
        #expect(set.interrupted)
        #expect(set.results.isEmpty)
    }

    @Test func skippedCasesAreNotMeasured() throws {
        let session = try RunSession(settings: settings())
        let outcome = session.measure(
            range: 0..<1, environment: collectEnvironment(.live),
            skip: [SkippedBenchmark(benchmark: "timer.rdtsc", params: [:], reason: "test")], shouldStop: { false })
        #expect(outcome.results.map(\.benchmark) == ["sys.null"])
    }

    @Test func aWorkloadThatDoesNotExistFailsBeforeMeasuring() {
        var bad = settings()
        bad.workload = "/nonexistent/workload.yaml"
        #expect(throws: WorkloadError.self) { try RunSession(settings: bad) }
    }

    /// A scratch directory is abandoned only when its lock is free *and* untouched for
    /// `staleAfter`: a guest's run seen through virtio-9p holds a lock the host cannot see (QEMU
    /// grants every lock), and the host's sweep removed it mid-run ("cannot write
    /// /tmp/overhead-bench-119-80F25A72/replicate-3.json: its directory does not exist").
    @Test func staleScratchNeedsAFreeLockAndNoRecentHeartbeat() throws {
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let now = Date()
        func scratch(_ name: String, lockAge: TimeInterval?) throws -> URL {
            let dir = tmp.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
            if let lockAge {
                let lock = dir.appendingPathComponent("lock")
                #expect(FileManager.default.createFile(atPath: lock.path, contents: nil))
                try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-lockAge)], ofItemAtPath: lock.path)
            }
            return dir
        }
        let held = try scratch("overhead-bench-101-0000000a", lockAge: 3600)
        let heldFD = open(held.appendingPathComponent("lock").path, O_RDWR | O_CLOEXEC)
        #expect(heldFD >= 0 && flock(heldFD, LOCK_EX) == 0)
        defer { close(heldFD) }
        let unseenLockButAlive = try scratch("overhead-bench-102-0000000b", lockAge: 30)
        let abandoned = try scratch("overhead-bench-103-0000000c", lockAge: 3600)
        let noLock = try scratch("overhead-bench-104-0000000d", lockAge: nil)
        let notOurs = try scratch("overhead-bench-fuzz", lockAge: 3600)
        removeStaleScratchDirectories(in: tmp, now: now)
        let exists = { (url: URL) in FileManager.default.fileExists(atPath: url.path) }
        #expect(exists(held), "a held lock is a live run")
        #expect(exists(unseenLockButAlive), "a lock touched 30 s ago is a live run even when its flock is free")
        #expect(!exists(abandoned), "free and untouched for an hour: abandoned")
        #expect(exists(noLock) && exists(notOurs))
        #expect(ScratchHeartbeat.interval * 5 <= ScratchHeartbeat.staleAfter, "several missed heartbeats before a directory counts as abandoned")
    }
}
