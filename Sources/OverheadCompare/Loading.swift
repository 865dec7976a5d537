import Dispatch
import Foundation
import OverheadModel

/// Why a comparison or export cannot be made. The text names the file or benchmark and what to do.
public enum CompareError: Error, Equatable, CustomStringConvertible {
    /// One or more inputs are not usable result sets (each error names its file).
    case badInput([ResultSetError])
    /// A path given on the command line does not exist.
    case missingPath(String)
    /// A directory holds no `*.json` files.
    case emptyDirectory(String)
    /// No input at all.
    case noInput
    /// `--baseline` names a label none of the sets carries.
    case unknownBaseline(String, available: [String])
    /// Every set has the same label, so there is nothing to compare against.
    case singleConfiguration(String)
    /// The same benchmark × params is reported in units of different dimensions.
    case incompatibleUnits(benchmark: String, params: String, unit: String, source: String, otherUnit: String, otherSource: String)
    /// The same benchmark × params says "higher is better" in one set and "lower" in another.
    case conflictingPolarity(benchmark: String, params: String, source: String, otherSource: String)
    /// `--strict` and the sets differ in more than the configuration under test.
    case environmentDiffers([EnvironmentDifference])
    /// A setting is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .badInput(let errors):
            return errors.map(\.description).joined(separator: "\n")
        case .missingPath(let path):
            return "\(path): no such file or directory"
        case .emptyDirectory(let path):
            return "\(path): directory holds no *.json result sets"
        case .noInput:
            return "no result sets given; pass result-set files or directories"
        case .unknownBaseline(let label, let available):
            return "baseline '\(label)' is not the label of any result set; labels present: \(available.joined(separator: ", "))"
        case .singleConfiguration(let label):
            return "every result set is labelled '\(label)'; compare needs at least two labels (use diff A B to compare two runs of one label)"
        case .incompatibleUnits(let benchmark, let params, let unit, let source, let otherUnit, let otherSource):
            return "\(benchmark)\(params.isEmpty ? "" : " \(params)"): reported in \(unit) by \(source) but in \(otherUnit) by \(otherSource); these units cannot be converted, so the results cannot be compared"
        case .conflictingPolarity(let benchmark, let params, let source, let otherSource):
            return "\(benchmark)\(params.isEmpty ? "" : " \(params)"): \(source) and \(otherSource) disagree on whether higher or lower is better; were they written by incompatible versions?"
        case .environmentDiffers(let differences):
            return "refusing to compare (--strict): the result sets differ in more than the configuration under test:\n"
                + differences.map { "  " + $0.description }.joined(separator: "\n")
        case .invalidOption(let text):
            return text
        }
    }
}

/// A result set and the file it came from.
public struct LoadedSet: Sendable {
    /// Where it was read from (as given, or found under a given directory).
    public var path: String
    /// The decoded, validated set.
    public var set: ResultSet

    /// Pairs a set with the file it came from.
    public init(path: String, set: ResultSet) {
        self.path = path
        self.set = set
    }
}

/// What `loadResultSets` read: the sets in input order, and notes about what it skipped.
public struct LoadedInput: Sendable {
    /// The sets, in the order of the paths given (files under a directory in path order).
    public var sets: [LoadedSet]
    /// Observations for the user, e.g. a set given twice and counted once.
    public var notes: [String]
}

/// Reads result sets from files and directories (searched recursively for `*.json`), decoding in
/// parallel. Every unusable file is reported, each error naming its file; a set given twice (same id)
/// counts once, so pooled samples are never duplicated.
public func loadResultSets(paths: [String]) throws(CompareError) -> LoadedInput {
    guard !paths.isEmpty else { throw .noInput }
    var files: [String] = []
    let fm = FileManager.default
    for path in paths {
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missingPath(path) }
        if isDirectory.boolValue {
            let found = jsonFiles(under: path)
            guard !found.isEmpty else { throw .emptyDirectory(path) }
            files.append(contentsOf: found)
        } else {
            files.append(path)
        }
    }
    // One file named twice (directly and through its directory) is read once.
    var seenPaths = Set<String>()
    files = files.filter { seenPaths.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }

    let slots = ResultSlots(count: files.count)
    let toRead = files
    DispatchQueue.concurrentPerform(iterations: toRead.count) { index in
        slots.store(index, Result { () throws(ResultSetError) in try decodeQuickly(path: toRead[index]) })
    }
    var sets: [LoadedSet] = []
    var errors: [ResultSetError] = []
    var notes: [String] = []
    var firstPathForID: [String: String] = [:]
    for (index, outcome) in slots.take().enumerated() {
        switch outcome {
        case .success(let set):
            if let earlier = firstPathForID[set.id] {
                notes.append("\(files[index]) is the same result set as \(earlier) (id \(set.id)); counted once")
            } else {
                firstPathForID[set.id] = files[index]
                sets.append(LoadedSet(path: files[index], set: set))
            }
        case .failure(let error):
            errors.append(error)
        case nil:
            errors.append(.unreadable(path: files[index], reason: "not read"))
        }
    }
    guard errors.isEmpty else { throw .badInput(errors) }
    return LoadedInput(sets: sets, notes: notes)
}

/// `*.json` files under a directory, recursively, sorted so that output is reproducible.
private func jsonFiles(under directory: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
    var found: [String] = []
    while let relative = enumerator.nextObject() as? String {
        guard relative.hasSuffix(".json") else { continue }
        let full = (directory as NSString).appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
            found.append(full)
        }
    }
    return found.sorted()
}

/// Decodes by the fast path (see FastDecoding.swift) and checks what `ResultSet.decode` checks; only
/// when that fails does it go through `ResultSet.decode`, whose first pass gives the precise error.
/// Valid files, the common case, are parsed once instead of twice, and their samples without JSONDecoder.
private func decodeQuickly(path: String) throws(ResultSetError) -> ResultSet {
    try decodeQuickly(try ResultSet.readFile(path: path), source: path)
}

/// The bytes of `decodeQuickly(path:)`: same outcome as `ResultSet.decode` for any bytes (fuzzed in
/// FuzzResultSetTests), only faster on valid sets.
func decodeQuickly(_ data: Data, source: String) throws(ResultSetError) -> ResultSet {
    if let set = decodeLiftingSamples(data),
        set.schema == ResultSet.schemaName, ResultSet.readableSchemaVersions.contains(set.schemaVersion)
    {
        try set.validate(source: source)
        return set
    }
    return try ResultSet.decode(data, source: source)
}

/// Write-once slots filled from `concurrentPerform`; each index is written by exactly one worker,
/// and the lock makes the writes visible to the reader.
private final class ResultSlots: @unchecked Sendable {
    private var values: [Result<ResultSet, ResultSetError>?]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ value: Result<ResultSet, ResultSetError>) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func take() -> [Result<ResultSet, ResultSetError>?] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
