import ArgumentParser
import Foundation
import OverheadCompare
import OverheadModel

/// `--format` of `export`.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case csv
}

extension OverheadBench {
    /// `overhead-bench export`: tidy CSV of result sets for pandas, R, gnuplot or a spreadsheet.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export result sets as tidy CSV (one row per set × benchmark × params × statistic).",
            discussion: """
                Columns: set_id,label,host,started_at,benchmark,params,metric,unit,better,statistic,value, with
                statistic one of n, median, mean, min, max, stddev, cv (a fraction), p5, p95. With --samples, one row
                per raw sample: ...,better,sample,value (sample = 0-based index). Exit status 1 on an error.
                """)

        @Argument(help: "Result-set files, or directories searched recursively for *.json.")
        var inputs: [String] = []

        @Option(help: "Output format (csv).")
        var format: ExportFormat = .csv

        @Flag(help: "One row per raw sample instead of per statistic.")
        var samples = false

        func validate() throws {
            guard !inputs.isEmpty else { throw CLIError("export needs result-set files or directories, e.g. overhead-bench export Results/") }
        }

        func run() throws {
            FileHandle.standardOutput.write(Data(try output().utf8))
        }

        /// What `run` prints.
        func output() throws -> String {
            let input = try loadResultSets(paths: inputs)
            for note in input.notes { Terminal.err("note: \(note)") }
            return renderExportCSV(input.sets.map(\.set), samples: samples)
        }
    }
}
