import Foundation
import Glibc

/// Why a file could not be written.
public enum FileWriteError: Error, Equatable, CustomStringConvertible {
    case exists(path: String)
    case directoryMissing(path: String)
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .exists(let path):
            return "\(path) already exists; pass --force to overwrite it, or choose another --output"
        case .directoryMissing(let path):
            return "cannot write \(path): its directory does not exist"
        case .failed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

/// Writes files atomically: the bytes go to a temporary file in the same directory, are flushed,
/// and then appear under the final name in one step — `link(2)` when overwriting is not allowed
/// (fails with EEXIST, so an existing file is never replaced, even by a racing writer), `rename(2)`
/// when it is. A reader never sees a half-written file.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, overwrite: Bool) throws(FileWriteError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw .directoryMissing(path: path)
        }
        if !overwrite && FileManager.default.fileExists(atPath: path) { throw .exists(path: path) }
        var template = Array("\(directory)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .failed(path: path, reason: errnoText()) }
        let tempPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var keepTemp = false
        defer {
            if !keepTemp { unlink(tempPath) }
        }
        var written = 0
        let ok: Bool = data.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return true
        }
        guard ok else {
            let reason = errnoText()
            close(fd)
            throw .failed(path: path, reason: reason)
        }
        // Readable by others like a file written with the default umask (mkstemp makes it 0600).
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        guard fsync(fd) == 0 else {
            let reason = errnoText()
            close(fd)
            throw .failed(path: path, reason: reason)
        }
        close(fd)
        if overwrite {
            guard rename(tempPath, path) == 0 else { throw .failed(path: path, reason: errnoText()) }
            keepTemp = true
        } else {
            if link(tempPath, path) != 0 {
                if errno == EEXIST { throw .exists(path: path) }
                throw .failed(path: path, reason: errnoText())
            }
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
