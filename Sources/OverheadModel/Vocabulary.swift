import Foundation

// Words and numbers every output shares (run's summary, compare, diff, explain, the report), in one
// place so a figure or a params list reads the same everywhere.

/// A figure with about 4 significant digits: whole numbers from 1000, then one, two or three
/// decimals; `—` when it is not finite.
public func formatFigure(_ value: Double) -> String {
    guard value.isFinite else { return "—" }
    let magnitude = abs(value)
    // String(format:) with no locale: always a '.' decimal point.
    if magnitude >= 1000 { return String(format: "%.0f", value) }
    if magnitude >= 100 { return String(format: "%.1f", value) }
    if magnitude >= 10 { return String(format: "%.2f", value) }
    return String(format: "%.3f", value)
}

/// A signed percentage with one decimal, `+10.2%` (never `-0.0%`); `—` when absent or not finite.
public func formatPercent(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "—" }
    let rounded = (value * 10).rounded() / 10
    return String(format: "%+.1f%%", rounded == 0 ? 0 : rounded)
}

/// A case's params as text, keys sorted: `qd=1;size=4k` (`separator` between pairs).
public func paramsText(_ params: [String: String], separator: String = ";") -> String {
    params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: separator)
}

/// The exit status of every command, one meaning per number (README, "Exit status"). Scripts and CI
/// act on these; a command that cannot reach one of them exits 1.
public enum ExitStatus: Int32, Codable, Sendable, CaseIterable {
    /// The command did what was asked (`diff`: nothing regressed, and the comparison is complete).
    case success = 0
    /// An error: unreadable or invalid input, an unwritable output (the message says what to do).
    case failure = 1
    /// `diff`: a benchmark regressed.
    case regression = 2
    /// Not enough to go on: `run` measured nothing (every case skipped or failed; the set is still
    /// written), or `diff` compared an empty, interrupted or partial side.
    case incomplete = 3
    /// `diff --fail-on any`: improvements and no regression.
    case improvementOnly = 4
    /// A usage error: a bad option or argument (`EX_USAGE`, as the argument parser exits).
    case usage = 64
    /// Interrupted (Ctrl-C, SIGTERM, SIGHUP): `run` still wrote what it measured (128 + SIGINT).
    case interrupted = 130
}

// MARK: - Fixed vocabularies of the result set
//
// The schema writes these as plain strings and reads any string back, so a set written by a later
// version (or by hand) with a value this one does not know still loads; the enums are the one home
// of the values this version writes and tests, reached through the typed accessors below.

/// The machine layer a run detected (`environment.configuration.detected`).
public enum MachineLayer: String, Codable, CaseIterable, Sendable {
    case bareMetal = "bare-metal"
    case vm
    /// A VM whose network path is an SR-IOV virtual function.
    case vmSRIOV = "vm-sriov"
    /// A VM with a physical device passed through (vfio).
    case passthrough
    /// Xen's control domain: under the hypervisor, but driving the physical devices itself.
    case xenDom0 = "xen-dom0"
}

/// The container layer a run detected (`environment.configuration.container.detected`).
public enum ContainerKind: String, Codable, CaseIterable, Sendable {
    case none
    case container
    /// A Kubernetes pod's container.
    case pod
}

/// Where a run's replicates executed (`workload.replicateIsolation`; a version-1 set says `none`).
public enum ReplicateIsolation: String, Codable, CaseIterable, Sendable {
    /// Each replicate in a fresh worker process: new address space, heap, ASLR and page placement.
    case process
    /// Every replicate in one process (fresh memory, calibration, peers and scratch files each).
    case inProcess = "in-process"
}

extension Configuration {
    /// The detected machine layer as this version knows it; nil for a value it does not.
    public var machineLayer: MachineLayer? { MachineLayer(rawValue: detected) }
}

extension ContainerLayer {
    /// The detected container layer as this version knows it; nil for a value it does not.
    public var kind: ContainerKind? { ContainerKind(rawValue: detected) }
}

extension WorkloadInfo {
    /// Where the replicates ran; nil for a version-1 set (`none`) or a value this version does not know.
    public var isolation: ReplicateIsolation? { ReplicateIsolation(rawValue: replicateIsolation) }
}

/// A byte count for a sentence in the largest binary unit that divides it exactly: `256 KiB`,
/// `4 MiB`, `1 GiB`, `0 B`, `1000 B` (explain's findings, a fork parent's size).
public func formatSize(_ bytes: UInt64) -> String {
    if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
    if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
    return "\(bytes) B"
}

/// The one size parser of the project (workload params, export's byte columns, explain): `4096`,
/// `16K`, `256M`, `1G`, `2T` (binary multiples, either case), optionally followed by `B` or `iB` as
/// other tools write sizes (`16KB`, `2MiB`, `4096B`). Nil for anything else, a negative number, or
/// a product that overflows `Int`.
public func parseSize(_ text: String) -> Int? {
    var digits = Substring(text.trimmingCharacters(in: .whitespaces))
    for suffix in ["iB", "ib", "B", "b"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
        digits = digits.dropLast(suffix.count)
        break
    }
    let shifts: [Character: Int] = ["K": 10, "k": 10, "M": 20, "m": 20, "G": 30, "g": 30, "T": 40, "t": 40]
    var shift = 0
    if let last = digits.last, let s = shifts[last] {
        shift = s
        digits = digits.dropLast()
    }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n >= 0 else { return nil }
    let product = n.multipliedReportingOverflow(by: 1 << shift)
    return product.overflow ? nil : product.partialValue
}
