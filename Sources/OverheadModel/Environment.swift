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

    public init(
        hostname: String, kernel: String, cpu: CPUInfo, memoryBytes: UInt64, clocksource: String,
        availableClocksources: [String], transparentHugePages: String?, governor: String?,
        mitigations: [String: String], hypervisor: Hypervisor, configuration: Configuration,
        numa: NUMATopology, devices: [Device], counters: CounterAvailability, notes: [String],
        tsc: TSCInfo? = nil, clockGettime: ClockGettimePath? = nil, caches: [CacheInfo]? = nil
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
    /// Where the evidence came from: `cpuid`, `cpuinfo-flag`, `sys-hypervisor`, `dmi`.
    public var evidence: [String]

    public init(present: Bool, vendor: String?, signatures: [String], evidence: [String]) {
        self.present = present
        self.vendor = vendor
        self.signatures = signatures
        self.evidence = evidence
    }
}

/// The configuration under test as detected from inside, with the reasons in plain words.
public struct Configuration: Codable, Sendable, Equatable {
    /// `bare-metal`, `vm`, `vm-sriov` or `passthrough`.
    public var detected: String
    public var reasons: [String]

    public init(detected: String, reasons: [String]) {
        self.detected = detected
        self.reasons = reasons
    }
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
