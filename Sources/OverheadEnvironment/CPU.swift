import Foundation
import OverheadModel
import OverheadSystem

/// The key/value lines of the first `processor` block of `/proc/cpuinfo`, and how many blocks
/// there are.
struct CPUInfoText {
    var fields: [String: String] = [:]
    var processorCount = 0

    init(_ text: String) {
        var inFirst = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if processorCount > 0 { inFirst = false }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "processor" { processorCount += 1 }
            if inFirst && fields[key] == nil { fields[key] = value }
        }
    }
}

/// CPU flags kept in the fingerprint: the ones benchmark kernels use and the ones that say how
/// time is kept and how memory is mapped. Order here is the order in `CPUInfo.flags`.
let relevantCPUFlags: [String] = [
    // vector and crypto units the kernels may use
    "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni",
    "amx_tile", "aes", "vaes", "sha_ni",
    // virtualization and its helpers
    "hypervisor", "vmx", "svm", "ept", "npt",
    // time keeping: whether the TSC is usable as a clock inside this system
    "tsc", "rdtscp", "rdpid", "constant_tsc", "nonstop_tsc", "tsc_known_freq", "tsc_reliable",
    "tsc_deadline_timer", "tsc_adjust", "art",
    // memory: 1 GiB pages, TLB tags, string ops, 5-level paging
    "pdpe1gb", "pcid", "invpcid", "erms", "fsrm", "la57",
    // topology and counters
    "ht", "x2apic", "arch_perfmon", "perfctr_core",
]

/// The processor as `/proc/cpuinfo` and `/sys/devices/system/cpu` describe it.
func collectCPU(_ root: SystemRoot, notes: inout [String]) -> CPUInfo {
    let info: CPUInfoText
    if let text = root.read("/proc/cpuinfo") {
        info = CPUInfoText(text)
    } else {
        info = CPUInfoText("")
        notes.append("/proc/cpuinfo could not be read: CPU vendor, model and flags are unknown")
    }
    let f = info.fields
    // x86 says vendor_id/model name; arm64 says CPU implementer and has no model name.
    let vendor = f["vendor_id"] ?? f["CPU implementer"].map { "implementer \($0)" } ?? "unknown"
    let model = f["model name"] ?? f["Hardware"] ?? f["uarch"] ?? "unknown"
    let family = f["cpu family"].flatMap { Int($0) }
    let modelNumber = f["model"].flatMap { Int($0) }
    let stepping = f["stepping"].flatMap { Int($0) }
    let microcode = f["microcode"]

    var logical = info.processorCount
    if let online = root.attribute("/sys/devices/system/cpu/online") {
        let count = parseCPUList(online).count
        if logical == 0 { logical = count }
    }
    if logical == 0 {
        logical = 1
        notes.append("the number of logical CPUs could not be read (neither /proc/cpuinfo nor /sys/devices/system/cpu/online); assumed 1")
    }

    let smt: Bool
    if let active = root.attribute("/sys/devices/system/cpu/smt/active") {
        smt = active == "1"
    } else if let siblings = root.attribute("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list") {
        smt = parseCPUList(siblings).count > 1
    } else {
        smt = false
    }

    let present = Set((f["flags"] ?? f["Features"] ?? "").split(separator: " ").map(String.init))
    let flags = relevantCPUFlags.filter { present.contains($0) }

    return CPUInfo(
        vendor: vendor, model: model, family: family, modelNumber: modelNumber, stepping: stepping,
        microcode: microcode, logicalCPUs: logical, smt: smt, flags: flags)
}

/// All flags of the first processor in `/proc/cpuinfo` (not only the kept subset).
func allCPUFlags(_ root: SystemRoot) -> Set<String> {
    guard let text = root.read("/proc/cpuinfo") else { return [] }
    let f = CPUInfoText(text).fields
    return Set((f["flags"] ?? "").split(separator: " ").map(String.init))
}

/// `MemTotal` of `/proc/meminfo` in bytes.
func collectMemoryBytes(_ root: SystemRoot, notes: inout [String]) -> UInt64 {
    if let text = root.read("/proc/meminfo") {
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            if let kB = kilobytes(after: "MemTotal:", in: line) { return kB * 1024 }
        }
    }
    notes.append("MemTotal could not be read from /proc/meminfo: memoryBytes is 0")
    return 0
}

/// The number of a `... <N> kB` line, after `label`.
func kilobytes(after label: String, in line: Substring) -> UInt64? {
    guard let range = line.range(of: label) else { return nil }
    let rest = line[range.upperBound...].split(separator: " ")
    return rest.first.flatMap { UInt64($0) }
}

/// Current and available clocksources.
func collectClocksource(_ root: SystemRoot, notes: inout [String]) -> (current: String, available: [String]) {
    let dir = "/sys/devices/system/clocksource/clocksource0"
    let current = root.attribute("\(dir)/current_clocksource")
    if current == nil {
        notes.append("\(dir)/current_clocksource could not be read: the clocksource is unknown")
    }
    let available = (root.attribute("\(dir)/available_clocksource") ?? "").split(separator: " ").map(String.init)
    return (current ?? "unknown", available)
}

/// The bracketed (selected) word of `/sys/kernel/mm/transparent_hugepage/enabled`.
func collectTransparentHugePages(_ root: SystemRoot) -> String? {
    guard let text = root.attribute("/sys/kernel/mm/transparent_hugepage/enabled") else { return nil }
    return selectedWord(text)
}

/// `always [madvise] never` → `madvise`.
func selectedWord(_ text: String) -> String? {
    guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
    let word = text[text.index(after: open)..<close]
    return word.isEmpty ? nil : String(word)
}

/// cpufreq governor of CPU 0, nil where there is no cpufreq.
func collectGovernor(_ root: SystemRoot) -> String? {
    root.attribute("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
}

/// Every `/sys/devices/system/cpu/vulnerabilities/*` file and its text.
func collectMitigations(_ root: SystemRoot, notes: inout [String]) -> [String: String] {
    let dir = "/sys/devices/system/cpu/vulnerabilities"
    var result: [String: String] = [:]
    for name in root.list(dir) {
        if let text = root.attribute("\(dir)/\(name)") { result[name] = text }
    }
    if result.isEmpty {
        notes.append("\(dir) is missing or unreadable: mitigations are not recorded")
    }
    return result
}
