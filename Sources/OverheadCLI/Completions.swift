import ArgumentParser
import Foundation
import OverheadBenchmarks
import OverheadModel

/// Shell completions (bash, zsh, fish: `overhead-bench --generate-completion-script SHELL`) for
/// values the parser cannot know by their type: benchmark ids, workload names, labels. Each runs in
/// the completing shell's `overhead-bench ---completion` call, so it must be quick and print nothing.
enum Completions {
    /// Result-set inputs: JSON files and directories.
    static let resultSets = CompletionKind.file(extensions: ["json"])

    /// The configuration labels `run` detects; any other label is allowed too.
    static let labelNames = [MachineLayer.bareMetal, .vm, .vmSRIOV, .passthrough].map(\.rawValue)

    /// `--label`, `--baseline`: the detected configurations.
    static let labels = CompletionKind.custom { _, _, prefix in labelNames.filter { $0.hasPrefix(prefix) } }

    /// `--only`: benchmark ids, completing the last of a comma-separated list (`sys.null,ti` →
    /// `sys.null,timer.rdtsc`, ...), plus each id's family glob (`sys.*`).
    static let benchmarkPatterns = CompletionKind.custom { _, _, prefix in
        let head = prefix.lastIndex(of: ",").map { String(prefix[...$0]) } ?? ""
        let last = String(prefix.dropFirst(head.count))
        let ids = Catalog.registry.ids
        let families = Set(ids.compactMap { $0.split(separator: ".").first.map { "\($0).*" } })
        return (ids + families.sorted()).filter { $0.hasPrefix(last) }.map { head + $0 }
    }

    /// `--workload`: the names in every Workloads/ directory `run` searches, and *.yaml files here.
    static let workloads = CompletionKind.custom { _, _, prefix in workloadNames().filter { $0.hasPrefix(prefix) } }

    /// Workload names (`default`, `quick`, ...) from the directories `Workload.locate` searches, and
    /// the YAML files of the current directory.
    static func workloadNames(executablePath: String = CommandLine.arguments.first ?? "") -> [String] {
        let fm = FileManager.default
        var dirs = [fm.currentDirectoryPath + "/Workloads"]
        if let env = ProcessInfo.processInfo.environment["OVERHEAD_BENCH_WORKLOADS"], !env.isEmpty { dirs.insert(env, at: 0) }
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            dirs.append(dir.appendingPathComponent("Workloads").path)
            dir = dir.deletingLastPathComponent()
        }
        var names = Set<String>()
        for d in dirs {
            for file in (try? fm.contentsOfDirectory(atPath: d)) ?? [] where file.hasSuffix(".yaml") {
                names.insert(String(file.dropLast(5)))
            }
        }
        for file in (try? fm.contentsOfDirectory(atPath: fm.currentDirectoryPath)) ?? [] where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
            names.insert(file)
        }
        return names.sorted()
    }
}
