import Foundation
import Glibc

/// Socket helpers shared by server and clients.
enum Sockets {
    static func make(family: Int32, type: Int32) throws(SystemError) -> OwnedDescriptor {
        let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", errno: errno) }
        return OwnedDescriptor(raw: fd)
    }

    static func setTimeouts(_ fd: Int32, seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The bound address of `fd` (`getsockname`).
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        let bytes = withUnsafeBytes(of: &storage) { Array($0.prefix(Int(length))) }
        return SocketAddress(storage: bytes, family: Int32(storage.ss_family))
    }

    /// Sends all `count` bytes; false on error or timeout.
    static func sendAll(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Bool {
        var sent = 0
        while sent < count {
            let n = retryOnInterrupt { send(fd, base + sent, count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// Receives exactly `count` bytes; 0 when done, else the errno (EAGAIN: timeout; ECONNRESET
    /// for an orderly close before the end).
    static func receiveExactly(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int32 {
        var got = 0
        while got < count {
            let n = retryOnInterrupt { recv(fd, base + got, count - got, 0) }
            if n == 0 { return ECONNRESET }
            if n < 0 { return errno }
            got += n
        }
        return 0
    }

    /// Connects with a deadline: non-blocking `connect`, `poll` for writability, SO_ERROR.
    static func connect(_ fd: Int32, to address: SocketAddress, timeoutSeconds: Double) throws(NetError) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw NetError("connect to \(address) failed: \(String(cString: strerror(errno)))") }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&p, 1, Int32(timeoutSeconds * 1000))
            guard ready == 1 else { throw NetError("connect to \(address) timed out after \(formatSeconds(timeoutSeconds)): is the peer reachable and `overhead-bench serve` running?") }
            var soError: Int32 = 0
            var length = socklen_t(4)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else {
                throw NetError("connect to \(address) failed: \(String(cString: strerror(soError))); is `overhead-bench serve` running there?")
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
    }
}

/// The text of a NUL-terminated C buffer.
func decodeCString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func formatSeconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s) }
