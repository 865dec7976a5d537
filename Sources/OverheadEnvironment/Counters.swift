import Foundation
import OverheadModel
import OverheadSystem

/// Probes hardware `cycles` and software `task-clock` on the live system; fixtures report
/// `fixtureCounters`.
func collectCounters(_ sources: FingerprintSources, seccomp: String? = nil) -> CounterAvailability {
    guard sources.live else { return sources.fixtureCounters }
    let paranoid = sources.root.attribute("/proc/sys/kernel/perf_event_paranoid").flatMap { Int($0) }
    let hardware = PerfProbe.hardwareCycles()
    let software = PerfProbe.softwareTaskClock()
    var reasons: [String] = []
    if case .unavailable(let code) = hardware {
        reasons.append("hardware counters: " + perfUnavailableReason(errno: code, paranoid: paranoid, seccomp: seccomp))
    }
    if case .unavailable(let code) = software {
        reasons.append("software counters: " + perfUnavailableReason(errno: code, paranoid: paranoid, seccomp: seccomp))
    }
    return CounterAvailability(
        hardware: hardware == .available, software: software == .available,
        reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
}
