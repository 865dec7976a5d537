import Foundation

/// What `diff` concludes, and the exit status CI scripts act on.
public enum DiffOutcome: String, Codable, Sendable {
    /// Nothing moved beyond the threshold significantly (exit 0).
    case unchanged
    /// At least one benchmark regressed beyond the threshold (exit 2).
    case regressed
    /// Some benchmarks improved beyond the threshold and none regressed (exit 4).
    case improvedOnly = "improved-only"

    /// The process exit status: 0, 2 or 4 (1 is left for errors).
    public var exitCode: Int32 {
        switch self {
        case .unchanged: return 0
        case .regressed: return 2
        case .improvedOnly: return 4
        }
    }
}

/// The rows of a two-sided comparison that moved significantly beyond a threshold.
public struct DiffSummary: Sendable, Equatable {
    /// Rows with verdict `overhead` and overhead above the threshold.
    public var regressions: [ComparisonRow]
    /// Rows with verdict `improvement` and overhead below minus the threshold.
    public var improvements: [ComparisonRow]
    /// The threshold, percent.
    public var thresholdPct: Double

    /// Regressed if anything regressed, improved-only if only improvements, else unchanged.
    public var outcome: DiffOutcome {
        if !regressions.isEmpty { return .regressed }
        if !improvements.isEmpty { return .improvedOnly }
        return .unchanged
    }

    /// One line per regression and improvement, then the outcome and its exit status.
    public var text: String {
        var lines: [String] = []
        for r in regressions { lines.append("regression: \(name(r)) \(formatPercent(r.overheadPct)) \(formatInterval(r.ciLowPct, r.ciHighPct))") }
        for r in improvements { lines.append("improvement: \(name(r)) \(formatPercent(r.overheadPct)) \(formatInterval(r.ciLowPct, r.ciHighPct))") }
        let threshold = String(format: "%g", thresholdPct)
        switch outcome {
        case .unchanged: lines.append("No significant change beyond \(threshold)% (exit 0).")
        case .regressed: lines.append("\(regressions.count) regression\(regressions.count == 1 ? "" : "s") beyond \(threshold)% (exit 2).")
        case .improvedOnly: lines.append("\(improvements.count) improvement\(improvements.count == 1 ? "" : "s") beyond \(threshold)%, no regression (exit 4).")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func name(_ r: ComparisonRow) -> String {
        r.paramsText.isEmpty ? r.benchmark : "\(r.benchmark) \(r.paramsText)"
    }
}

/// Classifies a comparison for `diff`: a row counts when its verdict is significant (`overhead` or
/// `improvement`) and its point estimate is beyond `thresholdPct` in that direction.
public func summarizeDiff(_ comparison: Comparison, thresholdPct: Double) -> DiffSummary {
    DiffSummary(
        regressions: comparison.rows.filter { $0.verdict == .overhead && ($0.overheadPct ?? 0) > thresholdPct },
        improvements: comparison.rows.filter { $0.verdict == .improvement && ($0.overheadPct ?? 0) < -thresholdPct },
        thresholdPct: thresholdPct)
}
