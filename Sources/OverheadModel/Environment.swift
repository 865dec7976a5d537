/// The environment fingerprint embedded in every result set (`environment`), and printed by
/// `overhead-bench env`. Everything that changes results is recorded here.
public struct Environment: Codable, Sendable, Equatable {
    public var hostname: String
    public var kernel: String
    public var cpu: CPUInfo
    public var memoryBytes: UInt64
    public var clocksource: String
    public var availableClocksources: [String]
    /// Transparent huge pages mode (`always`, `madvise`, `never`), nil when the kernel has none.
    public var transparentHugePages: String?
    /// cpufreq scaling governor of CPU 0, nil where there is no cpufreq (most guests).
    public var governor: String?
    /// `/sys/devices/system/cpu/vulnerabilities/*`, file name → kernel's text.
    public var mitigations: [String: String]
    public var hypervisor: Hypervisor
    public var configuration: Configuration
    public var numa: NUMATopology
    public var devices: [Device]
    public var counters: CounterAvailability
    /// Observations about the fingerprinting itself (a file that could not be read, ...).
    public var notes: [String]
    /// TSC frequency and where it came from; nil off x86 or for fixture trees.
    public var tsc: TSCInfo?
    /// Whether clock_gettime is served by the vDSO or falls back to a real syscall; nil when not measured.
    public var clockGettime: ClockGettimePath?
    /// Every distinct CPU cache (sysfs `cpu*/cache/index*`), smallest level first; nil when
    /// sysfs has no cache information.
    public var caches: [CacheInfo]?
    /// What this process may use: allowed CPUs, seccomp mode, its cgroup's CPU quota, cpuset and
    /// memory limit. nil in result sets written before it was recorded.
    public var process: ProcessLimits?

    public init(
        hostname: String, kernel: String, cpu: CPUInfo, memoryBytes: UInt64, clocksource: String,
        availableClocksources: [String], transparentHugePages: String?, governor: String?,
        mitigations: [String: String], hypervisor: Hypervisor, configuration: Configuration,
        numa: NUMATopology, devices: [Device], counters: CounterAvailability, notes: [String],
        tsc: TSCInfo? = nil, clockGettime: ClockGettimePath? = nil, caches: [CacheInfo]? = nil,
        process: ProcessLimits? = nil
    ) {
        self.hostname = hostname
        self.kernel = kernel
        self.cpu = cpu
        self.memoryBytes = memoryBytes
        self.clocksource = clocksource
        self.availableClocksources = availableClocksources
        self.transparentHugePages = transparentHugePages
        self.governor = governor
        self.mitigations = mitigations
        self.hypervisor = hypervisor
        self.configuration = configuration
        self.numa = numa
        self.devices = devices
        self.counters = counters
        self.notes = notes
        self.tsc = tsc
        self.clockGettime = clockGettime
        self.caches = caches
        self.process = process
    }

    /// Total bytes of the last-level caches (every distinct instance of the highest level), nil
    /// when sysfs described none.
    public var lastLevelCacheBytes: UInt64? {
        let caches = self.caches ?? []
        guard let top = caches.filter({ $0.type != "Instruction" }).map(\.level).max() else { return nil }
        return caches.filter { $0.level == top && $0.type != "Instruction" }.reduce(0) { $0 + $1.sizeBytes }
    }
}

/// One CPU cache instance.
public struct CacheInfo: Codable, Sendable, Equatable {
    public var level: Int
    /// `Data`, `Instruction` or `Unified`.
    public var type: String
    public var sizeBytes: UInt64
    /// CPUs sharing this instance.
    public var sharedCPUs: [Int]

    public init(level: Int, type: String, sizeBytes: UInt64, sharedCPUs: [Int]) {
        self.level = level
        self.type = type
        self.sizeBytes = sizeBytes
        self.sharedCPUs = sharedCPUs
    }
}

/// The time-stamp counter's rate, used to turn ns into cycles.
public struct TSCInfo: Codable, Sendable, Equatable {
    /// GHz used for cycles per op.
    public var ghz: Double
    /// `cpuid-0x15` (crystal ratio, exact), `cpuid-0x40000010` (hypervisor timing leaf),
    /// or `calibrated` (RDTSC against CLOCK_MONOTONIC_RAW over a fixed interval).
    public var source: String
    /// The calibrated rate, kept as a cross-check even when CPUID gave one.
    public var calibratedGHz: Double?
    /// constant_tsc and nonstop_tsc: the rate does not change with P- or C-states.
    public var invariant: Bool

    public init(ghz: Double, source: String, calibratedGHz: Double?, invariant: Bool) {
        self.ghz = ghz
        self.source = source
        self.calibratedGHz = calibratedGHz
        self.invariant = invariant
    }
}

/// How `clock_gettime(CLOCK_MONOTONIC)` is served here, decided by measurement.
public struct ClockGettimePath: Codable, Sendable, Equatable {
    /// `vdso` or `syscall`.
    public var path: String
    /// Median ns of one libc clock_gettime (vDSO when available).
    public var libcNs: Double
    /// Median ns of one forced `syscall(SYS_clock_gettime)`.
    public var syscallNs: Double
    public var reason: String

    public init(path: String, libcNs: Double, syscallNs: Double, reason: String) {
        self.path = path
        self.libcNs = libcNs
        self.syscallNs = syscallNs
        self.reason = reason
    }
}

/// The processor as `/proc/cpuinfo` and sysfs describe it.
public struct CPUInfo: Codable, Sendable, Equatable {
    public var vendor: String
    public var model: String
    public var family: Int?
    public var modelNumber: Int?
    public var stepping: Int?
    public var microcode: String?
    public var logicalCPUs: Int
    /// Hardware threads per core > 1 and enabled.
    public var smt: Bool
    /// CPU feature flags that matter for benchmark kernels (avx2, avx512f, ...), from cpuinfo.
    public var flags: [String]

    public init(
        vendor: String, model: String, family: Int?, modelNumber: Int?, stepping: Int?,
        microcode: String?, logicalCPUs: Int, smt: Bool, flags: [String]
    ) {
        self.vendor = vendor
        self.model = model
        self.family = family
        self.modelNumber = modelNumber
        self.stepping = stepping
        self.microcode = microcode
        self.logicalCPUs = logicalCPUs
        self.smt = smt
        self.flags = flags
    }
}

/// Whether a hypervisor is visible, and which.
public struct Hypervisor: Codable, Sendable, Equatable {
    public var present: Bool
    /// Human name: `KVM`, `VMware`, `Microsoft Hv`, `Xen`, `QEMU TCG`, ...; nil when absent or unknown.
    public var vendor: String?
    /// Every CPUID 0x40000000-range signature seen, in leaf order (nested setups show several).
    public var signatures: [String]
    /// Where the evidence came from: `cpuid`, `cpuinfo-flag`, `sys-hypervisor`, `dmi`; a
    /// `conflict:` entry names evidence that was outweighed (DMI naming a VM while CPUID says none).
    public var evidence: [String]
    /// True in Xen's control domain (dom0, `/proc/xen/capabilities` says `control_d`): it runs
    /// under Xen but drives the physical devices itself. nil when not Xen or not recorded.
    public var xenControlDomain: Bool?
    /// Visible signs of nested virtualization (this guest can run guests, or runs under a nested
    /// hypervisor), each in words; nil or empty when none was seen.
    public var nested: [String]?

    public init(
        present: Bool, vendor: String?, signatures: [String], evidence: [String], xenControlDomain: Bool? = nil,
        nested: [String]? = nil
    ) {
        self.present = present
        self.vendor = vendor
        self.signatures = signatures
        self.evidence = evidence
        self.xenControlDomain = xenControlDomain
        self.nested = nested
    }
}

/// The configuration under test as detected from inside, with the reasons in plain words.
public struct Configuration: Codable, Sendable, Equatable {
    /// The machine layer: `bare-metal`, `vm`, `vm-sriov`, `passthrough` or `xen-dom0`.
    public var detected: String
    public var reasons: [String]
    /// The container layer above the machine (container runtime, Kubernetes pod, sandbox); nil in
    /// result sets written before it was recorded.
    public var container: ContainerLayer?

    public init(detected: String, reasons: [String], container: ContainerLayer? = nil) {
        self.detected = detected
        self.reasons = reasons
        self.container = container
    }

    /// The label a run gets when `--label` is not given: the machine layer, followed by the
    /// container layer when there is one (`vm-container`, `bare-metal-pod`, `vm-kata`).
    public var defaultLabel: String {
        guard let container, let suffix = container.labelSuffix else { return detected }
        return "\(detected)-\(suffix)"
    }
}

/// Whether the run was inside a container, and which, as detected from inside.
public struct ContainerLayer: Codable, Sendable, Equatable {
    /// `none`, `container` or `pod` (a Kubernetes pod's container).
    public var detected: String
    /// `docker`, `containerd`, `cri-o`, `podman`, `systemd-nspawn`, `lxc`, ...; nil when none or
    /// not recognisable.
    public var runtime: String?
    /// A sandboxed runtime: `gvisor` (a user-space kernel) or `kata` (a VM per pod); nil otherwise.
    public var sandbox: String?
    /// Evidence of a Kubernetes pod (service-account mount, environment, kubepods cgroup).
    public var kubernetes: Bool
    /// Every piece of evidence, in words.
    public var reasons: [String]

    public init(detected: String, runtime: String?, sandbox: String?, kubernetes: Bool, reasons: [String]) {
        self.detected = detected
        self.runtime = runtime
        self.sandbox = sandbox
        self.kubernetes = kubernetes
        self.reasons = reasons
    }

    /// `container`, `pod`, `gvisor`, `kata`; nil when there is no container layer.
    public var labelSuffix: String? {
        guard kind != ContainerKind.none else { return nil }
        return sandbox ?? detected
    }

    /// One line: `pod (containerd, gvisor)`, `container (podman)`, `none`.
    public var summary: String {
        let extra = [runtime, sandbox].compactMap { $0 }
        return extra.isEmpty ? detected : "\(detected) (\(extra.joined(separator: ", ")))"
    }
}

/// What the measuring process may use, as the kernel limits it: the CPUs in its affinity mask,
/// the seccomp mode, and its cgroup's limits.
public struct ProcessLimits: Codable, Sendable, Equatable {
    /// CPUs this process may run on (sched_getaffinity, `Cpus_allowed_list`), in order.
    public var allowedCPUs: [Int]
    /// `disabled`, `strict` or `filter` (the Seccomp field of /proc/self/status); nil when unknown.
    public var seccomp: String?
    /// Seccomp filters attached (`Seccomp_filters`); nil when the kernel does not say.
    public var seccompFilters: Int?
    /// The cgroup this process runs in and its limits; nil when no cgroup file system is visible.
    public var cgroup: CgroupLimits?

    public init(allowedCPUs: [Int], seccomp: String?, seccompFilters: Int?, cgroup: CgroupLimits?) {
        self.allowedCPUs = allowedCPUs
        self.seccomp = seccomp
        self.seccompFilters = seccompFilters
        self.cgroup = cgroup
    }
}

/// The limits of the cgroup a process runs in, the tightest along its path to the root.
public struct CgroupLimits: Codable, Sendable, Equatable {
    /// 1 (legacy hierarchies) or 2 (unified).
    public var version: Int
    /// The process's cgroup path (`/kubepods.slice/...`), from /proc/self/cgroup.
    public var path: String
    /// CFS quota per period in microseconds; nil when unlimited (`max`, `-1`).
    public var cpuQuotaUs: Int?
    /// CFS period in microseconds; nil when there is no quota.
    public var cpuPeriodUs: Int?
    /// The cgroup (path) whose quota is the tightest; nil without a quota.
    public var cpuQuotaSetBy: String?
    /// CPUs of the effective cpuset; nil when not readable.
    public var cpusetEffective: [Int]?
    /// Memory limit in bytes, the tightest along the path; nil when unlimited.
    public var memoryLimitBytes: UInt64?
    /// What could not be read or was inferred (a controller not mounted, a path outside the mount).
    public var notes: [String]

    public init(
        version: Int, path: String, cpuQuotaUs: Int?, cpuPeriodUs: Int?, cpuQuotaSetBy: String?,
        cpusetEffective: [Int]?, memoryLimitBytes: UInt64?, notes: [String]
    ) {
        self.version = version
        self.path = path
        self.cpuQuotaUs = cpuQuotaUs
        self.cpuPeriodUs = cpuPeriodUs
        self.cpuQuotaSetBy = cpuQuotaSetBy
        self.cpusetEffective = cpusetEffective
        self.memoryLimitBytes = memoryLimitBytes
        self.notes = notes
    }

    /// The quota as CPUs (quota / period, 0.5 = half a CPU); nil without a quota.
    public var cpuLimit: Double? {
        guard let q = cpuQuotaUs, let p = cpuPeriodUs, p > 0 else { return nil }
        return Double(q) / Double(p)
    }
}

/// Formats a CPU list the kernel's way: `[0, 1, 2, 5]` → `0-2,5`.
public func formatCPUList(_ cpus: [Int]) -> String {
    let sorted = Array(Set(cpus)).sorted()
    var parts: [String] = []
    var i = 0
    while i < sorted.count {
        var j = i
        while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
        parts.append(j == i ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}

/// NUMA nodes and the SLIT distance matrix.
public struct NUMATopology: Codable, Sendable, Equatable {
    public var available: Bool
    /// `libnuma` or `sysfs`.
    public var source: String
    public var nodes: [NUMANode]
    /// distances[i][j] between nodes[i] and nodes[j] (10 = local).
    public var distances: [[Int]]

    public init(available: Bool, source: String, nodes: [NUMANode], distances: [[Int]]) {
        self.available = available
        self.source = source
        self.nodes = nodes
        self.distances = distances
    }
}

/// One NUMA node.
public struct NUMANode: Codable, Sendable, Equatable {
    public var id: Int
    public var cpus: [Int]
    public var memoryBytes: UInt64

    public init(id: Int, cpus: [Int], memoryBytes: UInt64) {
        self.id = id
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }
}

/// One network or storage device on the I/O path.
public struct Device: Codable, Sendable, Equatable {
    /// Interface or block device name (`eth0`, `nvme0n1`), or the PCI address for other functions.
    public var name: String
    /// `network`, `storage`, `gpu` or `other`.
    public var kind: String
    /// `pci`, `virtio-mmio`, `vmbus`, `xen`, `virtual`, ...
    public var bus: String
    /// PCI address (`0000:00:03.0`) when on PCI.
    public var pciAddress: String?
    /// `vendor:device` in hex, e.g. `1af4:1041`.
    public var pciID: String?
    public var driver: String?
    /// How the guest reaches the device: `virtio`, `paravirtual`, `emulated`, `sriov-vf`,
    /// `sriov-pf`, `physical`, `cloud-nitro`, `unknown`.
    public var path: String
    /// Why `path` was chosen.
    public var reason: String

    public init(
        name: String, kind: String, bus: String, pciAddress: String?, pciID: String?,
        driver: String?, path: String, reason: String
    ) {
        self.name = name
        self.kind = kind
        self.bus = bus
        self.pciAddress = pciAddress
        self.pciID = pciID
        self.driver = driver
        self.path = path
        self.reason = reason
    }
}

/// Whether hardware and software performance counters can be opened here, and why not.
public struct CounterAvailability: Codable, Sendable, Equatable {
    public var hardware: Bool
    public var software: Bool
    /// Why hardware (or software) counters are unavailable, with advice; nil when both work.
    public var reason: String?

    public init(hardware: Bool, software: Bool, reason: String?) {
        self.hardware = hardware
        self.software = software
        self.reason = reason
    }
}
