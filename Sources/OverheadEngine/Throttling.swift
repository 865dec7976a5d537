import Foundation
import OverheadSystem

/// CPU quota throttling over a case's segments, from the cgroup's `cpu.stat` read before and
/// after each one (like steal time): a CFS quota that runs out stops every thread of the cgroup
/// until the next period, which no benchmark can tell from a slow machine.
struct ThrottleWatch: Sendable {
    var periods: UInt64 = 0
    var throttledPeriods: UInt64 = 0
    var throttledUs: UInt64 = 0
    /// The cgroup whose quota throttled most.
    var cgroup: String?

    /// Adds one segment; a missing snapshot (no cgroup, no cpu controller) adds nothing.
    mutating func add(before: CgroupCPUStat?, after: CgroupCPUStat?) {
        guard let before, let after, let (directory, d) = after.delta(since: before) else { return }
        periods += d.periods
        throttledPeriods += d.throttledPeriods
        throttledUs += d.throttledUs
        if d.throttledPeriods > 0 { cgroup = directory }
    }

    /// Percent of the quota periods in which the cgroup was throttled; nil when no period ran
    /// (no quota).
    var throttledPercent: Double? {
        periods > 0 ? 100 * Double(throttledPeriods) / Double(periods) : nil
    }

    /// Writes `cpuThrottledPct`, `cpuThrottledPeriods`, `cpuPeriods`, `cpuThrottledMs` into the
    /// details when a quota was active, and a warning above 1% of the periods (the threshold
    /// steal uses).
    func record(details: inout [String: String], warnings: inout [String]) {
        guard let pct = throttledPercent else { return }
        details["cpuThrottledPct"] = String(format: "%.1f", pct)
        details["cpuThrottledPeriods"] = String(throttledPeriods)
        details["cpuPeriods"] = String(periods)
        details["cpuThrottledMs"] = String(format: "%.1f", Double(throttledUs) / 1000)
        if let cgroup { details["cpuThrottledCgroup"] = cgroup }
        if pct > 1 {
            warnings.append(String(
                format: "CPU quota throttling: the cgroup's CPU quota ran out in %llu of %llu periods (%.0f%%, %.1f ms throttled): these figures measure the quota, not the machine",
                throttledPeriods, periods, pct, Double(throttledUs) / 1000))
        }
    }
}
