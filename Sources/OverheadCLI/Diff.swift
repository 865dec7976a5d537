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
                The statistics of compare, for two sides. A row is a regression when its verdict is overhead \
                (significant after false-discovery control and at least --threshold), an improvement when it is \
                improvement. A side may be a directory: its sets are merged. See docs/compare.md.

                Exit status: 0 on no regression; 2 on a regression; 3 when there is no regression among the \
                benchmarks both sides have but the comparison is incomplete (a side is empty or interrupted, or \
                benchmarks are on one side only) or when no row could have detected a change of --threshold (too \
                few replicates or too much noise for any verdict: "no change" would be unsupported); 4 on improvements only (with --fail-on any); 1 on an error in a \
                file or the output (unreadable or invalid input, incompatible units); 64 on a usage error (an \
                unknown option, an option value out of range such as --threshold -1, a missing side).
                """)

        @Argument(help: "The baseline: a result-set file (or a directory of them).", completion: Completions.resultSets)
        var a: String

        @Argument(help: "The result set compared with it.", completion: Completions.resultSets)
        var b: String

        @Option(parsing: .unconditional, help: "Smallest change, in percent, that counts as a regression or improvement (the minimum effect; it must also be significant). Default: --min-effect.")
        var threshold: Double?

        @Option(name: .customLong("fail-on"), help: "What fails the diff: 'regression' (exit 2; improvements exit 0) or 'any' (2 on a regression, 4 on improvements only).")
        var failOn: DiffFailOnArgument = .regression

        @OptionGroup var flags: ComparisonFlags

        func validate() throws {
            if let threshold { guard threshold >= 0 && threshold < 100 else { throw ValidationError("--threshold is a percentage from 0 to below 100, e.g. 5") } }
        }

        func run() throws {
            let (text, summary) = try output()
            Terminal.out(text, terminator: "")
            try Terminal.checkOutput()
            if summary.exitStatus != .success { throw ExitCode(summary.exitStatus) }
        }

        /// The exit status for incomplete comparisons: nothing regressed among the rows both sides
        /// have, but "no change" (or "improved") cannot be claimed for the rows one side lacks.
        static let incompleteStatus = ExitStatus.incomplete

        /// What `run` prints, and the outcome that decides the exit status: the comparator's, except
        /// that without a regression an incomplete comparison (a side empty or interrupted, benchmarks
        /// on one side only) exits `incompleteStatus` and says why.
        func output() throws -> (String, DiffSummary) {
            let sideA = try loadResultSets(paths: [a])
            let sideB = try loadResultSets(paths: [b])
            try checkDistinctIDs(sideA.sets, sideB.sets)
            let (nameA, nameB) = Self.names(sideA.sets, a, sideB.sets, b)
            var options = flags.options
            if let threshold { options.minEffectPct = threshold }
            let comparison = try OverheadCompare.compare(
                groups: [SetGroup(name: nameA, sets: sideA.sets), SetGroup(name: nameB, sets: sideB.sets)],
                baseline: nameA, options: options, notes: sideA.notes + sideB.notes + Self.sameSetNotes(sideA.sets, sideB.sets))
            var summary = summarizeDiff(comparison, failOn: failOn.value)
            var text = try flags.render(comparison)
            let gaps = Self.gaps(sides: [(nameA, sideA.sets), (nameB, sideB.sets)], missing: comparison.missing)
            var verdict = summary.text
            if !gaps.isEmpty {
                var lines = verdict.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
                // Before the comparator's last line (the outcome), which stays last when it regressed.
                lines.insert(contentsOf: gaps.map { "incomplete: \($0)" }, at: max(0, lines.count - 1))
                if summary.outcome != .regressed {
                    // The comparator's last line says "no significant change" or "improvements only";
                    // neither holds for what was not compared.
                    lines.removeLast()
                    let moved = summary.improvements.isEmpty ? "No regression" : "\(summary.improvements.count) improvement\(summary.improvements.count == 1 ? "" : "s") and no regression"
                    lines.append("\(moved) among the benchmarks both sides have, but the comparison is incomplete (exit \(Self.incompleteStatus.rawValue)).")
                    summary.exitStatus = Self.incompleteStatus
                }
                verdict = lines.joined(separator: "\n") + "\n"
            }
            switch flags.format {
            case .table, .markdown:
                text += "\n" + verdict
            case .json:
                // One document: the comparison, the threshold, the regressions and the exit status.
                text = DiffReport(comparison: comparison, diff: summary).json()
                Terminal.err(verdict.trimmingCharacters(in: .newlines))
            case .csv:
                // Machine formats stay parseable; the verdict and the notes go to stderr (and the exit status).
                Terminal.err(verdict.trimmingCharacters(in: .newlines))
                for note in comparison.notes { Terminal.err("note: \(note)") }
            }
            return (text, summary)
        }

        /// A set on both sides (a file diffed with itself, or a copy of it) is compared with itself:
        /// its rows cannot differ, so "no change" there checks the pipeline, not the machine.
        static func sameSetNotes(_ setsA: [LoadedSet], _ setsB: [LoadedSet]) -> [String] {
            setsB.compactMap { b in
                guard let a = setsA.first(where: { $0.set.id == b.set.id }) else { return nil }
                let where_ = a.path == b.path ? b.path : "\(a.path) and \(b.path)"
                return "\(where_): the same result set (id \(b.set.id)) is on both sides, so its rows are compared with themselves and cannot differ; that checks the pipeline, not the machine"
            }
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
