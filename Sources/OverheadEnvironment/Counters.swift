import Foundation
import OverheadModel
import OverheadSystem

/// Why `perf_event_open` failed with `errno`, with advice a user can act on.
///
/// - Parameter paranoid: `kernel.perf_event_paranoid`, named in the EACCES advice.
public func perfUnavailableReason(errno code: Int32, paranoid: Int?) -> String {
    switch code {
    case ENOENT, EOPNOTSUPP, ENODEV:
        return "no hardware PMU visible (common in VMs: the hypervisor does not expose one)"
    case EACCES:
        let level = paranoid.map(String.init) ?? "unknown"
        return "kernel.perf_event_paranoid is \(level); set it to 1 (sysctl -w kernel.perf_event_paranoid=1) or run as root"
    case EPERM:
        return "perf_event_open is blocked (seccomp profile or missing CAP_PERFMON; in a container allow perf_event_open)"
    case ENOSYS:
        return "perf_event_open is not available (kernel built without CONFIG_PERF_EVENTS)"
    default:
        return "perf_event_open failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// Probes hardware `cycles` and software `task-clock` on the live system; fixtures report
/// `fixtureCounters`.
func collectCounters(_ sources: FingerprintSources) -> CounterAvailability {
    guard sources.live else { return sources.fixtureCounters }
    let paranoid = sources.root.attribute("/proc/sys/kernel/perf_event_paranoid").flatMap { Int($0) }
    let hardware = PerfProbe.hardwareCycles()
    let software = PerfProbe.softwareTaskClock()
    var reasons: [String] = []
    if case .unavailable(let code) = hardware {
        reasons.append("hardware counters: " + perfUnavailableReason(errno: code, paranoid: paranoid))
    }
    if case .unavailable(let code) = software {
        reasons.append("software counters: " + perfUnavailableReason(errno: code, paranoid: paranoid))
    }
    return CounterAvailability(
        hardware: hardware == .available, software: software == .available,
        reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
}
