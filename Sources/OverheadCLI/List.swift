import ArgumentParser
import OverheadBenchmarks
import OverheadEngine
import OverheadSystem

extension OverheadBench {
    /// `overhead-bench list`: every benchmark id with its description, params and unit.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the benchmark ids with a one-line description, their params and unit.",
            discussion: """
                Exit status: 0 on success; 1 on an error (libpfm4 cannot list events for --events, an output \
                that cannot be written); 64 on a usage error (an unknown option).
                """)

        @Flag(help: "List the performance events libpfm4 offers for the PMUs present (names for run --events).")
        var events = false

        @Flag(help: "Print the benchmarks as a Markdown table.")
        var markdown = false

        func run() throws {
            guard events else {
                let cpus = max(1, Affinity.allowedCPUs().count)
                Terminal.out(markdown ? renderListMarkdown(Catalog.registry) : renderList(Catalog.registry, cpus: cpus))
                try Terminal.checkOutput()
                return
            }
            guard let text = PerfEvent.listAvailable() else {
                throw CLIError("libpfm4 could not initialize; no event list is available")
            }
            Terminal.out("# pmu::event<TAB>description — the run defaults are: " + defaultCounterEvents.map { "\($0.name) (\($0.spec))" }.joined(separator: ", "))
            Terminal.out(text, terminator: "")
            try Terminal.checkOutput()
        }
    }
}

/// The text of `list`; defaults shown as they expand on a machine with `cpus` CPUs.
func renderList(_ registry: BenchmarkRegistry, cpus: Int = 1) -> String {
    var lines: [String] = []
    for b in registry.benchmarks {
        let info = b.info
        lines.append("\(info.id)  [\(info.unit), \(info.better == .lower ? "lower" : "higher") is better]")
        lines.append("    \(info.summary)")
        lines.append("    reveals: \(info.reveals)")
        for p in info.params {
            lines.append("    param \(p.name): \(p.summary); values: \(p.values.hint); default here: \(p.defaults(cpus: cpus).joined(separator: ", "))")
        }
    }
    return lines.joined(separator: "\n")
}

/// `list --markdown`: one table row per benchmark (the README's benchmark table).
func renderListMarkdown(_ registry: BenchmarkRegistry) -> String {
    var lines = ["| id | unit | better | params | measures | reveals |", "|---|---|---|---|---|---|"]
    func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
    for b in registry.benchmarks {
        let i = b.info
        let params = i.params.map { "`\($0.name)`" }.joined(separator: ", ")
        lines.append("| `\(i.id)` | \(i.unit) | \(i.better.rawValue) | \(params) | \(cell(i.summary)) | \(cell(i.reveals)) |")
    }
    return lines.joined(separator: "\n")
}
