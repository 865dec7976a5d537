import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

/// A fresh directory on the same disk as the build (not /tmp, which may be tmpfs elsewhere).
func ioTestDirectory() throws -> String {
    let dir = repoRoot.appendingPathComponent(".build-test-io-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func directoryEntries(_ dir: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? ["<unreadable>"]
}

func runCases(_ cases: [BenchmarkCase], context: RunContext, rounds: Int = 2) -> EngineOutcome {
    let engine = Engine(
        settings: EngineSettings(replicates: rounds, samplesPerReplicate: 2, warmupBatches: 0, minSampleMs: 1, seed: 5),
        clock: MonotonicRawClock(), clockResolutionNs: 1)
    return engine.run(cases: cases, context: context)
}

let tmpfsDirectory: String? = {
    // /dev/shm is tmpfs on most Linux systems: the place to see the O_DIRECT fallback.
    guard FileManager.default.isWritableFile(atPath: "/dev/shm"),
          let f = try? ScratchFile(directory: "/dev/shm", bytes: 1 << 20) else { return nil }
    return f.filesystem == .tmpfs ? "/dev/shm" : nil
}()

@Suite struct PercentileTests {
    @Test func nearestRankOnOneToHundred() {
        let values = (1...100).map(UInt64.init)
        #expect(nearestRankPercentile(values, 50) == 50)
        #expect(nearestRankPercentile(values, 99) == 99)
        #expect(nearestRankPercentile(values, 99.9) == 100)
        #expect(nearestRankPercentile(values, 0) == 1)
    }

    @Test func singleValueAndAllEqual() {
        #expect(nearestRankPercentile([7], 50) == 7)
        #expect(nearestRankPercentile([7], 99.9) == 7)
        #expect(nearestRankPercentile([], 50) == 0)
        let p = latencyPercentiles([3000, 3000, 3000])
        // Three ops: a median, no tail percentiles (fewer than 10 ops beyond them).
        #expect(p["p50Us"] == 3 && p["p99Us"] == nil && p["p999Us"] == nil && p["latencyOps"] == 3)
    }

    @Test func unsortedInputAndMicroseconds() {
        let p = latencyPercentiles([5000, 1000, 2000, 4000, 3000])
        #expect(p["p50Us"] == 3)
        #expect(latencyPercentiles([]).isEmpty)
    }

    @Test func tailPercentilesNeedTenOpsBeyondThem() {
        // 999 ops: no p99; 1,000: p99 (the 990th value); p99.9 from 10,000 ops.
        #expect(latencyPercentiles((1...999).map { UInt64($0) * 1000 })["p99Us"] == nil)
        let thousand = latencyPercentiles((1...1000).map { UInt64($0) * 1000 })
        #expect(thousand["p99Us"] == 990 && thousand["p999Us"] == nil)
        let tenThousand = latencyPercentiles((1...10_000).map { UInt64($0) * 1000 })
        #expect(tenThousand["p999Us"] == 9990)
    }

    @Test func percentilesKeepOnlyTheTimedSamples() {
        // Calibration and warm-up batches come first; only the last `samples` batches are kept.
        let log = LatencyLog()
        let batches = LatencyBatches()
        batches.append([1, 1])  // calibration
        batches.append([2, 2, 2])  // warm-up
        batches.append([5])
        batches.append([6])
        batches.commit(last: 2, to: log)
        #expect(log.all == [5, 6])
        batches.append([7])
        batches.append([8])
        batches.commit(last: nil, to: log)  // unknown: all but the first
        #expect(log.all == [5, 6, 8])
    }

    @Test func latencyLogIsBounded() {
        let log = LatencyLog()
        log.append(Array(repeating: 1, count: LatencyLog.capacity - 1))
        log.append([2, 3, 4])
        #expect(log.all.count == LatencyLog.capacity)
        #expect(log.all.last == 2)
    }
}

@Suite struct ScratchFileTests {
    @Test func fileIsUnlinkedAtOnceAndReadable() throws {
        let dir = try ioTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try ScratchFile(directory: dir, bytes: 3 << 20 + 5)
        #expect(file.bytes == 4 << 20)
        #expect(directoryEntries(dir).isEmpty)
        let buffer = try AlignedBuffer(bytes: 4096)
        #expect(file.read(direct: false, into: buffer, count: 4096, offset: 8192) == 4096)
        // Either O_DIRECT works, or the refusal says why; never both, never neither.
        #expect((file.direct == nil) == (file.directRefusal != nil))
        if file.direct != nil {
            #expect(file.read(direct: true, into: buffer, count: 4096, offset: 4096 * 17) == 4096)
        }
        #expect(file.dropCache())
        #expect(file.write(direct: false, from: buffer, count: 4096, offset: 0) == 4096)
        #expect(file.dataSync() == 0)
        #expect(file.read(direct: false, into: buffer, count: 4096, offset: file.bytes) == 0)
    }

    /// The filesystem is known by name, never "magic 0x0": on 9p an unlinked file cannot be
    /// examined, so it is examined before the unlink (a guest's io.* read "magic 0x0" and
    /// "O_DIRECT refused … No such file or directory" on the host's share).
    @Test func filesystemIsKnownAndSharesAreNamed() throws {
        let dir = try ioTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try ScratchFile(directory: dir, bytes: 1 << 20)
        #expect(file.filesystem != .other(0), "fstatfs failed: \(file.filesystem.name)")
        #expect(FilesystemKind(magic: 0x0102_1997) == .ninep && FilesystemKind.ninep.name == "9p")
        let shares = [FilesystemKind.ninep, .nfs, .fuse, .cifs].filter(\.fileShare)
        #expect(shares.count == 4)
        let local = [FilesystemKind.tmpfs, .ext4, .xfs, .btrfs, .overlay, .other(0)].filter(\.fileShare)
        #expect(local.isEmpty)
    }

    /// Over 9p fstatfs reports the host's filesystem (a guest's io.* said "ext2/3/4" on the
    /// host's share); the mount table names the share.
    @Test func theMountTableTellsAShareFromADisk() {
        let guest = """
            20 1 0:19 / / rw,relatime - 9p host rw,access=client,trans=virtio
            21 20 0:5 / /dev rw - devtmpfs devtmpfs rw
            22 20 0:22 / /tmp/run-in-guest.X/guest-tmp rw - tmpfs guest-tmp rw
            23 20 0:23 / /mnt/with\\040space rw - ext4 /dev/vda1 rw
            """
        #expect(StorageInfo.mountType(of: "/work/fid/g2", mountinfo: guest) == "9p")
        #expect(StorageInfo.mountType(of: "/tmp/run-in-guest.X/guest-tmp/a", mountinfo: guest) == "tmpfs")
        #expect(StorageInfo.mountType(of: "/tmp/run-in-guest.X/guest-tmpfoo", mountinfo: guest) == "9p")
        #expect(StorageInfo.mountType(of: "/mnt/with space/x", mountinfo: guest) == "ext4")
        #expect(StorageInfo.mountType(of: "/x", mountinfo: nil) == nil)
        #expect(StorageInfo.isFileShare(mountType: "9p") && StorageInfo.isFileShare(mountType: "fuse.sshfs"))
        #expect(!StorageInfo.isFileShare(mountType: "ext4") && !StorageInfo.isFileShare(mountType: "tmpfs"))
    }

    @Test func missingDirectoryIsAnError() {
        #expect(throws: SystemError.self) { try ScratchFile(directory: "/nonexistent-ob-dir", bytes: 1 << 20) }
    }

    @Test(.enabled(if: tmpfsDirectory != nil, "needs a tmpfs at /dev/shm"))
    func tmpfsFallsBackToBufferedWithAWarning() throws {
        var context = testContext()
        context.ioDirectory = tmpfsDirectory
        let outcome = runCases([BenchmarkCase(benchmark: StorageRandRead(fileBytesOverride: 8 << 20), params: ["direct": "true", "qd": "1"])], context: context, rounds: 1)
        context.resources.releaseAll()
        let r = try #require(outcome.results.first)
        #expect(r.warnings.contains { $0.contains("O_DIRECT not used") && $0.contains("tmpfs") })
        #expect(r.details?["access"]?.contains("buffered") == true)
        #expect(r.details?["access"]?.contains("O_DIRECT") == false)
    }
}

@Suite struct StorageBenchmarkTests {
    @Test func everyStorageCaseMeasuresAndLeavesNoFile() throws {
        let dir = try ioTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var context = testContext()
        context.ioDirectory = dir
        let small = 16 << 20
        var cases: [BenchmarkCase] = []
        for direct in ["true", "false"] {
            for qd in ["1", "32"] {
                cases.append(BenchmarkCase(benchmark: StorageRandRead(fileBytesOverride: small), params: ["direct": direct, "qd": qd]))
            }
        }
        cases.append(BenchmarkCase(benchmark: StorageSequential(write: false, fileBytesOverride: small), params: [:]))
        cases.append(BenchmarkCase(benchmark: StorageSequential(write: true, fileBytesOverride: small), params: [:]))
        cases.append(BenchmarkCase(benchmark: StorageFsync(), params: [:]))
        let outcome = runCases(cases, context: context)
        #expect(outcome.skipped.isEmpty, "\(outcome.skipped)")
        #expect(outcome.results.count == 7)
        for r in outcome.results {
            #expect(r.samples.count == 4 && r.samples.allSatisfy { $0.isFinite && $0 > 0 }, "\(r.benchmark)")
            #expect(r.details?["ioDir"] == dir)
        }
        for r in outcome.results where r.benchmark == "io.randread" || r.benchmark == "io.fsync" {
            let d = try #require(r.derived)
            let p50 = try #require(d["p50Us"])
            #expect(p50 > 0 && p50 <= (d["p99Us"] ?? p50) && (d["p99Us"] ?? p50) <= (d["p999Us"] ?? .infinity))
            // The case's log holds its timed samples (the context's resources are this test's own).
            #expect((d["latencyOps"] ?? 0) >= 2)
        }
        let qd32 = try #require(outcome.results.first { $0.params["qd"] == "32" })
        #expect(qd32.details?["queueDepth"]?.contains("io_uring") == true)
        #expect(qd32.details?["clock"]?.contains("one read costs") == true)
        let buffered = try #require(outcome.results.first { $0.params["direct"] == "false" })
        #expect(buffered.details?["cold"]?.contains("DONTNEED") == true)
        // One data file and one fsync file for the whole run, both already unlinked.
        #expect(directoryEntries(dir).isEmpty)
        context.resources.releaseAll()
        #expect(directoryEntries(dir).isEmpty)
    }

    @Test func directIsNeverClaimedWhenRefused() throws {
        let dir = try ioTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var context = testContext()
        context.ioDirectory = dir
        let setup = try StorageSetup(context: context, benchmark: "io.randread", override: 1 << 20)
        let decision = setup.direct(wanted: true)
        if setup.file.direct == nil || setup.file.filesystem.memoryBacked {
            #expect(!decision.use && decision.warning != nil)
        } else {
            #expect(decision.use && decision.warning == nil)
        }
        #expect(setup.direct(wanted: false).use == false)
        context.resources.releaseAll()
    }

    @Test func quickUsesASmallerFileAndSaysSo() throws {
        let dir = try ioTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var context = testContext()
        context.ioDirectory = dir
        context.quick = true
        let free = StorageInfo.freeBytes(directory: dir) ?? 0
        let setup = try StorageSetup(context: context, benchmark: "io.seqread", override: nil)
        defer { context.resources.releaseAll() }
        #expect(setup.file.bytes <= StorageSetup.quickFileBytes)
        if free / 2 >= StorageSetup.quickFileBytes {
            #expect(setup.file.bytes == StorageSetup.quickFileBytes)
            #expect(setup.warnings.contains { $0.contains("quick run: a 256 MiB file") })
        }
    }
}

@Suite struct SyscallIOTests {
    @Test func everySyscallMeasuresAndCleansUp() throws {
        let ops = SyscallIO.Op.allCases
        let cases = ops.map { BenchmarkCase(benchmark: SyscallIO(op: $0), params: [:]) }
        let outcome = runCases(cases, context: testContext(), rounds: 1)
        #expect(outcome.skipped.isEmpty, "\(outcome.skipped)")
        #expect(Set(outcome.results.map(\.benchmark)) == Set(ops.map { "sys.\($0.rawValue)" }))
        for r in outcome.results {
            #expect(r.unit == "ns" && r.summary.median > 0)
            #expect(r.overheadNsPerOp != nil)
        }
        let stat = try #require(outcome.results.first { $0.benchmark == "sys.stat" })
        let path = try #require(stat.details?["file"])
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func catalogRegistersEveryNewId() {
        let ids = Set(Catalog.registry.ids)
        for id in ["sys.read", "sys.write", "sys.stat", "sys.open", "sys.mmap", "io.randread", "io.seqread", "io.seqwrite", "io.fsync", "net.tcp_rr", "net.udp_rr", "net.tcp_stream"] {
            #expect(ids.contains(id), "\(id)")
        }
    }
}
