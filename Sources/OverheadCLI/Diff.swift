import ArgumentParser
import Foundation
import OverheadCompare
import OverheadModel

extension OverheadBench {
    /// `overhead-bench diff A B`: two result sets side by side, with an exit status for CI.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two result sets (A is the baseline); the exit status says whether anything moved.",
            discussion: """
                The statistics of compare, for two sides. Exit status: 0 when nothing moved beyond --threshold
                significantly, 2 when something regressed, 4 when there are only improvements, 1 on an error.
                A side may be a directory: its sets are merged. See docs/compare.md.
                """)

        @Argument(help: "The baseline: a result-set file (or a directory of them).")
        var a: String

        @Argument(help: "The result set compared with it.")
        var b: String

        @Option(help: "Smallest change, in percent, that counts as a regression or improvement (it must also be significant).")
        var threshold: Double = 5

        @OptionGroup var flags: ComparisonFlags

        func validate() throws {
            guard threshold >= 0 && threshold.isFinite else { throw CLIError("--threshold is a percentage, 0 or more, e.g. 5") }
        }

        func run() throws {
            let (text, outcome) = try output()
            FileHandle.standardOutput.write(Data(text.utf8))
            if outcome != .unchanged { throw ExitCode(outcome.exitCode) }
        }

        /// What `run` prints, and the outcome that decides the exit status.
        func output() throws -> (String, DiffOutcome) {
            let sideA = try loadResultSets(paths: [a])
            let sideB = try loadResultSets(paths: [b])
            let (nameA, nameB) = Self.names(sideA.sets, a, sideB.sets, b)
            let comparison = try OverheadCompare.compare(
                groups: [SetGroup(name: nameA, sets: sideA.sets), SetGroup(name: nameB, sets: sideB.sets)],
                baseline: nameA, options: flags.options, notes: sideA.notes + sideB.notes)
            let summary = summarizeDiff(comparison, thresholdPct: threshold)
            var text = try flags.render(comparison)
            switch flags.format {
            case .table, .markdown:
                text += "\n" + summary.text
            case .json, .csv:
                // Machine formats stay parseable; the verdict goes to stderr (and the exit status).
                Terminal.err(summary.text.trimmingCharacters(in: .newlines))
            }
            return (text, summary.outcome)
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
