import ArgumentParser
import Foundation
import OverheadCompare
import OverheadModel
import OverheadSystem

/// `--format` of `export`.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case csv
}

extension OverheadBench {
    /// `overhead-bench export`: tidy CSV of result sets for pandas, R, gnuplot or a spreadsheet.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export result sets as tidy, typed CSV (one row per set, benchmark, params and statistic).",
            discussion: """
                Columns: set_id,label,host,started_at,benchmark,params,case, then one column per parameter name \
                in the sets (bytes in bytes, threads=all as the thread count that ran, other values as written), \
                then metric,unit,better,statistic,replicate,value. Statistics: n, median, mean, min, max, stddev, \
                cv and robust_cv (fractions), p5, p95, replicates, replicate_median (one per replicate, \
                `replicate` = its index), op_p50/op_p99/op_p99.9 and op_count (per-operation percentiles of net.* \
                and io.*), cycles_per_op, derived.<name>, counter.<event> (per op), steal_pct, \
                involuntary_switches, measured_s. `unit` is empty on counts and fractions. `case` (benchmark and \
                params in one label) is never empty: group or pivot on it.

                With --samples, one row per raw sample: ...,better,sample,replicate,value (sample = 0-based \
                index). Rows are streamed; a reader that stops early (`| head`) ends the export with status 0.

                Exit status: 0 on success; 1 on an error in a file or the output (unreadable or invalid input, a \
                full disk); 64 on a usage error (an unknown option or format, no inputs).
                """)

        @Argument(help: "Result-set files, or directories searched recursively for *.json.", completion: Completions.resultSets)
        var inputs: [String] = []

        @Option(help: "Output format (csv).")
        var format: ExportFormat = .csv

        @Flag(help: "One row per raw sample instead of per statistic.")
        var samples = false

        func validate() throws {
            guard !inputs.isEmpty else { throw ValidationError("export needs result-set files or directories, e.g. overhead-bench export Results/") }
        }

        func run() throws {
            // Streamed: rows reach stdout as they are made, and a reader that goes away (`| head`)
            // ends the export at once, with exit status 0.
            let input = try load()
            streamExportCSV(input.sets.map(\.set), samples: samples) { StandardStream.output.write($0) }
            try Terminal.checkOutput()
        }

        /// What `run` prints, as one string (tests).
        func output() throws -> String {
            renderExportCSV(try load().sets.map(\.set), samples: samples)
        }

        /// The sets, every file checked before the first row is written; notes go to stderr.
        private func load() throws -> LoadedInput {
            let input = try loadResultSets(paths: inputs)
            for note in input.notes { Terminal.err("note: \(note)") }
            return input
        }
    }
}
