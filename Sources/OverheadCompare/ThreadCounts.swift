import Foundation
import OverheadModel

// Rows are matched by the thread count a result really ran, never by the word `all`: a 64-core
// host's `all` and an 8-vCPU guest's `all` are different measurements. Since the count is resolved
// when the workload is (params say `threads=8`), only sets written before that need this.

/// The params of a result as compare matches them: `threads=all` becomes the count it stood for —
/// the CPUs the result ran on when recorded, else the set's allowed CPUs, else its logical CPUs.
/// Other params are returned unchanged.
public func comparableParams(_ result: BenchmarkResult, environment: Environment) -> [String: String] {
    guard result.params["threads"] == "all" else { return result.params }
    var params = result.params
    let count = !result.cpus.isEmpty
        ? result.cpus.count
        : (environment.process?.allowedCPUs.count).flatMap { $0 > 0 ? $0 : nil } ?? max(1, environment.cpu.logicalCPUs)
    params["threads"] = String(count)
    return params
}

/// One note per benchmark (and other params) whose thread counts differ between configurations:
/// the counts each ran, which are compared, and that the others are not compared with a different
/// count. Empty when every configuration ran the same counts.
func threadCountNotes(_ cases: [Case], groups: [SetGroup]) -> [String] {
    // benchmark + params without threads → per group, the thread counts present.
    var order: [String] = []
    var counts: [String: [Set<Int>]] = [:]
    for c in cases {
        guard let t = c.params["threads"], let n = Int(t) else { continue }
        let rest = paramsText(c.params.filter { $0.key != "threads" })
        let key = rest.isEmpty ? c.benchmark : "\(c.benchmark) \(rest)"
        if counts[key] == nil {
            order.append(key)
            counts[key] = Array(repeating: [], count: groups.count)
        }
        for g in c.sides.indices where c.sides[g] != nil { counts[key]![g].insert(n) }
    }
    var notes: [String] = []
    for key in order {
        let perGroup = counts[key]!
        let ran = groups.indices.filter { !perGroup[$0].isEmpty }
        guard ran.count > 1, Set(ran.map { perGroup[$0] }).count > 1 else { continue }
        let shared = ran.map { perGroup[$0] }.reduce(perGroup[ran[0]]) { $0.intersection($1) }
        let sides = ran.map { "\(groups[$0].name) ran \(perGroup[$0].sorted().map(String.init).joined(separator: ", "))" }
        let compared = shared.isEmpty
            ? "no count is shared, so none is compared"
            : "only threads=\(shared.sorted().map(String.init).joined(separator: ", ")) \(shared.count == 1 ? "is" : "are") compared"
        notes.append("\(key): thread counts differ (\(sides.joined(separator: "; "))); \(compared), the other counts are listed as missing and never compared with a different count")
    }
    return notes
}

/// Throttling above this share of a case's CFS periods makes its figures the quota's, not the
/// machine's (1%: the engine's own warning threshold, as for steal).
public let throttlingCaveatPct = 1.0

/// One caveat per configuration whose results were measured while its cgroup's CPU quota
/// throttled it (recorded by `run` as `cpuThrottledPct` in a result's details).
func throttlingNotes(_ groups: [SetGroup]) -> [String] {
    var notes: [String] = []
    for group in groups {
        var affected: [(String, Double, Double)] = []
        var total = 0
        for loaded in group.sets {
            for result in loaded.set.results {
                total += 1
                guard let pct = result.details?["cpuThrottledPct"].flatMap(Double.init), pct > throttlingCaveatPct else { continue }
                let params = paramsText(comparableParams(result, environment: loaded.set.environment))
                let ms = result.details?["cpuThrottledMs"].flatMap(Double.init) ?? 0
                affected.append((params.isEmpty ? result.benchmark : "\(result.benchmark) \(params)", pct, ms))
            }
        }
        // Most throttled; among equals (a tight quota throttles every period), the most time lost.
        guard let worst = affected.max(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.2 < $1.2 }) else { continue }
        let quota = group.sets.compactMap { $0.set.environment.process?.cgroup?.cpuLimit }.min()
        let quotaText = quota.map { String(format: " (CPU quota %.2f CPUs)", $0) } ?? ""
        notes.append(String(
            format: "%@: %d of %d results were measured while the cgroup's CPU quota throttled the run%@; worst %@ throttled in %d%% of its periods. Their differences measure the quota, not the machine (explain: CPU quota throttling)",
            // Rounded half up, as explain rounds it, so both say the same figure.
            group.name, affected.count, total, quotaText, worst.0, Int(worst.1.rounded())))
    }
    return notes
}
