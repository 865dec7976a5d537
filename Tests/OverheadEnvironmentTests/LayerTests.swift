import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCompare
@testable import OverheadEngine
@testable import OverheadEnvironment
@testable import OverheadExplain
import OverheadBenchmarks
import OverheadModel
import OverheadReport
import OverheadSystem

// The fingerprint's second layer (container, cgroup, allowed CPUs, seccomp), the detection fixes
// of issue 18, thread counts matched by their resolved value, and the CPU quota throttling watch.

private let envFixtures = fixturesDirectory.appendingPathComponent("env")

/// The fingerprint of a committed fixture tree, with its cpuid.txt, as `env --root` reads it.
private func fixtureEnvironment(_ name: String) throws -> Environment {
    let dir = envFixtures.appendingPathComponent(name)
    let cpuid = CPUIDTable(text: try String(contentsOf: dir.appendingPathComponent("cpuid.txt"), encoding: .utf8))
    return collectEnvironment(FingerprintSources(root: SystemRoot(path: dir.path), cpuid: cpuid, live: false))
}

/// A small tree in a temporary directory: files (path → text) and symbolic links (path → target).
private final class Tree {
    let url: URL
    var root: SystemRoot { SystemRoot(path: url.path) }

    init(files: [String: String], links: [String: String] = [:]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("layers-\(UUID().uuidString)")
        for (path, text) in files {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        for (path, target) in links {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target)
        }
    }

    func mkdir(_ path: String) throws {
        try FileManager.default.createDirectory(at: url.appendingPathComponent(path), withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

private let noHypervisor = Hypervisor(present: false, vendor: nil, signatures: [], evidence: [])
private let kvm = Hypervisor(present: true, vendor: "KVM", signatures: ["KVMKVMKVM"], evidence: ["cpuid: ..."])

// MARK: Machine layer

@Suite struct MachineLayerFixtureTests {
    @Test func ec2MetalOfAnySizeIsBareMetal() throws {
        let env = try fixtureEnvironment("ec2-metal")
        #expect(env.configuration.detected == "bare-metal")
        #expect(env.hypervisor.present == false)
        #expect(env.hypervisor.vendor == nil)
        #expect(env.configuration.reasons.contains { $0.contains("\"m7i.metal-24xl\" is an EC2 bare-metal instance") })
        // Its devices are the host's own, not passed through.
        #expect(env.devices.allSatisfy { !$0.reason.contains("passed through") })
        #expect(env.configuration.defaultLabel == "bare-metal")
        // The process layer of the tree: cgroup v2, no quota, the whole machine allowed.
        let process = try #require(env.process)
        #expect(process.allowedCPUs == Array(0...7))
        #expect(process.seccomp == "disabled")
        #expect(process.seccompFilters == 0)
        let cgroup = try #require(process.cgroup)
        #expect(cgroup.version == 2)
        #expect(cgroup.path == "/user.slice/user-1000.slice/session-3.scope")
        #expect(cgroup.cpuQuotaUs == nil && cgroup.cpuLimit == nil)
        #expect(cgroup.cpusetEffective == Array(0...7))
        #expect(cgroup.memoryLimitBytes == nil)
        let container = try #require(env.configuration.container)
        #expect(container.detected == "none")
        #expect(container.reasons.contains("the process is in the initial PID namespace (pid:[4026531836])"))
    }

    @Test(arguments: [
        ("Amazon EC2", "m7i.metal-24xl", false), ("Amazon EC2", "c5.metal", false), ("Amazon EC2", "i4i.metal", false),
        ("Amazon EC2", "m6g.metal", false), ("Amazon EC2", "m5.large", true), ("Amazon EC2", "c7i.48xlarge", true),
        ("QEMU", "Standard PC (Q35 + ICH9, 2009)", true), ("Supermicro", "SYS-120U-TNR", false),
    ])
    func dmiNamesEC2MetalInEverySize(vendor: String, product: String, virtual: Bool) throws {
        let tree = try Tree(files: ["sys/class/dmi/id/sys_vendor": vendor + "\n", "sys/class/dmi/id/product_name": product + "\n"])
        let dmi = try #require(readDMI(tree.root))
        #expect(dmi.isVirtual == virtual)
        #expect((dmi.bareMetalNote != nil) == (vendor == "Amazon EC2" && !virtual))
    }

    @Test func dmiNeverOverridesAClearCPUIDBit() throws {
        // Firmware that says QEMU on a machine whose CPUID says no hypervisor (a re-flashed board,
        // copied SMBIOS tables): CPUID wins and the conflict is a reason.
        let tree = try Tree(files: [
            "sys/class/dmi/id/sys_vendor": "QEMU\n", "sys/class/dmi/id/product_name": "Standard PC (i440FX + PIIX, 1996)\n",
            "proc/cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2\n\n",
        ])
        let cpuid = CPUIDTable(text: "1 0 000606a6 00400800 7ffefbff bfebfbff")
        let env = collectEnvironment(FingerprintSources(root: tree.root, cpuid: cpuid, live: false))
        #expect(env.hypervisor.present == false)
        #expect(env.configuration.detected == "bare-metal")
        let conflict = try #require(env.configuration.reasons.first { $0.hasPrefix("conflict: dmi:") })
        #expect(conflict.contains("CPUID leaf 1 ECX bit 31 is clear"))
        #expect(conflict.contains("CPUID wins"))
        #expect(!env.configuration.reasons.contains { $0.contains("DMI does not name a virtual machine") })
        // Without CPUID (no instruction) DMI still counts.
        let noCPUID = collectEnvironment(FingerprintSources(root: tree.root, cpuid: nil, live: false))
        #expect(noCPUID.hypervisor.present)
        #expect(noCPUID.hypervisor.vendor == "QEMU")
    }

    @Test func xenDom0IsItsOwnCase() throws {
        let env = try fixtureEnvironment("xen-dom0")
        #expect(env.configuration.detected == "xen-dom0")
        #expect(env.hypervisor.present)
        #expect(env.hypervisor.vendor == "Xen")
        #expect(env.hypervisor.xenControlDomain == true)
        #expect(env.hypervisor.nested == nil)
        #expect(env.configuration.reasons.first?.hasPrefix("Xen control domain (dom0)") == true)
        // The NIC, the NVMe drive and the GPU are dom0's own: classified as on a host.
        #expect(Set(env.devices.map(\.name)) == ["ens1f0", "nvme0n1", "0000:03:00.0"])
        #expect(env.devices.allSatisfy { !$0.reason.contains("passed through") && !$0.reason.contains("under a hypervisor") })
        #expect(env.configuration.reasons.contains { $0.hasPrefix("nvme0n1 is owned by dom0 (not passthrough)") })
        #expect(env.configuration.defaultLabel == "xen-dom0")
    }

    @Test func xenDomUIsAGuest() throws {
        // The same Xen evidence without control_d: an unprivileged guest, devices passed through.
        let tree = try Tree(files: ["sys/hypervisor/type": "xen\n", "proc/xen/capabilities": "\n"])
        let hv = collectHypervisor(FingerprintSources(root: tree.root, cpuid: nil, live: false), cpuFlags: []).0
        #expect(hv.present && hv.vendor == "Xen")
        #expect(hv.xenControlDomain == false)
        #expect(detectConfiguration(hypervisor: hv, devices: []).detected == "vm")
    }

    @Test func kvmWithHyperVEnlightenmentsIsKVM() throws {
        let env = try fixtureEnvironment("kvm-hyperv")
        #expect(env.hypervisor.vendor == "KVM")
        #expect(env.hypervisor.signatures == ["Microsoft Hv", "KVMKVMKVM"])
        #expect(env.hypervisor.evidence.contains { $0.hasPrefix("cpuid: Hyper-V enlightenments:") && $0.contains("KVM is the one running") })
        #expect(env.hypervisor.evidence.contains("cpuid: leaf 0x40000000 signature \"Microsoft Hv\" (Microsoft Hv)"))
        #expect(env.configuration.detected == "vm")
        #expect(env.configuration.reasons.first == "running under hypervisor KVM")
    }

    @Test func vendorChoiceFromSignatures() {
        let hv = HypervisorSignature(leaf: 0x4000_0000, raw: "Microsoft Hv", vendor: "Microsoft Hv")
        let kvmSig = HypervisorSignature(leaf: 0x4000_0100, raw: "KVMKVMKVM", vendor: "KVM")
        let xen = HypervisorSignature(leaf: 0x4000_0100, raw: "XenVMMXenVMM", vendor: "Xen")
        let odd = HypervisorSignature(leaf: 0x4000_0100, raw: "SomethingNew", vendor: "SomethingNew")
        #expect(hypervisorVendor([hv]).vendor == "Microsoft Hv")
        #expect(hypervisorVendor([hv]).note == nil)
        #expect(hypervisorVendor([hv, kvmSig]).vendor == "KVM")
        #expect(hypervisorVendor([hv, xen]).vendor == "Xen")
        #expect(hypervisorVendor([hv, xen]).note?.contains("Hyper-V enlightenments") == true)
        // An unknown later block is no evidence of who runs: Hyper-V stays.
        #expect(hypervisorVendor([hv, odd]).vendor == "Microsoft Hv")
        #expect(hypervisorVendor([kvmSig]).vendor == "KVM")
        #expect(hypervisorVendor([]).vendor == nil)
    }

    @Test func nestedVirtualizationEvidence() throws {
        // Hyper-V's recommendations leaf with the nested bit (12), and vmx exposed to the guest.
        let cpuid = CPUIDTable(text: """
            1 0 00a00f11 01020800 fffa3203 178bfbff
            40000000 0 4000000b 7263694d 666f736f 76482074
            40000004 0 00001000 00000000 00000000 00000000
            """)
        let tree = try Tree(files: [
            "proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu vmx hypervisor\n\n", "sys/module/kvm_intel/parameters/nested": "Y\n",
        ])
        let env = collectEnvironment(FingerprintSources(root: tree.root, cpuid: cpuid, live: false))
        let nested = try #require(env.hypervisor.nested)
        #expect(nested.contains { $0.contains("lists vmx") })
        #expect(nested.contains { $0.hasPrefix("kvm_intel is loaded in this guest with nested=Y") })
        #expect(nested.contains { $0.contains("0x40000004 EAX bit 12") })
        // Bit 12 clear, no vmx: nothing is claimed.
        let plain = CPUIDTable(text: "1 0 00a00f11 01020800 fffa3203 178bfbff\n40000000 0 4000000b 7263694d 666f736f 76482074")
        let quiet = try Tree(files: ["proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu hypervisor\n\n"])
        #expect(collectEnvironment(FingerprintSources(root: quiet.root, cpuid: plain, live: false)).hypervisor.nested == nil)
    }

    @Test func perfENOSYSUnderASeccompFilterIsSeccomp() {
        let filtered = perfUnavailableReason(errno: ENOSYS, paranoid: 2, seccomp: "filter")
        #expect(filtered.hasPrefix("perf_event_open is refused by a seccomp filter (ENOSYS while Seccomp is 2"))
        #expect(filtered.contains("seccomp=unconfined"))
        let kernel = perfUnavailableReason(errno: ENOSYS, paranoid: 2, seccomp: "disabled")
        #expect(kernel.hasPrefix("perf_event_open is not available (kernel built without CONFIG_PERF_EVENTS)"))
        #expect(kernel.contains("no seccomp filter is attached"))
        #expect(perfUnavailableReason(errno: ENOSYS, paranoid: nil) == "perf_event_open is not available (kernel built without CONFIG_PERF_EVENTS)")
        // EPERM under a filter names the profile first; without one, the old advice.
        #expect(perfUnavailableReason(errno: EPERM, paranoid: 2, seccomp: "filter").hasPrefix("perf_event_open is refused (EPERM) with a seccomp filter attached"))
        #expect(perfUnavailableReason(errno: EPERM, paranoid: 2, seccomp: "disabled").hasPrefix("perf_event_open is blocked (seccomp profile or missing CAP_PERFMON"))
        // EACCES keeps its paranoid advice under a filter.
        #expect(perfUnavailableReason(errno: EACCES, paranoid: 3, seccomp: "filter").hasPrefix("kernel.perf_event_paranoid is 3"))
    }
}

// MARK: Container layer

/// mountinfo lines: the root (overlay or ext4) and a cgroup2 mount showing `cgroupRoot`.
private func mountinfo(rootType: String = "overlay", cgroup2Root: String? = "/", extra: [String] = []) -> String {
    var lines = ["600 500 0:50 / / rw,relatime - \(rootType) \(rootType == "overlay" ? "overlay" : "/dev/vda1") rw"]
    if let cgroup2Root { lines.append("610 600 0:30 \(cgroup2Root) /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw") }
    return (lines + extra).joined(separator: "\n") + "\n"
}

@Suite struct ContainerLayerTests {
    @Test func dockerOnCgroupV2WithAQuota() throws {
        // docker run --cpus 0.5 --memory 512m --cpuset-cpus 2-3, cgroup namespace private: the
        // container sees its cgroup as / and its own directory mounted at /sys/fs/cgroup.
        let tree = try Tree(
            files: [
                "proc/self/cgroup": "0::/\n", "proc/self/mountinfo": mountinfo(cgroup2Root: "/system.slice/docker-4b1e.scope"),
                "proc/self/status": "Name:\tb\nSeccomp:\t2\nSeccomp_filters:\t1\nCpus_allowed_list:\t2-3\n",
                ".dockerenv": "",
                "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n", "sys/fs/cgroup/cpu.max": "50000 100000\n",
                "sys/fs/cgroup/memory.max": "536870912\n", "sys/fs/cgroup/cpuset.cpus.effective": "2-3\n",
                "sys/fs/cgroup/cpu.stat": "usage_usec 10\nnr_periods 81\nnr_throttled 58\nthrottled_usec 2900000\n",
            ],
            links: ["proc/self/ns/pid": "pid:[4026532301]", "proc/self/ns/cgroup": "cgroup:[4026532302]"])
        let env = collectEnvironment(FingerprintSources(root: tree.root, cpuid: nil, live: false))
        let container = try #require(env.configuration.container)
        #expect(container.detected == "container")
        #expect(container.runtime == "docker")
        #expect(container.kubernetes == false)
        #expect(container.reasons.contains("/.dockerenv exists"))
        #expect(container.reasons.contains("the root file system is an overlay (a container image's layers)"))
        #expect(container.reasons.contains("the process has a PID namespace of its own (pid:[4026532301])"))
        let process = try #require(env.process)
        #expect(process.seccomp == "filter" && process.seccompFilters == 1)
        #expect(process.allowedCPUs == [2, 3])
        let cgroup = try #require(process.cgroup)
        #expect(cgroup.version == 2 && cgroup.path == "/")
        #expect(cgroup.cpuQuotaUs == 50000 && cgroup.cpuPeriodUs == 100000 && cgroup.cpuLimit == 0.5)
        #expect(cgroup.cpuQuotaSetBy == "/sys/fs/cgroup")
        #expect(cgroup.memoryLimitBytes == 512 << 20)
        #expect(cgroup.cpusetEffective == [2, 3])
        // The throttling counters of the same cgroup.
        let stat = try #require(CgroupCPUStat.read(root: tree.root))
        #expect(stat.levels.map(\.directory) == ["/sys/fs/cgroup"])
        #expect(stat.levels[0].counters == CgroupCPUStat.Counters(periods: 81, throttledPeriods: 58, throttledUs: 2_900_000))
    }

    @Test func kubernetesPodOnCgroupV1TakesTheTightestQuota() throws {
        // A containerd pod: the pod's cgroup limits 1.5 CPUs, the container's 2; the process sees
        // host paths (no cgroup namespace) and the v1 hierarchies mounted at their roots.
        let pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice"
        let ctr = pod + "/cri-containerd-89ab.scope"
        let v1 = [
            "701 600 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct",
            "702 600 0:32 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset",
            "703 600 0:33 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
        ]
        let tree = try Tree(
            files: [
                "proc/self/cgroup": "12:memory:\(ctr)\n5:cpuset:\(ctr)\n3:cpu,cpuacct:\(ctr)\n0::/\n",
                "proc/self/mountinfo": mountinfo(cgroup2Root: nil, extra: v1),
                "proc/self/environ": "PATH=/bin\0KUBERNETES_SERVICE_HOST=10.96.0.1\0",
                "var/run/secrets/kubernetes.io/serviceaccount/token": "x",
                "sys/fs/cgroup/cpu,cpuacct\(pod)/cpu.cfs_quota_us": "150000\n", "sys/fs/cgroup/cpu,cpuacct\(pod)/cpu.cfs_period_us": "100000\n",
                "sys/fs/cgroup/cpu,cpuacct\(ctr)/cpu.cfs_quota_us": "200000\n", "sys/fs/cgroup/cpu,cpuacct\(ctr)/cpu.cfs_period_us": "100000\n",
                "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n", "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
                "sys/fs/cgroup/cpu,cpuacct\(ctr)/cpu.stat": "nr_periods 10\nnr_throttled 0\nthrottled_time 0\n",
                "sys/fs/cgroup/cpu,cpuacct\(pod)/cpu.stat": "nr_periods 12\nnr_throttled 5\nthrottled_time 7000000\n",
                "sys/fs/cgroup/cpuset\(ctr)/cpuset.effective_cpus": "0-3\n",
                "sys/fs/cgroup/memory\(ctr)/memory.limit_in_bytes": "9223372036854771712\n",
                "sys/fs/cgroup/memory\(pod)/memory.limit_in_bytes": "1073741824\n",
            ],
            links: ["proc/self/ns/pid": "pid:[4026532999]"])
        let env = collectEnvironment(FingerprintSources(root: tree.root, cpuid: nil, live: false))
        let container = try #require(env.configuration.container)
        #expect(container.detected == "pod")
        #expect(container.runtime == "containerd")
        #expect(container.kubernetes)
        #expect(container.reasons.contains { $0.contains("under kubepods") })
        #expect(container.reasons.contains("/var/run/secrets/kubernetes.io/serviceaccount is mounted (a Kubernetes pod's service account)"))
        #expect(container.reasons.contains("KUBERNETES_SERVICE_HOST is set (a Kubernetes pod)"))
        let cgroup = try #require(env.process?.cgroup)
        #expect(cgroup.version == 1 && cgroup.path == ctr)
        #expect(cgroup.cpuQuotaUs == 150000 && cgroup.cpuLimit == 1.5)
        #expect(cgroup.cpuQuotaSetBy == "/sys/fs/cgroup/cpu,cpuacct" + pod)
        #expect(cgroup.memoryLimitBytes == 1 << 30)
        #expect(cgroup.cpusetEffective == [0, 1, 2, 3])
        #expect(env.configuration.defaultLabel == "bare-metal-pod")
        // v1 cpu.stat says nanoseconds; the pod level is the one that throttles.
        let stat = try #require(CgroupCPUStat.read(root: tree.root))
        #expect(stat.levels.count == 2)
        #expect(stat.levels[1].counters.throttledUs == 7000)
    }

    @Test func podmanSystemdNspawnLXCGVisorAndKata() throws {
        let podman = try Tree(
            files: [
                "run/.containerenv": "engine=\"podman-4.3.1\"\nname=\"bench\"\n",
                "proc/self/cgroup": "0::/machine.slice/libpod-30e6.scope/container\n", "proc/self/mountinfo": mountinfo(),
            ])
        let p = detectContainer(podman.root, hypervisor: kvm, cgroupPath: "/machine.slice/libpod-30e6.scope/container")
        #expect(p.detected == "container" && p.runtime == "podman" && p.sandbox == nil)
        #expect(p.reasons.first == "/run/.containerenv exists (written by podman, engine podman-4.3.1)")
        #expect(p.labelSuffix == "container")

        let nspawn = try Tree(files: ["run/systemd/container": "systemd-nspawn\n", "proc/1/environ": "container=systemd-nspawn\0"])
        let n = detectContainer(nspawn.root, hypervisor: noHypervisor, cgroupPath: "/machine.slice/machine-bench.scope/payload")
        #expect(n.detected == "container" && n.runtime == "systemd-nspawn")
        #expect(n.reasons.contains("the environment says container=systemd-nspawn"))

        let lxc = try Tree(files: [
            "proc/1/environ": "container=lxc\0",
            "proc/self/mountinfo": mountinfo(rootType: "ext4", extra: ["620 600 0:60 / /proc/cpuinfo rw - fuse.lxcfs lxcfs rw"]),
        ])
        let l = detectContainer(lxc.root, hypervisor: noHypervisor, cgroupPath: "/lxc.payload.web1")
        #expect(l.detected == "container" && l.runtime == "lxc")
        #expect(l.reasons.contains { $0.hasPrefix("lxcfs is mounted over /proc") })

        let gvisor = try Tree(files: [
            "proc/version": "Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016\n", ".dockerenv": "",
            "proc/self/mountinfo": "1 0 0:1 / / rw - 9p none rw\n",
        ])
        let g = detectContainer(gvisor.root, hypervisor: noHypervisor, cgroupPath: "/")
        #expect(g.detected == "container" && g.sandbox == "gvisor" && g.runtime == "docker")
        #expect(g.reasons.contains { $0.contains("no /proc/kallsyms or /proc/modules") })
        #expect(g.reasons.contains("the root file system is served over 9p (gVisor's gofer)"))
        #expect(g.labelSuffix == "gvisor")

        // Kata: a VM per pod, so both layers apply: the machine layer is vm, the sandbox kata.
        let kata = try Tree(files: [
            "proc/cmdline": "tsc=reliable console=hvc0 agent.log=debug agent.debug_console\n",
            "proc/self/mountinfo": mountinfo(extra: ["630 600 0:70 / /run/kata-containers/shared/containers rw - virtiofs kataShared rw"]),
            "run/secrets/kubernetes.io/serviceaccount/namespace": "default",
        ])
        let k = detectContainer(kata.root, hypervisor: kvm, cgroupPath: "/kubepods/besteffort/pod77/abc")
        #expect(k.detected == "pod" && k.sandbox == "kata" && k.kubernetes)
        #expect(k.reasons.contains("a kataShared mount is present: the pod runs in a Kata Containers VM"))
        #expect(Configuration(detected: "vm", reasons: [], container: k).defaultLabel == "vm-kata")
        // The agent's options alone count too, but only under a hypervisor.
        let agentOnly = try Tree(files: ["proc/cmdline": "console=hvc0 agent.log=debug\n"])
        #expect(detectContainer(agentOnly.root, hypervisor: kvm, cgroupPath: nil).sandbox == "kata")
        #expect(detectContainer(agentOnly.root, hypervisor: noHypervisor, cgroupPath: nil).detected == "none")
    }

    @Test func anImageTurnedIntoAMachineIsNoContainer() throws {
        // /.dockerenv and an overlay root (a docker image booted as a Firecracker VM, like this
        // project's development machine) but the initial PID namespace and the root cgroup.
        let tree = try Tree(files: [".dockerenv": "", "proc/self/mountinfo": mountinfo()], links: ["proc/self/ns/pid": "pid:[4026531836]"])
        let c = detectContainer(tree.root, hypervisor: kvm, cgroupPath: "/")
        #expect(c.detected == "none" && c.runtime == nil)
        #expect(c.reasons.first == "/.dockerenv exists, but that alone is no container (images turned into VMs keep it)")
        #expect(c.reasons.contains("the process is in the initial PID namespace (pid:[4026531836])"))
        #expect(Configuration(detected: "vm", reasons: [], container: c).defaultLabel == "vm")
        // Nothing at all: none, said plainly.
        let empty = try Tree(files: [:])
        #expect(detectContainer(empty.root, hypervisor: noHypervisor, cgroupPath: nil).reasons
            == ["no container runtime marker, no container= variable, no runtime cgroup, no Kubernetes service account"])
    }

    @Test func cgroupParsing() {
        let (unified, legacy) = parseProcCgroup("12:cpu,cpuacct:/a/b\n4:name=systemd:/x\n0::/user.slice\n")
        #expect(unified == "/user.slice")
        #expect(legacy["cpu"] == "/a/b" && legacy["cpuacct"] == "/a/b" && legacy["name=systemd"] == "/x")
        let mounts = parseCgroupMounts("""
            30 23 0:27 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate
            32 31 0:29 /docker/ab /sys/fs/cgroup/cpu\\040x rw,relatime - cgroup cgroup rw,cpu,cpuacct
            33 31 0:30 / /proc rw - proc proc rw
            """)
        #expect(mounts.count == 2)
        #expect(mounts[0] == CgroupMount(mountPoint: "/sys/fs/cgroup", root: "/", type: "cgroup2", controllers: []))
        #expect(mounts[1].mountPoint == "/sys/fs/cgroup/cpu x" && mounts[1].root == "/docker/ab")
        #expect(mounts[1].controllers == ["cpu", "cpuacct"])
        #expect(parseCPUStat("usage_usec 5\nnr_periods 3\nnr_throttled 1\nthrottled_usec 250\n")
            == CgroupCPUStat.Counters(periods: 3, throttledPeriods: 1, throttledUs: 250))
        #expect(parseCPUStat("nr_periods 3\nnr_throttled 1\nthrottled_time 250000\n")?.throttledUs == 250)
        // v2 without the cpu controller: usage only, no CFS counters.
        #expect(parseCPUStat("usage_usec 5\nuser_usec 4\nsystem_usec 1\n") == nil)
        #expect(formatCPUList([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8")
        #expect(formatCPUList([]) == "")
    }

    @Test func throttleDeltaPicksTheLevelThatThrottled() {
        let before = CgroupCPUStat(levels: [
            ("/c", .init(periods: 10, throttledPeriods: 0, throttledUs: 0)), ("/p", .init(periods: 10, throttledPeriods: 2, throttledUs: 100)),
        ])
        let after = CgroupCPUStat(levels: [
            ("/c", .init(periods: 30, throttledPeriods: 0, throttledUs: 0)), ("/p", .init(periods: 30, throttledPeriods: 17, throttledUs: 900)),
        ])
        let delta = after.delta(since: before)
        #expect(delta?.directory == "/p")
        #expect(delta?.counters == CgroupCPUStat.Counters(periods: 20, throttledPeriods: 15, throttledUs: 800))
        // The process moved (other levels) or a counter went backwards: no measurement.
        #expect(CgroupCPUStat(levels: [("/other", .init(periods: 40, throttledPeriods: 0, throttledUs: 0))]).delta(since: before) == nil)
        #expect(before.delta(since: after) == nil)

    }

    @Test func throttlingIsSummedOverReplicatesAndWorkerParts() throws {
        // Two worker processes measured one replicate each; the quota throttled both.
        func part(_ periods: Int?, _ throttled: Int?, _ us: Int?) throws -> BenchmarkResult {
            let samples = [10.0, 10.1, 10.2]
            return try BenchmarkResult(
                benchmark: "cpu.int", params: ["threads": "2"], metric: "throughput", unit: "Mop/s", better: .higher,
                samples: samples, summary: summarize(samples), counters: nil, warnings: [], iterationsPerSample: 1,
                overheadNsPerOp: nil, cpus: [0, 1],
                conditions: RunConditions(measuredSeconds: 1, stealPercent: nil, involuntaryContextSwitches: 0, voluntaryContextSwitches: 0),
                details: periods == nil ? nil : ["cpuThrottledPct": "stale"],
                replicates: [Replicate(
                    sampleCount: 3, median: 10.1, iterationsPerSample: 1, overheadNsPerOp: nil, measuredSeconds: 1, stealTicks: 0,
                    involuntaryContextSwitches: 0, migrations: nil, robustCV: 0,
                    cpuPeriods: periods, cpuThrottledPeriods: throttled, cpuThrottledUs: us)])
        }
        let combined = combineReplicates([try part(12, 9, 450_000), try part(8, 6, 350_000)], userHz: 100)
        #expect(combined.details?["cpuThrottledPct"] == "75.0")
        #expect(combined.details?["cpuThrottledPeriods"] == "15" && combined.details?["cpuPeriods"] == "20")
        #expect(combined.details?["cpuThrottledMs"] == "800.0")
        #expect(combined.warnings.filter { $0.hasPrefix("CPU quota throttling") }
            == ["CPU quota throttling: the cgroup's CPU quota ran out in 15 of 20 periods (75%, 800.0 ms throttled): these figures measure the quota, not the machine"])
        // Idempotent: refreshing again neither repeats the warning nor changes the figures.
        var again = combined
        again.refreshReplicateFindings(userHz: 100)
        #expect(again.warnings == combined.warnings && again.details == combined.details)
        // No quota (no periods counted): nothing recorded, nothing warned.
        let free = combineReplicates([try part(nil, nil, nil), try part(nil, nil, nil)], userHz: 100)
        #expect(free.details?["cpuThrottledPct"] == nil)
        #expect(!free.warnings.contains { $0.hasPrefix("CPU quota throttling") })
    }
}

// MARK: Thread counts

@Suite struct ThreadCountTests {
    private func resolve(_ yaml: String, allowed: [Int]) throws -> [BenchmarkCase] {
        try Workload.parse(yaml, path: "t.yaml").resolve(registry: Catalog.registry, cpus: allowed.count, allowedCPUs: allowed)
    }

    @Test func allIsResolvedToTheCountAndRemembered() throws {
        let yaml = "benchmarks:\n  - id: cpu.int\n    params: { threads: [1, all] }\n"
        let four = try resolve(yaml, allowed: [0, 1, 2, 3])
        #expect(four.map(\.params) == [["threads": "1"], ["threads": "4"]])
        #expect(four.map(\.requested) == [[:], ["threads": "all"]])
        // On one CPU `all` is 1: the case runs once, as the explicit threads=1.
        let one = try resolve(yaml, allowed: [1])
        #expect(one.map(\.params) == [["threads": "1"]])
        #expect(one[0].requested.isEmpty)
    }

    @Test func defaultsShareCountsAcrossMachineSizes() throws {
        let yaml = "benchmarks:\n  - cpu.int\n  - mem.bw.triad\n"
        let counts = { (cpus: Int) in try resolve(yaml, allowed: Array(0..<cpus)).filter { $0.benchmark.info.id == "cpu.int" }.map { $0.params["threads"]! } }
        #expect(try counts(8) == ["1", "2", "4", "8"])
        #expect(try counts(64) == ["1", "2", "4", "8", "16", "32", "64"])
        #expect(try counts(6) == ["1", "2", "4", "6"])
        #expect(try counts(1) == ["1"])
        // The shipped workloads name no `all` that survives resolution.
        for name in ["default", "quick"] {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Workloads/\(name).yaml").path
            let cases = try Workload.load(path: path).resolve(registry: Catalog.registry, cpus: 2, allowedCPUs: [0, 1])
            #expect(cases.allSatisfy { $0.params["threads"] != "all" || $0.benchmark.info.id == "numa.bw" })
            #expect(cases.filter { $0.benchmark.info.id == "cpu.int" }.map { $0.params["threads"] } == ["1", "2"])
        }
    }

    @Test func oldSetsAreNormalisedByTheirCPUs() throws {
        var set = try sampleResultSet()
        let r = try BenchmarkResult(
            benchmark: "cpu.int", params: ["threads": "all"], metric: "throughput", unit: "Mop/s", better: .higher, samples: [1, 2],
            summary: summarize([1, 2]), counters: nil, warnings: [], iterationsPerSample: 1, overheadNsPerOp: nil, cpus: [0, 1, 2],
            conditions: RunConditions(measuredSeconds: 1, stealPercent: nil, involuntaryContextSwitches: 0, voluntaryContextSwitches: 0))
        #expect(comparableParams(r, environment: set.environment) == ["threads": "3"])
        var noCPUs = r
        noCPUs.cpus = []
        set.environment.process = ProcessLimits(allowedCPUs: [4, 5], seccomp: nil, seccompFilters: nil, cgroup: nil)
        #expect(comparableParams(noCPUs, environment: set.environment) == ["threads": "2"])
        set.environment.process = nil
        set.environment.cpu.logicalCPUs = 64
        #expect(comparableParams(noCPUs, environment: set.environment) == ["threads": "64"])
        var explicit = r
        explicit.params = ["threads": "8", "x": "y"]
        #expect(comparableParams(explicit, environment: set.environment) == ["threads": "8", "x": "y"])
    }

    @Test func differentCountsAreNeverComparedSilently() throws {
        // A 64-core host and an 8-vCPU guest, both written with the word `all` (old sets).
        func result(_ threads: String, cpus: Int, _ v: Double) -> (String, [String: String], String, Better, [Double]) {
            ("cpu.int", ["threads": threads], "Mop/s", .higher, around(v))
        }
        var host = try syntheticSet(label: "bare-metal", id: "h", results: [result("1", cpus: 1, 100), result("all", cpus: 64, 6400)])
        host.set.results[1].cpus = Array(0..<64)
        var guest = try syntheticSet(label: "vm", id: "g", results: [result("1", cpus: 1, 99), result("all", cpus: 8, 790)])
        guest.set.results[1].cpus = Array(0..<8)
        let groups = groupByLabel([host, guest])
        let c = try compare(groups: groups, baseline: "bare-metal")
        #expect(c.rows.map(\.paramsText) == ["threads=1"])
        #expect(Set(c.missing.map(\.paramsText)) == ["threads=64", "threads=8"])
        #expect(c.notes.contains("cpu.int: thread counts differ (bare-metal ran 1, 64; vm ran 1, 8); only threads=1 is compared, the other counts are listed as missing and never compared with a different count"))
        // One side with fewer counts is still named.
        let same = try compare(groups: groupByLabel([host, try syntheticSet(label: "vm", id: "g2", results: [result("1", cpus: 1, 99)])]), baseline: "bare-metal")
        #expect(same.notes.contains { $0.contains("thread counts differ") })
        let equal = try compare(groups: groupByLabel([
            try syntheticSet(label: "bare-metal", id: "a", results: [result("1", cpus: 1, 100), result("2", cpus: 2, 200)]),
            try syntheticSet(label: "vm", id: "b", results: [result("1", cpus: 1, 99), result("2", cpus: 2, 199)]),
        ]), baseline: "bare-metal")
        #expect(!equal.notes.contains { $0.contains("thread counts differ") })
    }
}

// MARK: The gate and throttling in compare and explain

@Suite struct LayerGateTests {
    private func limits(allowed: [Int], quota: Int?, cpuset: [Int]?, seccomp: String, container: String?) -> (inout Environment) -> Void {
        { env in
            env.process = ProcessLimits(
                allowedCPUs: allowed, seccomp: seccomp, seccompFilters: seccomp == "filter" ? 1 : 0,
                cgroup: CgroupLimits(
                    version: 2, path: "/x", cpuQuotaUs: quota, cpuPeriodUs: quota == nil ? nil : 100_000, cpuQuotaSetBy: nil,
                    cpusetEffective: cpuset, memoryLimitBytes: nil, notes: []))
            env.configuration.container = container.map { ContainerLayer(detected: "container", runtime: $0, sandbox: nil, kubernetes: false, reasons: []) }
                ?? ContainerLayer(detected: "none", runtime: nil, sandbox: nil, kubernetes: false, reasons: [])
        }
    }

    @Test func gateNamesCPUsQuotaCpusetContainerAndSeccomp() throws {
        let host = try explainSet("bare-metal", [ExplainCase(benchmark: "sys.null", samples: around(100))],
                                  env: limits(allowed: [0, 1], quota: nil, cpuset: [0, 1], seccomp: "disabled", container: nil))
        let pod = try explainSet("vm", [ExplainCase(benchmark: "sys.null", samples: around(101))], env: { env in
            self.limits(allowed: [1], quota: 50_000, cpuset: [1], seccomp: "filter", container: "podman")(&env)
            env.cpu.logicalCPUs = 4
        })
        let diffs = environmentDifferences(groupByLabel([host, pod]))
        let byName = Dictionary(uniqueKeysWithValues: diffs.map { ($0.attribute, $0.values.map(\.value)) })
        #expect(byName["logical CPUs"] == ["2", "4"])
        #expect(byName["allowed CPUs"] == ["0-1 (2)", "1 (1)"])
        #expect(byName["cgroup CPU quota"] == ["none", "0.50 CPUs (50000 µs per 100000 µs)"])
        #expect(byName["cgroup cpuset"] == ["0-1", "1"])
        #expect(byName["container layer"] == ["none", "container (podman)"])
        #expect(byName["seccomp"] == ["disabled", "filter (1 filter)"])
        #expect(byName["cgroup memory limit"] == nil)
        // Sets written before the layer was recorded say so instead of inventing a value.
        let old = try explainSet("vm", [ExplainCase(benchmark: "sys.null", samples: around(101))])
        let oldDiffs = environmentDifferences(groupByLabel([host, old]))
        #expect(oldDiffs.first { $0.attribute == "container layer" }?.values.map(\.value) == ["none", "not recorded"])
    }

    @Test func reportShowsTheLayerAndTheGate() throws {
        let host = try explainSet("bare-metal", [ExplainCase(benchmark: "sys.null", samples: around(100))],
                                  env: limits(allowed: [0, 1], quota: nil, cpuset: [0, 1], seccomp: "disabled", container: nil))
        let pod = try explainSet("vm", [ExplainCase(benchmark: "sys.null", samples: around(101))],
                                 env: limits(allowed: [1], quota: 50_000, cpuset: [1], seccomp: "filter", container: "podman"))
        let (c, groups) = try comparisonOf([host, pod])
        let html = renderReport(ReportInput(groups: groups, comparison: c, benchmarks: Catalog.registry.benchmarks.map(\.info)))
        #expect(html.contains("container layer<br/><span class=\"flag\">differs</span></th><td>none</td><td>container (podman)</td></tr>"))
        #expect(html.contains("1 (1); seccomp filter (1 filter)"))
        #expect(html.contains("v2 /x: CPU quota 0.500 CPUs (50000 µs per 100000 µs), cpuset 1, no memory limit"))
        // The gate above the figures names the same differences.
        #expect(html.contains("container layer: none (bare-metal); container (podman) (vm)"))
        #expect(html.contains("seccomp: disabled (bare-metal); filter (1 filter) (vm)"))
    }

    private func quotaSets(throttled: Bool) throws -> [LoadedSet] {
        let details: [String: String]? = throttled
            ? ["cpuThrottledPct": "71.6", "cpuThrottledPeriods": "58", "cpuPeriods": "81", "cpuThrottledMs": "2900.0"] : nil
        let host = try explainSet("bare-metal", [
            ExplainCase(benchmark: "mem.bw.triad", params: ["threads": "2"], unit: "GB/s", better: .higher, samples: around(20)),
            ExplainCase(benchmark: "sys.null", samples: around(100)),
        ], env: limits(allowed: [0, 1], quota: nil, cpuset: [0, 1], seccomp: "disabled", container: nil))
        let limited = try explainSet("vm", [
            ExplainCase(benchmark: "mem.bw.triad", params: ["threads": "2"], unit: "GB/s", better: .higher, samples: around(8.7), details: details),
            ExplainCase(benchmark: "sys.null", samples: around(100)),
        ], env: limits(allowed: [0, 1], quota: throttled ? 50_000 : nil, cpuset: [0, 1], seccomp: "disabled", container: nil))
        return [host, limited]
    }

    @Test func throttlingIsACaveatInCompareAndAFindingInExplain() throws {
        let sets = try quotaSets(throttled: true)
        let (c, groups) = try comparisonOf(sets)
        #expect(c.notes.contains("vm: 1 of 2 results were measured while the cgroup's CPU quota throttled the run (CPU quota 0.50 CPUs); worst mem.bw.triad threads=2 throttled in 72% of its periods. Their differences measure the quota, not the machine (explain: CPU quota throttling)"))
        let findings = try evaluate(CPUQuotaRule(), sets)
        let f = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(f.id == "cpu-quota")
        #expect(f.title.hasPrefix("CPU quota throttling: the cgroup's CPU quota throttled 1 case(s) (worst mem.bw.triad threads=2 in vm, 72% of its periods)"))
        #expect(f.severity == .critical)  // 20 → 8.7 GB/s is +130%
        #expect(f.facts.contains("vm: cgroup v2 /x has a CPU quota of 0.50 CPUs (cpu.max 50000 100000)"))
        #expect(f.facts.contains("mem.bw.triad threads=2 in vm: throttled in 72% of its quota periods (58 of 81 periods, 2900.0 ms throttled)"))
        #expect(f.evidence.first?.benchmark == "mem.bw.triad")
        #expect(f.cause.contains("cpu.stat"))
        #expect(f.remedy.contains("Guaranteed QoS pod with integer CPUs"))
        #expect(f.remedy.contains("static CPU manager") || f.remedy.contains("static CPU manager policy") || f.remedy.contains("CPU manager policy"))
        #expect(f.remedy.contains("raise or remove the CPU limit"))
        // The whole explanation: the rule is on by default, and other findings resting on a
        // throttled case are marked unreliable.
        let explanation = explain(c, groups: groups)
        let all = explanation.configurations.flatMap(\.findings)
        #expect(all.contains { $0.id == "cpu-quota" })
        for other in all where other.id != "cpu-quota" && other.evidence.contains(where: { $0.benchmark == "mem.bw.triad" }) {
            #expect(!other.reliable)
            #expect(other.caveats.contains { $0.contains("CPU quota throttling in 72% of its periods (vm)") })
        }
    }

    @Test func equallyThrottledCasesPutTheLargestDifferenceFirst() throws {
        // A tight quota throttles every period of every case: the headline is the case it moved most.
        var sets = try quotaSets(throttled: true)
        sets[1].set.results[1].details = ["cpuThrottledPct": "71.6", "cpuThrottledPeriods": "5", "cpuPeriods": "7"]
        // sys.null first in the rows, so only the tie-break can put mem.bw.triad ahead.
        for i in sets.indices { sets[i].set.results.reverse() }
        let f = try #require(try evaluate(CPUQuotaRule(), sets).first)
        #expect(f.title.contains("throttled 2 case(s) (worst mem.bw.triad threads=2 in vm, 72% of its periods)"))
        #expect(f.evidence.map(\.benchmark) == ["mem.bw.triad", "sys.null"])
        // compare's note names the case that lost the most time (2900 ms against none recorded).
        #expect(try comparisonOf(sets).0.notes.contains { $0.contains("2 of 2 results") && $0.contains("worst mem.bw.triad threads=2 throttled in 72%") })
    }

    @Test func noQuotaNoFinding() throws {
        let sets = try quotaSets(throttled: false)
        #expect(try evaluate(CPUQuotaRule(), sets).isEmpty)
        #expect(!(try comparisonOf(sets).0.notes.contains { $0.contains("throttled") }))
    }

    @Test func moreThreadsThanTheQuotaIsAFindingEvenWithoutRecordedThrottling() throws {
        // A quota of 1.5 CPUs and a 2-thread case: no period ended inside the segments, but the
        // quota cannot hold two threads.
        var sets = try quotaSets(throttled: false)
        sets[1].set.environment.process?.cgroup?.cpuQuotaUs = 150_000
        sets[1].set.environment.process?.cgroup?.cpuPeriodUs = 100_000
        let f = try #require(try evaluate(CPUQuotaRule(), sets).first)
        #expect(f.title.hasPrefix("CPU quota throttling: vm ran 1 case(s) with more threads than its cgroup's CPU quota"))
        #expect(f.facts.contains { $0.contains("mem.bw.triad threads=2 with 2 thread(s) against 1.50 CPUs in vm") })
        #expect(f.evidence.map(\.benchmark) == ["mem.bw.triad"])
    }
}
