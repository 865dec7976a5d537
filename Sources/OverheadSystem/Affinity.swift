import COverhead
import Glibc

/// An errno from a failed system call, with the call's name.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// CPU affinity of the calling thread (`sched_setaffinity` / `sched_getaffinity`).
public enum Affinity {
    /// The CPUs this thread may run on now (`cob_get_affinity`).
    public static func allowedCPUs() -> [Int] {
        var buffer = [CInt](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { cob_get_affinity($0.baseAddress, CInt($0.count)) }
        guard n > 0 else { return [] }
        return buffer.prefix(Int(n)).map(Int.init)
    }

    /// Pins the calling thread to the given CPUs (`cob_set_affinity`).
    public static func set(_ cpus: [Int]) throws(SystemError) {
        let ids = cpus.map(CInt.init)
        let rc = ids.withUnsafeBufferPointer { cob_set_affinity($0.baseAddress, CInt($0.count)) }
        if rc != 0 { throw SystemError(call: "sched_setaffinity(\(cpus))", errno: -rc) }
    }

    /// The CPU the calling thread is on now (`sched_getcpu`), nil if unknown.
    public static func currentCPU() -> Int? {
        let c = cob_current_cpu()
        return c >= 0 ? Int(c) : nil
    }
}

/// Context-switch counts of a thread or process (`getrusage`).
public struct ResourceUsage: Sendable, Equatable {
    public var voluntaryContextSwitches: Int
    public var involuntaryContextSwitches: Int

    public init(voluntaryContextSwitches: Int, involuntaryContextSwitches: Int) {
        self.voluntaryContextSwitches = voluntaryContextSwitches
        self.involuntaryContextSwitches = involuntaryContextSwitches
    }

    /// `getrusage(RUSAGE_SELF)`: the whole process, every thread.
    public static func process() -> ResourceUsage {
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return ResourceUsage(voluntaryContextSwitches: ru.ru_nvcsw, involuntaryContextSwitches: ru.ru_nivcsw)
    }

    /// `getrusage(RUSAGE_THREAD)`: the calling thread only (Linux), so switches of other threads
    /// of the tool do not count against a measuring thread.
    public static func thread() -> ResourceUsage {
        var ru = rusage()
        // RUSAGE_THREAD (1) needs _GNU_SOURCE, so Glibc's Swift overlay does not export it.
        getrusage(__rusage_who_t(1), &ru)
        return ResourceUsage(voluntaryContextSwitches: ru.ru_nvcsw, involuntaryContextSwitches: ru.ru_nivcsw)
    }

    /// `getrusage(RUSAGE_CHILDREN)`: waited-for children.
    public static func children() -> ResourceUsage {
        var ru = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &ru)
        return ResourceUsage(voluntaryContextSwitches: ru.ru_nvcsw, involuntaryContextSwitches: ru.ru_nivcsw)
    }

    public static func - (a: ResourceUsage, b: ResourceUsage) -> ResourceUsage {
        ResourceUsage(
            voluntaryContextSwitches: a.voluntaryContextSwitches - b.voluntaryContextSwitches,
            involuntaryContextSwitches: a.involuntaryContextSwitches - b.involuntaryContextSwitches)
    }
}

/// Per-CPU steal time from `/proc/stat` (8th value of each `cpuN` line), in USER_HZ ticks.
public struct StealSnapshot: Sendable, Equatable {
    /// CPU id → steal ticks; empty when the kernel has no steal column.
    public var ticks: [Int: UInt64]

    public init(ticks: [Int: UInt64]) {
        self.ticks = ticks
    }

    /// Parses the text of `/proc/stat`.
    public static func parse(_ text: String) -> StealSnapshot {
        var ticks: [Int: UInt64] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") && !line.hasPrefix("cpu ") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // cpuN user nice system idle iowait irq softirq steal ...
            guard fields.count >= 9, let cpu = Int(fields[0].dropFirst(3)), let steal = UInt64(fields[8]) else {
                continue
            }
            ticks[cpu] = steal
        }
        return StealSnapshot(ticks: ticks)
    }

    /// Reads `/proc/stat` under `root`.
    public static func read(root: SystemRoot = .live) -> StealSnapshot {
        parse(root.read("/proc/stat") ?? "")
    }

    /// Steal ticks (USER_HZ) on `cpus` between `earlier` and this snapshot; nil when not measurable.
    public func stealTicks(since earlier: StealSnapshot, cpus: [Int]) -> Int? {
        guard !ticks.isEmpty else { return nil }
        var total: UInt64 = 0
        for cpu in cpus {
            guard let now = ticks[cpu], let then = earlier.ticks[cpu] else { return nil }
            total += now >= then ? now - then : 0
        }
        return Int(clamping: total)
    }

    /// Steal seconds on `cpus` between `earlier` and this snapshot; nil when not measurable.
    public func stealSeconds(since earlier: StealSnapshot, cpus: [Int]) -> Double? {
        stealTicks(since: earlier, cpus: cpus).map { Double($0) / Double(StealSnapshot.userHz) }
    }

    /// USER_HZ, the unit of /proc/stat (sysconf(_SC_CLK_TCK), 100 on Linux).
    public static let userHz: Int = {
        let hz = sysconf(Int32(_SC_CLK_TCK))
        return hz > 0 ? hz : 100
    }()
}
