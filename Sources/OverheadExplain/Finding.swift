import Foundation
import OverheadCompare
import OverheadModel

/// The findings for one configuration.
public struct ConfigurationFindings: Codable, Sendable, Equatable {
    /// The configuration label.
    public var configuration: String
    /// The baseline label.
    public var baseline: String
    /// Rows compared for this configuration.
    public var rowsCompared: Int
    /// Rows with a significant difference (`overhead` or `improvement`).
    public var significantRows: Int
    /// Findings, noise first, then by severity (highest first), then in rule order.
    public var findings: [Finding]
    /// Why no case was compared (no results on a side, or none in common); nil when some were.
    public var notCompared: String?
    /// True when cases were compared and no rule fired: "nothing notable". False when nothing was
    /// compared, since then nothing could have been noticed.
    public var nothingNotable: Bool { findings.isEmpty && notCompared == nil }

    private enum CodingKeys: String, CodingKey {
        case configuration, baseline, rowsCompared, significantRows, findings, notCompared, nothingNotable
    }

    /// A configuration's findings.
    public init(configuration: String, baseline: String, rowsCompared: Int, significantRows: Int, findings: [Finding], notCompared: String? = nil) {
        self.configuration = configuration
        self.baseline = baseline
        self.rowsCompared = rowsCompared
        self.significantRows = significantRows
        self.findings = findings
        self.notCompared = notCompared
    }

    /// Decodes the stored fields (`nothingNotable` is derived).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        configuration = try c.decode(String.self, forKey: .configuration)
        baseline = try c.decode(String.self, forKey: .baseline)
        rowsCompared = try c.decode(Int.self, forKey: .rowsCompared)
        significantRows = try c.decode(Int.self, forKey: .significantRows)
        findings = try c.decode([Finding].self, forKey: .findings)
        notCompared = try c.decodeIfPresent(String.self, forKey: .notCompared)
    }

    /// Encodes every field, `nothingNotable` included, so scripts need not count.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(rowsCompared, forKey: .rowsCompared)
        try c.encode(significantRows, forKey: .significantRows)
        try c.encode(findings, forKey: .findings)
        try c.encodeIfPresent(notCompared, forKey: .notCompared)
        try c.encode(nothingNotable, forKey: .nothingNotable)
    }
}

/// What `explain` concludes: findings per configuration, and the settings they were found under.
public struct Explanation: Codable, Sendable, Equatable {
    /// The baseline label.
    public var baseline: String
    /// Per configuration, in the comparison's order.
    public var configurations: [ConfigurationFindings]
    /// Ids of the rules evaluated, in order.
    public var rules: [String]
    /// Significance level the comparator used.
    public var alpha: Double
    /// CV threshold (percent) above which the comparator flags a row noisy.
    public var noiseCVPct: Double
    /// Steal time (percent) above which a finding's evidence is unreliable.
    public var stealThresholdPct: Double
    /// Environment attributes that differ between the sets (from the comparator).
    public var environmentDifferences: [EnvironmentDifference]
}

// MARK: Figures

/// Nanoseconds per unit of a time unit, nil for other units.
func nanoseconds(per unit: String) -> Double? {
    switch unit {
    case "ps": 0.001
    case "ns": 1
    case "us", "µs": 1_000
    case "ms": 1_000_000
    case "s": 1_000_000_000
    default: nil
    }
}

/// A duration in ns as ns below 1 µs, else µs or ms: `850 ns`, `30.2 µs`.
func formatDuration(ns: Double) -> String {
    let magnitude = abs(ns)
    if magnitude >= 1_000_000 { return "\(formatFigure(ns / 1_000_000)) ms" }
    if magnitude >= 1_000 { return "\(formatFigure(ns / 1_000)) µs" }
    return "\(formatFigure(ns)) ns"
}

/// Bytes from a `bytes` parameter (`parseSize`: `16K`, `16KB`, `16KiB`, a plain count).
func parseBytes(_ text: String) -> UInt64? {
    parseSize(text).map(UInt64.init)
}

