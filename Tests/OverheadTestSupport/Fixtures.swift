import Foundation

/// The repository's root, found from this file's path (Tests/OverheadTestSupport/Fixtures.swift), so
/// tests work from any checkout, as any user, without copying resources into the test bundle.
package let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Tests/Fixtures: result sets, golden outputs, environment trees and the fuzz corpus every test target shares.
package let fixturesDirectory = repoRoot.appendingPathComponent("Tests/Fixtures")

/// A fresh directory under the temporary directory; the caller removes it.
package func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ob-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A golden output of the comparator (Fixtures/compare/golden).
package func golden(_ name: String) throws -> String {
    try String(contentsOfFile: compareFixture("golden/\(name)"), encoding: .utf8)
}

/// The built `overhead-bench` next to the test bundle (SwiftPM builds both into one directory).
package let builtBinary: String? = {
    guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    let path = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("overhead-bench").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()
