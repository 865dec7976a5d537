import Foundation
import OverheadModel
import OverheadSystem

/// Why `perf_event_open` failed with `errno`, with advice a user can act on.
///
/// - Parameters:
///   - paranoid: `kernel.perf_event_paranoid`, named in the EACCES advice.
///   - seccomp: the Seccomp mode of /proc/self/status (`disabled`, `strict`, `filter`): container
///     runtimes' default seccomp profiles refuse perf_event_open with ENOSYS or EPERM, which must
///     not read as "a kernel without perf events".
public func perfUnavailableReason(errno code: Int32, paranoid: Int?, seccomp: String? = nil) -> String {
    if seccomp == "filter" && code == ENOSYS {
        return "perf_event_open is refused by a seccomp filter (ENOSYS while Seccomp is 2 in /proc/self/status): the container runtime's default profile blocks it; run with a profile that allows perf_event_open (docker/podman --security-opt seccomp=unconfined or a custom profile, Kubernetes securityContext.seccompProfile)"
    }
    if seccomp == "filter" && code == EPERM {
        return "perf_event_open is refused (EPERM) with a seccomp filter attached (Seccomp is 2 in /proc/self/status): most likely the container runtime's seccomp profile, else a missing CAP_PERFMON; allow perf_event_open in the profile (docker/podman --security-opt seccomp=unconfined or a custom profile) and add CAP_PERFMON"
    }
    switch code {
    case ENOENT, EOPNOTSUPP, ENODEV:
        return "no hardware PMU visible (common in VMs: the hypervisor does not expose one)"
    case EACCES:
        let level = paranoid.map(String.init) ?? "unknown"
        return "kernel.perf_event_paranoid is \(level); set it to 1 (sysctl -w kernel.perf_event_paranoid=1) or run as root"
    case EPERM:
        return "perf_event_open is blocked (seccomp profile or missing CAP_PERFMON; in a container allow perf_event_open)"
    case ENOSYS:
        let filterNote = seccomp == "disabled" ? " (no seccomp filter is attached, so it is the kernel)" : ""
        return "perf_event_open is not available (kernel built without CONFIG_PERF_EVENTS)\(filterNote)"
    default:
        return "perf_event_open failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

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
