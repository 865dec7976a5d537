import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCompare
@testable import OverheadModel

/// What must hold for any bytes given as a result set: `ResultSet.decode` returns a set or a
/// `ResultSetError` naming the file; the loader's fast path (`decodeQuickly`) gives the same set or
/// also an error; a decoded set re-encodes to bytes that decode to the same set.
enum ResultSetOracle {
    static let source = "fuzz-input.json"

    /// nil when every property holds, else what broke.
    static func check(_ bytes: [UInt8]) -> String? {
        let data = Data(bytes)
        let slow = Result { () throws(ResultSetError) in try ResultSet.decode(data, source: source) }
        let quick = Result { () throws(ResultSetError) in try decodeQuickly(data, source: source) }
        for case .failure(let error) in [slow, quick] where !error.description.hasPrefix(source + ":") {
            return "error does not start with the file name: \(error)"
        }
        switch (slow, quick) {
        case (.success(let a), .success(let b)):
            guard a == b else { return "fast path decodes a different set than ResultSet.decode" }
            guard let again = try? a.encoded() else { return "a decoded set does not re-encode" }
            guard (try? ResultSet.decode(again, source: source)) == a else { return "a decoded set does not round-trip" }
            return nil
        case (.failure, .failure):
            return nil
        case (.success, .failure(let e)):
            return "fast path rejects a set ResultSet.decode accepts: \(e)"
        case (.failure(let e), .success):
            return "fast path accepts a set ResultSet.decode rejects: \(e)"
        }
    }
}

@Suite struct FuzzResultSetTests {
    static let seeds: [[UInt8]] = {
        let root = fixturesDirectory
        var paths = ["compare/vm.json", "compare/bare-metal.json"].map { root.appendingPathComponent($0).path }
        let corpus = root.appendingPathComponent("corpus/resultsets").path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: corpus).sorted()) ?? [] {
            paths.append(corpus + "/" + name)
        }
        return paths.compactMap { FileManager.default.contents(atPath: $0).map(Array.init) }
    }()

    @Test func validSeedsDecodeAlike() throws {
        #expect(Self.seeds.count >= 10)
        for seed in Self.seeds.prefix(2) {
            #expect(ResultSetOracle.check(seed) == nil)
            #expect(try ResultSet.decode(Data(seed), source: "seed").results.count > 0)
            // The checks added to the scanner must not push ordinary files off the fast path.
            #expect(decodeLiftingSamples(Data(seed)) != nil)
        }
    }

    /// Mutated result sets (byte noise, tree edits, both): the oracle's properties hold for each.
    @Test func mutatedResultSetsNeverCrashAndBothDecodersAgree() {
        let budget = FuzzBudget(defaultIterations: 1_500)
        var rng = SplitMix64(seed: budget.seed)
        let bytes = ByteMutator(tokens: FuzzTokens.common)
        var i = 0
        var failures = 0
        while budget.allows(i), failures < 5 {
            let seed = Self.seeds.randomElement(using: &rng)!
            var input: [UInt8]
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: input = bytes.mutate(seed, rng: &rng)
            case 1: input = JSONTreeMutator.mutate(seed, rng: &rng) ?? bytes.mutate(seed, rng: &rng)
            default: input = bytes.mutate(JSONTreeMutator.mutate(seed, rng: &rng) ?? seed, rng: &rng)
            }
            if let problem = ResultSetOracle.check(input) {
                failures += 1
                let saved = saveFuzzFailure(input, name: "resultset-\(budget.seed)-\(i).json")
                Issue.record("seed \(budget.seed) iteration \(i): \(problem); input saved at \(saved)")
            }
            i += 1
        }
        print("fuzz \(budget.deadline == nil ? "" : "(timed) ")result sets: \(i) inputs, seed \(budget.seed), \(failures) failure(s)")
    }

    /// Inputs found by reviewing the fast path and by the fuzzer, kept as regressions.
    @Test(arguments: [
        // A "samples" key spelled with an escape is not lifted by the scanner, so its one-element
        // array [1] was taken for placeholder 1 and replaced by another result's samples.
        #"{"schema":"overhead-bench/result-set","schemaVersion":1,"results":[{"sampl\u0065s":[1]},{"samples":[5]},{"samples":[6]}]}"#,
        "[" + String(repeating: "[", count: 100_000),
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000),
        #"{"schema":"overhead-bench/result-set","schemaVersion":1e999}"#,
        #"{"schema":"overhead-bench/result-set","schemaVersion":true}"#,
        #"{"schema":"overhead-bench/result-set","schemaVersion":9223372036854775808}"#,
        #"{"schema":"overhead-bench/result-set","schemaVersion":1,"results":[{"samples":[1e-400]}]}"#,
    ])
    func knownHardInputs(text: String) {
        #expect(ResultSetOracle.check(Array(text.utf8)) == nil)
    }

    /// Odd text in a value no decoder reads (an unknown key): both decoders must still agree.
    /// Invalid UTF-8 there was accepted by the fast path and refused by ResultSet.decode (found by
    /// Fuzz/ResultSetFuzz).
    @Test(arguments: [[0xB6], [0xC3], [0xED, 0xA0, 0x80], Array(#"\q"#.utf8), Array(#"\ud800"#.utf8), Array(#"\u00"#.utf8), [0x00], [0x09]] as [[UInt8]])
    func oddTextInAnUnknownKeyDecodesAlike(bytes: [UInt8]) throws {
        let seed = try #require(Self.seeds.first)
        let marker = Array(#""schema":"#.utf8)
        let at = try #require((0..<(seed.count - marker.count)).first { Array(seed[$0..<($0 + marker.count)]) == marker })
        let input = Array(seed[..<at]) + Array(#""unknownKey":"x"#.utf8) + bytes + Array(#"y","#.utf8) + Array(seed[at...])
        #expect(ResultSetOracle.check(input) == nil)
    }

    /// The escaped-key case above on a complete set: the fast path must keep each result's own samples.
    @Test func escapedSamplesKeyKeepsItsOwnSamples() throws {
        let seed = try #require(Self.seeds.first)
        let set = try ResultSet.decode(Data(seed), source: "seed")
        try #require(set.results.count >= 3)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(seed)) as? [String: Any])
        var results = try #require(object["results"] as? [[String: Any]])
        results[0]["samples"] = [1.0]
        var summary = try #require(results[0]["summary"] as? [String: Any])
        summary["n"] = 1
        results[0]["summary"] = summary
        if var replicates = results[0]["replicates"] as? [[String: Any]], !replicates.isEmpty {
            replicates = [replicates[0]]
            replicates[0]["sampleCount"] = 1
            replicates[0]["median"] = 1.0
            results[0]["replicates"] = replicates
        }
        object["results"] = results
        var text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        let first = try #require(text.range(of: "\"samples\":[1]"))
        text.replaceSubrange(first, with: #""sampl\u0065s":[1]"#)
        let slow = try ResultSet.decode(Data(text.utf8), source: "x.json")
        #expect(slow.results[0].samples == [1])
        #expect(try decodeQuickly(Data(text.utf8), source: "x.json") == slow)
    }
}
