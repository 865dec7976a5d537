import COverhead
import CNuma
import Glibc

/// Facts about the running host that come from system calls rather than files.
public enum Host {
    /// `gethostname`.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `uname`: release string, e.g. `6.1.0-18-amd64`.
    public static func kernelRelease() -> String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.release) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
    }

    /// `uname`: machine, e.g. `x86_64`.
    public static func machine() -> String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.machine) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
    }

    /// Online logical CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static func onlineCPUs() -> Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

/// Whether a perf event can be opened here.
public enum PerfProbe {
    /// The outcome of trying one event.
    public enum Outcome: Equatable, Sendable {
        case available
        case unavailable(errno: Int32)
    }

    /// Tries the hardware `cycles` event (`cob_perf_probe`).
    public static func hardwareCycles() -> Outcome { probe(Int32(COB_PERF_HW_CYCLES)) }

    /// Tries the software `task-clock` event (`cob_perf_probe`).
    public static func softwareTaskClock() -> Outcome { probe(Int32(COB_PERF_SW_TASK_CLOCK)) }

    private static func probe(_ event: Int32) -> Outcome {
        let rc = cob_perf_probe(event)
        return rc == 0 ? .available : .unavailable(errno: -rc)
    }
}

/// NUMA topology as libnuma reports it.
public enum LibNUMA {
    /// One node as libnuma sees it.
    public struct Node: Sendable, Equatable {
        public var id: Int
        public var cpus: [Int]
        public var memoryBytes: UInt64
    }

    /// `numa_available() >= 0`.
    public static func isAvailable() -> Bool { numa_available() >= 0 }

    /// Nodes with memory or CPUs (`numa_max_node`, `numa_node_size64`, `numa_node_to_cpus`) and the
    /// distance matrix (`numa_distance`); nil when libnuma says NUMA is unavailable.
    public static func topology() -> (nodes: [Node], distances: [[Int]])? {
        guard numa_available() >= 0 else { return nil }
        let maxNode = Int(numa_max_node())
        let cpuCount = Int(numa_num_possible_cpus())
        var nodes: [Node] = []
        for id in 0...maxNode {
            var free: Int64 = 0
            let size = numa_node_size64(Int32(id), &free)
            guard let mask = numa_allocate_cpumask() else { continue }
            defer { numa_free_cpumask(mask) }
            guard numa_node_to_cpus(Int32(id), mask) == 0 else { continue }
            let cpus = (0..<cpuCount).filter { numa_bitmask_isbitset(mask, UInt32($0)) != 0 }
            if size <= 0 && cpus.isEmpty { continue }
            nodes.append(Node(id: id, cpus: cpus, memoryBytes: size > 0 ? UInt64(size) : 0))
        }
        let distances = nodes.map { a in nodes.map { b in Int(numa_distance(Int32(a.id), Int32(b.id))) } }
        return (nodes, distances)
    }
}
