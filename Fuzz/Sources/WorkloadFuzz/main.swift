import Foundation
import OverheadEngine

// libFuzzer entry point for the workload parser (built with -sanitize=fuzzer -parse-as-library).
// Property, as in Tests/OverheadEngineTests/FuzzWorkloadTests.swift: any UTF-8 text gives a workload
// with settings in range or an error naming the file. (Resolving against the catalog is covered by
// the randomized test, which links the benchmarks.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkload(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    // Workload.load refuses invalid UTF-8 before parsing, so only valid text reaches the parser.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    let path = "fuzz.yaml"
    func fail(_ why: String) -> Never {
        FileHandle.standardError.write(Data("property broken: \(why)\n".utf8))
        abort()
    }
    do {
        let w = try Workload.parse(text, path: path)
        for s in [w.settings, w.quickSettings] {
            guard (1...10_000).contains(s.replicates), (1...10_000).contains(s.samplesPerReplicate), (0...10_000).contains(s.warmupBatches),
                  s.minSampleMs.isFinite, s.minSampleMs > 0, s.minSampleMs <= 60_000
            else { fail("settings out of range accepted: \(s)") }
        }
    } catch {
        if !error.description.hasPrefix(path) { fail("error does not name the file: \(error)") }
    }
    return 0
}

// SwiftPM links an executable target with main renamed to `WorkloadFuzz_main` (-entry-point-function-name),
// which -parse-as-library leaves undefined; defining it to run libFuzzer's driver (what libFuzzer's
// own main does) makes the harness link and run the same either way.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt

@_cdecl("WorkloadFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzWorkload)
}
