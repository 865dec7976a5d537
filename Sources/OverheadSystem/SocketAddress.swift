import Foundation
import Glibc

/// A network failure, worded so the user knows what to check.
public struct NetError: Error, Equatable, CustomStringConvertible {
    /// What went wrong and what to check.
    public var description: String

    /// An error with this text.
    public init(_ description: String) {
        self.description = description
    }
}

/// A resolved socket address (IPv4 or IPv6) with its port.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The raw `sockaddr_in`/`sockaddr_in6` bytes.
    let storage: [UInt8]
    /// AF_INET or AF_INET6.
    public let family: Int32

    /// Parses `HOST:PORT`, `[V6]:PORT` or `HOST` (with `defaultPort`) and resolves HOST with
    /// `getaddrinfo` (numeric addresses and names; the first answer wins).
    public static func parse(_ text: String, defaultPort: UInt16? = nil) throws(NetError) -> SocketAddress {
        var host = text
        var port: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw NetError("\(text): missing ']' after an IPv6 address") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { port = String(rest.dropFirst()) } else if !rest.isEmpty { throw NetError("\(text): expected ':PORT' after ']'") }
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            host = String(text[..<colon])
            port = String(text[text.index(after: colon)...])
        }
        let portNumber: UInt16
        if let port {
            guard let p = UInt16(port) else { throw NetError("\(text): the port must be a number from 0 to 65535") }
            portNumber = p
        } else if let defaultPort {
            portNumber = defaultPort
        } else {
            throw NetError("\(text): expected HOST:PORT, e.g. 127.0.0.1:47470")
        }
        guard !host.isEmpty else { throw NetError("\(text): the host is empty; e.g. 127.0.0.1:\(portNumber)") }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(portNumber), &hints, &result)
        guard rc == 0, let first = result else {
            throw NetError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(result) }
        let bytes = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        return SocketAddress(storage: bytes, family: first.pointee.ai_family)
    }

    init(storage: [UInt8], family: Int32) {
        self.storage = storage
        self.family = family
    }

    /// The port number.
    public var port: UInt16 {
        // sin_port and sin6_port sit at the same offset (2), in network byte order.
        UInt16(storage[2]) << 8 | UInt16(storage[3])
    }

    /// The same address with another port.
    public func with(port: UInt16) -> SocketAddress {
        var s = storage
        s[2] = UInt8(port >> 8)
        s[3] = UInt8(port & 0xff)
        return SocketAddress(storage: s, family: family)
    }

    /// The numeric host (`inet_ntop`).
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let offset = family == AF_INET ? 4 : 8  // sin_addr / sin6_addr
        storage.withUnsafeBytes { raw in
            _ = inet_ntop(family, raw.baseAddress! + offset, &buffer, socklen_t(buffer.count))
        }
        return decodeCString(buffer)
    }

    /// `HOST:PORT`, IPv6 in brackets.
    public var description: String { family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the address is a loopback address (127.0.0.0/8 or ::1).
    public var isLoopback: Bool {
        if family == AF_INET { return storage[4] == 127 }
        return Array(storage[8..<24]) == Array(repeating: 0, count: 15) + [1]
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        storage.withUnsafeBytes { raw in body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count)) }
    }
}
