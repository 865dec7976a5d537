import COverhead
import Glibc

/// One performance event, encoded by libpfm4 (`cob_pfm_encode`).
public struct PerfEvent: Sendable, Equatable {
    /// The name results use (`cycles`, `llc-misses`, or the user's spelling).
    public var name: String
    /// The libpfm4 event string.
    public var spec: String
    public var type: UInt32
    public var config: UInt64
    public var config1: UInt64
    public var config2: UInt64

    /// perf's software event type (PERF_TYPE_SOFTWARE = 1): never multiplexed, no PMU needed.
    public var isSoftware: Bool { type == 1 }

    /// Encodes `spec` through libpfm4; the error text says why not.
    public static func encode(name: String, spec: String) -> Result<PerfEvent, PerfEventError> {
        var enc = cob_perf_encoding()
        let rc = spec.withCString { cob_pfm_encode($0, &enc) }
        guard rc == 0 else {
            return .failure(PerfEventError(event: name, reason: "libpfm4 cannot encode '\(spec)': \(String(cString: cob_pfm_strerror(rc)))"))
        }
        return .success(PerfEvent(name: name, spec: spec, type: enc.type, config: enc.config, config1: enc.config1, config2: enc.config2))
    }

    /// Every event libpfm4 knows for the PMUs present, one `pmu::event<TAB>description` per line
    /// (`cob_pfm_list_events`); nil when libpfm4 cannot initialize.
    public static func listAvailable() -> String? {
        guard let buffer = cob_pfm_list_events() else { return nil }
        defer { cob_free(buffer) }
        return String(cString: buffer)
    }
}

/// Why an event cannot be counted here.
public struct PerfEventError: Error, Equatable, CustomStringConvertible {
    public var event: String
    public var reason: String

    public var description: String { "\(event): \(reason)" }
}

/// What one counter read says.
public struct PerfReading: Sendable, Equatable {
    public var name: String
    public var value: UInt64
    public var enabledNs: UInt64
    public var runningNs: UInt64

    public init(name: String, value: UInt64, enabledNs: UInt64, runningNs: UInt64) {
        self.name = name
        self.value = value
        self.enabledNs = enabledNs
        self.runningNs = runningNs
    }
}

/// Counters of the calling thread (`perf_event_open` with pid 0, any CPU): hardware events in
/// one group (scheduled together, so ratios such as IPC come from the same window), software
/// events on their own. File descriptors are closed in `deinit`.
public final class PerfCounterGroup: @unchecked Sendable {
    // @unchecked: the fds are fixed after init; ioctl/read on them are thread-safe in the kernel.
    private let counters: [(event: PerfEvent, fd: Int32)]

    /// Opens `events` for the calling thread. Hardware events that cannot join the group are
    /// retried alone; events the kernel refuses are left out (`failures` says why).
    public init(events: [PerfEvent], excludeKernel: Bool) {
        var opened: [(PerfEvent, Int32)] = []
        var leader: Int32 = -1
        for event in events {
            var enc = cob_perf_encoding(type: event.type, config: event.config, config1: event.config1, config2: event.config2)
            var fd = cob_perf_open(&enc, excludeKernel ? 1 : 0, event.isSoftware ? -1 : leader)
            if fd < 0 && !event.isSoftware && leader >= 0 { fd = cob_perf_open(&enc, excludeKernel ? 1 : 0, -1) }
            guard fd >= 0 else { continue }
            if !event.isSoftware && leader < 0 { leader = fd }
            opened.append((event, fd))
        }
        counters = opened
    }

    /// The events actually open.
    public var events: [PerfEvent] { counters.map(\.event) }

    /// Resets and starts every counter (PERF_EVENT_IOC_RESET, _ENABLE).
    public func start() {
        for c in counters { _ = cob_perf_reset_enable(c.fd) }
    }

    /// Stops every counter (PERF_EVENT_IOC_DISABLE).
    public func stop() {
        for c in counters { _ = cob_perf_disable(c.fd) }
    }

    /// Reads every counter: value, time enabled, time running (for multiplex scaling).
    public func read() -> [PerfReading] {
        counters.compactMap { c in
            var value: UInt64 = 0, enabled: UInt64 = 0, running: UInt64 = 0
            guard cob_perf_read(c.fd, &value, &enabled, &running) == 0 else { return nil }
            return PerfReading(name: c.event.name, value: value, enabledNs: enabled, runningNs: running)
        }
    }

    deinit {
        for c in counters { cob_perf_close(c.fd) }
    }

    /// Tries one event on the calling thread; nil when it opens, else the errno.
    public static func probe(_ event: PerfEvent, excludeKernel: Bool) -> Int32? {
        var enc = cob_perf_encoding(type: event.type, config: event.config, config1: event.config1, config2: event.config2)
        let fd = cob_perf_open(&enc, excludeKernel ? 1 : 0, -1)
        guard fd >= 0 else { return -fd }
        cob_perf_close(fd)
        return nil
    }
}

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
