import Foundation
import OverheadModel

// Randomized ("fuzz") testing support (SplitMix64 from OverheadModel as the seeded generator): byte- and tree-level mutators of valid
// inputs, and a budget that is a fixed iteration count in `swift test` (reproducible, a few seconds)
// or a wall-clock time when FUZZ_SECONDS is set (scripts/fuzz). FUZZ_SEED picks another seed; every
// failure names the seed and iteration and saves the input under $TMPDIR/overhead-bench-fuzz.

/// How long a fuzz test runs: `iterations` by default, or FUZZ_SECONDS of wall-clock time.
package struct FuzzBudget {
    package let seed: UInt64
    package let iterations: Int
    package let deadline: Date?

    package init(defaultIterations: Int, environment: [String: String] = ProcessInfo.processInfo.environment) {
        // A fixed default seed keeps `swift test` reproducible; long runs pick a fresh one unless told.
        let seconds = environment["FUZZ_SECONDS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
        if let text = environment["FUZZ_SEED"], let s = UInt64(text) {
            seed = s
        } else {
            seed = seconds == nil ? 0x0B5E_55ED : UInt64.random(in: 1...UInt64.max)
        }
        iterations = seconds == nil ? defaultIterations : Int.max
        deadline = seconds.map { Date().addingTimeInterval($0) }
        // Said before the first input, unbuffered: a crash (a signal, not a recorded issue) must
        // still leave the seed that replays it (FUZZ_SEED=…).
        if seconds != nil {
            FileHandle.standardError.write(Data("fuzz: seed \(seed) (replay with FUZZ_SEED=\(seed))\n".utf8))
        }
    }

    /// Whether iteration `i` should run.
    package func allows(_ i: Int) -> Bool {
        if let deadline { return Date() < deadline }
        return i < iterations
    }
}

/// Saves a failing input so that it can be replayed; returns the path (or a note why not).
package func saveFuzzFailure(_ bytes: [UInt8], name: String) -> String {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("overhead-bench-fuzz")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    return (try? Data(bytes).write(to: url)) == nil ? "(could not save input)" : url.path
}

/// Byte-level mutations: truncation, bit flips, interesting bytes, token insertion, slice deletion
/// and duplication, number replacement. `tokens` are spliced in at random places.
package struct ByteMutator {
    package var tokens: [[UInt8]]

    package init(tokens: [[UInt8]]) { self.tokens = tokens }
    package static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x22, 0x5C, 0x5B, 0x5D, 0x7B, 0x7D, 0x2C, 0x3A, 0x2D, 0x30, 0x65, 0x2E, 0x80, 0xC3, 0x0A, 0x09, 0x20, 0x23, 0x27]

    package func mutate(_ input: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let n = bytes.count
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:  // truncate
                bytes = Array(bytes.prefix(Int.random(in: 0...n, using: &rng)))
            case 1:  // flip a bit
                guard n > 0 else { continue }
                bytes[Int.random(in: 0..<n, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 2:  // an interesting byte
                guard n > 0 else { continue }
                bytes[Int.random(in: 0..<n, using: &rng)] = Self.interestingBytes.randomElement(using: &rng)!
            case 3, 4:  // insert a token
                bytes.insert(contentsOf: tokens.randomElement(using: &rng)!, at: Int.random(in: 0...n, using: &rng))
            case 5:  // delete a slice
                guard n > 0 else { continue }
                let a = Int.random(in: 0..<n, using: &rng)
                bytes.removeSubrange(a..<min(n, a + Int.random(in: 1...64, using: &rng)))
            case 6:  // duplicate a slice elsewhere
                guard n > 0 else { continue }
                let a = Int.random(in: 0..<n, using: &rng)
                let slice = Array(bytes[a..<min(n, a + Int.random(in: 1...256, using: &rng))])
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...n, using: &rng))
            default:  // replace a number (a run of digits) with a token
                let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
                guard let at = digits.randomElement(using: &rng) else { continue }
                var end = at
                while end < bytes.count, (bytes[end] >= 0x30 && bytes[end] <= 0x39) || bytes[end] == 0x2E { end += 1 }
                bytes.replaceSubrange(at..<end, with: tokens.randomElement(using: &rng)!)
            }
        }
        return bytes
    }
}

/// Tokens that break parsers: non-finite and extreme numbers, deep nesting, odd Unicode.
package enum FuzzTokens {
    package static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
    package static let deepArray = utf8(String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000))
    package static let unclosedNesting = utf8(String(repeating: "{\"a\":[", count: 5_000))
    package static let common: [[UInt8]] = [
        "NaN", "-NaN", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "1e-400", "4.9e-324", "2.2250738585072014e-308",
        "-0", "0.0", "1.0", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1" + String(repeating: "0", count: 400), "0." + String(repeating: "1", count: 80), "1e", "-", "01", "1.e5", ".5",
        "null", "true", "false", "\"\"", "\"x\"", "{}", "[]", "[1]", "[0]", "{\"a\":1}", ",", ":", "\"", "\\",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\uDFFF\\uD800\"", "\"\\u00e9\"", "é", "😀", "\u{FEFF}", "\u{202E}", "\u{0}",
        "\"samples\"", "\"samples\":[1,2]", "\"samples\":[]", "\"sampl\\u0065s\"", "\"summary\"", "\"results\":[]",
        "\"schemaVersion\":2", "\"n\":3",
    ].map(utf8) + [[0xFF, 0xFE], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], deepArray, unclosedNesting]
}

/// Tree-level mutations of a JSON document (through JSONSerialization): replace, remove, add and
/// retype values, duplicate array elements. The output is valid JSON more often than byte noise
/// is, so it reaches the checks behind the parser.
package enum JSONTreeMutator {
    nonisolated(unsafe) static let replacements: [Any] = [  // immutable; only read
        NSNull(), true, false, 0, -1, 1, 2, Int.max, Int.min, 1.5, -0.0, 1e300, -1e300, Double.leastNonzeroMagnitude, "", "x", "1", "NaN",
        "overhead-bench/result-set", String(repeating: "ü", count: 300), [Any](), [1], [1.0, 2.0, 3.0], ["a"], [String: Any](),
        ["a": 1], [NSNull()], Array(repeating: 7.25, count: 1000),
    ]

    package static func mutate(_ data: [UInt8], rng: inout SplitMix64) -> [UInt8]? {
        guard var root = try? JSONSerialization.jsonObject(with: Data(data), options: [.fragmentsAllowed]) else { return nil }
        for _ in 0..<Int.random(in: 1...3, using: &rng) { root = mutate(root, depth: 0, rng: &rng) }
        guard JSONSerialization.isValidJSONObject(root),
              let out = try? JSONSerialization.data(withJSONObject: root, options: [.fragmentsAllowed, .sortedKeys])
        else { return nil }
        return Array(out)
    }

    private static func mutate(_ value: Any, depth: Int, rng: inout SplitMix64) -> Any {
        // Descend with a probability that falls with depth, so shallow and deep nodes both change.
        let descend = Double.random(in: 0..<1, using: &rng) < 0.8 - 0.1 * Double(depth)
        if var dict = value as? [String: Any], !dict.isEmpty {
            let key = dict.keys.sorted().randomElement(using: &rng)!
            if descend { dict[key] = mutate(dict[key]!, depth: depth + 1, rng: &rng); return dict }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: dict[key] = nil
            case 1: dict[key + "_extra"] = replacements.randomElement(using: &rng)!
            case 2: dict[key] = replacements.randomElement(using: &rng)!
            default:  // swap two values
                let other = dict.keys.sorted().randomElement(using: &rng)!
                (dict[key], dict[other]) = (dict[other], dict[key])
            }
            return dict
        }
        if var array = value as? [Any], !array.isEmpty {
            let i = Int.random(in: 0..<array.count, using: &rng)
            if descend { array[i] = mutate(array[i], depth: depth + 1, rng: &rng); return array }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: array.remove(at: i)
            case 1: array.append(array[i])  // a duplicate element (e.g. a result twice)
            case 2: array[i] = replacements.randomElement(using: &rng)!
            default: array = Array(array.prefix(i))
            }
            return array
        }
        return replacements.randomElement(using: &rng)!
    }
}
