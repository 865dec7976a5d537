import Foundation
import OverheadEngine
import OverheadModel
import OverheadSystem
import Synchronization

/// The system temp directory without a trailing slash.
func defaultTemporaryDirectory() -> String {
    let t = NSTemporaryDirectory()
    return t.count > 1 && t.hasSuffix("/") ? String(t.dropLast()) : t
}

/// The first failure a kernel saw (kernels cannot throw; `validate` reports it).
final class FailureFlag: Sendable {
    private let text = Mutex<String?>(nil)

    func set(_ why: String) { text.withLock { if $0 == nil { $0 = why } } }
    var value: String? { text.withLock { $0 } }
}

/// Sizing and placement shared by the storage benchmarks.
struct StorageSetup {
    static let defaultFileBytes = 1 << 30
    static let quickFileBytes = 256 << 20
    static let minimumFileBytes = 64 << 20

    let directory: String
    let file: ScratchFile
    let warnings: [String]
    let details: [String: String]

    /// The data file for this run: 1 GiB (256 MiB with --quick), at most `--disk-limit` of the free space.
    init(context: RunContext, benchmark: String, override: Int?) throws {
        directory = context.ioDirectory ?? defaultTemporaryDirectory()
        var warnings: [String] = []
        var details: [String: String] = ["ioDir": directory]
        var want = override ?? (context.quick ? Self.quickFileBytes : Self.defaultFileBytes)
        if override == nil && context.quick {
            warnings.append("quick run: a \(want >> 20) MiB file instead of 1 GiB, so more of it may sit in device caches; compare with quick runs only")
        }
        guard let free = StorageInfo.freeBytes(directory: directory) else {
            throw BenchmarkError.failed("cannot examine \(directory) (statvfs failed): pass --io-dir with a writable directory")
        }
        let fraction = context.limits.diskFraction
        let cap = Int(Double(free) * fraction) / (1 << 20) * (1 << 20)
        if want > cap {
            guard cap >= (override ?? Self.minimumFileBytes) else {
                throw BenchmarkError.unsupported("only \(free >> 20) MiB free in \(directory); \(benchmark) needs a file of at least \(Self.minimumFileBytes >> 20) MiB (\(ResourceLimits.percent(fraction)) of the free space at most, --disk-limit): pass --io-dir on a larger filesystem")
            }
            warnings.append("file capped at \(cap >> 20) MiB (\(ResourceLimits.percent(fraction)) of the \(free >> 20) MiB free in \(directory), --disk-limit); \(want >> 20) MiB was wanted")
            want = cap
        }
        do {
            file = try context.resources.shared(ScratchFiles.self).file(directory: directory, bytes: want, role: "data")
        } catch {
            throw BenchmarkError.failed("cannot create a \(want >> 20) MiB scratch file in \(directory): \(error)")
        }
        details["fileBytes"] = String(file.bytes)
        details["file"] = "created once per run with non-zero data and fsync'd; unlinked at creation, so it is gone when the run ends, Ctrl-C and kill included"
        let placement = Self.placement(directory: directory, file: file)
        details.merge(placement.details) { $1 }
        warnings += placement.warnings
        self.warnings = warnings
        self.details = details
    }

    /// Where a scratch file lives, for every storage benchmark: `filesystem` (fstatfs), `mountType`
    /// (the mount table), `blockDevice`/`blockDriver`; and a warning when the directory is a file
    /// share (9p, virtiofs, NFS, SMB, FUSE), whose figures measure the share, not a disk. Over 9p
    /// fstatfs reports the host's filesystem, so the mount type is what shows the share.
    static func placement(directory: String, file: ScratchFile) -> (details: [String: String], warnings: [String]) {
        var details = ["filesystem": file.filesystem.name]
        var warnings: [String] = []
        if let device = StorageInfo.blockDevice(of: directory) {
            details["blockDevice"] = device.name
            if let driver = device.driver { details["blockDriver"] = driver }
        }
        let mount = StorageInfo.mountType(of: directory)
        if let mount { details["mountType"] = mount }
        if file.filesystem.fileShare || mount.map({ StorageInfo.isFileShare(mountType: $0) }) == true {
            warnings.append("\(directory) is on \(mount ?? file.filesystem.name), a file share: every operation goes to the machine serving it (for a guest over 9p or virtiofs, its host), so these figures measure the share, not a block device — pass --io-dir on a local disk")
        }
        return (details, warnings)
    }

    /// Whether O_DIRECT is really in use when `wanted`, and a warning when it is not.
    func direct(wanted: Bool) -> (use: Bool, warning: String?) {
        guard wanted else { return (false, nil) }
        if file.filesystem.memoryBacked {
            return (false, "O_DIRECT not used: \(directory) is on tmpfs (memory-backed, no device and no page cache to bypass); these are buffered figures from memory, not direct I/O — pass --io-dir on a disk")
        }
        if file.direct == nil {
            return (false, "O_DIRECT refused on \(directory) (\(file.filesystem.name): \(file.directRefusal ?? "unknown reason")); fell back to buffered I/O with the page cache dropped before every batch — not a direct-I/O figure")
        }
        return (true, nil)
    }
}

/// A xorshift64* stream of block numbers, one per thread (not shared).
final class BlockPicker: @unchecked Sendable {
    // Mutated only by the one thread that owns it; hence @unchecked.
    private var state: UInt64
    let blocks: UInt64

    init(seed: UInt64, blocks: Int) {
        state = seed | 1
        self.blocks = UInt64(max(1, blocks))
    }

    @inline(__always) func next() -> Int {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) % blocks)
    }
}

/// Where the I/O runs against where the device's interrupts land (`/proc/interrupts`), for
/// `details`: `ioInterruptCPUs` (the CPUs with interrupts of the device's queues so far, and the
/// lines) and `ioPlacement` (the measuring CPU against those). Empty for tmpfs or an unknown device.
func ioPlacement(context: RunContext, device: String?) -> [String: String] {
    guard let device, let irq = DeviceInterrupts.forBlockDevice(device) else { return [:] }
    let cpus = irq.cpusWithInterrupts
    guard !cpus.isEmpty else { return [:] }
    let on = context.measurementCPU
    let list = cpus.map(String.init).joined(separator: ",")
    var out = ["ioInterruptCPUs": "\(list) (\(irq.lines.keys.sorted().joined(separator: ", ")) in /proc/interrupts)"]
    out["ioPlacement"] = cpus == [on]
        ? "requests submitted from CPU \(on), the CPU taking the device's completion interrupts (completions handled locally)"
        : cpus.contains(on)
            ? "requests submitted from CPU \(on), one of the CPUs taking the device's interrupts (\(list))"
            : "requests submitted from CPU \(on); the device's completion interrupts land on CPU \(list), so every completion crosses CPUs (pick --cpu to choose)"
    return out
}

/// The per-operation clock for a case: what the fingerprint proved cheap (see `OperationClock`).
func operationClock(_ context: RunContext) -> OperationClock {
    OperationClock.choose(
        clockPath: context.environment.clockGettime?.path, tscGHz: context.tscGHz ?? context.environment.tsc?.ghz,
        invariantTSC: context.environment.tsc?.invariant ?? false)
}

/// `io.randread`: 4 KiB reads at uniformly random aligned offsets of the run's data file,
/// O_DIRECT or buffered with the page cache dropped, one synchronous pread at a time (qd=1) or 32
/// requests kept in flight through one io_uring (qd=32, fio's iodepth=32).
struct StorageRandRead: Benchmark {
    /// Test hook: a smaller file than 1 GiB.
    var fileBytesOverride: Int? = nil

    let info = BenchmarkInfo(
        id: "io.randread",
        summary: "4 KiB random reads over a file of 1 GiB (256 MiB with --quick), cold: O_DIRECT, or buffered after posix_fadvise(DONTNEED); IOPS, latency percentiles in derived",
        reveals: "every request crosses the virtual block device: virtio-blk reaches about half the bare-metal IOPS at depth, vhost or passthrough nearly all; QD1 shows the per-request exit and interrupt cost",
        params: [
            ParamSpec(name: "direct", values: .choices(["true", "false"]), defaults: ["true", "false"], summary: "O_DIRECT (true) or buffered reads of a cache-dropped file (false)"),
            ParamSpec(name: "qd", values: .choices(["1", "32"]), defaults: ["1", "32"], summary: "requests in flight: 1 (synchronous pread), or 32 through one io_uring (liburing)"),
        ],
        metric: "iops", unit: "IOPS", better: .higher)

    static let blockBytes = 4096

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let setup = try StorageSetup(context: context, benchmark: info.id, override: fileBytesOverride)
        let (direct, fallback) = setup.direct(wanted: params["direct"] == "true")
        let depth = params["qd"] == "32" ? 32 : 1
        let file = setup.file
        let blocks = file.bytes / Self.blockBytes
        let log = context.resources.shared(LatencyLogs.self).log(info.id, params)
        let pending = LatencyBatches()
        let samples = context.samplesPerReplicate
        let failures = FailureFlag()
        let clock = operationClock(context)
        var warnings = setup.warnings
        if let fallback { warnings.append(fallback) }
        if !direct && !file.adviseRandom() { warnings.append("posix_fadvise(RANDOM) failed: kernel readahead may inflate buffered reads") }
        var details = setup.details
        details["access"] = direct ? "O_DIRECT" : "buffered, POSIX_FADV_RANDOM (no readahead)"
        details["cold"] = direct ? "O_DIRECT bypasses the page cache" : "posix_fadvise(DONTNEED) on the whole file before every batch (not timed)"
        details["blockBytes"] = String(Self.blockBytes)
        details["clock"] = clock.detail
        for (k, v) in ioPlacement(context: context, device: details["blockDevice"]) { details[k] = v }

        let seed = UInt64.random(in: 1...UInt64.max)
        // One batch of reads, timed by itself: through the io_uring (qd=32) or one pread at a time.
        let batch: @Sendable (_ reads: Int) -> UInt64
        var teardown: @Sendable () -> Void = {}
        if depth > 1 {
            let ring: URingReader
            do {
                ring = try URingReader(file: file, direct: direct, depth: depth, seed: seed)
            } catch {
                throw BenchmarkError.unsupported("qd=\(depth) needs io_uring: \(error) (kernel without io_uring, or io_uring disabled by kernel.io_uring_disabled or a seccomp filter)")
            }
            if setup.file.filesystem.memoryBacked {
                // Measured on kernel 6.18: ~1% of tmpfs reads complete inline at submission; the rest
                // go to io_uring's io-wq workers (fio's io_uring and libaio engines read the same).
                warnings.append("qd=\(depth) on tmpfs: io_uring hands most reads of a memory-backed file to its io-wq worker threads, so a deeper queue adds hand-offs to a memory copy and can read below qd=1 (fio agrees); queue depth is a device property — pass --io-dir on a disk")
            }
            details["queueDepth"] = "\(depth) (one io_uring through liburing: \(depth) reads in flight, each completion replaced at once, like fio --ioengine=io_uring/libaio --iodepth=\(depth))"
            details["latency"] = "per read from submission to the reap that saw its completion (one clock read per wake-up); percentiles over every read after the case's first batch (warm-up and calibration excluded), nearest rank"
            let tick = clock.source == .tsc ? clock.nsPerTick : 0
            let readCost = clock.readCostNs
            teardown = { withExtendedLifetime(ring) {} }
            batch = { n in
                switch ring.run(ops: n, blocks: blocks, nsPerTick: tick, latencies: true) {
                case .success(let r):
                    pending.append(r.latencies.map { $0 > UInt64(readCost) ? $0 - UInt64(readCost) : 0 })
                    let cost = UInt64(Double(r.clockReads) * readCost)
                    return max(1, r.elapsed > cost ? r.elapsed - cost : 1)
                case .failure(let e):
                    failures.set("\(e)")
                    return 1
                }
            }
        } else {
            details["queueDepth"] = "1 (one synchronous pread at a time)"
            details["latency"] = "per read, between consecutive clock reads (one read per op, its cost subtracted); percentiles over every read after the case's first batch (warm-up and calibration excluded), nearest rank"
            batch = try Self.preadBatch(file: file, direct: direct, picker: BlockPicker(seed: seed, blocks: blocks), clock: clock, failures: failures, pending: pending)
        }
        var prepared = PreparedBenchmark(
            kernel: { _, _ in },
            conversion: .opsPerSecond(scale: 1),
            warnings: warnings,
            teardown: teardown,
            validate: { if let why = failures.value { throw BenchmarkError.failed(why) } },
            details: details,
            derive: { _ in latencyPercentiles(log.all) },
            finish: { _ in pending.commit(last: samples, to: log); return [] })
        prepared.selfTimedKernel = { n in
            guard failures.value == nil else { return 1 }
            if !direct { file.dropCache() }
            return batch(n)
        }
        return prepared
    }

    /// qd=1: `n` synchronous 4 KiB preads at random blocks, each timed between consecutive clock
    /// reads (the read's cost subtracted) into `pending`; the first failure goes to `failures`.
    private static func preadBatch(
        file: ScratchFile, direct: Bool, picker: BlockPicker, clock: OperationClock, failures: FailureFlag, pending: LatencyBatches
    ) throws -> @Sendable (Int) -> UInt64 {
        let buffer = try AlignedBuffer(bytes: blockBytes)
        return { n in
            var latencies = [UInt64]()
            latencies.reserveCapacity(n)
            let start = clock.now()
            var t0 = start
            for _ in 0..<n {
                let offset = picker.next() * Self.blockBytes
                let got = file.read(direct: direct, into: buffer, count: Self.blockBytes, offset: offset)
                let t1 = clock.now()
                latencies.append(clock.net(t1 &- t0))
                t0 = t1
                if got != Self.blockBytes {
                    failures.set(got < 0 ? "pread at \(offset) failed: \(String(cString: strerror(Int32(-got))))" : "short read (\(got) bytes) at \(offset)")
                    break
                }
            }
            pending.append(latencies)
            let elapsed = t0 &- start
            let cost = UInt64(Double(latencies.count) * clock.readCostNs)
            return max(1, elapsed > cost ? elapsed - cost : 1)
        }
    }
}

/// `io.seqread` / `io.seqwrite`: 1 MiB sequential transfers through the data file, wrapping at
/// its end; O_DIRECT where the filesystem takes it.
struct StorageSequential: Benchmark {
    let write: Bool
    /// Test hook: a smaller file than 1 GiB.
    var fileBytesOverride: Int? = nil

    static let blockBytes = 1 << 20

    var info: BenchmarkInfo {
        BenchmarkInfo(
            id: write ? "io.seqwrite" : "io.seqread",
            summary: write
                ? "1 MiB sequential pwrite through the run's data file (O_DIRECT; buffered + fdatasync per batch where refused); MB/s = 10^6 bytes/s"
                : "1 MiB sequential pread through the run's data file (O_DIRECT; buffered after DONTNEED where refused); MB/s = 10^6 bytes/s",
            reveals: "large transfers amortize the per-request exit: a VM should reach 98–99% of bare metal; less points at a throttled or emulated disk",
            params: [], metric: "bandwidth", unit: "MB/s", better: .higher)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let setup = try StorageSetup(context: context, benchmark: info.id, override: fileBytesOverride)
        let (direct, fallback) = setup.direct(wanted: true)
        let file = setup.file
        let buffer = try AlignedBuffer(bytes: Self.blockBytes)
        let blocks = file.bytes / Self.blockBytes
        let position = Mutex<Int>(0)
        let failures = FailureFlag()
        let clock = MonotonicRawClock()
        let write = self.write
        var warnings = setup.warnings
        if let fallback { warnings.append(fallback) }
        var details = setup.details
        details["blockBytes"] = String(Self.blockBytes)
        details["access"] = direct
            ? "O_DIRECT \(write ? "pwrite" : "pread"), one request at a time"
            : (write ? "buffered pwrite, fdatasync at the end of every batch (timed)" : "buffered pread with readahead, posix_fadvise(DONTNEED) before every batch (not timed)")
        var prepared = PreparedBenchmark(
            kernel: { _, _ in },
            conversion: .rate(workPerOp: Double(Self.blockBytes), scale: 1e6),
            maxIterationsPerBatch: blocks,
            warnings: warnings,
            validate: { if let why = failures.value { throw BenchmarkError.failed(why) } },
            details: details)
        prepared.selfTimedKernel = { n in
            if !direct && !write { file.dropCache() }
            var block = position.withLock { $0 }
            let start = clock.now()
            for _ in 0..<n where failures.value == nil {
                let offset = block * Self.blockBytes
                let done = write
                    ? file.write(direct: direct, from: buffer, count: Self.blockBytes, offset: offset)
                    : file.read(direct: direct, into: buffer, count: Self.blockBytes, offset: offset)
                if done != Self.blockBytes {
                    failures.set(done < 0 ? "\(write ? "pwrite" : "pread") at \(offset) failed: \(String(cString: strerror(Int32(-done))))" : "short transfer (\(done) bytes) at \(offset)")
                }
                block = (block + 1) % blocks
            }
            if write && !direct, file.dataSync() != 0 { failures.set("fdatasync failed") }
            let elapsed = clock.now() &- start
            position.withLock { $0 = block }
            return elapsed
        }
        return prepared
    }
}

/// `io.fsync`: 4 KiB buffered pwrite then fdatasync, the durable small write of a database log.
struct StorageFsync: Benchmark {
    static let fileBytes = 4 << 20
    static let blockBytes = 4096

    let info = BenchmarkInfo(
        id: "io.fsync",
        summary: "4 KiB pwrite + fdatasync, walking through a 4 MiB preallocated file; latency per durable write, percentiles in derived",
        reveals: "a cache flush is a round trip to the device: virtio adds an exit and an interrupt to each, and a host that ignores flushes (cache=unsafe) shows up as implausibly fast",
        params: [], metric: "latency", unit: "ns", better: .lower)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let directory = context.ioDirectory ?? defaultTemporaryDirectory()
        let file: ScratchFile
        do {
            file = try context.resources.shared(ScratchFiles.self).file(directory: directory, bytes: Self.fileBytes, role: "fsync")
        } catch {
            throw BenchmarkError.failed("cannot create a scratch file in \(directory): \(error)")
        }
        let buffer = try AlignedBuffer(bytes: Self.blockBytes)
        let log = context.resources.shared(LatencyLogs.self).log(info.id, params)
        let pending = LatencyBatches()
        let samples = context.samplesPerReplicate
        let failures = FailureFlag()
        let clock = operationClock(context)
        let blocks = Self.fileBytes / Self.blockBytes
        let position = Mutex<Int>(0)
        let placement = StorageSetup.placement(directory: directory, file: file)
        var warnings = placement.warnings
        if file.filesystem.memoryBacked {
            warnings.append("\(directory) is tmpfs: fdatasync has no device to flush, so this is a memory figure — pass --io-dir on a disk")
        }
        var details: [String: String] = [
            "ioDir": directory, "blockBytes": String(Self.blockBytes),
            "access": "buffered pwrite of 4 KiB then fdatasync(2), overwriting allocated blocks (no metadata change)",
            "latency": "per write+fdatasync, between consecutive clock reads (one per op, its cost subtracted); percentiles over every op after the case's first batch (warm-up and calibration excluded), nearest rank",
            "clock": clock.detail,
        ]
        details.merge(placement.details) { $1 }
        if let device = StorageInfo.blockDevice(of: directory) {
            details["blockDevice"] = device.name
            if let driver = device.driver { details["blockDriver"] = driver }
        }
        var prepared = PreparedBenchmark(
            kernel: { _, _ in },
            warnings: warnings,
            validate: { if let why = failures.value { throw BenchmarkError.failed(why) } },
            details: details,
            derive: { _ in latencyPercentiles(log.all) },
            finish: { _ in pending.commit(last: samples, to: log); return [] })
        prepared.selfTimedKernel = { n in
            var block = position.withLock { $0 }
            var latencies = [UInt64]()
            latencies.reserveCapacity(n)
            let start = clock.now()
            var t0 = start
            for _ in 0..<n where failures.value == nil {
                let written = file.write(direct: false, from: buffer, count: Self.blockBytes, offset: block * Self.blockBytes)
                let synced = file.dataSync()
                let t1 = clock.now()
                latencies.append(clock.net(t1 &- t0))
                t0 = t1
                if written != Self.blockBytes || synced != 0 { failures.set("pwrite/fdatasync failed at block \(block)") }
                block = (block + 1) % blocks
            }
            position.withLock { $0 = block }
            pending.append(latencies)
            let cost = UInt64(Double(latencies.count) * clock.readCostNs)
            let elapsed = t0 &- start
            return max(1, elapsed > cost ? elapsed - cost : 1)
        }
        return prepared
    }
}
