import Foundation
import OverheadModel
import Yams

/// Why a workload cannot be used. Each message names the file, the line and the valid choices.
public enum WorkloadError: Error, Equatable, CustomStringConvertible {
    case notFound(name: String, searched: [String])
    case unreadable(path: String, reason: String)
    case syntax(path: String, line: Int?, message: String)
    case invalid(path: String, line: Int?, message: String)
    case onlyMatchesNothing(patterns: [String], ids: [String])

    public var description: String {
        switch self {
        case .notFound(let name, let searched):
            return "workload '\(name)' not found; looked for: \(searched.joined(separator: ", "))"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .syntax(let path, let line, let message):
            return "\(path)\(line.map { ":\($0)" } ?? ""): not valid YAML: \(message)"
        case .invalid(let path, let line, let message):
            return "\(path)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .onlyMatchesNothing(let patterns, let ids):
            return "--only \(patterns.joined(separator: ",")) matches no benchmark of the workload; its benchmarks are: \(ids.joined(separator: ", "))"
        }
    }
}

/// One `benchmarks:` entry: an id and, per param, the values to run.
public struct WorkloadEntry: Sendable, Equatable {
    public var id: String
    public var params: [String: [String]]
    public var line: Int?
}

/// A parsed workload file.
public struct Workload: Sendable, Equatable {
    public var name: String
    public var description: String
    public var path: String
    public var settings: WorkloadSettings
    public var quickSettings: WorkloadSettings
    public var entries: [WorkloadEntry]

    /// Finds a workload by name or path: a path to an existing file is used as is; a name is looked
    /// up as `Workloads/NAME.yaml` in the current directory, `$OVERHEAD_BENCH_WORKLOADS`, and the
    /// directories above the executable (a checkout running its own build).
    public static func locate(_ nameOrPath: String, executablePath: String = CommandLine.arguments.first ?? "") throws(WorkloadError) -> String {
        let fm = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            guard fm.fileExists(atPath: nameOrPath) else { throw .notFound(name: nameOrPath, searched: [nameOrPath]) }
            return nameOrPath
        }
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["OVERHEAD_BENCH_WORKLOADS"], !env.isEmpty { dirs.append(env) }
        dirs.append(fm.currentDirectoryPath + "/Workloads")
        var dir = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            dirs.append(dir.appendingPathComponent("Workloads").path)
            dir = dir.deletingLastPathComponent()
        }
        let candidates = dirs.map { "\($0)/\(nameOrPath).yaml" }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return found }
        // Not a workload name, but a directory here: say so rather than "not found".
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unreadable(path: nameOrPath, reason: "is a directory; give a workload file (e.g. Workloads/quick.yaml) or a name from Workloads/ (e.g. --workload quick)")
        }
        throw .notFound(name: nameOrPath, searched: unique(candidates))
    }

    /// Reads and parses a workload file (syntax and shape only; ids and params are checked by `resolve`).
    public static func load(path: String) throws(WorkloadError) -> Workload {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        if isDirectory.boolValue {
            throw .unreadable(path: path, reason: "is a directory; give a workload file (e.g. Workloads/quick.yaml) or a name from Workloads/ (e.g. --workload quick)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            // Foundation's own words ("NSCocoaErrorDomain error 256") help nobody: say what failed.
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying.map { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : $0.localizedDescription }
            throw .unreadable(path: path, reason: reason ?? (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text; a workload is a YAML file")
        }
        return try parse(text, path: path)
    }

    /// Parses workload YAML; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws(WorkloadError) -> Workload {
        if let line = nestingBeyondLimit(text) {
            throw .invalid(path: path, line: line, message: "nested more than \(maximumNesting) levels deep; a workload needs 4 (benchmarks, entry, params, values)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: Self.heapBacked(text))
        } catch let error as YamlError {
            throw Self.syntaxError(error, path: path)
        } catch {
            throw .syntax(path: path, line: nil, message: "\(error)")
        }
        if let root, let (key, line) = firstDuplicateKey(root) {
            throw .invalid(path: path, line: line, message: "key '\(key)' is given twice in one mapping; YAML keys must be unique (the second would silently replace the first)")
        }
        guard let root, let top = root.mapping else {
            throw .invalid(path: path, line: root?.mark?.line, message: "a workload is a mapping with keys name, benchmarks (and optionally description, settings, quick)")
        }
        let allowedTop = ["name", "description", "settings", "quick", "benchmarks"]
        for (key, _) in top {
            guard let k = key.string, allowedTop.contains(k) else {
                throw .invalid(path: path, line: key.mark?.line, message: "unknown key '\(key.string ?? "?")'; valid keys: \(allowedTop.joined(separator: ", "))")
            }
        }
        let fileName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let name = top["name"]?.string ?? fileName
        let description = top["description"]?.string ?? ""
        let settings = try parseSettings(top["settings"], base: .standard, path: path)
        let quickSettings = try parseSettings(top["quick"], base: .quick, path: path)
        guard let list = top["benchmarks"] else {
            throw .invalid(path: path, line: root.mark?.line, message: "missing key 'benchmarks' (a list of {id, params})")
        }
        guard let sequence = list.sequence else {
            throw .invalid(path: path, line: list.mark?.line, message: "'benchmarks' must be a list of {id, params}")
        }
        var entries: [WorkloadEntry] = []
        for item in sequence {
            if let id = item.string {
                entries.append(WorkloadEntry(id: id, params: [:], line: item.mark?.line))
                continue
            }
            guard let map = item.mapping else {
                throw .invalid(path: path, line: item.mark?.line, message: "each benchmarks entry is an id or a mapping with 'id' and 'params'")
            }
            for (key, _) in map where !["id", "params"].contains(key.string ?? "") {
                throw .invalid(path: path, line: key.mark?.line, message: "unknown key '\(key.string ?? "?")' in a benchmarks entry; valid keys: id, params")
            }
            guard let id = map["id"]?.string else {
                throw .invalid(path: path, line: item.mark?.line, message: "benchmarks entry without an 'id'")
            }
            var params: [String: [String]] = [:]
            if let p = map["params"] {
                guard let pmap = p.mapping else {
                    throw .invalid(path: path, line: p.mark?.line, message: "params of '\(id)' must be a mapping of name: value or name: [values]")
                }
                for (k, v) in pmap {
                    guard let key = k.string else { continue }
                    if let s = v.scalar {
                        params[key] = [s.string]
                    } else if let seq = v.sequence, seq.allSatisfy({ $0.scalar != nil }), !seq.isEmpty {
                        params[key] = seq.compactMap { $0.scalar?.string }
                    } else {
                        throw .invalid(path: path, line: v.mark?.line, message: "param '\(key)' of '\(id)' must be a value or a non-empty list of values")
                    }
                }
            }
            entries.append(WorkloadEntry(id: id, params: params, line: item.mark?.line))
        }
        if entries.isEmpty {
            throw .invalid(path: path, line: list.mark?.line, message: "'benchmarks' is empty: name at least one benchmark id (`overhead-bench list` shows them)")
        }
        return Workload(name: name, description: description, path: path, settings: settings, quickSettings: quickSettings, entries: entries)
    }

    /// The most cases one `benchmarks:` entry may expand to (a run of more would take days).
    public static let maximumCasesPerEntry = 1_000

    /// Checks ids and params against the registry and expands every param list into cases
    /// (the cartesian product; params a workload leaves out take the benchmark's defaults).
    ///
    /// `threads=all` is resolved here to the count it stands for on this machine (the benchmark's
    /// `threadsForAll`), so results carry `threads=8`, never the word, and a 64-core host and an
    /// 8-vCPU guest are matched by real counts; the case remembers the request (`threadsRequested`).
    /// A resolved count equal to one the workload names explicitly runs once.
    ///
    /// - Parameter allowedCPUs: the CPUs this process may use; default `0..<cpus`.
    public func resolve(registry: BenchmarkRegistry, only: [String] = [], cpus: Int = 1, allowedCPUs: [Int]? = nil) throws(WorkloadError) -> [BenchmarkCase] {
        let allowed = allowedCPUs ?? Array(0..<max(1, cpus))
        var cases: [BenchmarkCase] = []
        var seen = Set<String>()
        for entry in entries {
            guard let benchmark = registry.benchmark(id: entry.id) else {
                throw .invalid(path: path, line: entry.line, message: "unknown benchmark id '\(entry.id)'; valid ids: \(registry.ids.joined(separator: ", "))")
            }
            let specs = benchmark.info.params
            for (key, values) in entry.params.sorted(by: { $0.key < $1.key }) {
                guard let spec = specs.first(where: { $0.name == key }) else {
                    let valid = specs.isEmpty ? "it takes no params" : "valid params: \(specs.map(\.name).joined(separator: ", "))"
                    throw .invalid(path: path, line: entry.line, message: "'\(entry.id)' has no param '\(key)'; \(valid)")
                }
                for value in values where !spec.values.accepts(value) {
                    throw .invalid(path: path, line: entry.line, message: "'\(entry.id)' param '\(key)': '\(value)' is not valid; valid: \(spec.values.hint)")
                }
            }
            // Refuse a cartesian product no run could finish, before building it.
            let product = specs.reduce(1.0) { $0 * Double(unique(entry.params[$1.name] ?? $1.defaults(cpus: cpus)).count) }
            if product > Double(Self.maximumCasesPerEntry) {
                throw .invalid(path: path, line: entry.line, message: "'\(entry.id)' expands to \(Int(min(product, 1e15))) parameter combinations; at most \(Self.maximumCasesPerEntry) per entry")
            }
            var combos: [[String: String]] = [[:]]
            for spec in specs {
                // One spelling per value (`64m` and `64M` are one case, in this set and across sets).
                let values = unique((entry.params[spec.name] ?? spec.defaults(cpus: cpus)).map(spec.values.canonical))
                combos = combos.flatMap { c in values.map { v in c.merging([spec.name: v]) { $1 } } }
            }
            for var params in combos {
                var requested: [String: String] = [:]
                if params["threads"] == "all", let n = benchmark.threadsForAll(params: params, allowedCPUs: allowed) {
                    params["threads"] = String(n)
                    requested["threads"] = "all"
                }
                let c = BenchmarkCase(benchmark: benchmark, params: params, requested: requested)
                // A case named twice runs once.
                if seen.insert(c.displayName).inserted { cases.append(c) }
            }
        }
        guard !only.isEmpty else { return cases }
        let filtered = cases.filter { c in only.contains { globMatches($0, c.benchmark.info.id) } }
        if filtered.isEmpty { throw .onlyMatchesNothing(patterns: only, ids: unique(cases.map { $0.benchmark.info.id })) }
        return filtered
    }

    /// The first key that a mapping (at any depth) holds twice, with its line: libyaml accepts
    /// duplicate keys and the later value wins, so `params: {bytes: [16K], bytes: [32K]}` would
    /// measure 32K only, silently. Depth is bounded by `nestingBeyondLimit`, checked first.
    static func firstDuplicateKey(_ node: Node) -> (key: String, line: Int?)? {
        switch node {
        case .mapping(let mapping):
            var seen = Set<String>()
            for (key, value) in mapping {
                if let k = key.string, !seen.insert(k).inserted { return (k, key.mark?.line) }
                if let found = firstDuplicateKey(value) { return found }
            }
        case .sequence(let sequence):
            for item in sequence { if let found = firstDuplicateKey(item) { return found } }
        default:
            break
        }
        return nil
    }

    /// `text` in storage of its own on the heap. Yams hands libyaml a pointer from
    /// `utf8.withContiguousStorageIfAvailable` and keeps parsing after that closure returns; for a
    /// small string (15 UTF-8 bytes or fewer, stored inline) the pointer is to a temporary copy that
    /// is gone by then, so libyaml read freed stack memory (the randomized fuzzers crashed, with two
    /// running side by side, in 1 of 4 runs). A longer native string's storage is on the heap and
    /// the parser holds it, so only a small text is padded, with trailing newlines (which change no
    /// YAML document) up to 16 bytes.
    static func heapBacked(_ text: String) -> String {
        var copy = text
        copy.makeContiguousUTF8()
        let small = 15
        if copy.utf8.count <= small { copy += String(repeating: "\n", count: small + 1 - copy.utf8.count) }
        return copy
    }

    /// Yams composes and converts nodes recursively, so YAML nested thousands deep overflows the
    /// stack and crashes (found by FuzzWorkloadTests). A workload nests 4 levels; 64 is far beyond any.
    static let maximumNesting = 64

    /// The line (1-based) where flow nesting (`[`, `{`) or block nesting (indentation plus compact
    /// `- `/`? ` indicators) first exceeds `maximumNesting`; nil when it never does. An over-estimate:
    /// brackets inside quoted strings count too, which only matters for absurd texts.
    static func nestingBeyondLimit(_ text: String) -> Int? {
        var flow = 0
        var line = 1
        var atLineStart = true
        var block = 0
        var inComment = false
        var previous: Unicode.Scalar = "\n"
        // libyaml's line breaks: LF, CR (CR LF is one), NEL, LS, PS. A comment ends at any of them,
        // so a `[` after U+2028 inside a "comment" is flow nesting to the parser (a fuzz input hid
        // 7,500 of them that way and overflowed the stack).
        func isBreak(_ c: Unicode.Scalar) -> Bool {
            c == "\n" || c == "\r" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
        }
        for c in text.unicodeScalars {
            if isBreak(c) {
                if !(c == "\n" && previous == "\r") { line += 1 }
                atLineStart = true
                block = 0
                inComment = false
                previous = c
                continue
            }
            if atLineStart {
                // Leading spaces, tabs and the compact indicators "- " and "? " each open a level at most.
                if c == " " || c == "\t" || c == "-" || c == "?" {
                    block += 1
                    if block > maximumNesting { return line }
                    previous = c
                    continue
                }
                atLineStart = false
            }
            if c == "#" && (previous == " " || previous == "\t" || isBreak(previous)) { inComment = true }
            if !inComment {
                if c == "[" || c == "{" {
                    flow += 1
                    if flow > maximumNesting { return line }
                } else if (c == "]" || c == "}") && flow > 0 {
                    flow -= 1
                }
            }
            previous = c
        }
        return nil
    }

    private static func parseSettings(_ node: Node?, base: WorkloadSettings, path: String) throws(WorkloadError) -> WorkloadSettings {
        let valid = "replicates, samplesPerReplicate, warmupBatches, minSampleMs"
        guard let node else { return base }
        guard let map = node.mapping else {
            throw .invalid(path: path, line: node.mark?.line, message: "settings must be a mapping of \(valid)")
        }
        var s = base
        for (k, v) in map {
            let key = k.string ?? "?"
            let line = v.mark?.line
            switch key {
            case "replicates", "samplesPerReplicate", "warmupBatches", "rounds", "samplesPerRound":
                // `rounds` and `samplesPerRound` are the names of version 1, read as their successors.
                let minimum = key == "warmupBatches" ? 0 : 1
                guard let n = v.int, n >= minimum, n <= 10_000 else {
                    throw .invalid(path: path, line: line, message: "\(key) must be an integer from \(minimum) to 10000")
                }
                switch key {
                case "replicates", "rounds": s.replicates = n
                case "samplesPerReplicate", "samplesPerRound": s.samplesPerReplicate = n
                default: s.warmupBatches = n
                }
            case "minSampleMs":
                guard let ms = v.float, ms.isFinite, ms > 0, ms <= 60_000 else {
                    throw .invalid(path: path, line: line, message: "minSampleMs must be a number of milliseconds above 0 and at most 60000")
                }
                s.minSampleMs = ms
            default:
                throw .invalid(path: path, line: k.mark?.line, message: "unknown setting '\(key)'; valid: \(valid)")
            }
        }
        return s
    }

    private static func syntaxError(_ error: YamlError, path: String) -> WorkloadError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .syntax(path: path, line: mark.line, message: problem)
        default:
            return .syntax(path: path, line: nil, message: "\(error)")
        }
    }
}
