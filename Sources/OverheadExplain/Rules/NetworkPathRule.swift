import OverheadCompare
import OverheadModel

/// `network-path`: `net.*_rr` round trips significantly slower through a virtio (or emulated) NIC,
/// measured against a real peer; when another configuration reaches the network through an SR-IOV
/// VF or passthrough and is near native, the finding says so with both figures.
public struct NetworkPathRule: Rule {
    /// `network-path`.
    public let id = "network-path"
    /// The smallest significant round-trip overhead, percent.
    public var minimumOverheadPct = 10.0
    /// A direct-path configuration is "near native" when not significantly worse or worse by at most
    /// this fraction of the software path's overhead.
    public var nearNativeFraction = 0.25
    /// Device paths through the host's software switch.
    static let softwarePaths: Set<String> = ["virtio", "paravirtual", "emulated"]
    /// Device paths that bypass it.
    static let directPaths: Set<String> = ["sriov-vf", "physical", "sriov-pf"]

    /// The rule with its default thresholds.
    public init() {}

    /// The NIC a label's round trips used: the driver in the result details, else the first network device.
    func nic(_ context: RuleContext, _ label: String, _ row: ComparisonRow) -> (driver: String, path: String)? {
        let driver = context.detail(label, benchmark: row.benchmark, paramsText: row.paramsText, key: "driver")
        let devices = (context.environment(label)?.devices ?? []).filter { $0.kind == "network" && $0.bus != "virtual" }
        if let driver, let device = devices.first(where: { $0.driver == driver }) { return (driver, device.path) }
        if let driver, driver.hasPrefix("none") { return nil }
        guard let device = devices.first else { return nil }
        return (device.driver ?? "unknown driver", device.path)
    }

    /// Whether a label's round trips went over loopback (no NIC on the path at all).
    func loopback(_ context: RuleContext, _ label: String, _ row: ComparisonRow) -> Bool {
        let driver = context.detail(label, benchmark: row.benchmark, paramsText: row.paramsText, key: "driver")
        let source = context.detail(label, benchmark: row.benchmark, paramsText: row.paramsText, key: "peerSource")
        return driver?.contains("loopback") == true || source?.contains("loopback") == true
    }

    /// A finding when round trips over a software NIC path are significantly slower.
    public func evaluate(_ context: RuleContext) -> [Finding] {
        let rows = (context.rows("net.tcp_rr") + context.rows("net.udp_rr"))
            .filter { $0.isOverhead(atLeast: minimumOverheadPct) && !loopback(context, context.configuration, $0) }
        guard let worst = rows.max(by: { $0.cost < $1.cost }), let used = nic(context, context.configuration, worst),
            Self.softwarePaths.contains(used.path)
        else { return [] }
        let perUnit = worst.nsPerUnit ?? 1
        let extra = (worst.median - worst.baselineMedian) * perUnit
        var evidence = [worst]
        var facts = ["\(context.configuration) reaches the network through \(used.driver) (\(used.path))"]
        // Another configuration with a direct path and a near-native figure for the same case.
        var direct: (label: String, driver: String, row: ComparisonRow)?
        for other in context.comparison.configurations.map(\.label) where other != context.configuration {
            guard let row = context.rows(worst.benchmark, configuration: other).first(where: { $0.paramsText == worst.paramsText }),
                !loopback(context, other, row), let otherNIC = nic(context, other, row), Self.directPaths.contains(otherNIC.path),
                !row.isOverhead || row.cost <= worst.cost * nearNativeFraction
            else { continue }
            if direct == nil || row.cost < direct!.row.cost { direct = (other, otherNIC.driver, row) }
        }
        let remedy: String
        if let direct {
            evidence.append(direct.row)
            facts.append("\(direct.label) reaches it through \(direct.driver) (SR-IOV VF or passthrough)")
            let directExtra = (direct.row.median - direct.row.baselineMedian) * perUnit
            remedy = "Give latency-sensitive workers the direct path that \(direct.label) uses (\(direct.driver)): \(formatDuration(ns: direct.row.median * perUnit)) per round trip (\(formatDuration(ns: directExtra)) over \(context.baseline)) instead of \(formatDuration(ns: worst.median * perUnit))."
        } else {
            remedy = "Give latency-sensitive workers an SR-IOV VF or a passthrough NIC, or on virtio use vhost-net with multiqueue and busy polling."
        }
        return [context.finding(
            self,
            title: "\(used.driver) adds \(formatDuration(ns: extra)) per \(worst.benchmark == "net.udp_rr" ? "UDP" : "TCP") round trip in \(context.configuration) (\(formatDuration(ns: worst.median * perUnit)) vs \(formatDuration(ns: worst.baselineMedian * perUnit)), \(formatPct(worst.cost)))",
            severity: .forOverhead(worst.cost), basis: Severity.basis(forOverhead: worst.cost), evidence: evidence, facts: facts,
            cause: "Each packet crosses the host's software switch and the virtio backend, with exits and wake-ups at both ends, and a request-response exchange pays that on every round trip; an SR-IOV VF bypasses the switch.",
            remedy: remedy,
            reference: "netperf TCP_RR: 1.8× (+30 µs over 37.6 µs) through virtio; SR-IOV with latency tuning 20 µs vs 18 µs native (Felter et al.; VMware vSphere 5.5 latency paper)")]
    }
}
