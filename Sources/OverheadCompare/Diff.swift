import Foundation
import OverheadModel

/// What `diff` fails on.
public enum DiffFailOn: String, Codable, Sendable, CaseIterable {
    /// Exit 2 when a row is `overhead`; improvements are reported and exit 0 (the CI gate).
    case regression
    /// Exit 2 on a regression, 4 when there are only improvements: any significant change fails.
    case any
}

/// What `diff` concludes, and the exit status CI scripts act on.
public enum DiffOutcome: String, Codable, Sendable {
    /// No row is `overhead` (and, with `--fail-on any`, none is `improvement`): exit 0.
    case unchanged
    /// At least one row is `overhead`: exit 2.
    case regressed
    /// Rows are `improvement` and none `overhead`: exit 4 with `--fail-on any`, else 0.
    case improvedOnly = "improved-only"
    /// No row is significant and none could have been: every row's minimum detectable effect is
    /// above the threshold (or none exists: too few replicates for this many rows). "No change"
    /// would be a claim the data cannot support: exit 3, like an incomplete comparison.
    case inconclusive
}

/// The rows of a two-sided comparison whose verdicts are `overhead` or `improvement` (significant
/// after false-discovery control and beyond the minimum effect, which `--threshold` sets).
public struct DiffSummary: Codable, Sendable, Equatable {
    /// Rows with verdict `overhead`.
    public var regressions: [ComparisonRow]
    /// Rows with verdict `improvement`.
    public var improvements: [ComparisonRow]
    /// The minimum effect the verdicts used, percent.
    public var thresholdPct: Double
    /// What fails the diff.
    public var failOn: DiffFailOn
    /// The outcome.
    public var outcome: DiffOutcome
    /// Rows compared.
    public var rowCount: Int
    /// Rows that could not have shown a change of the threshold: not significant, not `equivalent`,
    /// and a minimum detectable effect above the threshold or none at all.
    public var blindRowCount: Int
    /// The process exit status: success, regression, improvement only, or incomplete when no row could
    /// detect the threshold (failure is left for errors).
    public var exitStatus: ExitStatus

    /// Classifies by the verdicts; `rowCount`/`blindRowCount` say how many rows could see a change at all.
    public init(
        regressions: [ComparisonRow], improvements: [ComparisonRow], thresholdPct: Double, failOn: DiffFailOn,
        rowCount: Int = 0, blindRowCount: Int = 0
    ) {
        self.regressions = regressions
        self.improvements = improvements
        self.thresholdPct = thresholdPct
        self.failOn = failOn
        self.rowCount = rowCount
        self.blindRowCount = blindRowCount
        if !regressions.isEmpty {
            outcome = .regressed
        } else if !improvements.isEmpty {
            outcome = .improvedOnly
        } else {
            outcome = rowCount > 0 && blindRowCount == rowCount ? .inconclusive : .unchanged
        }
        switch (outcome, failOn) {
        case (.regressed, _): exitStatus = .regression
        case (.improvedOnly, .any): exitStatus = .improvementOnly
        case (.inconclusive, _): exitStatus = .incomplete
        default: exitStatus = .success
        }
    }

    /// One line per regression and improvement, then the outcome and its exit status.
    public var text: String {
        var lines: [String] = []
        for r in regressions { lines.append("regression: \(name(r)) \(formatPercent(r.overheadPct)) \(formatInterval(r.ciLowPct, r.ciHighPct)) q \(formatP(r.qValue))") }
        for r in improvements { lines.append("improvement: \(name(r)) \(formatPercent(r.overheadPct)) \(formatInterval(r.ciLowPct, r.ciHighPct)) q \(formatP(r.qValue))") }
        let threshold = String(format: "%g", thresholdPct)
        let blind = blindRowCount == 0 ? "" : "; \(blindRowCount) of \(rowCount) rows cannot detect a \(threshold)% change (minimum detectable effect above it, or too few replicates), so none is claimed for them"
        switch outcome {
        case .unchanged: lines.append("No significant change of \(threshold)% or more\(blind) (exit 0).")
        case .inconclusive:
            lines.append("No conclusion: none of the \(rowCount) rows can detect a \(threshold)% change (minimum detectable effect above it, or too few replicates for this many rows); measure more replicates or raise --threshold (exit \(exitStatus.rawValue)).")
        case .regressed: lines.append("\(regressions.count) regression\(regressions.count == 1 ? "" : "s") of \(threshold)% or more (exit 2).")
        case .improvedOnly:
            lines.append("\(improvements.count) improvement\(improvements.count == 1 ? "" : "s") of \(threshold)% or more, no regression (exit \(exitStatus.rawValue)).")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func name(_ r: ComparisonRow) -> String {
        r.paramsText.isEmpty ? r.benchmark : "\(r.benchmark) \(r.paramsText)"
    }
}

/// Classifies a comparison for `diff` by its verdicts: `overhead` rows are regressions,
/// `improvement` rows improvements. The threshold is the comparison's minimum effect.
public func summarizeDiff(_ comparison: Comparison, failOn: DiffFailOn = .regression) -> DiffSummary {
    let blind = comparison.rows.filter { r in
        switch r.verdict {
        case .overhead, .improvement, .equivalent: return false
        default: return r.mdePct.map { $0 > comparison.minEffectPct } ?? true
        }
    }
    return DiffSummary(
        regressions: comparison.rows.filter { $0.verdict == .overhead },
        improvements: comparison.rows.filter { $0.verdict == .improvement },
        thresholdPct: comparison.minEffectPct, failOn: failOn,
        rowCount: comparison.rows.count, blindRowCount: blind.count)
}

/// `diff --format json`: the comparison and the diff's conclusion in one document.
public struct DiffReport: Codable, Sendable, Equatable {
    public var comparison: Comparison
    public var diff: DiffSummary

    public init(comparison: Comparison, diff: DiffSummary) {
        self.comparison = comparison
        self.diff = diff
    }

    /// Pretty JSON with sorted keys, as `compare --format json`.
    public func json() -> String { prettyJSON(self) }
}
