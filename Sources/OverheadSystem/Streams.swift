import Foundation
import Glibc

/// Why a stream stopped taking output: the `errno` of the write that failed.
public struct StreamFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// `errno` of the failed `write(2)`.
    public var errno: Int32

    /// The reader went away (`EPIPE`): a pipe into `head`, a closed ssh session. Not an error of
    /// ours — whoever wanted the output stopped wanting it.
    public var readerGone: Bool { errno == EPIPE }

    public var description: String { Errno(rawValue: errno).description }
}

/// stdout or stderr, written with `write(2)` (never `FileHandle.write(_:)`, whose `try!` traps on
/// EPIPE). The first failed write (EPIPE from a closed pipe, ENOSPC from a full disk or /dev/full,
/// EIO from a vanished terminal, EBADF from a closed descriptor) is remembered and every later write
/// is dropped quietly, so progress and tables stop while the work (measuring, writing a result
/// file) goes on. The caller decides afterwards what the failure means for its exit status.
public final class StandardStream: @unchecked Sendable {
    /// File descriptor 1.
    public static let output = StandardStream(descriptor: STDOUT_FILENO)
    /// File descriptor 2.
    public static let error = StandardStream(descriptor: STDERR_FILENO)

    /// The descriptor written to.
    public let descriptor: Int32
    // Progress comes from the engine's threads, tables from the main thread: one lock orders them
    // and guards `failed`.
    private let lock = NSLock()
    private var failed: StreamFailure?

    /// A stream over any descriptor (tests use pipes and /dev/full); it does not own the descriptor.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The first failure, nil while every write has succeeded.
    public var failure: StreamFailure? {
        lock.lock()
        defer { lock.unlock() }
        return failed
    }

    /// Writes all of `text`; false (and nothing more is ever written) once a write has failed.
    @discardableResult
    public func write(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes all of `data`; false once a write has failed.
    @discardableResult
    public func write(_ data: Data) -> Bool {
        data.withUnsafeBytes { write($0) }
    }

    /// Writes all of `bytes`, retrying on EINTR and waiting (poll) on EAGAIN, which a descriptor
    /// another process set non-blocking gives; false once a write has failed.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard failed == nil else { return false }
        var done = 0
        while done < bytes.count {
            let n = retryOnInterrupt { Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done) }
            if n >= 0 {
                done += n
                continue
            }
            let code = Glibc.errno
            if code == EAGAIN || code == EWOULDBLOCK {
                var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiting, 1, 1000)
                continue
            }
            failed = StreamFailure(errno: code)
            return false
        }
        return true
    }

    /// Makes sure descriptors 0, 1 and 2 are open. Started with one closed (`>&-`), the first file
    /// the process opens would get that number and progress or a table would be written into it (a
    /// result file, a perf counter). A closed one gets /dev/null opened read-only in its place, so
    /// that writes to it fail with EBADF and are handled like any other failed stream.
    public static func reserveStandardDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let opened = open("/dev/null", O_RDONLY)
            if opened >= 0 && opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
    }

    /// Forgets a failure (tests reuse the process-wide streams).
    public func reset() {
        lock.lock()
        failed = nil
        lock.unlock()
    }
}
