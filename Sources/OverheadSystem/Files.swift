import Foundation
import Glibc

/// Why a file could not be written.
public enum FileWriteError: Error, Equatable, CustomStringConvertible {
    case exists(path: String)
    case directoryMissing(path: String)
    case failed(path: String, reason: String)
    /// The path names something other than a regular file (device, FIFO, socket, directory,
    /// symbolic link); `kind` says what.
    case notRegular(path: String, kind: String)
    /// The file name is longer than the file system allows (`NAME_MAX`, in bytes).
    case nameTooLong(path: String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .notRegular(let path, let kind):
            return "\(path) is \(kind), not a regular file; overhead-bench writes only regular files and never replaces anything else, even with --force; choose a file path (or - for stdout)"
        case .nameTooLong(let path, let bytes, let limit):
            return "cannot write \(path): its file name is \(bytes) bytes, longer than the \(limit) this file system allows; choose a shorter name"
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
/// Only regular files are written: a device, FIFO, socket, directory or symbolic link at the path is
/// refused even when overwriting (`rename` would put a regular file in place of /dev/null).
public enum AtomicFile {
    /// Checks that `path` can receive a file before any work is done: its directory exists, its
    /// name fits the file system, and nothing but a regular file (and that only with `overwrite`)
    /// is there.
    public static func checkDestination(_ path: String, overwrite: Bool) throws(FileWriteError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw .directoryMissing(path: path)
        }
        let nameBytes = url.lastPathComponent.utf8.count
        let limit = maximumNameBytes(inDirectory: directory)
        if nameBytes > limit { throw .nameTooLong(path: path, bytes: nameBytes, limit: limit) }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .failed(path: path, reason: errnoText())
        }
        if let kind = nonRegularKind(info.st_mode) { throw .notRegular(path: path, kind: kind) }
        if !overwrite { throw .exists(path: path) }
    }

    /// The longest file name, in bytes, the file system of `directory` takes (`pathconf`
    /// `_PC_NAME_MAX`; 255 on ext4, xfs, btrfs and tmpfs).
    public static func maximumNameBytes(inDirectory directory: String) -> Int {
        let limit = pathconf(directory.isEmpty ? "." : directory, Int32(_PC_NAME_MAX))
        return limit > 0 ? limit : 255
    }

    /// What a mode that is not a regular file describes, for the refusal; nil for a regular file.
    private static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    public static func write(_ data: Data, to path: String, overwrite: Bool) throws(FileWriteError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        try checkDestination(path, overwrite: overwrite)
        // The temporary name does not grow with the final one, so any name the file system takes
        // works; test-interrupt looks for leftovers by the `.*.tmp-*` pattern.
        var template = Array("\(directory)/.overhead-bench.tmp-XXXXXX".utf8CString)
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
                let n = retryOnInterrupt { Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
                if n < 0 { return false }
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
            // Checked again just before the replacement: something may have appeared meanwhile.
            var info = stat()
            if lstat(path, &info) == 0, let kind = nonRegularKind(info.st_mode) { throw .notRegular(path: path, kind: kind) }
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
