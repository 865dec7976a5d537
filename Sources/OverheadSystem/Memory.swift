import COverhead
import Foundation
import Glibc

/// Anonymous memory from `mmap`, unmapped in `deinit`. The pointer never leaves this layer:
/// benchmarks use the typed operations below.
public final class MappedMemory: @unchecked Sendable {
    // @unchecked: the mapping is immutable after init and only touched by the kernels below,
    // which the engine runs from one thread per disjoint range at a time.
    /// The usable size: exactly what was asked for (the mapping behind it is rounded to 2 MiB).
    public let bytes: Int
    /// The advised region: `bytes` rounded up to whole 2 MiB pages.
    let advisedBytes: Int
    /// Whether 2 MiB pages were asked for (MADV_HUGEPAGE) or refused (MADV_NOHUGEPAGE).
    public let hugePages: Bool
    let base: UnsafeMutableRawPointer
    private let mapping: UnsafeMutableRawPointer
    private let mappingBytes: Int

    /// 2 MiB, the x86-64 huge page.
    public static let hugePageSize = 2 << 20
    /// The base page size (`sysconf(_SC_PAGESIZE)`).
    public static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// `madvise(addr, len, advice)` returning 0 or the errno: a parameter so tests can play a
    /// kernel without transparent huge pages.
    public typealias Advise = @Sendable (UnsafeMutableRawPointer, Int, Int32) -> Int32

    /// The real `madvise`.
    public static let systemAdvise: Advise = { addr, len, advice in madvise(addr, len, advice) == 0 ? 0 : errno }

    /// Whether the kernel refused MADV_NOHUGEPAGE with EINVAL: it has no transparent huge pages
    /// (CONFIG_TRANSPARENT_HUGEPAGE off), so the mapping gets 4 KiB pages anyway.
    public let noTransparentHugePages: Bool

    /// Maps `bytes` of private anonymous memory (`mmap`), 2 MiB aligned, and advises the kernel to
    /// back it with huge pages or not (`madvise` MADV_HUGEPAGE / MADV_NOHUGEPAGE). Not touched yet:
    /// pages appear on first touch, on the touching thread's NUMA node. A kernel without THP
    /// answers both advices with EINVAL: 4 KiB mappings go on (that is what they asked for), a
    /// huge-page mapping throws `SystemError` with errno EINVAL (see `isNoTHP`).
    public init(bytes: Int, hugePages: Bool, advise: Advise = MappedMemory.systemAdvise) throws(SystemError) {
        precondition(bytes > 0)
        let align = Self.hugePageSize
        let length = (bytes + align - 1) / align * align
        mappingBytes = length + align
        guard let m = mmap(nil, mappingBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
            m != MAP_FAILED
        else {
            throw SystemError(call: "mmap(\(bytes) bytes)", errno: errno)
        }
        mapping = m
        let aligned = (Int(bitPattern: m) + align - 1) / align * align
        base = UnsafeMutableRawPointer(bitPattern: aligned)!
        self.bytes = bytes
        advisedBytes = length
        self.hugePages = hugePages
        let e = advise(base, length, hugePages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)
        noTransparentHugePages = e == EINVAL
        if e != 0 && !(e == EINVAL && !hugePages) {
            munmap(mapping, mappingBytes)
            throw SystemError(call: "madvise(\(hugePages ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE"))", errno: e)
        }
    }

    /// Whether `error` is the kernel refusing MADV_HUGEPAGE because it has no transparent huge pages.
    public static func isNoTHP(_ error: SystemError) -> Bool {
        error.errno == EINVAL && error.call == "madvise(MADV_HUGEPAGE)"
    }

    /// The skip reason for a 2 MiB-page case on a kernel without transparent huge pages.
    public static let noTHPReason = "2 MiB pages unavailable: madvise(MADV_HUGEPAGE) fails with EINVAL, so this kernel has no transparent huge pages (CONFIG_TRANSPARENT_HUGEPAGE off); the pages=4k cases run"

    deinit { munmap(mapping, mappingBytes) }

    /// Bytes of the usable region backed by transparent huge pages now, from `/proc/self/smaps`
    /// (AnonHugePages of every VMA overlapping it, at most `bytes`); nil when smaps cannot be read.
    public func hugePageBackedBytes() -> Int? {
        guard let text = SystemRoot.live.read("/proc/self/smaps"), !text.isEmpty else { return nil }
        return min(bytes, Self.anonHugePages(smaps: text, start: UInt(bitPattern: base), end: UInt(bitPattern: base) + UInt(advisedBytes)))
    }

    /// Sums AnonHugePages (kB → bytes) of the VMAs in `smaps` that overlap [start, end).
    public static func anonHugePages(smaps: String, start: UInt, end: UInt) -> Int {
        var total = 0
        var inRange = false
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "), dash < space,
                let lo = UInt(line[..<dash], radix: 16), let hi = UInt(line[line.index(after: dash)..<space], radix: 16)
            {
                inRange = lo < end && hi > start
            } else if inRange && line.hasPrefix("AnonHugePages:") {
                let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                total += kb * 1024
            }
        }
        return total
    }

    /// One write per `page` bytes over the whole mapping (`cob_touch_pages`).
    public func touchAll(page: Int) {
        cob_touch_pages(base, bytes, page)
    }
}

/// The three STREAM arrays (a, b, c) of `count` doubles each.
public final class StreamArrays: Sendable {
    public let count: Int
    private let a: MappedMemory
    private let b: MappedMemory
    private let c: MappedMemory

    /// STREAM kernels (`COB_STREAM_*`).
    public enum Kernel: Int32, Sendable, CaseIterable {
        case copy = 0, scale = 1, add = 2, triad = 3
    }

    /// STREAM's scalar.
    public static let scalar = 3.0

    public init(count: Int) throws(SystemError) {
        self.count = count
        // 4 KiB pages: bandwidth, not TLB reach, is under test; THP would vary run to run.
        a = try MappedMemory(bytes: count * 8, hugePages: false)
        b = try MappedMemory(bytes: count * 8, hugePages: false)
        c = try MappedMemory(bytes: count * 8, hugePages: false)
    }

    /// Whether the AVX2 loop variant runs on this CPU (`cob_stream_uses_avx2`).
    public static var usesAVX2: Bool { cob_stream_uses_avx2() != 0 }

    /// First touch and initial values of elements in `range` (`cob_stream_init`).
    public func initialize(_ range: Range<Int>) {
        cob_stream_init(pa, pb, pc, range.lowerBound, range.upperBound)
    }

    /// `passes` passes of `kernel` over `range` (`cob_stream`).
    public func run(_ kernel: Kernel, _ range: Range<Int>, passes: Int) {
        cob_stream(kernel.rawValue, pa, pb, pc, range.lowerBound, range.upperBound, Self.scalar, UInt64(passes))
    }

    /// The first element of `range` whose value differs from what `kernel` must leave, or nil.
    public func firstMismatch(_ kernel: Kernel, _ range: Range<Int>) -> Int? {
        let r = cob_stream_check(kernel.rawValue, pa, pb, pc, range.lowerBound, range.upperBound)
        // (size_t)-1 imports as -1: no mismatch.
        return r < 0 ? nil : r
    }

    private var pa: UnsafeMutablePointer<Double> { a.base.assumingMemoryBound(to: Double.self) }
    private var pb: UnsafeMutablePointer<Double> { b.base.assumingMemoryBound(to: Double.self) }
    private var pc: UnsafeMutablePointer<Double> { c.base.assumingMemoryBound(to: Double.self) }
}

/// A dependent-load chain: one random cycle through every `stride`-byte slot of a mapping.
public final class PointerChain: @unchecked Sendable {
    // @unchecked: the chain is built in init and only read afterwards, by one thread at a time.
    public let memory: MappedMemory
    public let slots: Int
    private let start: UnsafeMutableRawPointer
    // Where the last chase stopped: each batch continues around the cycle, so a batch shorter
    // than the cycle never revisits lines the previous batch left in the caches.
    private var position: UnsafeMutableRawPointer

    /// Touches the whole mapping (so faults are not timed) and links its slots in a seeded random
    /// single cycle (`cob_chain_build`). Throws EINTR when Ctrl-C arrives while building.
    public init(memory: MappedMemory, stride: Int, seed: UInt64) throws(SystemError) {
        precondition(stride >= 16 && memory.bytes >= stride)
        self.memory = memory
        slots = memory.bytes / stride
        memory.touchAll(page: MappedMemory.pageSize)
        guard let first = cob_chain_build(memory.base, slots, stride, seed) else {
            throw SystemError(call: "building the pointer chain (interrupted)", .interrupted)
        }
        start = first
        position = first
    }

    /// Follows `hops` links from where the previous chase stopped (`cob_chain_chase`).
    public func chase(hops: Int) -> UInt64 {
        position = cob_chain_chase(position, UInt64(hops))
        return UInt64(UInt(bitPattern: position))
    }

    /// The length of the cycle through the start (`cob_chain_cycle_length`): equals `slots` for a
    /// well-formed chain.
    public func cycleLength() -> Int {
        cob_chain_cycle_length(start, slots + 1)
    }
}

/// First-touch page faults on fresh anonymous memory.
public enum PageFaults {
    /// Maps `pages` pages (4 KiB, or 2 MiB with `huge`), times one write per page with `clock`,
    /// unmaps, and returns (ns spent touching, huge-page-backed bytes after touching when `verify`).
    /// The mapping and unmapping stay outside the timed region.
    public static func touchFresh(
        pages: Int, huge: Bool, clock: some BenchmarkClock, verify: Bool = false, advise: @escaping MappedMemory.Advise = MappedMemory.systemAdvise
    ) throws(SystemError) -> (ns: UInt64, hugeBytes: Int?) {
        let page = huge ? MappedMemory.hugePageSize : MappedMemory.pageSize
        let memory = try MappedMemory(bytes: pages * page, hugePages: huge, advise: advise)
        let t0 = clock.now()
        memory.touchAll(page: page)
        let t1 = clock.now()
        return (t1 - t0, verify ? memory.hugePageBackedBytes() : nil)
    }
}

/// `/proc/meminfo` figures the memory benchmarks size themselves by.
public enum MemInfo {
    /// MemAvailable in bytes, or what the cgroup memory limit still allows when that is less
    /// (`CgroupMemory.headroom`: a pod's limit is what an OOM kill enforces); nil when neither is known.
    public static func available(root: SystemRoot = .live) -> Int? {
        let meminfo = root.read("/proc/meminfo").flatMap { parse($0, key: "MemAvailable") }
        guard let cgroup = CgroupMemory.headroom(root: root) else { return meminfo }
        return min(meminfo ?? cgroup, cgroup)
    }

    /// A `Key:  N kB` line in bytes.
    public static func parse(_ text: String, key: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }
}
