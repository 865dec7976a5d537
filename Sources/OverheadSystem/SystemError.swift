/// An errno from a failed system call, with the call's name: the system layer's error for calls
/// that fail with nothing more to say than their `errno`.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// What was called (the C function, often with its argument).
    public var call: String
    /// The `errno` it failed with.
    public var errno: Int32

    /// The failure of `call` with `errno`.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// The failure of `call` with `code`.
    public init(call: String, _ code: Errno) {
        self.init(call: call, errno: code.rawValue)
    }

    /// The `errno` as a typed value.
    public var code: Errno { Errno(rawValue: errno) }

    public var description: String {
        "\(call) failed: \(code) (errno \(errno))"
    }
}
