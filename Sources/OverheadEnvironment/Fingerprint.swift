import OverheadModel
import OverheadSystem

/// Where the fingerprint reads from. Tests point `root` at a fixture tree and give a fixture CPUID.
public struct FingerprintSources: Sendable {
    /// Stands for `/`: `/proc`, `/sys` are read below it.
    public var root: SystemRoot
    /// CPUID values; nil where there is no CPUID (non-x86, or a fixture without one).
    public var cpuid: (any CPUIDSource)?
    /// True on the running system: NUMA through libnuma and perf probes through perf_event_open.
    /// False for fixture trees: NUMA from sysfs and `counters` from `fixtureCounters`.
    public var live: Bool
    /// The counter availability to report when `live` is false.
    public var fixtureCounters: CounterAvailability

    public init(
        root: SystemRoot, cpuid: (any CPUIDSource)?, live: Bool,
        fixtureCounters: CounterAvailability = CounterAvailability(hardware: false, software: false, reason: "not probed (fixture)")
    ) {
        self.root = root
        self.cpuid = cpuid
        self.live = live
        self.fixtureCounters = fixtureCounters
    }

    /// The running system.
    public static var live: FingerprintSources {
        FingerprintSources(root: .live, cpuid: HardwareCPUID(), live: true)
    }
}

/// Collects the environment fingerprint: host, CPU, memory, time keeping, hypervisor, devices,
/// NUMA and counters, and the configuration they point to. Never fails: what cannot be read is
/// left at a neutral value and said in `notes`.
public func collectEnvironment(_ sources: FingerprintSources) -> Environment {
    let root = sources.root
    var notes: [String] = []

    var hostname = root.attribute("/proc/sys/kernel/hostname")
    var kernel = root.attribute("/proc/sys/kernel/osrelease")
    if sources.live {
        // /proc/sys may be hidden (some sandboxes); the system calls still answer.
        if hostname == nil { hostname = Host.hostname() }
        if kernel == nil { kernel = Host.kernelRelease() }
    }
    if hostname == nil { notes.append("/proc/sys/kernel/hostname could not be read") }
    if kernel == nil { notes.append("/proc/sys/kernel/osrelease could not be read: the kernel is unknown") }

    let cpu = collectCPU(root, notes: &notes)
    let memoryBytes = collectMemoryBytes(root, notes: &notes)
    let clock = collectClocksource(root, notes: &notes)
    let (hypervisor, _) = collectHypervisor(sources, cpuFlags: allCPUFlags(root))
    if sources.cpuid == nil {
        notes.append("no CPUID source: the hypervisor is judged from cpuinfo, /sys/hypervisor and DMI only")
    }
    // dom0 owns the hardware: its devices are classified as on a host, not as passed through.
    let devices = collectDevices(root, hypervisorPresent: hypervisor.present && hypervisor.xenControlDomain != true, notes: &notes)
    var configuration = detectConfiguration(hypervisor: hypervisor, devices: devices)
    let cgroupLocation = CgroupLocation.find(root: root)
    let process = collectProcessLimits(sources, logicalCPUs: cpu.logicalCPUs, location: cgroupLocation)
    configuration.container = detectContainer(root, hypervisor: hypervisor, cgroupPath: cgroupLocation?.path)
    let numa = collectNUMA(sources, logicalCPUs: cpu.logicalCPUs, memoryBytes: memoryBytes, notes: &notes)
    let (tsc, clockPath) = collectTiming(sources, hypervisorPresent: hypervisor.present, flags: allCPUFlags(root), clocksource: clock.current)

    return Environment(
        hostname: hostname ?? "unknown", kernel: kernel ?? "unknown", cpu: cpu, memoryBytes: memoryBytes,
        clocksource: clock.current, availableClocksources: clock.available,
        transparentHugePages: collectTransparentHugePages(root), governor: collectGovernor(root),
        mitigations: collectMitigations(root, notes: &notes), hypervisor: hypervisor,
        configuration: configuration, numa: numa, devices: devices, counters: collectCounters(sources, seccomp: process.seccomp),
        notes: notes, tsc: tsc, clockGettime: clockPath, caches: { let c = collectCaches(root); return c.isEmpty ? nil : c }(),
        process: process)
}
