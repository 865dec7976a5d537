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
/// parallel. Every unusable file is reported, each error naming its file; a set given twice (same id,
/// same content) counts once, so pooled samples are never duplicated, while two files with one id
/// and different content are an error naming both (which one is right cannot be told). The notes
/// name every interrupted set and every set without results.
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
    var firstForID: [String: LoadedSet] = [:]
    for (index, outcome) in slots.take().enumerated() {
        switch outcome {
        case .success(let set):
            if let earlier = firstForID[set.id] {
                if earlier.set == set {
                    notes.append("\(files[index]) is the same result set as \(earlier.path) (id \(set.id)); counted once")
                } else {
                    errors.append(sameIDError(files[index], earlier: earlier.path, id: set.id))
                }
            } else {
                firstForID[set.id] = LoadedSet(path: files[index], set: set)
                sets.append(LoadedSet(path: files[index], set: set))
                notes.append(contentsOf: completenessNotes(set, path: files[index]))
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

/// Two separately loaded groups of sets (the sides of `diff`) must not hold two different sets
/// under one id: that is the same error `loadResultSets` reports within one call, naming both files.
/// The very same set on both sides is allowed (a diff of a file with itself).
public func checkDistinctIDs(_ first: [LoadedSet], _ second: [LoadedSet]) throws(CompareError) {
    let byID = Dictionary(first.map { ($0.set.id, $0) }, uniquingKeysWith: { a, _ in a })
    var errors: [ResultSetError] = []
    for loaded in second {
        if let earlier = byID[loaded.set.id], earlier.set != loaded.set {
            errors.append(sameIDError(loaded.path, earlier: earlier.path, id: loaded.set.id))
        }
    }
    guard errors.isEmpty else { throw .badInput(errors) }
}

/// The error for a file whose id another, different set already has.
private func sameIDError(_ path: String, earlier: String, id: String) -> ResultSetError {
    .invalid(
        path: path,
        reason: "has the id \(id) of \(earlier) but different content; one of them was edited or copied over the other, so neither can be trusted; remove the wrong one (or give it a new id)")
}

/// What a reader must know before trusting a comparison with this set: it was interrupted, or it
/// holds no results at all.
public func completenessNotes(_ set: ResultSet, path: String) -> [String] {
    let skipped = set.skipped.isEmpty ? "" : "; \(set.skipped.count) case\(set.skipped.count == 1 ? " was" : "s were") skipped"
    if set.interrupted {
        return ["\(path) (label \(set.label)) was interrupted: it holds only the \(set.results.count) result\(set.results.count == 1 ? "" : "s") finished before the stop\(skipped)"]
    }
    if set.results.isEmpty {
        return ["\(path) (label \(set.label)) holds no results: nothing was measured\(skipped)"]
    }
    return []
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
    if let set = decodeLiftingSamples(mappingFile: path),
        set.schema == ResultSet.schemaName, ResultSet.readableSchemaVersions.contains(set.schemaVersion)
    {
        try set.validate(source: path)
        return set
    }
    return try decodeQuickly(try ResultSet.readFile(path: path), source: path)
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
