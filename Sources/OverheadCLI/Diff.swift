import ArgumentParser
import Foundation
import OverheadCompare
import OverheadModel

/// `--fail-on` of `diff`.
enum DiffFailOnArgument: String, ExpressibleByArgument, CaseIterable {
    case regression, any

    var value: DiffFailOn { self == .any ? .any : .regression }
}

extension OverheadBench {
    /// `overhead-bench diff A B`: two result sets side by side, with an exit status for CI.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two result sets (A is the baseline); the exit status says whether anything moved.",
            discussion: """
                The statistics of compare, for two sides. A row is a regression when its verdict is overhead
                (significant after false-discovery control and at least --threshold), an improvement when it is
                improvement. Exit status: 0 no regression, 2 a regression, 4 improvements only (with --fail-on any),
                1 an error, 64 a usage error. A side may be a directory: its sets are merged. See docs/compare.md.
                """)

        @Argument(help: "The baseline: a result-set file (or a directory of them).")
        var a: String

        @Argument(help: "The result set compared with it.")
        var b: String

        @Option(help: "Smallest change, in percent, that counts as a regression or improvement (the minimum effect; it must also be significant). Default: --min-effect.")
        var threshold: Double?

        @Option(name: .customLong("fail-on"), help: "What fails the diff: 'regression' (exit 2; improvements exit 0) or 'any' (2 on a regression, 4 on improvements only).")
        var failOn: DiffFailOnArgument = .regression

        @OptionGroup var flags: ComparisonFlags

        func validate() throws {
            if let threshold { guard threshold >= 0 && threshold < 100 else { throw CLIError("--threshold is a percentage from 0 to below 100, e.g. 5") } }
        }

        func run() throws {
            let (text, outcome) = try output()
            FileHandle.standardOutput.write(Data(text.utf8))
            if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
        }

        /// What `run` prints, and the outcome that decides the exit status.
        func output() throws -> (String, DiffSummary) {
            let sideA = try loadResultSets(paths: [a])
            let sideB = try loadResultSets(paths: [b])
            let (nameA, nameB) = Self.names(sideA.sets, a, sideB.sets, b)
            var options = flags.options
            if let threshold { options.minEffectPct = threshold }
            let comparison = try OverheadCompare.compare(
                groups: [SetGroup(name: nameA, sets: sideA.sets), SetGroup(name: nameB, sets: sideB.sets)],
                baseline: nameA, options: options, notes: sideA.notes + sideB.notes)
            let summary = summarizeDiff(comparison, failOn: failOn.value)
            var text = try flags.render(comparison)
            switch flags.format {
            case .table, .markdown:
                text += "\n" + summary.text
            case .json:
                // One document: the comparison, the threshold, the regressions and the exit status.
                text = DiffReport(comparison: comparison, diff: summary).json()
                Terminal.err(summary.text.trimmingCharacters(in: .newlines))
            case .csv:
                // Machine formats stay parseable; the verdict goes to stderr (and the exit status).
                Terminal.err(summary.text.trimmingCharacters(in: .newlines))
            }
            return (text, summary)
        }

        /// Each side is named by its label; when the labels are equal (or a side mixes labels), by file name.
        static func names(_ setsA: [LoadedSet], _ pathA: String, _ setsB: [LoadedSet], _ pathB: String) -> (String, String) {
            func label(_ sets: [LoadedSet]) -> String? {
                let labels = Set(sets.map(\.set.label))
                return labels.count == 1 ? labels.first : nil
            }
            if let la = label(setsA), let lb = label(setsB), la != lb { return (la, lb) }
            let fa = URL(fileURLWithPath: pathA).deletingPathExtension().lastPathComponent
            let fb = URL(fileURLWithPath: pathB).deletingPathExtension().lastPathComponent
            if fa != fb { return (fa, fb) }
            return ("A", "B")
        }
    }
}
