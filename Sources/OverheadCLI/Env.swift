import ArgumentParser
import Foundation
import OverheadEnvironment
import OverheadModel
import OverheadSystem

extension OverheadBench {
    /// `overhead-bench env`: the environment fingerprint and the detected configuration.
    struct Env: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the environment fingerprint and the detected configuration with its reasons.",
            discussion: """
                Exit status: 0 on success; 1 on an error in the output (a fingerprint that cannot be encoded as \
                JSON); 64 on a usage error (an unknown option).
                """)

        @Flag(help: "Print the fingerprint as JSON (the `environment` object of a result set).")
        var json = false

        @Option(help: "Read /proc and /sys below this directory instead of / (fixture trees, docs/fingerprint.md; CPUID from its cpuid.txt when present).")
        var root: String?

        func run() throws {
            let sources = root.map { dir in
                // A fixture tree may carry the CPUID values it was captured with.
                let cpuid = (try? String(contentsOfFile: dir + "/cpuid.txt", encoding: .utf8)).map(CPUIDTable.init(text:))
                return FingerprintSources(root: .init(path: dir), cpuid: cpuid, live: false)
            } ?? .live
            let env = collectEnvironment(sources)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                Terminal.out(String(decoding: try encoder.encode(env), as: UTF8.self))
            } else {
                Terminal.out(renderEnvironment(env))
            }
        }
    }
}

/// The human-readable fingerprint.
func renderEnvironment(_ env: Environment) -> String {
    var lines: [String] = []
    lines.append("configuration: \(env.configuration.detected)")
    for reason in env.configuration.reasons { lines.append("  - \(reason)") }
    if let container = env.configuration.container {
        lines.append("container:     \(container.summary)\(container.kubernetes && container.kind != .pod ? ", Kubernetes" : "")")
        for reason in container.reasons { lines.append("  - \(reason)") }
    }
    lines.append("default label: \(env.configuration.defaultLabel)")
    let hv = env.hypervisor
    lines.append("hypervisor:    \(hv.present ? (hv.vendor ?? "present, vendor unknown") : "none")\(hv.signatures.isEmpty ? "" : " (signatures: \(hv.signatures.joined(separator: ", ")))")")
    for sign in hv.nested ?? [] { lines.append("  nested: \(sign)") }
    lines.append("host:          \(env.hostname), kernel \(env.kernel)")
    let c = env.cpu
    var cpuLine = "cpu:           \(c.vendor) \(c.model), \(c.logicalCPUs) logical CPUs, SMT \(c.smt ? "on" : "off")"
    if let f = c.family, let m = c.modelNumber, let s = c.stepping { cpuLine += ", family \(f) model \(m) stepping \(s)" }
    if let mc = c.microcode { cpuLine += ", microcode \(mc)" }
    lines.append(cpuLine)
    if let p = env.process {
        lines.append("allowed CPUs:  \(formatCPUList(p.allowedCPUs)) (\(p.allowedCPUs.count) of \(c.logicalCPUs))")
        lines.append("seccomp:       \(p.seccomp ?? "unknown")\(p.seccompFilters.map { $0 > 0 ? ", \($0) filter\($0 == 1 ? "" : "s")" : "" } ?? "")")
        if let g = p.cgroup {
            let quota = g.cpuLimit.map { String(format: "CPU quota %.2f CPUs (%d/%d µs%@)", $0, g.cpuQuotaUs ?? 0, g.cpuPeriodUs ?? 0, g.cpuQuotaSetBy.map { " at \($0)" } ?? "") } ?? "no CPU quota"
            let cpuset = g.cpusetEffective.map { "cpuset \(formatCPUList($0))" } ?? "cpuset unknown"
            let memory = g.memoryLimitBytes.map { String(format: "memory limit %.1f GiB", Double($0) / Double(1 << 30)) } ?? "no memory limit"
            lines.append("cgroup:        v\(g.version) \(g.path): \(quota), \(cpuset), \(memory)")
            for note in g.notes { lines.append("  - \(note)") }
        } else {
            lines.append("cgroup:        none visible")
        }
    }
    lines.append("memory:        \(String(format: "%.1f", Double(env.memoryBytes) / Double(1 << 30))) GiB")
    lines.append("clocksource:   \(env.clocksource) (available: \(env.availableClocksources.joined(separator: " ")))")
    if let tsc = env.tsc {
        lines.append(String(format: "TSC:           %.3f GHz (%@)%@%@", tsc.ghz, tsc.source, tsc.invariant ? ", invariant" : ", not invariant",
                            tsc.source != "calibrated" ? (tsc.calibratedGHz.map { String(format: ", calibrated %.3f GHz", $0) } ?? "") : ""))
    }
    if let path = env.clockGettime {
        lines.append("clock_gettime: \(path.path) — \(path.reason)")
    }
    lines.append("THP:           \(env.transparentHugePages ?? "not available")")
    lines.append("governor:      \(env.governor ?? "none (no cpufreq)")")
    let numa = env.numa
    lines.append("NUMA:          \(numa.nodes.count) node\(numa.nodes.count == 1 ? "" : "s") via \(numa.source)\(numa.available ? "" : " (libnuma unavailable)")")
    for (i, node) in numa.nodes.enumerated() {
        let distances = i < numa.distances.count ? numa.distances[i].map(String.init).joined(separator: " ") : "?"
        lines.append("  node \(node.id): cpus \(node.cpus.map(String.init).joined(separator: ",")), \(String(format: "%.1f", Double(node.memoryBytes) / Double(1 << 30))) GiB, distances \(distances)")
    }
    lines.append("counters:      hardware \(env.counters.hardware ? "yes" : "no"), software \(env.counters.software ? "yes" : "no")\(env.counters.reason.map { " — \($0)" } ?? "")")
    lines.append("devices:")
    if env.devices.isEmpty { lines.append("  (none found)") }
    for d in env.devices {
        lines.append("  \(d.name) [\(d.kind)] \(d.path): \(d.reason)")
    }
    let affected = env.mitigations.filter { !$0.value.hasPrefix("Not affected") }.sorted { $0.key < $1.key }
    lines.append("mitigations:   \(affected.count) of \(env.mitigations.count) entries not 'Not affected'")
    for (k, v) in affected { lines.append("  \(k): \(v)") }
    for note in env.notes { lines.append("note: \(note)") }
    return lines.joined(separator: "\n")
}
