import ArgumentParser
import Foundation
import OverheadBenchmarks
import OverheadCompare
import OverheadExplain
import OverheadModel
import OverheadReport
import OverheadSystem

extension OverheadBench {
    /// `overhead-bench report`: one self-contained HTML page with SVG charts.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one self-contained HTML page (inline CSS and SVG charts) comparing result sets.",
            discussion: """
                Sets are grouped by label and compared as by `compare` (same statistics and defaults). With a \
                single label the page shows the figures without overheads. The file is written atomically, never \
                overwrites an existing one without --force, and never replaces anything but a regular file (a \
                device, FIFO, socket, directory or symbolic link is refused even with --force); `--output -` \
                writes to stdout. See docs/report.md.

                Exit status: 0 on success; 1 on an error in a file or the output (unreadable or invalid input, \
                incompatible units, an existing file without --force, a destination that is not a regular file \
                or cannot be written); 64 on a usage error (an unknown option, an option value out of range such \
                as --alpha 2, no inputs, no --output).
                """)

        @Argument(help: "Result-set files, or directories searched recursively for *.json.", completion: Completions.resultSets)
        var inputs: [String] = []

        @Option(name: .shortAndLong, help: "Where to write the HTML page (`-` for stdout).", completion: .file(extensions: ["html"]))
        var output: String

        @Option(help: "Label of the baseline configuration (default: bare-metal when present, else the first label).", completion: Completions.labels)
        var baseline: String?

        @Flag(help: "Overwrite --output if it exists.")
        var force = false

        @Option(parsing: .unconditional, help: "Seed of the bootstrap; the same inputs and seed give the same intervals.", transform: parseSeed)
        var seed: UInt64 = 1

        func validate() throws {
            guard !inputs.isEmpty else { throw ValidationError("report needs result-set files or directories, e.g. overhead-bench report Results/ --output report.html") }
            guard !output.isEmpty else { throw ValidationError("--output needs a path, e.g. --output report.html") }
        }

        func run() throws {
            if output != "-" {
                // Refused before any work: an existing file without --force, anything not a regular file.
                try checkDestinations([output], force: force)
            }
            let html = try render(generatedAt: isoTimestamp(Date()))
            if output == "-" {
                Terminal.out(html, terminator: "")
                try Terminal.checkOutput()
                return
            }
            do {
                try AtomicFile.write(Data(html.utf8), to: output, overwrite: force)
            } catch {
                throw CLIError("\(error)")
            }
            Terminal.err("wrote \(output)")
        }

        /// The page; `generatedAt` nil leaves the time out (tests compare whole pages).
        func render(generatedAt: String?) throws -> String {
            let input = try loadResultSets(paths: inputs)
            let groups = groupByLabel(input.sets)
            var comparison: Comparison?
            if groups.count >= 2 {
                guard let base = baseline ?? defaultBaseline(groups) else { throw CompareError.noInput }
                comparison = try compare(groups: groups, baseline: base, options: CompareOptions(seed: seed), notes: input.notes)
            } else if let baseline, !groups.contains(where: { $0.name == baseline }) {
                throw CompareError.unknownBaseline(baseline, available: groups.map(\.name))
            }
            // explain's findings on the same comparison, with their evidence (as `explain` prints them).
            let findings = comparison.map {
                OverheadExplain.explain($0, groups: groups, options: ExplainOptions()).configurations.flatMap(\.findings)
            } ?? []
            return renderReport(ReportInput(
                groups: groups, comparison: comparison, benchmarks: Catalog.registry.benchmarks.map(\.info), generatedAt: generatedAt,
                notes: comparison == nil ? input.notes : [], findings: findings))
        }
    }
}
