import ArgumentParser
import Foundation
import OverheadEnvironment
import OverheadModel

extension OverheadBench {
    /// `overhead-bench env`: the environment fingerprint and the detected configuration.
    struct Env: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the environment fingerprint and the detected configuration with its reasons.")

        @Flag(help: "Print the fingerprint as JSON (the `environment` object of a result set).")
        var json = false

        @Option(help: ArgumentHelp("Read /proc and /sys below this directory instead of / (fixture trees).", visibility: .hidden))
        var root: String?

        func run() throws {
            let sources = root.map { FingerprintSources(root: .init(path: $0), cpuid: nil, live: false) } ?? .live
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
    let hv = env.hypervisor
    lines.append("hypervisor:    \(hv.present ? (hv.vendor ?? "present, vendor unknown") : "none")\(hv.signatures.isEmpty ? "" : " (signatures: \(hv.signatures.joined(separator: ", ")))")")
    lines.append("host:          \(env.hostname), kernel \(env.kernel)")
    let c = env.cpu
    var cpuLine = "cpu:           \(c.vendor) \(c.model), \(c.logicalCPUs) logical CPUs, SMT \(c.smt ? "on" : "off")"
    if let f = c.family, let m = c.modelNumber, let s = c.stepping { cpuLine += ", family \(f) model \(m) stepping \(s)" }
    if let mc = c.microcode { cpuLine += ", microcode \(mc)" }
    lines.append(cpuLine)
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
