import Glibc

/// An error number from a failed system call (`errno`), as swift-system's `Errno`: a typed wrapper
/// over the `CInt`, whose description is the C library's text for it (`strerror(3)`).
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: CInt

    /// The error with this `errno` value.
    public init(rawValue: CInt) {
        self.rawValue = rawValue
    }

    /// The calling thread's `errno` now (read right after the failing call).
    public static var current: Errno { Errno(rawValue: Glibc.errno) }

    /// EINTR: a signal arrived during the call.
    public static let interrupted = Errno(rawValue: EINTR)
    /// EAGAIN (EWOULDBLOCK on Linux): nothing ready on a non-blocking descriptor, or a timeout.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// EPIPE: the reader of a pipe or socket went away.
    public static let brokenPipe = Errno(rawValue: EPIPE)

    /// `strerror(3)` of the value.
    public var description: String { String(cString: strerror(rawValue)) }
}

/// Calls `body` (a system call returning −1 and setting `errno` on failure) again while it fails
/// with EINTR, and returns its last result; `errno` is left as that call set it. The one EINTR loop
/// of the system layer (swift-system's `retryOnInterrupt`). A plain forwarding closure: the compiler
/// inlines it, so kernels that call it per operation pay nothing extra.
@inline(__always)
func retryOnInterrupt<T: FixedWidthInteger>(_ body: () -> T) -> T {
    while true {
        let result = body()
        if result < 0 && Glibc.errno == EINTR { continue }
        return result
    }
}

/// `body`'s result, or the `errno` it failed with (−1 return), retried on EINTR (swift-system's
/// `valueOrErrno`).
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(_ body: () -> T) -> Result<T, Errno> {
    let result = retryOnInterrupt(body)
    return result < 0 ? .failure(.current) : .success(result)
}
