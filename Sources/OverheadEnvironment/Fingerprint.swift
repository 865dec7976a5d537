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

/// Collects the environment fingerprint.
public func collectEnvironment(_ sources: FingerprintSources) -> Environment {
    fatalError("to be written")
}
