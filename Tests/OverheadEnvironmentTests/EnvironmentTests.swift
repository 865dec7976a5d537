import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadEnvironment
import OverheadModel
import OverheadSystem

/// CPUID values from a fixture's `cpuid.txt`: lines `leaf subleaf eax ebx ecx edx` in hex, `#`
/// starts a comment; leaves not listed read as zeros (what KVM answers for an unused leaf).
struct FixtureCPUID: CPUIDSource {
    var table: [UInt64: CPUIDRegisters] = [:]

    init(text: String) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .split(separator: " ").compactMap { UInt32($0, radix: 16) }
            guard fields.count == 6 else { continue }
            table[Self.key(fields[0], fields[1])] = CPUIDRegisters(eax: fields[2], ebx: fields[3], ecx: fields[4], edx: fields[5])
        }
    }

    init(file: URL) throws {
        self.init(text: try String(contentsOf: file, encoding: .utf8))
    }

    static func key(_ leaf: UInt32, _ subleaf: UInt32) -> UInt64 { UInt64(leaf) << 32 | UInt64(subleaf) }

    func cpuid(leaf: UInt32, subleaf: UInt32) -> CPUIDRegisters? {
        table[Self.key(leaf, subleaf)] ?? CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0)
    }
}

// Located through #filePath rather than Bundle.module: the trees are full of relative symlinks
// and this way they are read exactly as committed.
private let fixtures = fixturesDirectory.appendingPathComponent("env")

private func fixtureRoot(_ name: String) -> SystemRoot {
    SystemRoot(path: fixtures.appendingPathComponent(name).path)
}

private func fingerprint(_ name: String, cpuid: (any CPUIDSource)? = nil) throws -> Environment {
    let source = try cpuid ?? FixtureCPUID(file: fixtures.appendingPathComponent(name).appendingPathComponent("cpuid.txt"))
    return collectEnvironment(FingerprintSources(root: fixtureRoot(name), cpuid: source, live: false))
}

private func device(_ env: Environment, _ name: String) -> Device? {
    env.devices.first { $0.name == name }
}

@Suite struct EnvironmentFixtureTests {
    @Test func bareMetal() throws {
        let env = try fingerprint("bare-metal")
        #expect(env.configuration.detected == "bare-metal")
        #expect(env.configuration.reasons.contains("CPUID leaf 1 ECX bit 31 (hypervisor present) is clear"))
        #expect(env.hypervisor.present == false)
        #expect(env.hypervisor.vendor == nil)
        // Intel's answer for out-of-range leaves is noise, not a signature.
        #expect(env.hypervisor.signatures.isEmpty)
        #expect(env.hostname == "node17")
        #expect(env.kernel == "6.1.0-18-amd64")
        #expect(env.cpu.vendor == "GenuineIntel")
        #expect(env.cpu.model == "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz")
        #expect(env.cpu.family == 6)
        #expect(env.cpu.modelNumber == 106)
        #expect(env.cpu.stepping == 6)
        #expect(env.cpu.microcode == "0xd0003a5")
        #expect(env.cpu.logicalCPUs == 8)
        #expect(env.cpu.smt)
        #expect(env.cpu.flags.contains("avx512f"))
        #expect(env.cpu.flags.contains("constant_tsc"))
        #expect(!env.cpu.flags.contains("hypervisor"))
        #expect(!env.cpu.flags.contains("fpu"))
        #expect(env.memoryBytes == 263_785_280 * 1024)
        #expect(env.clocksource == "tsc")
        #expect(env.availableClocksources == ["tsc", "hpet", "acpi_pm"])
        #expect(env.transparentHugePages == "always")
        #expect(env.governor == "performance")
        #expect(env.mitigations.count == 3)
        #expect(env.mitigations["meltdown"] == "Not affected")

        #expect(env.numa.source == "sysfs")
        #expect(env.numa.available)
        #expect(env.numa.nodes.map(\.id) == [0, 1])
        #expect(env.numa.nodes.map(\.cpus) == [[0, 1, 4, 5], [2, 3, 6, 7]])
        #expect(env.numa.nodes[0].memoryBytes == 131_892_640 * 1024)
        #expect(env.numa.distances == [[10, 21], [21, 10]])

        // lo, docker0 (no device), loop0 and dm-0 are not on a hardware path.
        #expect(Set(env.devices.map(\.name)) == ["ens1f0", "nvme0n1", "0000:03:00.0"])
        let nic = try #require(device(env, "ens1f0"))
        #expect(nic.kind == "network")
        #expect(nic.bus == "pci")
        #expect(nic.pciAddress == "0000:18:00.0")
        #expect(nic.pciID == "8086:1593")
        #expect(nic.driver == "ice")
        #expect(nic.path == "sriov-pf")
        #expect(nic.reason.contains("128"))
        let nvme = try #require(device(env, "nvme0n1"))
        #expect(nvme.kind == "storage")
        #expect(nvme.pciID == "144d:a80a")
        #expect(nvme.driver == "nvme")
        #expect(nvme.path == "physical")
        let gpu = try #require(device(env, "0000:03:00.0"))
        #expect(gpu.kind == "gpu")
        #expect(gpu.pciID == "1a03:2000")
        #expect(gpu.path == "physical")
        #expect(env.notes.isEmpty)
    }

    @Test func kvmGuestLikeThisMachine() throws {
        let env = try fingerprint("kvm-guest")
        #expect(env.configuration.detected == "vm")
        #expect(env.hypervisor.present)
        #expect(env.hypervisor.vendor == "KVM")
        #expect(env.hypervisor.signatures == ["KVMKVMKVM"])
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("cpuid: leaf 1 ECX bit 31") })
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("cpuid: leaf 0x40000000 signature \"KVMKVMKVM\" (KVM)") })
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("cpuinfo-flag") })
        #expect(env.configuration.reasons.first == "running under hypervisor KVM")
        #expect(env.cpu.vendor == "AuthenticAMD")
        #expect(env.cpu.model == "AMD EPYC")
        #expect(env.cpu.family == 25)
        #expect(env.cpu.logicalCPUs == 2)
        #expect(env.cpu.smt == false)
        #expect(env.cpu.flags.contains("hypervisor"))
        #expect(env.cpu.flags.contains("tsc_known_freq"))
        #expect(env.clocksource == "tsc")
        #expect(env.availableClocksources == ["tsc", "kvm-clock"])
        #expect(env.transparentHugePages == "madvise")
        #expect(env.governor == nil)
        #expect(env.memoryBytes == 24_683_656 * 1024)
        #expect(env.numa.nodes.count == 1)
        #expect(env.numa.nodes[0].cpus == [0, 1])
        #expect(env.numa.distances == [[10]])

        // lo and ifb0 have no device; loop0 and zram0 are skipped; no display controller.
        #expect(env.devices.map(\.name) == ["eth0", "vda"])
        let eth0 = try #require(device(env, "eth0"))
        #expect(eth0.path == "virtio")
        #expect(eth0.bus == "pci")
        #expect(eth0.pciAddress == "0000:00:03.0")
        #expect(eth0.pciID == "1af4:1041")
        #expect(eth0.driver == "virtio_net")
        #expect(eth0.reason == "PCI 1af4:1041 driver virtio_net: virtio paravirtual device")
        let vda = try #require(device(env, "vda"))
        #expect(vda.path == "virtio")
        #expect(vda.pciAddress == "0000:00:02.0")
        #expect(vda.pciID == "1af4:1042")
        #expect(vda.driver == "virtio_blk")
        #expect(env.counters == CounterAvailability(hardware: false, software: false, reason: "not probed (fixture)"))
    }

    @Test func vmwareWithSRIOVVirtualFunction() throws {
        let env = try fingerprint("vmware-sriov")
        #expect(env.configuration.detected == "vm-sriov")
        #expect(env.hypervisor.vendor == "VMware")
        #expect(env.hypervisor.signatures == ["VMwareVMware"])
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("dmi: sys_vendor \"VMware, Inc.\"") })
        #expect(env.configuration.reasons.contains { $0.hasPrefix("ens224 is an SR-IOV virtual function") })
        #expect(device(env, "ens192")?.path == "paravirtual")
        #expect(device(env, "ens192")?.driver == "vmxnet3")
        let vf = try #require(device(env, "ens224"))
        #expect(vf.path == "sriov-vf")
        #expect(vf.pciID == "8086:10ed")
        #expect(vf.driver == "ixgbevf")
        #expect(vf.pciAddress == "0000:13:00.0")
        // The SCSI disk's own driver is `sd`; the adapter decides the path.
        let sda = try #require(device(env, "sda"))
        #expect(sda.path == "paravirtual")
        #expect(sda.driver == "vmw_pvscsi")
        #expect(sda.pciID == "15ad:07c0")
        #expect(device(env, "0000:00:0f.0")?.path == "paravirtual")
        #expect(env.cpu.smt == false)
        #expect(env.numa.nodes.count == 1)
    }

    @Test func nvmePassthroughUnderKVM() throws {
        let env = try fingerprint("nvme-passthrough")
        #expect(env.configuration.detected == "passthrough")
        #expect(env.hypervisor.vendor == "KVM")
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("dmi: sys_vendor \"QEMU\"") })
        #expect(env.configuration.reasons.contains { $0.hasPrefix("nvme0n1 is passed through: PCI 144d:a808 driver nvme") })
        let nvme = try #require(device(env, "nvme0n1"))
        #expect(nvme.path == "physical")
        #expect(nvme.pciAddress == "0000:03:00.0")
        #expect(device(env, "enp1s0")?.path == "virtio")
        #expect(device(env, "enp1s0")?.driver == "virtio_net")
        #expect(device(env, "vda")?.path == "virtio")
        // QEMU's ICH9 AHCI and its standard VGA are device models, not passthrough.
        #expect(device(env, "sda")?.path == "emulated")
        #expect(device(env, "sda")?.driver == "ahci")
        #expect(device(env, "0000:00:01.0")?.path == "emulated")
        #expect(device(env, "sr0") == nil)
        #expect(env.clocksource == "kvm-clock")
        #expect(env.transparentHugePages == "never")
        #expect(env.cpu.smt)
        // No node directories: one node with everything, and a note saying so.
        #expect(env.numa.available == false)
        #expect(env.numa.nodes == [NUMANode(id: 0, cpus: [0, 1, 2, 3], memoryBytes: 65_843_068 * 1024)])
        #expect(env.numa.distances == [[10]])
        #expect(env.notes.contains { $0.contains("no node directories") })
    }

    @Test func nestedHyperVAndKVMSignatures() throws {
        // KVM offering Hyper-V enlightenments (or KVM nested in Hyper-V): two blocks of the range.
        let cpuid = FixtureCPUID(text: """
            1 0 00a00f11 01020800 fffa3203 178bfbff
            40000000 0 4000000b 7263694d 666f736f 76482074
            40000100 0 40000101 4b4d564b 564b4d56 0000004d
            """)
        let scan = scanHypervisorCPUID(cpuid)
        #expect(scan.hypervisorBit == true)
        #expect(scan.signatures.map(\.raw) == ["Microsoft Hv", "KVMKVMKVM"])
        #expect(scan.signatures.map(\.leaf) == [0x4000_0000, 0x4000_0100])
        let env = try fingerprint("kvm-guest", cpuid: cpuid)
        // KVM's own block names the hypervisor running; "Microsoft Hv" first is its Hyper-V interface.
        #expect(env.hypervisor.vendor == "KVM")
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("cpuid: Hyper-V enlightenments:") })
        #expect(env.hypervisor.signatures == ["Microsoft Hv", "KVMKVMKVM"])
        #expect(env.hypervisor.evidence.contains { $0.contains("leaf 0x40000100 signature \"KVMKVMKVM\" (KVM)") })
    }

    @Test func fingerprintRoundTripsThroughJSON() throws {
        let env = try fingerprint("vmware-sriov")
        let data = try JSONEncoder().encode(env)
        #expect(try JSONDecoder().decode(Environment.self, from: data) == env)
    }

    @Test func linksResolveInsideTheRoot() {
        let root = fixtureRoot("kvm-guest")
        #expect(root.canonicalPath("/sys/class/net/eth0/device") == "/sys/devices/pci0000:00/0000:00:03.0/virtio2")
        #expect(root.canonicalPath("/sys/block/vda/device/driver") == "/sys/bus/virtio/drivers/virtio_blk")
        // `..` past the top stays at the root, as in the kernel.
        #expect(root.canonicalPath("/sys/../../../proc/cpuinfo") == "/proc/cpuinfo")
    }
}

@Suite struct EnvironmentSignatureTests {
    @Test(arguments: [
        (0x4b4d_564b, 0x564b_4d56, 0x0000_004d, "KVMKVMKVM", "KVM"),
        (0x6177_4d56, 0x4d56_6572, 0x6572_6177, "VMwareVMware", "VMware"),
        (0x7263_694d, 0x666f_736f, 0x7648_2074, "Microsoft Hv", "Microsoft Hv"),
        (0x566e_6558, 0x6558_4d4d, 0x4d4d_566e, "XenVMMXenVMM", "Xen"),
        (0x5447_4354, 0x4354_4743, 0x4743_5447, "TCGTCGTCGTCG", "QEMU TCG"),
        (0x786f_4256, 0x786f_4256, 0x786f_4256, "VBoxVBoxVBox", "VirtualBox"),
        (0x7679_6862, 0x6862_2065, 0x2065_7679, "bhyve bhyve ", "bhyve"),
        (0x4e52_4341, 0x4e52_4341, 0x4e52_4341, "ACRNACRNACRN", "ACRN"),
        (0x7072_6c20, 0x6879_7065, 0x7276_2020, " lrpepyh  vr", "Parallels"),
    ] as [(UInt32, UInt32, UInt32, String, String)])
    func decodesSignature(ebx: UInt32, ecx: UInt32, edx: UInt32, raw: String, vendor: String) {
        let decoded = decodeHypervisorSignature(ebx: ebx, ecx: ecx, edx: edx)
        #expect(decoded == raw)
        #expect(decoded.map { hypervisorVendorName(signature: $0) } == vendor)
    }

    @Test func unknownSignatureStaysRaw() {
        #expect(hypervisorVendorName(signature: "NewVisorXYZ") == "NewVisorXYZ")
    }

    @Test func rejectsEmptyAndGarbage() {
        #expect(decodeHypervisorSignature(ebx: 0, ecx: 0, edx: 0) == nil)
        #expect(decodeHypervisorSignature(ebx: 0x340, ecx: 0x340, edx: 0) == nil)
        #expect(decodeHypervisorSignature(ebx: 0x2020_2020, ecx: 0x2020_2020, edx: 0x2020_2020) == nil)
    }

    @Test func unknownSignatureCountsOnlyWithTheHypervisorBit() {
        // "ABCDEFGHIJKL": printable, unknown.
        let leaf = "40000000 0 0 44434241 48474645 4c4b4a49"
        let withBit = scanHypervisorCPUID(FixtureCPUID(text: "1 0 0 0 80000000 0\n" + leaf))
        #expect(withBit.signatures.map(\.vendor) == ["ABCDEFGHIJKL"])
        let withoutBit = scanHypervisorCPUID(FixtureCPUID(text: "1 0 0 0 00000000 0\n" + leaf))
        #expect(withoutBit.signatures.isEmpty)
        #expect(withoutBit.hypervisorBit == false)
    }
}

@Suite struct EnvironmentClassificationTests {
    private func path(_ id: String, driver: String? = nil, physfn: Bool = false, vfs: Int? = nil, hv: Bool = true) -> (String, String) {
        let facts = PCIFunctionFacts(id: id, classCode: "0x020000", driver: driver, hasPhysfn: physfn, totalVFs: vfs)
        let r = classifyPCIFunction(facts, hypervisorPresent: hv)
        return (r.path, r.reason)
    }

    @Test func classifiesKnownDevices() {
        #expect(path("1af4:1041", driver: "virtio_net").0 == "virtio")
        #expect(path("15ad:07b0", driver: "vmxnet3").0 == "paravirtual")
        #expect(path("8086:100e", driver: "e1000").0 == "emulated")
        #expect(path("8086:100e", driver: "e1000", hv: false).0 == "physical")
        #expect(path("1b36:0010", driver: "nvme").0 == "emulated")
        #expect(path("8086:1889", driver: "iavf").0 == "sriov-vf")
        #expect(path("15b3:101e", driver: "mlx5_core").0 == "sriov-vf")
        #expect(path("14e4:16dc", driver: "bnxt_en").0 == "sriov-vf")
        #expect(path("8086:1234", driver: "igbvf").0 == "sriov-vf")
        #expect(path("15b3:1017", driver: "mlx5_core").0 == "physical")
        #expect(path("8086:1593", driver: "ice", vfs: 64).0 == "sriov-pf")
        #expect(path("1d0f:8061", driver: "nvme").0 == "cloud-nitro")
        #expect(path("1d0f:cd01", driver: "nvme").0 == "cloud-nitro")
        #expect(path("8086:1593", driver: "ice", physfn: true, hv: false).0 == "sriov-vf")
    }

    @Test func awsENAIsAVirtualFunction() {
        let (p, reason) = path("1d0f:ec20", driver: "ena")
        #expect(p == "sriov-vf")
        #expect(reason.contains("AWS ENA"))
    }

    @Test func vfAndPassthroughTogetherAreExplained() {
        let hv = Hypervisor(present: true, vendor: "KVM", signatures: ["KVMKVMKVM"], evidence: ["cpuid: ..."])
        let vf = Device(name: "eth1", kind: "network", bus: "pci", pciAddress: "0000:00:05.0", pciID: "15b3:101e",
                        driver: "mlx5_core", path: "sriov-vf", reason: "VF")
        let gpu = Device(name: "0000:00:06.0", kind: "gpu", bus: "pci", pciAddress: "0000:00:06.0", pciID: "10de:2330",
                         driver: "nvidia", path: "physical", reason: "GPU")
        let both = detectConfiguration(hypervisor: hv, devices: [vf, gpu])
        #expect(both.detected == "vm-sriov")
        #expect(both.reasons.contains { $0.hasPrefix("passed-through devices are present as well") })
        #expect(both.reasons.contains("0000:00:06.0 is passed through: GPU"))
        #expect(detectConfiguration(hypervisor: hv, devices: [gpu]).detected == "passthrough")
        // A VF on storage alone does not make vm-sriov; a physical NIC on the host is bare metal.
        let none = Hypervisor(present: false, vendor: nil, signatures: [], evidence: [])
        #expect(detectConfiguration(hypervisor: none, devices: [vf, gpu]).detected == "bare-metal")
    }

    @Test func perfAdvice() {
        #expect(perfUnavailableReason(errno: EACCES, paranoid: 2)
            == "kernel.perf_event_paranoid is 2; set it to 1 (sysctl -w kernel.perf_event_paranoid=1) or run as root")
        #expect(perfUnavailableReason(errno: ENOENT, paranoid: nil)
            == "no hardware PMU visible (common in VMs: the hypervisor does not expose one)")
        #expect(perfUnavailableReason(errno: EOPNOTSUPP, paranoid: nil) == perfUnavailableReason(errno: ENODEV, paranoid: nil))
        #expect(perfUnavailableReason(errno: EPERM, paranoid: 1)
            == "perf_event_open is blocked (seccomp profile or missing CAP_PERFMON; in a container allow perf_event_open)")
    }
}

/// Whether `/proc/cpuinfo` of this machine lists the `hypervisor` flag.
private let runningUnderHypervisor: Bool = {
    (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("flags") }?
        .split(separator: " ").contains("hypervisor") ?? false
}()

/// Whether CPUID leaf 0x40000000 of this machine says `KVMKVMKVM`.
private let runningUnderKVM: Bool = {
    guard let r = HardwareCPUID().cpuid(leaf: 0x4000_0000, subleaf: 0) else { return false }
    return decodeHypervisorSignature(ebx: r.ebx, ecx: r.ecx, edx: r.edx) == "KVMKVMKVM"
}()

@Suite struct EnvironmentLiveTests {
    @Test(.enabled(if: runningUnderHypervisor, "needs a guest: /proc/cpuinfo lists the hypervisor flag"))
    func liveGuestIsAVirtualMachine() {
        let env = collectEnvironment(.live)
        #expect(env.hypervisor.present)
        #expect(env.configuration.detected != "bare-metal")
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("cpuinfo-flag") })
        #expect(env.cpu.flags.contains("hypervisor"))
        #expect(env.cpu.logicalCPUs >= 1)
        #expect(!env.clocksource.isEmpty)
        #expect(env.availableClocksources.contains(env.clocksource))
        #expect(!env.numa.nodes.isEmpty)
        #expect(env.numa.distances.count == env.numa.nodes.count)
    }

    @Test(.enabled(if: runningUnderKVM, "needs a KVM guest: CPUID leaf 0x40000000 says KVMKVMKVM"))
    func liveKVMGuest() {
        let env = collectEnvironment(.live)
        #expect(env.hypervisor.signatures.contains("KVMKVMKVM"))
        #expect(env.hypervisor.vendor == "KVM")
        #expect(["vm", "vm-sriov", "passthrough"].contains(env.configuration.detected))
        #expect(env.hypervisor.evidence.contains { $0.contains("\"KVMKVMKVM\" (KVM)") })
    }
}

/// Device paths off PCI (virtio-mmio as Firecracker has it, Hyper-V VMBus, Xen), built as small
/// trees in a temporary directory with the relative links sysfs has.
@Suite struct EnvironmentNonPCIDeviceTests {
    private func makeTree(_ build: (URL) throws -> Void) throws -> SystemRoot {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try build(dir)
        return SystemRoot(path: dir.path)
    }

    private func link(_ root: URL, _ path: String, _ target: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    private func mkdir(_ root: URL, _ path: String) throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(path), withIntermediateDirectories: true)
    }

    @Test func virtioMMIOVMBusAndXen() throws {
        let root = try makeTree { r in
            // Firecracker: virtio over MMIO, no PCI at all.
            let mmio = "sys/devices/virtio-mmio-cmdline/virtio-mmio.0/virtio0"
            try mkdir(r, "\(mmio)/net/eth0")
            try link(r, "sys/class/net/eth0", "../../devices/virtio-mmio-cmdline/virtio-mmio.0/virtio0/net/eth0")
            try link(r, "\(mmio)/net/eth0/device", "../../../virtio0")
            try link(r, "\(mmio)/driver", "../../../../bus/virtio/drivers/virtio_net")
            // Hyper-V synthetic NIC on VMBus.
            let vmbus = "sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/000d3a6e-4548-000d-3a6e-4548000d3a6e"
            try mkdir(r, "\(vmbus)/net/eth1")
            try link(r, "sys/class/net/eth1", "../../devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/000d3a6e-4548-000d-3a6e-4548000d3a6e/net/eth1")
            try link(r, "\(vmbus)/net/eth1/device", "../../../000d3a6e-4548-000d-3a6e-4548000d3a6e")
            try link(r, "\(vmbus)/driver", "../../../../../../bus/vmbus/drivers/hv_netvsc")
            // Xen block front end.
            try mkdir(r, "sys/devices/vbd-51712/block/xvda")
            try link(r, "sys/block/xvda", "../devices/vbd-51712/block/xvda")
            try link(r, "sys/devices/vbd-51712/block/xvda/device", "../../../vbd-51712")
            try link(r, "sys/devices/vbd-51712/driver", "../../bus/xen/drivers/vbd")
        }
        var notes: [String] = []
        let devices = collectDevices(root, hypervisorPresent: true, notes: &notes)
        #expect(devices.map(\.name) == ["eth0", "eth1", "xvda"])
        #expect(devices.map(\.bus) == ["virtio-mmio", "vmbus", "xen"])
        #expect(devices.map(\.path) == ["virtio", "paravirtual", "paravirtual"])
        #expect(devices.map(\.driver) == ["virtio_net", "hv_netvsc", "vbd"])
        #expect(devices.allSatisfy { $0.pciAddress == nil })
        try? FileManager.default.removeItem(atPath: root.path)
    }
}
