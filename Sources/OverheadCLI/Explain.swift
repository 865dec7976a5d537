import ArgumentParser
import Foundation
import OverheadCompare
import OverheadExplain

/// `--format` of `explain`.
enum ExplainFormatOption: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json

    var format: ExplainFormat {
        switch self {
        case .text: return .text
        case .markdown: return .markdown
        case .json: return .json
        }
    }
}

extension OverheadBench {
    /// `overhead-bench explain`: findings (cause, remedy, reference) from the comparator's verdicts.
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain the overhead: recognised signatures (VM exits, clocksource, nested paging, ...) with evidence, cause and remedy.",
            discussion: """
                Compares every configuration (label) with the baseline exactly as `compare` does, then applies the \
                rules in docs/explain.md to the significant differences. Each finding lists the comparison rows it \
                rests on, the likely cause, a remedy and a published reference (docs/references.md); findings \
                whose evidence is noisy or was measured under steal time are marked unreliable first. "Nothing \
                notable" is a valid answer; "Nothing compared" says why no case could be compared.

                Exit status: 0 on success; 1 on an error in a file or the output (unreadable or invalid input, \
                incompatible units, an output that cannot be written); 64 on a usage error (an unknown option, an \
                option value out of range such as --steal -1 or --alpha 2, no inputs).
                """)

        @OptionGroup var source: ComparisonInputs

        @Option(help: "Output format: text, markdown or json.")
        var format: ExplainFormatOption = .text

        @OptionGroup var statistics: StatisticsFlags

        @Option(parsing: .unconditional, help: "A case is unreliable when either side saw more steal time than this, in percent of the measured time.")
        var steal: Double = 1

        func validate() throws {
            guard !source.inputs.isEmpty else { throw ValidationError("explain needs result-set files or directories, e.g. overhead-bench explain Results/") }
            guard steal >= 0 && steal.isFinite else { throw ValidationError("--steal is a percentage, 0 or more, e.g. 1") }
        }

        func run() throws {
            Terminal.out(try output(), terminator: "")
            try Terminal.checkOutput()
        }

        /// What `run` prints.
        func output() throws -> String {
            let options = CompareOptions(seed: statistics.seed, alpha: statistics.alpha, noiseCV: statistics.noiseCV / 100)
            let (comparison, groups) = try source.compare(options: options)
            let explanation = OverheadExplain.explain(comparison, groups: groups, options: ExplainOptions(stealThresholdPct: steal))
            var text = OverheadExplain.render(explanation, format: format.format)
            // The findings rest on the comparison; what limits it (interrupted or empty sets,
            // converted units) is said after them, or on stderr where JSON must stay parseable.
            switch format {
            case .text: text += comparison.notes.map { "Note: \($0)\n" }.joined()
            case .markdown: text += comparison.notes.isEmpty ? "" : "\n" + comparison.notes.map { "- Note: \($0)\n" }.joined()
            case .json: for note in comparison.notes { Terminal.err("note: \(note)") }
            }
            return text
        }
    }
}
