import Glibc
import OverheadSystem

/// Counters of one measuring thread. A protocol so the engine is tested without a PMU.
public protocol ThreadCounters: Sendable {
    /// Resets and starts counting.
    func start()
    /// Stops counting.
    func stop()
    /// Current values with their enabled/running times.
    func read() -> [PerfReading]
}

/// Opens counters for whichever thread calls it.
public protocol CounterSource: Sendable {
    /// Counters for the calling thread; nil when none could be opened.
    func openForCurrentThread() -> (any ThreadCounters)?
    /// Facts for the result's details (which events, user/kernel).
    var description: String { get }
}

extension PerfCounterGroup: ThreadCounters {}

/// perf_event_open counters, events encoded by libpfm4.
public struct PerfCounterSource: CounterSource {
    public let events: [PerfEvent]
    public let excludeKernel: Bool

    public func openForCurrentThread() -> (any ThreadCounters)? {
        let group = PerfCounterGroup(events: events, excludeKernel: excludeKernel)
        return group.events.isEmpty ? nil : group
    }

    public var description: String {
        "perf_event_open via libpfm4, \(excludeKernel ? "user space only" : "user + kernel"): \(events.map(\.name).joined(separator: ", "))"
    }
}

/// The counters a run will read, and what could not be had.
public struct CounterSetup: Sendable {
    public var source: PerfCounterSource?
    /// One line per event that cannot be counted here, with the reason and advice.
    public var warnings: [String]
}

/// The default events: name in results → libpfm4 spelling.
public let defaultCounterEvents: [(name: String, spec: String)] = [
    ("cycles", "cycles"),
    ("instructions", "instructions"),
    ("llc-misses", "perf::PERF_COUNT_HW_CACHE_LL:READ:MISS"),
    ("dtlb-load-misses", "perf::PERF_COUNT_HW_CACHE_DTLB:READ:MISS"),
    ("branch-misses", "branch-misses"),
    ("context-switches", "context-switches"),
    ("cpu-migrations", "perf::CPU-MIGRATIONS"),
    ("page-faults", "perf::PAGE-FAULTS"),
    ("task-clock", "perf::TASK-CLOCK"),
]

/// Encodes and probes the events (`requested`, or the defaults) on the calling thread. Events the
/// kernel refuses are dropped with a reason; when kernel-mode counting is refused (EACCES under
/// perf_event_paranoid ≥ 2) every event is retried for user space only.
public func prepareCounters(requested: [String]?, root: SystemRoot = .live) -> CounterSetup {
    let wanted = requested.map { $0.map { (name: $0, spec: $0) } } ?? defaultCounterEvents
    var warnings: [String] = []
    var encoded: [PerfEvent] = []
    for (name, spec) in wanted {
        switch PerfEvent.encode(name: name, spec: spec) {
        case .success(let e): encoded.append(e)
        case .failure(let error): warnings.append("counter \(error)")
        }
    }
    let paranoid = root.attribute("/proc/sys/kernel/perf_event_paranoid").flatMap { Int($0) }
    var excludeKernel = false
    if encoded.contains(where: { PerfCounterGroup.probe($0, excludeKernel: false) == EACCES }) {
        excludeKernel = true
        warnings.append("counting user space only: " + perfUnavailableReason(errno: EACCES, paranoid: paranoid))
    }
    var usable: [PerfEvent] = []
    var refused: [Int32: [String]] = [:]
    for event in encoded {
        if let code = PerfCounterGroup.probe(event, excludeKernel: excludeKernel) {
            refused[code, default: []].append(event.name)
        } else {
            usable.append(event)
        }
    }
    for (code, names) in refused.sorted(by: { $0.key < $1.key }) {
        warnings.append("not counted (\(names.joined(separator: ", "))): " + perfUnavailableReason(errno: code, paranoid: paranoid))
    }
    return CounterSetup(source: usable.isEmpty ? nil : PerfCounterSource(events: usable, excludeKernel: excludeKernel), warnings: warnings)
}

/// Counter totals of one case across its segments.
struct CounterTotals {
    var sums: [String: Double] = [:]
    var ops: Double = 0
    var maxScale: Double = 1
    var unscheduled: Set<String> = []

    /// Adds one segment's readings (summed over threads) for `ops` operations. A reading whose
    /// counter never ran (running = 0, multiplexed out) is not a zero: the event is marked missing.
    mutating func add(_ readings: [PerfReading], ops: Double) {
        self.ops += ops
        for r in readings {
            guard r.runningNs > 0 else {
                unscheduled.insert(r.name)
                continue
            }
            // Multiplexing: the counter ran for `running` of `enabled` ns; scale to the whole window.
            let scale = r.enabledNs > 0 ? Double(r.enabledNs) / Double(r.runningNs) : 1
            maxScale = max(maxScale, scale)
            sums[r.name, default: 0] += Double(r.value) * scale
        }
    }

    /// Per-operation values, leaving out events that were ever unscheduled.
    var perOp: [String: Double] {
        guard ops > 0 else { return [:] }
        var out: [String: Double] = [:]
        for (name, sum) in sums where !unscheduled.contains(name) { out[name] = sum / ops }
        return out
    }
}
