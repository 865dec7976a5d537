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
                significantly, 2 when something regressed, 3 when nothing regressed but the comparison is
                incomplete (a side is empty or interrupted, or benchmarks are on one side only), 4 when there are
                only improvements, 1 on an error. A side may be a directory: its sets are merged. See docs/compare.md.
                """)

        @Argument(help: "The baseline: a result-set file (or a directory of them).")
        var a: String

        @Argument(help: "The result set compared with it.")
        var b: String

        @Option(parsing: .unconditional, help: "Smallest change, in percent, that counts as a regression or improvement (it must also be significant).")
        var threshold: Double = 5

        @OptionGroup var flags: ComparisonFlags

        func validate() throws {
            guard threshold >= 0 && threshold.isFinite else { throw CLIError("--threshold is a percentage, 0 or more, e.g. 5") }
        }

        func run() throws {
            let result = try evaluate()
            Terminal.out(result.text, terminator: "")
            try Terminal.checkOutput()
            if result.status != 0 { throw ExitCode(result.status) }
        }

        /// What `run` prints, and the comparator's outcome (without the incompleteness `evaluate` adds).
        func output() throws -> (String, DiffOutcome) {
            let result = try evaluate()
            return (result.text, result.outcome)
        }

        /// The exit status for incomplete comparisons: nothing regressed among the rows both sides
        /// have, but "no change" (or "improved") cannot be claimed for the rows one side lacks.
        static let incompleteStatus: Int32 = 3

        /// What `run` prints, the comparator's outcome, and the exit status: 2 when anything
        /// regressed; else 3 when a side is empty or interrupted or lacks benchmarks the other has;
        /// else the outcome's 0 or 4.
        func evaluate() throws -> (text: String, outcome: DiffOutcome, status: Int32) {
            let sideA = try loadResultSets(paths: [a])
            let sideB = try loadResultSets(paths: [b])
            try checkDistinctIDs(sideA.sets, sideB.sets)
            let (nameA, nameB) = Self.names(sideA.sets, a, sideB.sets, b)
            let comparison = try OverheadCompare.compare(
                groups: [SetGroup(name: nameA, sets: sideA.sets), SetGroup(name: nameB, sets: sideB.sets)],
                baseline: nameA, options: flags.options, notes: sideA.notes + sideB.notes)
            let summary = summarizeDiff(comparison, thresholdPct: threshold)
            var text = try flags.render(comparison)
            let gaps = Self.gaps(sides: [(nameA, sideA.sets), (nameB, sideB.sets)], missing: comparison.missing)
            var verdict = summary.text
            var status = summary.outcome.exitCode
            if !gaps.isEmpty {
                var lines = verdict.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
                // Before the comparator's last line (the outcome), which stays last when it regressed.
                lines.insert(contentsOf: gaps.map { "incomplete: \($0)" }, at: max(0, lines.count - 1))
                if summary.outcome != .regressed {
                    // The comparator's last line says "no significant change" or "improvements only";
                    // neither holds for what was not compared.
                    lines.removeAll { !$0.hasPrefix("regression:") && !$0.hasPrefix("improvement:") && !$0.hasPrefix("incomplete:") }
                    let moved = summary.improvements.isEmpty ? "No regression" : "\(summary.improvements.count) improvement\(summary.improvements.count == 1 ? "" : "s") and no regression"
                    lines.append("\(moved) among the benchmarks both sides have, but the comparison is incomplete (exit \(Self.incompleteStatus)).")
                    status = Self.incompleteStatus
                }
                verdict = lines.joined(separator: "\n") + "\n"
            }
            switch flags.format {
            case .table, .markdown:
                text += "\n" + verdict
            case .json, .csv:
                // Machine formats stay parseable; the verdict goes to stderr (and the exit status).
                Terminal.err(verdict.trimmingCharacters(in: .newlines))
                if flags.format == .csv { for note in comparison.notes { Terminal.err("note: \(note)") } }
            }
            return (text, summary.outcome, status)
        }

        /// Why a diff cannot say "no change": sides without results or with interrupted sets, and
        /// benchmarks present on one side only.
        static func gaps(sides: [(name: String, sets: [LoadedSet])], missing: [MissingBenchmark]) -> [String] {
            var gaps: [String] = []
            for side in sides {
                if side.sets.allSatisfy({ $0.set.results.isEmpty }) {
                    gaps.append("\(side.name) holds no results (\(side.sets.map(\.path).joined(separator: ", ")))")
                    continue
                }
                for loaded in side.sets where loaded.set.interrupted {
                    gaps.append("\(side.name): \(loaded.path) was interrupted and holds only \(loaded.set.results.count) result\(loaded.set.results.count == 1 ? "" : "s")")
                }
                for loaded in side.sets where loaded.set.results.isEmpty && !loaded.set.interrupted {
                    gaps.append("\(side.name): \(loaded.path) holds no results")
                }
            }
            for side in sides {
                let lacking = missing.filter { $0.missingFrom.contains(side.name) }
                guard !lacking.isEmpty else { continue }
                let names = lacking.prefix(5).map { $0.paramsText.isEmpty ? $0.benchmark : "\($0.benchmark) \($0.paramsText)" }
                let more = lacking.count > 5 ? " and \(lacking.count - 5) more" : ""
                gaps.append("\(lacking.count) benchmark\(lacking.count == 1 ? " is" : "s are") missing from \(side.name), not compared: \(names.joined(separator: ", "))\(more)")
            }
            return gaps
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
