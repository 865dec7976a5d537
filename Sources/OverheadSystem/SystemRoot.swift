import Foundation
import Glibc

/// Reads `/proc` and `/sys` (and anything else) below a root directory, so the environment
/// fingerprint can be tested on fixture trees. `SystemRoot.live` is `/`.
public struct SystemRoot: Sendable {
    /// The directory that stands for `/`.
    public let path: String

    /// The running system.
    public static let live = SystemRoot(path: "/")

    public init(path: String) {
        self.path = path
    }

    /// Absolute path of `relative` (written as an absolute path like `/proc/cpuinfo`) under the root.
    public func resolve(_ absolute: String) -> String {
        if path == "/" { return absolute }
        return (path as NSString).appendingPathComponent(absolute)
    }

    /// The whole text of a file, nil when it does not exist or cannot be read. Reads until EOF
    /// with read(2): procfs files report st_size 0 and arrive in page-sized pieces, which
    /// Foundation's readers cut off after the first.
    public func read(_ absolute: String) -> String? {
        let fd = open(resolve(absolute), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            guard case .success(let n) = valueOrErrno({ chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } })
            else { return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first line of a file, trimmed (sysfs attributes are one line).
    public func attribute(_ absolute: String) -> String? {
        guard let text = read(absolute) else { return nil }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Names in a directory, sorted; empty when it does not exist.
    public func list(_ absolute: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: resolve(absolute))) ?? []).sorted()
    }

    /// Whether a file, directory or link exists (a dangling link counts).
    public func exists(_ absolute: String) -> Bool {
        var st = stat()
        return lstat(resolve(absolute), &st) == 0
    }

    /// The target of a symbolic link as written (sysfs links are relative), nil if not a link.
    public func linkTarget(_ absolute: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: resolve(absolute))
    }

    /// The last path component of a link's target: `driver` → `virtio_net`.
    public func linkName(_ absolute: String) -> String? {
        linkTarget(absolute).map { ($0 as NSString).lastPathComponent }
    }
}

/// Parses a kernel CPU list such as `0-3,8,10-11` into CPU ids.
public func parseCPUList(_ text: String) -> [Int] {
    var cpus: [Int] = []
    for part in text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
        let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if bounds.count == 1, let a = bounds[0] {
            cpus.append(a)
        } else if bounds.count == 2, let a = bounds[0], let b = bounds[1], a <= b {
            cpus.append(contentsOf: a...b)
        }
    }
    return cpus
}
