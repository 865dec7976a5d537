import ArgumentParser
import Foundation
import OverheadCompare
import OverheadModel

/// `--format` of `compare` and `diff`.
enum CompareFormat: String, ExpressibleByArgument, CaseIterable {
    case table, markdown, json, csv

    var format: ComparisonFormat {
        switch self {
        case .table: return .table
        case .markdown: return .markdown
        case .json: return .json
        case .csv: return .csv
        }
    }
}

/// The result sets and the baseline label of `compare` and `explain`.
struct ComparisonInputs: ParsableArguments {
    @Argument(help: "Result-set files, or directories searched recursively for *.json.", completion: Completions.resultSets)
    var inputs: [String] = []

    @Option(help: "Label of the baseline configuration (default: bare-metal when present, else the first label).", completion: Completions.labels)
    var baseline: String?

    /// Loads the inputs, groups them by label and compares every label with the baseline.
    func compare(options: CompareOptions) throws -> (comparison: Comparison, groups: [SetGroup]) {
        let input = try loadResultSets(paths: inputs)
        let groups = groupByLabel(input.sets)
        guard let base = baseline ?? defaultBaseline(groups) else { throw CompareError.noInput }
        return (try OverheadCompare.compare(groups: groups, baseline: base, options: options, notes: input.notes), groups)
    }
}

/// The statistics flags `compare`, `diff` and `explain` share: the bootstrap's seed, the
/// significance level and the noise threshold.
struct StatisticsFlags: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seed of the bootstrap; the same inputs and seed give the same intervals.", transform: parseSeed)
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "False discovery rate (Benjamini–Hochberg) across the rows of each comparison; also the level of the MDE.")
    var alpha: Double = 0.05

    @Option(name: .customLong("noise-cv"), parsing: .unconditional, help: "Flag a row noisy when either side's robust spread (1.4826·MAD/median of the replicate medians) is above this, in percent.")
    var noiseCV: Double = 5

    func validate() throws {
        // A bad option value is a usage error (exit 64) in every command, before anything is read.
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1, e.g. 0.05") }
        guard noiseCV >= 0 && noiseCV.isFinite else { throw ValidationError("--noise-cv is a percentage, 0 or more, e.g. 5") }
    }
}

/// Statistics and output flags shared by `compare` and `diff`.
struct ComparisonFlags: ParsableArguments {
    @Option(help: "Output format: table, markdown, json or csv.")
    var format: CompareFormat = .table

    @OptionGroup var statistics: StatisticsFlags

    @Option(parsing: .unconditional, help: "Bootstrap resamples (at least 100; 2000 or more for stable 95% intervals).")
    var resamples: Int = 2000

    @Option(name: .customLong("min-effect"), parsing: .unconditional, help: "Smallest overhead, in percent, that counts as one; also the ±margin of 'equivalent'. 5 suits shared cloud machines; lower it where A/A pairs are quieter.")
    var minEffect: Double = 5

    @Option(name: .customLong("min-replicates"), parsing: .unconditional, help: "Replicates a side below which a row is insufficient-data (at least 2; the exact rank test needs 4 a side to reach α = 0.05).")
    var minReplicates: Int = 5

    @Option(help: "Colour the table's verdicts: auto (a terminal, unless NO_COLOR is set or TERM is dumb), always or never.")
    var color: ColorChoice = .auto

    @Flag(help: "Refuse (exit 1) when the sets differ in more than the configuration under test (CPU model, microcode, kernel, tool version, workload, THP, clocksource, CPUs, cgroup limits, container layer, seccomp).")
    var strict = false

    var options: CompareOptions {
        CompareOptions(
            resamples: resamples, seed: statistics.seed, alpha: statistics.alpha, noiseCV: statistics.noiseCV / 100, minimumReplicates: minReplicates,
            minEffectPct: minEffect)
    }

    func validate() throws {
        // A bad option value is a usage error (exit 64) in every command, before anything is read.
        guard resamples >= 100 else { throw ValidationError("--resamples must be at least 100 (2000 or more for stable intervals)") }
        guard minEffect >= 0 && minEffect < 100 else { throw ValidationError("--min-effect is a percentage from 0 to below 100, e.g. 5") }
        guard minReplicates >= 2 else { throw ValidationError("--min-replicates must be at least 2") }
    }

    /// Renders the comparison, or refuses it under --strict.
    func render(_ comparison: Comparison) throws -> String {
        if strict && !comparison.environmentDifferences.isEmpty {
            throw CompareError.environmentDiffers(comparison.environmentDifferences)
        }
        let colour = format == .table && color.enabled(isTerminal: Terminal.stdoutIsTerminal)
        return OverheadCompare.render(comparison, format: format.format, colour: colour)
    }
}

extension OverheadBench {
    /// `overhead-bench compare`: the overhead of every configuration against a baseline.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare configurations (labels) against a baseline: overhead with confidence intervals.",
            discussion: """
                Sets with the same label are merged; the observation is a replicate's median. Per benchmark × \
                params × configuration: medians, overhead % (positive = worse), a hierarchical bootstrap \
                confidence interval of the ratio of medians, a Mann-Whitney U test on the replicates, a \
                Benjamini–Hochberg q-value, the minimum detectable effect and a verdict (overhead, improvement, \
                equivalent, inconclusive, insufficient-data), then a geometric mean per category. See \
                docs/compare.md.

                Exit status: 0 on success; 1 on an error in a file or the output (unreadable or invalid input, \
                incompatible units, a --strict refusal, an output that cannot be written); 64 on a usage error \
                (an unknown option, an option value out of range such as --alpha 2, no inputs).
                """)

        @OptionGroup var source: ComparisonInputs

        @OptionGroup var flags: ComparisonFlags

        func validate() throws {
            guard !source.inputs.isEmpty else { throw ValidationError("compare needs result-set files or directories, e.g. overhead-bench compare Results/") }
        }

        func run() throws {
            Terminal.out(try output(), terminator: "")
            try Terminal.checkOutput()
        }

        /// What `run` prints.
        func output() throws -> String {
            let comparison = try source.compare(options: flags.options).comparison
            // CSV has no place for notes (interrupted or empty sets, unit conversions): stderr.
            if flags.format == .csv { for note in comparison.notes { Terminal.err("note: \(note)") } }
            return try flags.render(comparison)
        }
    }
}
