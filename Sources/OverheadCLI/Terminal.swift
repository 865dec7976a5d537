import ArgumentParser
import Foundation
import Glibc
import OverheadSystem

/// Where the CLI writes: stdout for results, stderr for progress and diagnostics, both through
/// `StandardStream` so a closed pipe or a full disk stops the output, never the process.
enum Terminal {
    static func out(_ text: String, terminator: String = "\n") {
        StandardStream.output.write(text + terminator)
    }

    static func err(_ text: String) {
        StandardStream.error.write(text + "\n")
    }

    /// Called once a command has written its output to stdout. A reader that went away (EPIPE:
    /// `| head`) is not an error — the command exits with its usual status; any other failure
    /// (ENOSPC, EIO) means the output is incomplete, which the user must learn: exit status 1.
    static func checkOutput() throws {
        guard let failure = StandardStream.output.failure, !failure.readerGone else { return }
        throw CLIError("cannot write the output to stdout: \(failure); it is incomplete")
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }
}

/// A plain aligned text table (left-aligned text, right-aligned numbers).
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns to right-align.
    var numeric: Set<Int> = []

    func render() -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return numeric.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
}

/// `--color`: whether tables get ANSI colour.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    /// Colour when stdout is a terminal that understands it: not with `NO_COLOR` set to anything
    /// non-empty (no-color.org) and not with `TERM=dumb` or no `TERM`.
    case auto
    case always
    case never

    /// Whether to colour output going to a terminal (`isTerminal`) in `environment`.
    func enabled(isTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto: return isTerminal && (environment["NO_COLOR"] ?? "").isEmpty && Terminal.understandsEscapes(environment)
        }
    }
}

extension Terminal {
    /// Whether the terminal named by `TERM` takes ANSI escapes (cursor moves, colour): not `dumb`,
    /// not unset (a terminal without TERM is an unknown one).
    static func understandsEscapes(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let term = environment["TERM"], !term.isEmpty else { return false }
        return term != "dumb"
    }
}
