import Foundation

/// Why a file is not a usable result set. The text names the file and what to do.
public enum ResultSetError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notJSON(path: String, reason: String)
    case notAResultSet(path: String)
    case unsupportedVersion(path: String, version: Int)
    case invalid(path: String, reason: String)
    case tooLarge(path: String, bytes: UInt64)

    public var description: String {
        switch self {
        case .tooLarge(let path, let bytes):
            return "\(path): \(bytes >> 20) MiB is far larger than any result set (limit \(ResultSet.maximumFileBytes >> 20) MiB); not reading it"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .notJSON(let path, let reason):
            return "\(path): not valid JSON (truncated or not a result set?): \(reason)"
        case .notAResultSet(let path):
            return "\(path): not an overhead-bench result set (no \"schema\": \"\(ResultSet.schemaName)\")"
        case .unsupportedVersion(let path, let version):
            return "\(path): schemaVersion \(version) is not supported by this build (reads versions \(ResultSet.readableSchemaVersions.lowerBound)–\(ResultSet.readableSchemaVersions.upperBound)); use a matching overhead-bench version"
        case .invalid(let path, let reason):
            return "\(path): invalid result set: \(reason)"
        }
    }
}

extension ResultSet {
    /// The canonical encoding: UTF-8 JSON, sorted keys, pretty-printed, trailing newline.
    public func encoded() throws -> Data {
        try validate(source: "result set")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Decodes and validates a result set; `source` names it in errors (usually the path).
    public static func decode(_ data: Data, source: String) throws(ResultSetError) -> ResultSet {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw .notJSON(path: source, reason: Self.describe(error))
        }
        guard let dict = object as? [String: Any], dict["schema"] as? String == schemaName else {
            throw .notAResultSet(path: source)
        }
        guard let version = dict["schemaVersion"] as? Int else {
            throw .invalid(path: source, reason: "schemaVersion is missing or not an integer")
        }
        guard readableSchemaVersions.contains(version) else { throw .unsupportedVersion(path: source, version: version) }
        let set: ResultSet
        do {
            set = try JSONDecoder().decode(ResultSet.self, from: data)
        } catch {
            throw .invalid(path: source, reason: Self.describe(error))
        }
        try set.validate(source: source)
        return set
    }

    /// The largest file read as a result set: a default run is well under 10 MiB; a file of
    /// gigabytes is a mistake and would only exhaust memory.
    public static let maximumFileBytes: UInt64 = 512 << 20

    /// Reads a result set file's bytes, refusing directories and absurd sizes with a clear error.
    public static func readFile(path: String) throws(ResultSetError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .unreadable(path: path, reason: "is a directory, not a result set file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
            size.uint64Value > maximumFileBytes
        {
            throw .tooLarge(path: path, bytes: size.uint64Value)
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Reads and decodes a result set file.
    public static func load(path: String) throws(ResultSetError) -> ResultSet {
        try decode(try readFile(path: path), source: path)
    }

    /// Checks what the JSON types alone cannot: finite samples, a summary that matches them, no
    /// benchmark × params twice.
    public func validate(source: String) throws(ResultSetError) {
        var seen: [String: Int] = [:]
        for (i, r) in results.enumerated() {
            let key = r.benchmark + "{" + paramsText(r.params, separator: ",") + "}"
            if let first = seen[key] {
                throw .invalid(path: source, reason: "results[\(i)] repeats results[\(first)] (\(key)); a result set holds each benchmark × params once")
            }
            seen[key] = i
            let name = "results[\(i)] (\(r.benchmark))"
            guard !r.samples.isEmpty else { throw .invalid(path: source, reason: "\(name) has no samples") }
            if let bad = r.samples.firstIndex(where: { !$0.isFinite }) {
                throw .invalid(path: source, reason: "\(name) sample \(bad) is not a finite number")
            }
            guard r.summary.n == r.samples.count else {
                throw .invalid(path: source, reason: "\(name) summary.n is \(r.summary.n) but there are \(r.samples.count) samples")
            }
            guard !r.unit.isEmpty else { throw .invalid(path: source, reason: "\(name) has no unit") }
            if let replicates = r.replicates {
                guard schemaVersion >= 2 else {
                    throw .invalid(path: source, reason: "\(name) has replicates, which schemaVersion 1 does not have")
                }
                guard !replicates.isEmpty, replicates.allSatisfy({ $0.sampleCount >= 1 }) else {
                    throw .invalid(path: source, reason: "\(name) has an empty replicate; every replicate holds at least one sample")
                }
                // Hostile counts (Int.max twice) must be an error, not an overflow trap (issue 19).
                let total = replicates.reduce(0) { $0.addingReportingOverflow($1.sampleCount).overflow ? Int.max : $0 + $1.sampleCount }
                guard total == r.samples.count else {
                    throw .invalid(path: source, reason: "\(name) replicates hold \(total) samples in all but there are \(r.samples.count)")
                }
                for (k, (replicate, slice)) in zip(replicates, r.replicateSlices).enumerated() {
                    let m = median(Array(slice))
                    guard replicate.median.isFinite, abs(replicate.median - m) <= 1e-9 * max(1, abs(m)) else {
                        throw .invalid(path: source, reason: "\(name) replicate \(k) says median \(replicate.median) but its samples' median is \(m)")
                    }
                }
            } else if schemaVersion >= 2 {
                throw .invalid(path: source, reason: "\(name) has no replicates (schemaVersion 2 records them)")
            }
        }
        try validateValues(source: source)
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing key '\(key.stringValue)' at \(path(ctx.codingPath))"
        case DecodingError.typeMismatch(let type, let ctx):
            return "wrong type at \(path(ctx.codingPath)): expected \(type)"
        case DecodingError.valueNotFound(let type, let ctx):
            return "null at \(path(ctx.codingPath)): expected \(type)"
        case DecodingError.dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? ctx.debugDescription : "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        default:
            let ns = error as NSError
            return ns.userInfo[NSDebugDescriptionErrorKey] as? String ?? ns.localizedDescription
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
