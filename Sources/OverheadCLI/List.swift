import ArgumentParser
import OverheadBenchmarks
import OverheadEngine
import OverheadSystem

extension OverheadBench {
    /// `overhead-bench list`: every benchmark id with its description, params and unit.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the benchmark ids with a one-line description, their params and unit.")

        @Flag(help: "List the performance events libpfm4 offers for the PMUs present (names for run --events).")
        var events = false

        func run() throws {
            guard events else {
                Terminal.out(renderList(Catalog.registry))
                return
            }
            guard let text = PerfEvent.listAvailable() else {
                throw CLIError("libpfm4 could not initialize; no event list is available")
            }
            Terminal.out("# pmu::event<TAB>description — the run defaults are: " + defaultCounterEvents.map { "\($0.name) (\($0.spec))" }.joined(separator: ", "))
            Terminal.out(text, terminator: "")
        }
    }
}

/// The text of `list`.
func renderList(_ registry: BenchmarkRegistry) -> String {
    var lines: [String] = []
    for b in registry.benchmarks {
        let info = b.info
        lines.append("\(info.id)  [\(info.unit), \(info.better == .lower ? "lower" : "higher") is better]")
        lines.append("    \(info.summary)")
        lines.append("    reveals: \(info.reveals)")
        for p in info.params {
            lines.append("    param \(p.name): \(p.summary); values: \(p.values.hint); default: \(p.defaults.joined(separator: ", "))")
        }
    }
    return lines.joined(separator: "\n")
}
