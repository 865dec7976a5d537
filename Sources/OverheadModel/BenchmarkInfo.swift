import Foundation

// What a benchmark is, as data: shared by the engine (which checks params), the CLI (list) and the
// report (descriptions), so the report needs no engine.
/// How a parameter's values are checked.
public enum ParamValues: Sendable, Equatable {
    /// One of these words.
    case choices([String])
    /// A positive integer (optionally with a K/M/G suffix, binary), or one of the extra words.
    case positiveInteger(extra: [String])
    /// A size in bytes: a positive integer, optionally with a K/M/G/T suffix (binary), or one of the
    /// extra words. Every spelling of one size is one case (`16384` = `16K` = `16KiB`).
    case size(extra: [String])

    /// Whether `value` is acceptable.
    public func accepts(_ value: String) -> Bool {
        switch self {
        case .choices(let words): return words.contains(value)
        case .positiveInteger(let extra), .size(let extra):
            return extra.contains(value) || (parseSize(value).map { $0 > 0 } ?? false)
        }
    }

    /// The one spelling of an accepted value, so that `64m`, `64M`, `64MiB`, `65536K` (and, for a
    /// size, `67108864`) name the same case and compare matches them across sets: written in the
    /// largest binary unit that divides it (`64M`, `1536K`, `1000`). A `positiveInteger` written
    /// without a unit (a thread count, a node) and words stay as given.
    public func canonical(_ value: String) -> String {
        let extra: [String]
        switch self {
        case .choices: return value
        case .positiveInteger(let words):
            guard let last = value.trimmingCharacters(in: .whitespaces).last, !last.isNumber else { return value }
            extra = words
        case .size(let words):
            extra = words
        }
        guard !extra.contains(value), let bytes = parseSize(value), bytes > 0 else { return value }
        for (unit, shift) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] where bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return String(bytes)
    }

    /// Words for an error message.
    public var hint: String {
        switch self {
        case .choices(let words): return words.joined(separator: ", ")
        case .positiveInteger(let extra):
            return (["a positive integer (K/M/G suffixes allowed)"] + extra).joined(separator: ", ")
        case .size(let extra):
            return (["a size in bytes below 8 EiB (a positive integer; K/M/G/T suffixes, binary)"] + extra).joined(separator: ", ")
        }
    }
}

/// One parameter a benchmark takes.
public struct ParamSpec: Sendable, Equatable {
    public var name: String
    public var values: ParamValues
    /// The values a workload gets when it names none (each becomes its own case).
    public var defaults: [String]
    public var summary: String
    /// Defaults that depend on the machine (e.g. thread counts 1, 2, 4, … all CPUs); given the
    /// number of CPUs this process may use. Overrides `defaults` when set.
    public var machineDefaults: (@Sendable (_ cpus: Int) -> [String])?

    public init(name: String, values: ParamValues, defaults: [String], summary: String,
                machineDefaults: (@Sendable (_ cpus: Int) -> [String])? = nil) {
        self.name = name
        self.values = values
        self.defaults = defaults
        self.summary = summary
        self.machineDefaults = machineDefaults
    }

    /// The default values on a machine with `cpus` usable CPUs.
    public func defaults(cpus: Int) -> [String] {
        machineDefaults?(cpus) ?? defaults
    }

    public static func == (a: ParamSpec, b: ParamSpec) -> Bool {
        a.name == b.name && a.values == b.values && a.defaults == b.defaults && a.summary == b.summary
    }
}

/// What `list` shows and what every result carries: id, meaning, params, unit and polarity.
public struct BenchmarkInfo: Sendable, Equatable {
    public var id: String
    /// One line: what is measured.
    public var summary: String
    /// One line: what the figure reveals about a hypervisor.
    public var reveals: String
    public var params: [ParamSpec]
    public var metric: String
    public var unit: String
    public var better: Better

    public init(
        id: String, summary: String, reveals: String, params: [ParamSpec], metric: String, unit: String,
        better: Better
    ) {
        self.id = id
        self.summary = summary
        self.reveals = reveals
        self.params = params
        self.metric = metric
        self.unit = unit
        self.better = better
    }
}

