/// The memory a cgroup limit still leaves this process (issue 20: a pod's memory limit, not the
/// node's MemAvailable, is what an OOM kill enforces). Read here, beside `MemInfo`, so that every
/// size taken from `MemInfo.available()` honours it.
public enum CgroupMemory {
    /// Limits at or above this are "no limit": cgroup v1 writes 2⁶³−1 rounded down to a page.
    static let unlimited = 1 << 62

    /// The least headroom (limit − usage) over this process's cgroup and its ancestors:
    /// `memory.max` − `memory.current` (cgroup v2) or `memory.limit_in_bytes` −
    /// `memory.usage_in_bytes` (v1), from `/proc/self/cgroup` and `/sys/fs/cgroup`; nil when no
    /// level sets a limit or nothing is readable. Never negative.
    public static func headroom(root: SystemRoot = .live) -> Int? {
        guard let text = root.read("/proc/self/cgroup") else { return nil }
        var best: Int?
        for line in text.split(separator: "\n") {
            // hierarchy-ID:controller-list:path
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let base: String, limitFile: String, usageFile: String
            if fields[0] == "0" && fields[1].isEmpty {
                (base, limitFile, usageFile) = ("/sys/fs/cgroup", "memory.max", "memory.current")
            } else if controllers.contains("memory") {
                (base, limitFile, usageFile) = ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes")
            } else {
                continue
            }
            // From the process's own cgroup up to the mount's root: a parent's limit binds too.
            var parts = fields[2].split(separator: "/").map(String.init)
            while true {
                let dir = ([base] + parts).joined(separator: "/")
                if let limit = number(root.read(dir + "/" + limitFile)), limit < unlimited {
                    let usage = number(root.read(dir + "/" + usageFile)) ?? 0
                    let left = max(0, limit - usage)
                    best = min(best ?? left, left)
                }
                if parts.isEmpty { break }
                parts.removeLast()
            }
        }
        return best
    }

    /// A cgroup file's integer; nil for `max`, empty or unreadable.
    static func number(_ text: String?) -> Int? {
        guard let text else { return nil }
        return Int(text.split(separator: "\n").first.map(String.init) ?? "")
    }
}
