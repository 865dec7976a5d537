import ArgumentParser
import OverheadModel
import OverheadSystem

/// The `overhead-bench` command: configuration only; the work is in the subcommands.
public struct OverheadBench: ParsableCommand {
    /// The tool version written into every result set.
    public static let version = "0.2.0"

    public static let configuration = CommandConfiguration(
        commandName: "overhead-bench",
        abstract: "Measure what a hypervisor costs: native microbenchmarks on bare metal or in a guest, one JSON result set per run.",
        version: version,
        subcommands: [Run.self, List.self, Env.self, Compare.self, Diff.self, Export.self, Report.self, Explain.self, Serve.self])

    public init() {}
}

/// Errors the CLI reports to the user; the text says what to do.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ExitCode {
    /// The process exit for one of the statuses every command shares.
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}

/// The one overwrite check of the commands that write a file (`run`, `report`), made before any
/// work so nothing is measured or rendered for nothing: each of `paths` must be writable as a new
/// file, or, with `force`, an existing regular file (never a device, FIFO, socket, directory or
/// symbolic link). `AtomicFile.write` enforces the same again when the file is written.
func checkDestinations(_ paths: [String], force: Bool) throws {
    do {
        for path in paths { try AtomicFile.checkDestination(path, overwrite: force) }
    } catch {
        throw CLIError("\(error)")
    }
}
