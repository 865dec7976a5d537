import ArgumentParser
import OverheadBenchmarks
import OverheadEngine

extension OverheadBench {
    /// `overhead-bench list`: every benchmark id with its description, params and unit.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the benchmark ids with a one-line description, their params and unit.")

        func run() throws {
            Terminal.out(renderList(Catalog.registry))
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
