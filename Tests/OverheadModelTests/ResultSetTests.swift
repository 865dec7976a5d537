import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadModel
@testable import OverheadSystem

@Suite struct ResultSetTests {
    @Test func roundTrip() throws {
        let set = try sampleResultSet()
        let data = try set.encoded()
        let back = try ResultSet.decode(data, source: "x.json")
        #expect(back == set)
        // Sorted keys, the schema header, a flat results array.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"schema\" : \"overhead-bench/result-set\""))
        #expect(text.contains("\"schemaVersion\" : 2"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect((object["results"] as? [Any])?.count == 1)
        let keys = Array((object["results"] as! [[String: Any]])[0].keys)
        for key in ["benchmark", "params", "metric", "unit", "better", "samples", "summary", "warnings"] { #expect(keys.contains(key)) }
        let summary = (object["results"] as! [[String: Any]])[0]["summary"] as! [String: Any]
        #expect(Set(summary.keys) == ["n", "median", "mean", "min", "max", "stddev", "cv", "p5", "p95", "robustCV"])
        // Samples grouped by replicate: counts add up, each median is its slice's.
        let replicates = (object["results"] as! [[String: Any]])[0]["replicates"] as! [[String: Any]]
        #expect(replicates.map { $0["sampleCount"] as! Int } == [3, 2])
        #expect(back.results[0].replicateMedians == [130.5, 132.6])
    }

    @Test func truncatedJSONIsNamed() throws {
        let data = try sampleResultSet().encoded()
        do {
            _ = try ResultSet.decode(data.prefix(data.count / 2), source: "half.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("half.json: not valid JSON"))
        }
    }

    @Test func unknownSchemaVersion() throws {
        var text = String(decoding: try sampleResultSet().encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"schemaVersion\" : 2", with: "\"schemaVersion\" : 9")
        #expect(throws: ResultSetError.unsupportedVersion(path: "v9.json", version: 9)) { try ResultSet.decode(Data(text.utf8), source: "v9.json") }
    }

    @Test func notAResultSet() {
        #expect(throws: ResultSetError.notAResultSet(path: "p.json")) { try ResultSet.decode(Data("{\"name\": 1}".utf8), source: "p.json") }
        #expect(throws: ResultSetError.notAResultSet(path: "p.json")) { try ResultSet.decode(Data("[1,2]".utf8), source: "p.json") }
    }

    @Test func wrongTypesAndNaN() throws {
        var text = String(decoding: try sampleResultSet().encoded(), as: UTF8.self)
        let wrong = text.replacingOccurrences(of: "\"unit\" : \"ns\"", with: "\"unit\" : 5")
        do {
            _ = try ResultSet.decode(Data(wrong.utf8), source: "w.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("results[0].unit"))
        }
        // JSON has no NaN literal; a string in its place is a type error, never a silent NaN.
        text = text.replacingOccurrences(of: "130.5", with: "\"NaN\"")
        #expect(throws: ResultSetError.self) { try ResultSet.decode(Data(text.utf8), source: "nan.json") }
    }

    @Test func emptySamplesRejected() throws {
        var set = try sampleResultSet()
        set.results[0].samples = []
        #expect(throws: (any Error).self) { try set.encoded() }
    }

    @Test func atomicWriteRefusesToOverwrite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ob-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.json").path
        try AtomicFile.write(Data("one".utf8), to: path, overwrite: false)
        #expect(throws: FileWriteError.exists(path: path)) { try AtomicFile.write(Data("two".utf8), to: path, overwrite: false) }
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "one")
        try AtomicFile.write(Data("three".utf8), to: path, overwrite: true)
        #expect(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self) == "three")
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["r.json"])
        #expect(throws: FileWriteError.self) { try AtomicFile.write(Data(), to: dir.path + "/missing/r.json", overwrite: false) }
    }
}

@Suite struct StatisticsEdgeTests {
    @Test func oneSample() throws {
        let s = try summarize([7])
        #expect(s.n == 1 && s.median == 7 && s.stddev == 0 && s.p5 == 7 && s.p95 == 7 && s.cv == 0)
    }

    @Test func allEqual() throws {
        let s = try summarize([3, 3, 3, 3])
        #expect(s.stddev == 0 && s.cv == 0 && s.median == 3)
    }

    @Test func zerosAndEvenMedian() throws {
        let s = try summarize([0, 0, 2, 4])
        #expect(s.median == 1)
        #expect(s.mean == 1.5)
    }

    @Test func rejectsNaNAndEmpty() {
        #expect(throws: StatisticsError.empty) { try summarize([]) }
        #expect(throws: StatisticsError.self) { try summarize([1, .nan]) }
        #expect(throws: StatisticsError.self) { try summarize([.infinity]) }
    }
}
