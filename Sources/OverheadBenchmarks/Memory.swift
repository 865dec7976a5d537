import OverheadEngine
import OverheadModel
import OverheadSystem

/// Thread counts 1, every power of two below the CPU count, and all CPUs.
func powerOfTwoThreads(_ cpus: Int) -> [String] {
    var counts: [String] = []
    var n = 1
    while n < cpus {
        counts.append(String(n))
        n *= 2
    }
    counts.append("all")
    return counts
}

/// Array size for STREAM: each array at least 4× the last-level caches and never under 64 MiB
/// (STREAM's rule, so no array stays cache-resident), capped so the three arrays take at most
/// `fraction` of MemAvailable. Returns bytes per array and, when capped, why.
public func streamArrayBytes(llcBytes: UInt64?, memAvailable: Int?, fraction: Double = 0.5) -> (bytes: Int, capped: String?) {
    let floor = 64 << 20
    var want = max(floor, Int(4 * (llcBytes ?? 0)))
    // Round to whole 2 MiB so chunks split evenly.
    want = (want + (2 << 20) - 1) / (2 << 20) * (2 << 20)
    guard let available = memAvailable else { return (want, nil) }
    let cap = Int(Double(available) * fraction) / 3
    if want > cap {
        return (cap / 4096 * 4096, "arrays capped at \(cap >> 20) MiB each (3 arrays ≤ \(ResourceLimits.percent(fraction)) of MemAvailable \(available >> 20) MiB, --memory-limit); STREAM wants \(want >> 20) MiB")
    }
    return (want, nil)
}

/// A working set for the latency chain, capped at `fraction` of MemAvailable.
public func latencyBytes(requested: Int, memAvailable: Int?, fraction: Double = 0.5) -> (bytes: Int, capped: String?) {
    guard let available = memAvailable, Double(requested) > Double(available) * fraction else { return (requested, nil) }
    let cap = Int(Double(available) * fraction) / (2 << 20) * (2 << 20)
    return (cap, "working set capped at \(cap >> 20) MiB (\(ResourceLimits.percent(fraction)) of MemAvailable \(available >> 20) MiB, --memory-limit); \(requested >> 20) MiB was asked for")
}

/// `mem.bw.copy|scale|add|triad`: STREAM kernels over arrays far larger than the caches, one
/// pinned thread per CPU, each on its own first-touched chunk.
struct MemoryBandwidth: Benchmark {
    let kernel: StreamArrays.Kernel

    /// Arrays each kernel reads plus writes (STREAM's byte accounting, no write-allocate traffic).
    var arraysTouched: Int {
        switch kernel {
        case .copy, .scale: return 2
        case .add, .triad: return 3
        }
    }

    var info: BenchmarkInfo {
        let (name, formula): (String, String) = {
            switch kernel {
            case .copy: return ("copy", "c = a")
            case .scale: return ("scale", "b = s·c")
            case .add: return ("add", "c = a + b")
            case .triad: return ("triad", "a = b + s·c")
            }
        }()
        return BenchmarkInfo(
            id: "mem.bw.\(name)",
            summary: "STREAM \(name) (\(formula)) over arrays ≥ 4× the last-level caches; GB/s = 10^9 bytes of the arrays read and written, write-allocate traffic not counted",
            reveals: "bandwidth needs no exits, so a VM should reach 97–99% of bare metal; less points at host contention, a guest NUMA layout that hides the real one, or memory ballooning",
            params: [
                ParamSpec(name: "threads", values: .positiveInteger(extra: ["all"]), defaults: ["1", "all"],
                          summary: "pinned threads, one per CPU (default 1, powers of two, all)", machineDefaults: powerOfTwoThreads)
            ],
            metric: "bandwidth", unit: "GB/s", better: .higher)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let threads = try threadCount(params["threads"], context: context)
        let (bytes, capped) = streamArrayBytes(llcBytes: context.environment.lastLevelCacheBytes, memAvailable: MemInfo.available(), fraction: context.limits.memoryFraction)
        let chunk = bytes / 8 / threads
        let count = chunk * threads
        let arrays = try StreamArrays(count: count)
        let kernel = self.kernel
        let range: @Sendable (Int) -> Range<Int> = { t in (t * chunk)..<((t + 1) * chunk) }
        var prepared = PreparedBenchmark(
            placement: .threads(count: threads),
            kernel: { passes, thread in arrays.run(kernel, range(thread), passes: passes) },
            conversion: .rate(workPerOp: Double(arraysTouched * chunk * 8), scale: 1e9),
            warnings: capped.map { [$0] } ?? [],
            validate: {
                if let bad = arrays.firstMismatch(kernel, 0..<count) {
                    throw BenchmarkError.failed("array element \(bad) holds a wrong value after the run: the kernel or the memory is broken")
                }
            },
            details: [
                "arrayBytes": String(count * 8), "arrays": "3",
                "kernel": StreamArrays.usesAVX2 ? "avx2" : "sse2",
                "accounting": "\(arraysTouched) arrays × \(count * 8) bytes per pass",
            ])
        // First touch by the measuring threads, pinned: each chunk's pages land on its thread's node.
        prepared.threadSetup = { thread in arrays.initialize(range(thread)) }
        prepared.details["statistic"] = "summary: median of the samples (the tool's rule); derived.bestGBs: STREAM's rule, the best sample of each replicate after its warm-up batch, the median of those over replicates"
        return prepared
    }

    /// STREAM reports the best of N timed passes (the first dropped); the summary is the median.
    /// Both are given, like for like: `derived.bestGBs` is each replicate's best sample, the median
    /// of those over the replicates (the same whether replicates ran in one process or several).
    func relate(_ results: [BenchmarkResult]) -> [BenchmarkResult] {
        results.map { r in
            var r = r
            let bests = r.replicateSlices.compactMap { $0.max() }
            guard !bests.isEmpty else { return r }
            let best = median(bests)
            var derived = r.derived ?? [:]
            derived["bestGBs"] = best
            r.derived = derived
            return r
        }
    }
}

/// `mem.lat`: a dependent-load chain over a working set (one random single cycle through its
/// cache lines), 4 KiB or 2 MiB pages.
struct MemoryLatency: Benchmark {
    static let sweep = ["16K", "32K", "64K", "128K", "256K", "512K", "1M", "2M", "4M", "8M", "16M", "32M", "64M", "128M", "256M", "512M"]

    let info = BenchmarkInfo(
        id: "mem.lat",
        summary: "dependent loads (p = *p) around a random cycle through every 64-byte line of the working set",
        reveals: "past the TLB reach every load walks the page tables — twice over under EPT/NPT in a guest, so 4 KiB pages cost more in a VM; 2 MiB pages hide most of it",
        params: [
            ParamSpec(name: "bytes", values: .size(extra: []), defaults: sweep, summary: "working set (16K … 512M by default)"),
            ParamSpec(name: "pages", values: .choices(["4k", "2m"]), defaults: ["4k", "2m"], summary: "4 KiB pages (MADV_NOHUGEPAGE) or 2 MiB transparent huge pages (MADV_HUGEPAGE)"),
        ],
        metric: "latency", unit: "ns", better: .lower)

    /// Test hook: `madvise` (a kernel without THP answers EINVAL).
    var advise: MappedMemory.Advise = MappedMemory.systemAdvise

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        guard let requested = params["bytes"].flatMap(parseSize), requested >= 4096 else {
            throw BenchmarkError.failed("bytes must be at least 4K")
        }
        let huge = params["pages"] == "2m"
        var warnings: [String] = []
        let (bytes, capped) = latencyBytes(requested: requested, memAvailable: MemInfo.available(), fraction: context.limits.memoryFraction)
        if let capped { warnings.append(capped) }
        let memory: MappedMemory
        do {
            memory = try MappedMemory(bytes: bytes, hugePages: huge, advise: advise)
        } catch {
            if MappedMemory.isNoTHP(error) { throw BenchmarkError.unsupported(MappedMemory.noTHPReason) }
            throw error
        }
        if memory.noTransparentHugePages {
            warnings.append("this kernel has no transparent huge pages (madvise says EINVAL): 4 KiB pages without MADV_NOHUGEPAGE")
        }
        let numaNodes = context.environment.numa.nodes.count
        var details = [
            "lines": String(bytes / 64), "mappedBytes": String(memory.bytes),
            "firstTouch": "the chain is built (every line written) by the pinned measuring thread, after pinning, in every replicate",
        ]
        details["placement"] = numaNodes > 1
            ? "move_pages query of the chain's pages against the measuring CPU's node, every replicate (derived.pagesOnMeasuringNodePercent, a warning when not all)"
            : "single NUMA node: not applicable"
        let chain = ChainSlot()
        let pageHuge = huge
        var prepared = PreparedBenchmark(
            kernel: { hops, _ in if let c = chain.chain { blackHole(c.chase(hops: hops)) } },
            warnings: warnings,
            validate: { if let why = chain.failure { throw BenchmarkError.failed(why) } },
            details: details,
            derive: { _ in
                var d: [String: Double] = [:]
                if let b = chain.hugeBytes { d["hugePageBytes"] = Double(b) }
                if let p = chain.placement { d["pagesOnMeasuringNodePercent"] = 100 * p.fractionOnTarget }
                return d
            },
            finish: { _ in
                var w: [String] = []
                if let backed = chain.hugeBytes {
                    let fraction = Double(backed) / Double(memory.bytes)
                    if pageHuge && fraction < 0.9 {
                        let thp = context.environment.transparentHugePages ?? "absent"
                        w.append(String(format: "only %.0f%% of the working set got 2 MiB pages (THP mode %@); these figures are mostly 4 KiB-page latencies", fraction * 100, thp))
                    } else if !pageHuge && backed > 0 {
                        w.append("\(backed >> 20) MiB of the 4 KiB-page working set is backed by huge pages despite MADV_NOHUGEPAGE")
                    }
                } else {
                    w.append("/proc/self/smaps unreadable: the page size actually obtained is unverified")
                }
                if let p = chain.placement, let warning = p.warning {
                    w.append("a replicate's chain is not on the measuring CPU's node: " + warning)
                } else if let why = chain.placementError {
                    w.append("placement unverified in a replicate: \(why)")
                }
                return w
            })
        // First touch on the measuring thread, pinned: pages land on its node (the engine's
        // pinning happens after prepare, so building the chain there could place it elsewhere).
        prepared.threadSetup = { _ in
            do {
                let c = try PointerChain(memory: memory, stride: 64, seed: UInt64(bytes))
                chain.chain = c
                chain.hugeBytes = memory.hugePageBackedBytes()
                if numaNodes > 1 {
                    if let node = LibNUMA.currentNode() {
                        do {
                            chain.placement = PagePlacement(pageNodes: try memory.pageNodes(), target: node)
                        } catch {
                            chain.placementError = "\(error)"
                        }
                    } else {
                        chain.placementError = "the measuring CPU's node is unknown"
                    }
                }
            } catch {
                chain.failure = "building the chain: \(error)"
            }
        }
        return prepared
    }
}

/// The chain of one `mem.lat` replicate, built on the measuring thread in `threadSetup` and read
/// by the kernel afterwards (the engine orders the two: setup completes before any batch).
final class ChainSlot: @unchecked Sendable {
    // @unchecked: written once by the setup thread, read after the engine's pool synchronizes.
    var chain: PointerChain?
    var hugeBytes: Int?
    var placement: PagePlacement?
    var placementError: String?
    var failure: String?
}

/// `mem.pagefault`: the first-touch fault on fresh anonymous memory — trap, page allocation and
/// zeroing — per page.
struct MemoryPageFault: Benchmark {
    let info = BenchmarkInfo(
        id: "mem.pagefault",
        summary: "first write to a fresh anonymous page (minor fault: allocate + zero); mapping and unmapping not timed",
        reveals: "a guest fault is handled by the guest kernel, but the first touch of guest memory the host has not backed yet also faults in the host (EPT violation): VMs without pre-faulted memory pay twice",
        params: [ParamSpec(name: "pages", values: .choices(["4k", "2m"]), defaults: ["4k", "2m"], summary: "4 KiB pages or 2 MiB transparent huge pages")],
        metric: "latency", unit: "ns", better: .lower)

    /// Test hook: `madvise` (a kernel without THP answers EINVAL).
    var advise: MappedMemory.Advise = MappedMemory.systemAdvise
    /// Test hook: one batch's page touches (the real one maps, touches and unmaps).
    var touch: (@Sendable (_ pages: Int, _ huge: Bool) throws -> UInt64)? = nil

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let huge = params["pages"] == "2m"
        let page = huge ? MappedMemory.hugePageSize : MappedMemory.pageSize
        var warnings: [String] = []
        let advise = self.advise
        if huge {
            // Probe once: does the kernel hand out huge pages to a fresh MADV_HUGEPAGE mapping?
            let probe: (ns: UInt64, hugeBytes: Int?)
            do {
                probe = try PageFaults.touchFresh(pages: 2, huge: true, clock: MonotonicRawClock(), verify: true, advise: advise)
            } catch {
                if MappedMemory.isNoTHP(error) { throw BenchmarkError.unsupported(MappedMemory.noTHPReason) }
                throw error
            }
            if let backed = probe.hugeBytes, backed < 2 * page {
                warnings.append("the kernel did not back a fresh mapping with 2 MiB pages (THP mode \(context.environment.transparentHugePages ?? "absent")); these are 4 KiB faults")
            }
        }
        // At most half the memory budget per batch (a batch's pages are unmapped before the next).
        let cap = max(1, Int(Double(MemInfo.available() ?? (1 << 30)) * context.limits.memoryFraction / 2) / page)
        let failures = FailureFlag()
        let touch: @Sendable (Int, Bool) throws -> UInt64 = self.touch ?? { pages, huge in
            try PageFaults.touchFresh(pages: pages, huge: huge, clock: MonotonicRawClock(), advise: advise).ns
        }
        var prepared = PreparedBenchmark(
            kernel: { _, _ in },
            maxIterationsPerBatch: cap, warnings: warnings,
            // A failed batch fails the case (the engine drops its samples): never a 0 ns sample.
            validate: { if let why = failures.value { throw BenchmarkError.failed(why) } },
            details: ["pageBytes": String(page), "timed": "the touch loop only (one write per page)"])
        prepared.selfTimedKernel = { pages in
            guard failures.value == nil else { return 1 }
            do {
                return try touch(pages, huge)
            } catch {
                failures.set("a batch of \(pages) fresh pages could not be mapped: \(error)")
                // Not a sample: validate fails the case and the engine discards its samples.
                return 1
            }
        }
        return prepared
    }
}
