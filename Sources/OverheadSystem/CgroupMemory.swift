/// The memory a cgroup limit still leaves this process (issue 20: a pod's memory limit, not the
/// node's MemAvailable, is what an OOM kill enforces). Read here, beside `MemInfo`, so that every
/// size taken from `MemInfo.available()` honours it.
public enum CgroupMemory {
    /// Limits at or above this are "no limit": cgroup v1 writes 2⁶³−1 rounded down to a page.
    static let unlimited = 1 << 62

    /// The least headroom (limit − usage) over this process's cgroup and its ancestors, found the
    /// one way every cgroup reader here finds them (`CgroupLocation`: /proc/self/cgroup and the
    /// mounts in /proc/self/mountinfo, a container's own cgroup mount included): `memory.max` −
    /// `memory.current` (cgroup v2) or `memory.limit_in_bytes` − `memory.usage_in_bytes` (v1); nil
    /// when no level sets a limit or nothing is readable. Never negative.
    public static func headroom(root: SystemRoot = .live) -> Int? {
        guard let location = CgroupLocation.find(root: root) else { return nil }
        let (limitFile, usageFile) =
            location.version == 2 ? ("memory.max", "memory.current") : ("memory.limit_in_bytes", "memory.usage_in_bytes")
        var best: Int?
        // From the process's own cgroup up to the mount's root: a parent's limit binds too.
        for dir in location.ancestors("memory") {
            guard let limit = number(root.read(dir + "/" + limitFile)), limit < unlimited else { continue }
            let usage = number(root.read(dir + "/" + usageFile)) ?? 0
            let left = max(0, limit - usage)
            best = min(best ?? left, left)
        }
        return best
    }

    /// A cgroup file's integer; nil for `max`, empty or unreadable.
    static func number(_ text: String?) -> Int? {
        guard let text else { return nil }
        return Int(text.split(separator: "\n").first.map(String.init) ?? "")
    }
}
