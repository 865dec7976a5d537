import Foundation
@testable import OverheadCompare
import OverheadModel

// libFuzzer entry point (built with -sanitize=fuzzer -parse-as-library; libFuzzer supplies main).
// Properties, as in Tests/OverheadCompareTests/FuzzResultSetTests.swift: `ResultSet.decode` returns a
// set or an error naming the file; the loader's fast path gives the same set or also an error; a
// decoded set round-trips. A broken property aborts, which libFuzzer records as a crash with the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResultSet(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let source = "fuzz.json"
    let slow = Result { () throws(ResultSetError) in try ResultSet.decode(data, source: source) }
    let quick = Result { () throws(ResultSetError) in try decodeQuickly(data, source: source) }
    func fail(_ why: String) -> Never {
        FileHandle.standardError.write(Data("property broken: \(why)\n".utf8))
        abort()
    }
    for case .failure(let error) in [slow, quick] where !error.description.hasPrefix(source + ":") {
        fail("error does not name the file: \(error)")
    }
    switch (slow, quick) {
    case (.success(let a), .success(let b)):
        if a != b { fail("fast path decodes a different set") }
        guard let again = try? a.encoded(), (try? ResultSet.decode(again, source: source)) == a else { fail("no round trip") }
    case (.success, .failure(let e)): fail("fast path rejects what decode accepts: \(e)")
    case (.failure(let e), .success): fail("fast path accepts what decode rejects: \(e)")
    case (.failure, .failure): break
    }
    return 0
}

// SwiftPM links an executable target with main renamed to `ResultSetFuzz_main` (-entry-point-function-name),
// which -parse-as-library leaves undefined; defining it to run libFuzzer's driver (what libFuzzer's
// own main does) makes the harness link and run the same either way.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt

@_cdecl("ResultSetFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzResultSet)
}
