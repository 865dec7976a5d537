import Foundation

/// Where a process's cgroups live: its cgroup paths (/proc/self/cgroup) and the directories the
/// cgroup file systems are mounted on (/proc/self/mountinfo), for v2 (unified) and v1 (one
/// hierarchy per controller). Everything is read below a `SystemRoot`, so fixture trees work.
public struct CgroupLocation: Sendable, Equatable {
    /// 2 when the process is in the unified hierarchy with controllers there, 1 for legacy hierarchies.
    public var version: Int
    /// The process's cgroup path as /proc/self/cgroup gives it (v2 line, or the v1 `cpu` line).
    public var path: String
    /// Directories (absolute, below the root) of the process's own cgroup, per controller
    /// (`cpu`, `cpuset`, `memory`); for v2 every controller maps to the same directory.
    public var directories: [String: String]
    /// The mount point each controller's directory lives under (the walk up stops there).
    public var mountPoints: [String: String]
    /// Inferences and gaps, in words.
    public var notes: [String]

    /// Finds the process's cgroups; nil when /proc/self/cgroup cannot be read.
    public static func find(root: SystemRoot) -> CgroupLocation? {
        guard let text = root.read("/proc/self/cgroup") else { return nil }
        let membership = parseProcCgroup(text)
        let mounts = root.read("/proc/self/mountinfo").map(parseCgroupMounts) ?? []
        var notes: [String] = []
        if mounts.isEmpty { notes.append("no cgroup mounts in /proc/self/mountinfo; assumed the usual /sys/fs/cgroup layout") }

        // v2 counts when the unified hierarchy carries the cpu controller (pure v2, or a hybrid
        // set-up that moved cpu to it); otherwise the v1 hierarchies decide.
        let unifiedMount = mounts.first { $0.type == "cgroup2" }
            ?? (root.exists("/sys/fs/cgroup/cgroup.controllers") ? CgroupMount(mountPoint: "/sys/fs/cgroup", root: "/", type: "cgroup2", controllers: []) : nil)
        let v1CPU = mounts.first { $0.type == "cgroup" && $0.controllers.contains("cpu") }
        if let unified = unifiedMount, let path = membership.unified,
            v1CPU == nil || (root.attribute(unified.mountPoint + "/cgroup.controllers")?.split(separator: " ").contains("cpu") ?? false)
        {
            let dir = directory(for: path, in: unified, notes: &notes, root: root)
            let controllers = ["cpu", "cpuset", "memory"]
            return CgroupLocation(
                version: 2, path: path, directories: Dictionary(uniqueKeysWithValues: controllers.map { ($0, dir) }),
                mountPoints: Dictionary(uniqueKeysWithValues: controllers.map { ($0, unified.mountPoint) }), notes: notes)
        }
        var directories: [String: String] = [:]
        var mountPoints: [String: String] = [:]
        for controller in ["cpu", "cpuset", "memory"] {
            guard let path = membership.legacy[controller] else { continue }
            let mount = mounts.first { $0.type == "cgroup" && $0.controllers.contains(controller) }
                ?? CgroupMount(mountPoint: "/sys/fs/cgroup/\(controller)", root: "/", type: "cgroup", controllers: [controller])
            directories[controller] = directory(for: path, in: mount, notes: &notes, root: root)
            mountPoints[controller] = mount.mountPoint
        }
        guard let cpuPath = membership.legacy["cpu"] ?? membership.unified else { return nil }
        return CgroupLocation(version: 1, path: cpuPath, directories: directories, mountPoints: mountPoints, notes: notes)
    }

    /// The directory of `path` below a mount: the mount's own root is cut off the path (a
    /// container sees its cgroup mounted at /sys/fs/cgroup); a path outside it maps to the mount point.
    static func directory(for path: String, in mount: CgroupMount, notes: inout [String], root: SystemRoot) -> String {
        var relative = path
        if mount.root != "/" {
            if path == mount.root || path.hasPrefix(mount.root + "/") {
                relative = String(path.dropFirst(mount.root.count))
            } else {
                notes.append("cgroup \(path) is outside the mounted \(mount.root); read the limits at \(mount.mountPoint)")
                relative = ""
            }
        }
        let dir = (mount.mountPoint + (relative.hasPrefix("/") || relative.isEmpty ? relative : "/" + relative))
        if !root.exists(dir) {
            notes.append("cgroup directory \(dir) is not visible; read the limits at \(mount.mountPoint)")
            return mount.mountPoint
        }
        return dir.hasSuffix("/") && dir.count > 1 ? String(dir.dropLast()) : dir
    }

    /// The directories from the process's cgroup up to the mount point of a controller, own first.
    public func ancestors(_ controller: String) -> [String] {
        guard let start = directories[controller], let top = mountPoints[controller] else { return [] }
        var dirs = [start]
        var dir = start
        while dir != top && dir.hasPrefix(top + "/") {
            dir = (dir as NSString).deletingLastPathComponent
            dirs.append(dir)
        }
        return dirs
    }
}

/// One cgroup mount from /proc/self/mountinfo.
public struct CgroupMount: Sendable, Equatable {
    public var mountPoint: String
    /// The cgroup the mount shows as its top (field 4 of mountinfo): `/` or a container's path.
    public var root: String
    /// `cgroup2` or `cgroup`.
    public var type: String
    /// v1 controllers of the hierarchy (`cpu`, `cpuacct`, `cpuset`, `memory`, `name=systemd`).
    public var controllers: [String]

    public init(mountPoint: String, root: String, type: String, controllers: [String]) {
        self.mountPoint = mountPoint
        self.root = root
        self.type = type
        self.controllers = controllers
    }
}

/// The cgroup mounts in a mountinfo text (fields: id parent major:minor root mountpoint options
/// [optional...] - type source superoptions).
public func parseCgroupMounts(_ text: String) -> [CgroupMount] {
    var mounts: [CgroupMount] = []
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: " ").map(String.init)
        guard let dash = fields.firstIndex(of: "-"), dash >= 5, fields.count > dash + 1 else { continue }
        let type = fields[dash + 1]
        guard type == "cgroup" || type == "cgroup2" else { continue }
        let superOptions = fields.count > dash + 3 ? fields[dash + 3].split(separator: ",").map(String.init) : []
        mounts.append(CgroupMount(
            mountPoint: unescapeMountField(fields[4]), root: unescapeMountField(fields[3]), type: type,
            controllers: type == "cgroup" ? superOptions.filter { $0 != "rw" && $0 != "ro" } : []))
    }
    return mounts
}

/// mountinfo escapes space, tab, newline and backslash as three octal digits (`\040`).
func unescapeMountField(_ field: String) -> String {
    guard field.contains("\\") else { return field }
    let chars = Array(field.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < chars.count {
        if chars[i] == UInt8(ascii: "\\"), i + 3 < chars.count,
            let code = UInt8(String(decoding: chars[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
        {
            out.append(code)
            i += 4
        } else {
            out.append(chars[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// /proc/self/cgroup: the v2 path (`0::/path`) and the v1 path of each controller.
public func parseProcCgroup(_ text: String) -> (unified: String?, legacy: [String: String]) {
    var unified: String?
    var legacy: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { continue }
        if parts[0] == "0" && parts[1].isEmpty {
            unified = parts[2]
        } else {
            for controller in parts[1].split(separator: ",") { legacy[String(controller)] = parts[2] }
        }
    }
    return (unified, legacy)
}

/// CFS bandwidth statistics of the cgroups from the process's own up to the root: how often the
/// quota ran out (cgroup v2 `cpu.stat` nr_periods, nr_throttled, throttled_usec; v1 nr_periods,
/// nr_throttled, throttled_time in ns). Read before and after a benchmark, like steal time.
public struct CgroupCPUStat: Sendable, Equatable {
    /// One cgroup's counters.
    public struct Counters: Sendable, Equatable {
        public var periods: UInt64
        public var throttledPeriods: UInt64
        public var throttledUs: UInt64

        public init(periods: UInt64, throttledPeriods: UInt64, throttledUs: UInt64) {
            self.periods = periods
            self.throttledPeriods = throttledPeriods
            self.throttledUs = throttledUs
        }
    }

    /// Counters by cgroup directory, own cgroup first.
    public var levels: [(directory: String, counters: Counters)]

    /// A snapshot of the given levels.
    public init(levels: [(directory: String, counters: Counters)]) {
        self.levels = levels
    }

    public static func == (a: CgroupCPUStat, b: CgroupCPUStat) -> Bool {
        a.levels.map(\.directory) == b.levels.map(\.directory) && a.levels.map(\.counters) == b.levels.map(\.counters)
    }

    /// Reads every level's `cpu.stat` that has CFS counters; nil when none has (no cgroup, no cpu controller).
    public static func read(root: SystemRoot, location: CgroupLocation?) -> CgroupCPUStat? {
        guard let location else { return nil }
        var levels: [(String, Counters)] = []
        for dir in location.ancestors("cpu") {
            guard let text = root.read(dir + "/cpu.stat"), let counters = parseCPUStat(text) else { continue }
            levels.append((dir, counters))
        }
        return levels.isEmpty ? nil : CgroupCPUStat(levels: levels)
    }

    /// What changed since `earlier`: the level with the most throttled periods (the quota that
    /// bit), nil when the levels differ (the process moved) or nothing was counted.
    public func delta(since earlier: CgroupCPUStat) -> (directory: String, counters: Counters)? {
        guard levels.map(\.directory) == earlier.levels.map(\.directory) else { return nil }
        var best: (String, Counters)?
        for (now, then) in zip(levels, earlier.levels) {
            let d = Counters(
                periods: now.counters.periods &- then.counters.periods,
                throttledPeriods: now.counters.throttledPeriods &- then.counters.throttledPeriods,
                throttledUs: now.counters.throttledUs &- then.counters.throttledUs)
            // Counters that went backwards (a cgroup recreated) are not a measurement.
            guard d.periods <= now.counters.periods, d.throttledPeriods <= now.counters.throttledPeriods else { return nil }
            if best == nil || d.throttledPeriods > best!.1.throttledPeriods || (best!.1.periods == 0 && d.periods > 0) {
                best = (now.directory, d)
            }
        }
        return best
    }
}

/// The CFS counters of a `cpu.stat` text; nil when it has none (no quota machinery: v2 without
/// the cpu controller shows only usage_usec).
public func parseCPUStat(_ text: String) -> CgroupCPUStat.Counters? {
    var values: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
        let kv = line.split(separator: " ")
        if kv.count == 2, let v = UInt64(kv[1]) { values[String(kv[0])] = v }
    }
    guard let periods = values["nr_periods"], let throttled = values["nr_throttled"] else { return nil }
    // v2 says microseconds; v1 says throttled_time in nanoseconds.
    let us = values["throttled_usec"] ?? (values["throttled_time"].map { $0 / 1000 } ?? 0)
    return CgroupCPUStat.Counters(periods: periods, throttledPeriods: throttled, throttledUs: us)
}

extension CgroupCPUStat {
    /// Finds the process's cgroup and reads its levels' `cpu.stat` (a segment's before/after snapshot).
    public static func read(root: SystemRoot) -> CgroupCPUStat? {
        read(root: root, location: CgroupLocation.find(root: root))
    }
}

/// A CPU quota one cgroup directory sets: `quotaUs` of CPU time per `periodUs`.
public struct CgroupQuota: Sendable, Equatable {
    public var quotaUs: Int
    public var periodUs: Int
    /// The cgroup directory that sets it.
    public var directory: String

    /// CPUs' worth of time the quota allows.
    public var cpus: Double { Double(quotaUs) / Double(periodUs) }
}

// The limit files of the process's cgroup and its ancestors, read as they are; what they mean for
// a run is OverheadEnvironment's to say.
extension CgroupLocation {
    /// Every CPU quota on the path to the root, own cgroup first: `cpu.max` (v2) or
    /// `cpu.cfs_quota_us` / `cpu.cfs_period_us` (v1); levels without one ("max", -1) left out.
    public func cpuQuotas(_ root: SystemRoot) -> [CgroupQuota] {
        ancestors("cpu").compactMap { dir in
            if version == 2 {
                guard let text = root.attribute(dir + "/cpu.max") else { return nil }
                let f = text.split(separator: " ")
                guard f.count == 2, let q = Int(f[0]), let p = Int(f[1]), q > 0, p > 0 else { return nil }
                return CgroupQuota(quotaUs: q, periodUs: p, directory: dir)
            }
            guard let q = root.attribute(dir + "/cpu.cfs_quota_us").flatMap({ Int($0) }), q > 0,
                let p = root.attribute(dir + "/cpu.cfs_period_us").flatMap({ Int($0) }), p > 0
            else { return nil }
            return CgroupQuota(quotaUs: q, periodUs: p, directory: dir)
        }
    }

    /// The effective cpuset list text of the nearest level that has one (`cpuset.cpus.effective`
    /// on v2; `cpuset.effective_cpus`, else `cpuset.cpus`, on v1) and the directory it came from.
    public func effectiveCPUs(_ root: SystemRoot) -> (list: String, directory: String)? {
        for dir in ancestors("cpuset") {
            let files = version == 2 ? ["cpuset.cpus.effective"] : ["cpuset.effective_cpus", "cpuset.cpus"]
            if let text = files.lazy.compactMap({ root.attribute(dir + "/" + $0) }).first { return (text, dir) }
        }
        return nil
    }

    /// Every memory limit on the path to the root, in bytes: `memory.max` (v2) or
    /// `memory.limit_in_bytes` (v1); "max" and v1's page-rounded LONG_MAX (anything from 2⁶⁰ up)
    /// mean no limit and are left out.
    public func memoryLimits(_ root: SystemRoot) -> [UInt64] {
        ancestors("memory").compactMap { dir in
            let file = version == 2 ? "memory.max" : "memory.limit_in_bytes"
            guard let text = root.attribute(dir + "/" + file), let bytes = UInt64(text), bytes < (1 << 60) else { return nil }
            return bytes
        }
    }
}
