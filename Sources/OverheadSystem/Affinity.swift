import COverhead
import Foundation
import Glibc

/// CPU affinity of the calling thread (`sched_setaffinity` / `sched_getaffinity`).
public enum Affinity {
    /// The CPUs this thread may run on now (`cob_get_affinity`), read through a CPU set sized for
    /// `possibleCPUs` (default: the kernel's possible CPUs), so machines with more than 1024 CPUs
    /// are read whole. Empty when the kernel refuses.
    public static func allowedCPUs(possibleCPUs: Int? = nil) -> [Int] {
        let possible = possibleCPUs ?? Self.possibleCPUs
        // Room for every possible CPU id (the mask can hold at most that many set bits).
        var buffer = [CInt](repeating: 0, count: max(possible, 1024) * 4)
        let n = buffer.withUnsafeMutableBufferPointer { cob_get_affinity($0.baseAddress, CInt($0.count), CInt(clamping: possible)) }
        guard n > 0 else { return [] }
        return buffer.prefix(Int(n)).map(Int.init)
    }

    /// Pins the calling thread to the given CPUs (`cob_set_affinity`), through a CPU set sized for
    /// `possibleCPUs` (default: the kernel's possible CPUs).
    public static func set(_ cpus: [Int], possibleCPUs: Int? = nil) throws(SystemError) {
        let ids = cpus.map { CInt(clamping: $0) }
        let possible = CInt(clamping: possibleCPUs ?? Self.possibleCPUs)
        let rc = ids.withUnsafeBufferPointer { cob_set_affinity($0.baseAddress, CInt($0.count), possible) }
        if rc != 0 { throw SystemError(call: "sched_setaffinity(\(cpus))", errno: -rc) }
    }

    /// The kernel's possible CPUs (the highest id in /sys/devices/system/cpu/possible, plus one),
    /// read once; 1024 when unreadable.
    public static let possibleCPUs: Int = possibleCPUCount(SystemRoot.live.read("/sys/devices/system/cpu/possible") ?? "") ?? 1024

    /// Parses a kernel CPU list ("0-4095", "0,2-3") into the count of ids it spans (highest + 1).
    public static func possibleCPUCount(_ list: String) -> Int? {
        var highest: Int?
        for part in list.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
            let bounds = part.split(separator: "-")
            guard let last = bounds.last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), last >= 0 else { return nil }
            highest = max(highest ?? 0, last)
        }
        return highest.map { $0 + 1 }
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
