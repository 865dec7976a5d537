import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCompare
@testable import OverheadExplain
@testable import OverheadModel

@Suite struct ExplainRuleTests {
    // MARK: vm-exit

    @Test func vmExitReportsCyclesPerExit() throws {
        let f = try evaluate(VMExitRule(), [
            explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: around(50))], env: bareMetal),
            explainSet("vm", [ExplainCase(benchmark: "cpu.cpuid", samples: around(450))]),
        ])
        let finding = try #require(f.first)
        #expect(f.count == 1)
        #expect(finding.id == "vm-exit")
        #expect(finding.title.contains("1200 cycles"))  // (450 − 50) ns × 3 GHz
        #expect(finding.severity == .info)  // within KVM's published 1,000–1,600
        #expect(finding.evidence.map(\.benchmark) == ["cpu.cpuid"])
        #expect(finding.evidence[0].verdict == .overhead)
        #expect(finding.reference.contains("1,000–1,100 cycles"))
    }

    @Test func exitAboveSixteenHundredCyclesIsNormalWithMitigations() throws {
        // ~2,700 extra cycles at 3 GHz: a warning on an unmitigated guest, info with retbleed mitigated.
        let plain = try evaluate(VMExitRule(), [
            explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: around(50))], env: bareMetal),
            explainSet("vm", [ExplainCase(benchmark: "cpu.cpuid", samples: around(950))], env: { $0.mitigations = [:] }),
        ])
        #expect(plain.first?.severity == .warning)
        let mitigated = try evaluate(VMExitRule(), [
            explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: around(50))], env: bareMetal),
            explainSet("vm", [ExplainCase(benchmark: "cpu.cpuid", samples: around(950))], env: { $0.mitigations = ["retbleed": "Mitigation: untrained return thunk; SMT disabled"] }),
        ])
        #expect(mitigated.first?.severity == .info)
        #expect(mitigated.first?.severityBasis.contains("retbleed") == true)
    }

    @Test func nestedExitIsCritical() throws {
        let f = try evaluate(VMExitRule(), [
            explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: around(50))], env: bareMetal),
            explainSet("vm", [ExplainCase(benchmark: "cpu.cpuid", samples: around(5000))]),
        ])
        #expect(f.first?.severity == .critical)
        #expect(f.first?.remedy.contains("nested") == true)
    }

    @Test func vmExitNearMisses() throws {
        // Significant but only 1.5×: not an exit's signature.
        let small = try evaluate(VMExitRule(), [
            explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: around(50))], env: bareMetal),
            explainSet("vm", [ExplainCase(benchmark: "cpu.cpuid", samples: around(75))]),
        ])
        #expect(small.isEmpty)
        // A 9× point estimate that the comparator does not find significant produces nothing.
        let base = [50.0, 51, 52, 53, 54, 55, 500, 510, 520, 530]
        let guest = [50.0, 51, 52, 53, 500, 505, 510, 515, 520, 530]
        let sets = [
            try explainSet("bare-metal", [ExplainCase(benchmark: "cpu.cpuid", samples: base)], env: bareMetal),
            try explainSet("vm", [ExplainCase(benchmark: "cpu.cpuid", samples: guest)]),
        ]
        let (comparison, _) = try comparisonOf(sets)
        let row = try #require(comparison.rows.first)
        #expect(row.verdict == .inconclusive)
        #expect((row.overheadPct ?? 0) > 100)
        #expect(try evaluate(VMExitRule(), sets).isEmpty)
    }

    // MARK: clocksource

    func clockSets(guestClock: Double, path: String = "vdso", source: String = "kvm-clock") throws -> [LoadedSet] {
        [
            try explainSet("bare-metal", [
                ExplainCase(benchmark: "timer.clock_gettime", params: ["clock": "monotonic"], samples: around(25)),
                ExplainCase(benchmark: "sys.null", samples: around(130)),
            ], env: { bareMetal(&$0); $0.clockGettime = ClockGettimePath(path: "vdso", libcNs: 25, syscallNs: 150, reason: "libc well below a syscall") }),
            try explainSet("vm", [
                ExplainCase(benchmark: "timer.clock_gettime", params: ["clock": "monotonic"], samples: around(guestClock)),
                ExplainCase(benchmark: "sys.null", samples: around(140)),
            ], env: {
                $0.clocksource = source
                $0.availableClocksources = ["kvm-clock", "tsc", "acpi_pm"]
                $0.clockGettime = ClockGettimePath(path: path, libcNs: guestClock, syscallNs: 160, reason: "measured")
            }),
        ]
    }

    @Test func clockNearSyscallFires() throws {
        let f = try evaluate(ClocksourceRule(), try clockSets(guestClock: 900, source: "hpet"))
        let finding = try #require(f.first)
        #expect(finding.id == "clocksource")
        #expect(finding.title.contains("hpet"))
        #expect(finding.severity == .critical)  // 36×
        #expect(finding.evidence.map(\.benchmark) == ["timer.clock_gettime", "sys.null"])
        // The TSC is invariant and tsc is available: switch to it.
        #expect(finding.remedy.contains("Switch the guest to the tsc clocksource"))
    }

    @Test func clockFingerprintSyscallFires() throws {
        // 60 ns is below half a null syscall, but the fingerprint measured the syscall path.
        let f = try evaluate(ClocksourceRule(), try clockSets(guestClock: 60, path: "syscall"))
        #expect(f.first?.facts.contains { $0.contains("path in vm: syscall") } == true)
        // Without an invariant TSC the remedy is not "switch to tsc".
        let noInvariant = try clockSets(guestClock: 900).enumerated().map { i, s -> LoadedSet in
            var s = s
            if i == 1 { s.set.environment.tsc?.invariant = false }
            return s
        }
        #expect(try evaluate(ClocksourceRule(), noInvariant).first?.remedy.hasPrefix("Expose an invariant TSC") == true)
    }

    @Test func clockVDSONearMissAndNoChange() throws {
        // Significantly slower (35 vs 25 ns) but still far below a syscall and through the vDSO.
        #expect(try evaluate(ClocksourceRule(), try clockSets(guestClock: 35)).isEmpty)
        // The fingerprint says syscall but the reads are not slower than the baseline's.
        #expect(try evaluate(ClocksourceRule(), try clockSets(guestClock: 25, path: "syscall")).isEmpty)
    }

    @Test func slowMonotonicRawAloneIsNotAClocksourceProblem() throws {
        // A healthy tsc whose CLOCK_MONOTONIC_RAW is served by a syscall (kernel < 5.3, a sandbox,
        // an LD_PRELOAD shim): the fingerprint's CLOCK_MONOTONIC probe says vDSO, monotonic is fast.
        let sets = [
            try explainSet("bare-metal", [
                ExplainCase(benchmark: "timer.clock_gettime", params: ["clock": "monotonic"], samples: around(25)),
                ExplainCase(benchmark: "timer.clock_gettime", params: ["clock": "monotonic_raw"], samples: around(25)),
                ExplainCase(benchmark: "sys.null", samples: around(130)),
            ], env: { bareMetal(&$0); $0.clockGettime = ClockGettimePath(path: "vdso", libcNs: 25, syscallNs: 150, reason: "libc well below a syscall") }),
            try explainSet("vm", [
                ExplainCase(benchmark: "timer.clock_gettime", params: ["clock": "monotonic"], samples: around(26)),
                ExplainCase(benchmark: "timer.clock_gettime", params: ["clock": "monotonic_raw"], samples: around(900)),
                ExplainCase(benchmark: "sys.null", samples: around(140)),
            ], env: {
                $0.clocksource = "tsc"
                $0.availableClocksources = ["kvm-clock", "tsc"]
                $0.clockGettime = ClockGettimePath(path: "vdso", libcNs: 26, syscallNs: 160, reason: "measured")
            }),
        ]
        #expect(try evaluate(ClocksourceRule(), sets).isEmpty)
    }

    // MARK: nested paging

    func latencySets(guest4k: [Double], guest2m: [Double]) throws -> [LoadedSet] {
        let sizes = ["16K", "256K", "4M", "64M", "256M"]
        let base4k = [2.0, 5, 15, 90, 110], base2m = [2.0, 5, 12, 70, 80]
        func cases(_ l4: [Double], _ l2: [Double]) -> [ExplainCase] {
            sizes.indices.flatMap { i in [
                ExplainCase(benchmark: "mem.lat", params: ["bytes": sizes[i], "pages": "4k"], samples: around(l4[i])),
                ExplainCase(benchmark: "mem.lat", params: ["bytes": sizes[i], "pages": "2m"], samples: around(l2[i])),
            ] }
        }
        return [
            try explainSet("bare-metal", cases(base4k, base2m), env: bareMetal),
            try explainSet("vm", cases(guest4k, guest2m)),
        ]
    }

    @Test func nestedPagingFires() throws {
        let f = try evaluate(NestedPagingRule(), try latencySets(guest4k: [2, 5, 15.3, 120, 160], guest2m: [2, 5, 12.2, 71.4, 81.6]))
        let finding = try #require(f.first)
        #expect(finding.id == "nested-paging")
        #expect(finding.title.contains("256 MiB"))
        #expect(finding.severity == .warning)  // +45%
        // Within reach (the worst case up to 8 MiB), the worst past it, and 2 MiB at that size.
        #expect(finding.evidence.map(\.params) == ["bytes=4M;pages=4k", "bytes=256M;pages=4k", "bytes=256M;pages=2m"])
    }

    @Test func nestedPagingNearMisses() throws {
        // 2 MiB pages grow as much: not the page walk (e.g. remote memory).
        #expect(try evaluate(NestedPagingRule(), try latencySets(guest4k: [2, 5, 15.3, 120, 160], guest2m: [2, 5, 12.2, 100, 115])).isEmpty)
        // Uniform +20% at every size: no growth with the working set.
        #expect(try evaluate(NestedPagingRule(), try latencySets(guest4k: [2.4, 6, 18, 108, 132], guest2m: [2, 5, 12, 70, 80])).isEmpty)
        // Identical figures.
        #expect(try evaluate(NestedPagingRule(), try latencySets(guest4k: [2, 5, 15, 90, 110], guest2m: [2, 5, 12, 70, 80])).isEmpty)
    }

    // MARK: THP

    @Test func thpOffInGuestFires() throws {
        func sets(_ guestTHP: String) throws -> [LoadedSet] {
            [
                try explainSet("bare-metal", [ExplainCase(benchmark: "mem.lat", params: ["bytes": "256M", "pages": "2m"], samples: around(80))], env: bareMetal),
                try explainSet("vm", [ExplainCase(benchmark: "mem.lat", params: ["bytes": "256M", "pages": "2m"], samples: around(110))], env: { $0.transparentHugePages = guestTHP }),
            ]
        }
        let finding = try #require(try evaluate(THPRule(), try sets("never")).first)
        #expect(finding.title.contains("never"))
        #expect(finding.facts == ["transparent_hugepage/enabled: madvise in bare-metal, never in vm"])
        #expect(try evaluate(THPRule(), try sets("madvise")).isEmpty)
    }

    // MARK: vNUMA

    func numaSets(hostNodes: Int, guestNodes: Int, guestBandwidth: Double) throws -> [LoadedSet] {
        func topology(_ n: Int) -> NUMATopology {
            NUMATopology(
                available: true, source: "libnuma", nodes: (0..<n).map { NUMANode(id: $0, cpus: [$0], memoryBytes: 1 << 34) },
                distances: (0..<n).map { i in (0..<n).map { $0 == i ? 10 : 21 } })
        }
        let bw = { (v: Double) in ExplainCase(benchmark: "mem.bw.triad", params: ["threads": "all"], unit: "GB/s", better: .higher, samples: around(v)) }
        return [
            try explainSet("bare-metal", [bw(30)], env: { bareMetal(&$0); $0.numa = topology(hostNodes) }),
            try explainSet("vm", [bw(guestBandwidth)], env: { $0.numa = topology(guestNodes) }),
        ]
    }

    @Test func vnumaFires() throws {
        let finding = try #require(try evaluate(VNUMARule(), try numaSets(hostNodes: 2, guestNodes: 1, guestBandwidth: 24)).first)
        #expect(finding.id == "vnuma")
        #expect(finding.title.contains("one NUMA node"))
        #expect(finding.facts[0] == "bare-metal: 2 NUMA nodes, remote/local 2.10× (SLIT distances)")
        #expect(finding.evidence.first?.benchmark == "mem.bw.triad")
    }

    @Test func vnumaNearMisses() throws {
        // One host node: nothing to expose.
        #expect(try evaluate(VNUMARule(), try numaSets(hostNodes: 1, guestNodes: 1, guestBandwidth: 24)).isEmpty)
        // The guest sees the host's topology.
        #expect(try evaluate(VNUMARule(), try numaSets(hostNodes: 2, guestNodes: 2, guestBandwidth: 24)).isEmpty)
        // Flat guest but memory is as fast (memory pinned to one host node): no consequence, no finding.
        #expect(try evaluate(VNUMARule(), try numaSets(hostNodes: 2, guestNodes: 1, guestBandwidth: 30)).isEmpty)
    }

    // MARK: wake-ups

    func ctxSets(guestSame: Double, guestCross: Double) throws -> [LoadedSet] {
        func cases(_ same: Double, _ cross: Double) -> [ExplainCase] {
            [
                ExplainCase(benchmark: "ctx.pipe", params: ["placement": "same-core", "party": "process"], samples: around(same)),
                ExplainCase(benchmark: "ctx.pipe", params: ["placement": "cross-core", "party": "process"], samples: around(cross)),
            ]
        }
        return [try explainSet("bare-metal", cases(2000, 5000), env: bareMetal), try explainSet("vm", cases(guestSame, guestCross))]
    }

    @Test func crossCoreWakeupsFire() throws {
        let finding = try #require(try evaluate(WakeupRule(), try ctxSets(guestSame: 2200, guestCross: 12000)).first)
        #expect(finding.id == "wakeups")
        #expect(finding.title.contains("+140.0%") && finding.title.contains("7.000 µs more"))
        #expect(finding.severity == .critical)
        #expect(finding.evidence.map(\.params) == ["party=process;placement=same-core", "party=process;placement=cross-core"])
        #expect(finding.facts == ["ctx.pipe party=process;placement=cross-core: 21000 extra cycles per switch at 3.000 GHz"])
    }

    @Test func wakeupNearMisses() throws {
        // Both placements slower alike: not the wake-up path.
        #expect(try evaluate(WakeupRule(), try ctxSets(guestSame: 4000, guestCross: 12000)).isEmpty)
        // Cross-core only +20%.
        #expect(try evaluate(WakeupRule(), try ctxSets(guestSame: 2000, guestCross: 6000)).isEmpty)
    }

    // MARK: network path

    func netSets(vmDriver: String = "virtio_net", loopback: Bool = false) throws -> [LoadedSet] {
        let rr = { (v: Double, driver: String) in
            ExplainCase(benchmark: "net.tcp_rr", params: ["size": "1"], samples: around(v),
                        details: loopback ? ["driver": "none (loopback)", "peerSource": "loopback server started by run"] : ["driver": driver, "peerSource": "--peer 10.0.0.2"])
        }
        return [
            try explainSet("bare-metal", [rr(37_600, "ice")], env: bareMetal),
            try explainSet("vm", [rr(67_600, vmDriver)]),
            try explainSet("vm-sriov", [rr(39_000, "iavf")], env: {
                $0.devices = [Device(name: "eth0", kind: "network", bus: "pci", pciAddress: "0000:00:05.0", pciID: "8086:154c", driver: "iavf", path: "sriov-vf", reason: "X710 VF")]
            }),
        ]
    }

    @Test func virtioRoundTripsFireWithTheVFFigure() throws {
        let sets = try netSets()
        let finding = try #require(try evaluate(NetworkPathRule(), sets).first)
        #expect(finding.title.hasPrefix("virtio_net adds 30.00 µs per TCP round trip in vm"))
        #expect(finding.evidence.map(\.configuration) == ["vm", "vm-sriov"])
        #expect(finding.remedy.contains("vm-sriov uses (iavf): 39.00 µs per round trip"))
        // The VF configuration itself has no finding.
        #expect(try evaluate(NetworkPathRule(), sets, configuration: "vm-sriov").isEmpty)
    }

    @Test func loopbackRoundTripsDoNotFire() throws {
        #expect(try evaluate(NetworkPathRule(), try netSets(loopback: true)).isEmpty)
    }

    // MARK: storage

    func ioSets(guestQD1: Double, guestQD32: Double) throws -> [LoadedSet] {
        func cases(_ qd1: Double, _ qd32: Double) -> [ExplainCase] {
            [
                ExplainCase(benchmark: "io.randread", params: ["direct": "true", "qd": "1"], unit: "IOPS", better: .higher, samples: around(qd1)),
                ExplainCase(benchmark: "io.randread", params: ["direct": "true", "qd": "32"], unit: "IOPS", better: .higher, samples: around(qd32)),
            ]
        }
        return [
            try explainSet("bare-metal", cases(10_000, 200_000), env: bareMetal),
            try explainSet("vm", cases(guestQD1, guestQD32), env: {
                $0.devices.append(Device(name: "vda", kind: "storage", bus: "pci", pciAddress: "0000:00:04.0", pciID: "1af4:1001", driver: "virtio_blk", path: "virtio", reason: "virtio"))
            }),
        ]
    }

    @Test func highQueueDepthLossFires() throws {
        let finding = try #require(try evaluate(StorageRule(), try ioSets(guestQD1: 9_800, guestQD32: 110_000)).first)
        #expect(finding.title.contains("QD32 reach 55% of bare-metal's IOPS"))
        #expect(finding.facts.first == "vm storage: vda virtio_blk (virtio)")
        #expect(finding.evidence.map(\.params) == ["direct=true;qd=1", "direct=true;qd=32"])
    }

    @Test func storageNearMisses() throws {
        // QD1 loses as much: per-request latency, not the queue.
        #expect(try evaluate(StorageRule(), try ioSets(guestQD1: 6_000, guestQD32: 110_000)).isEmpty)
        // QD32 only 10% down.
        #expect(try evaluate(StorageRule(), try ioSets(guestQD1: 9_800, guestQD32: 182_000)).isEmpty)
    }

    // MARK: hidden ISA and compute

    func fpSets(guestGFLOPs: Double, guestKernel: String, guestInt: Double = 1000) throws -> [LoadedSet] {
        func cases(_ fp: Double, _ kernel: String, _ int: Double) -> [ExplainCase] {
            [
                ExplainCase(benchmark: "cpu.fp", params: ["threads": "1", "isa": "auto"], unit: "GFLOP/s", better: .higher, samples: around(fp), details: ["kernel": kernel]),
                ExplainCase(benchmark: "cpu.int", params: ["threads": "1"], unit: "Mop/s", better: .higher, samples: around(int)),
            ]
        }
        return [
            try explainSet("bare-metal", cases(60, "avx512f", 1000), env: { bareMetal(&$0); $0.cpu.flags = ["avx2", "fma", "avx512f"] }),
            try explainSet("vm", cases(guestGFLOPs, guestKernel, guestInt), env: { $0.cpu.flags = ["avx2", "fma"] }),
        ]
    }

    @Test func hiddenAVX512Fires() throws {
        let sets = try fpSets(guestGFLOPs: 32, guestKernel: "avx2-fma")
        let finding = try #require(try evaluate(HiddenISARule(), sets).first)
        #expect(finding.title.contains("avx2-fma kernel where bare-metal runs avx512f"))
        #expect(finding.facts.contains("CPU flags on bare-metal but not in vm: avx512f"))
        // Compute does not count the ISA loss again.
        #expect(try evaluate(ComputeRule(), sets).isEmpty)
    }

    @Test func sameKernelSlowerIsCompute() throws {
        let sets = try fpSets(guestGFLOPs: 50, guestKernel: "avx512f", guestInt: 880)
        #expect(try evaluate(HiddenISARule(), sets).isEmpty)
        let finding = try #require(try evaluate(ComputeRule(), sets).first)
        #expect(finding.evidence.map(\.benchmark).sorted() == ["cpu.fp", "cpu.int"])
        // 2% slower, significant but below the 5% a tuned guest stays within.
        #expect(try evaluate(ComputeRule(), try fpSets(guestGFLOPs: 60, guestKernel: "avx512f", guestInt: 980)).isEmpty)
    }
}
