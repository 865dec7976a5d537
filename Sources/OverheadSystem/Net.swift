import COverhead
import Foundation
import Glibc
import Synchronization

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

/// What a client asks the server for in its 8-byte header.
public enum PeerMode: UInt8, Sendable {
    /// Read messages of the header's size and send each back.
    case echo = 0x45  // "E"
    /// Read and discard until the client closes.
    case sink = 0x53  // "S"
}

/// The wire protocol between `run` and `serve`: a client opens a TCP connection and sends
/// "OB", a mode byte, a zero byte and the message size (UInt32, big endian); the server checks it
/// and answers one byte "K". UDP needs no header: every datagram is echoed to its sender.
public enum PeerProtocol {
    /// Largest message a client may ask for (bounded so a bad client cannot make the server hoard memory).
    public static let maxMessageBytes = 65_536
    /// The fixed port `serve` listens on by default.
    public static let defaultPort: UInt16 = 47_470
    static let ack: UInt8 = 0x4B

    /// The header for `mode` and `size`.
    public static func header(mode: PeerMode, size: Int) -> [UInt8] {
        let s = UInt32(truncatingIfNeeded: size)
        return [0x4F, 0x42, mode.rawValue, 0, UInt8(s >> 24), UInt8((s >> 16) & 0xff), UInt8((s >> 8) & 0xff), UInt8(s & 0xff)]
    }

    /// Decodes a header: nil when it is not ours or the size is out of bounds.
    public static func parseHeader(_ bytes: [UInt8]) -> (mode: PeerMode, size: Int)? {
        guard bytes.count == 8, bytes[0] == 0x4F, bytes[1] == 0x42, bytes[3] == 0, let mode = PeerMode(rawValue: bytes[2]) else { return nil }
        let size = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        guard size >= 1, size <= maxMessageBytes else { return nil }
        return (mode, size)
    }
}

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

/// Limits that keep `serve` safe to leave running.
public struct ServerLimits: Sendable, Equatable {
    /// Connections served at once; more are accepted and closed at once.
    public var maxClients: Int
    /// A connection idle this long (no header, no message) is closed.
    public var idleTimeoutSeconds: Double

    /// Defaults: 64 clients, 30 s idle.
    public init(maxClients: Int = 64, idleTimeoutSeconds: Double = 30) {
        self.maxClients = maxClients
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }
}

/// The peer for network benchmarks: TCP echo of fixed-size messages and a TCP sink on one port
/// (the client's header chooses), UDP echo on the same port. One thread per connection; every
/// blocking call wakes at least every 100 ms to notice `stop()`.
public final class EchoServer: Sendable {
    /// The address it listens on (the real port when 0 was asked for).
    public let address: SocketAddress
    /// Its limits.
    public let limits: ServerLimits
    private let tcp: OwnedDescriptor
    private let udp: OwnedDescriptor
    private let stopping = Atomic<Bool>(false)
    private let threads = Atomic<Int>(0)
    private let clients = Atomic<Int>(0)
    private let served = Atomic<Int>(0)
    private let started = Atomic<Bool>(false)
    // Wake-up period of blocking calls: how fast stop() is noticed.
    private static let tick = 0.1

    /// Binds TCP and UDP to `listen` (port 0: a free port, the same for both) and listens.
    public init(listen: SocketAddress, limits: ServerLimits = ServerLimits()) throws(NetError) {
        self.limits = limits
        var lastError = "no attempt"
        for _ in 0..<20 {
            switch try Self.bindPair(listen) {
            case .success(let pair):
                (tcp, udp, address) = pair
                Sockets.setTimeouts(udp.raw, seconds: Self.tick)
                return
            case .failure(let e):
                lastError = e.description
            }
        }
        throw NetError("no port with both TCP and UDP free on \(listen.host): \(lastError)")
    }

    /// One attempt: a hard error throws; a taken UDP twin of an ephemeral port is a retryable failure.
    private static func bindPair(_ listen: SocketAddress) throws(NetError) -> Result<(OwnedDescriptor, OwnedDescriptor, SocketAddress), NetError> {
        let t: OwnedDescriptor
        let u: OwnedDescriptor
        do {
            t = try Sockets.make(family: listen.family, type: Int32(SOCK_STREAM.rawValue))
            u = try Sockets.make(family: listen.family, type: Int32(SOCK_DGRAM.rawValue))
        } catch {
            throw NetError("\(error)")
        }
        Sockets.setOption(t.raw, SOL_SOCKET, SO_REUSEADDR, 1)
        guard listen.withSockaddr({ bind(t.raw, $0, $1) }) == 0 else {
            throw NetError("cannot listen on TCP \(listen): \(String(cString: strerror(errno)))")
        }
        guard Glibc.listen(t.raw, 128) == 0 else { throw NetError("listen on \(listen): \(String(cString: strerror(errno)))") }
        guard let bound = Sockets.localAddress(t.raw) else { throw NetError("getsockname failed: \(String(cString: strerror(errno)))") }
        if bound.withSockaddr({ bind(u.raw, $0, $1) }) != 0 {
            let why = NetError("cannot listen on UDP \(bound): \(String(cString: strerror(errno)))")
            if listen.port == 0 { return .failure(why) }
            throw why
        }
        return .success((t, u, bound))
    }

    /// CPUs every server thread pins itself to (nil: not pinned), set by `start(pinnedTo:)`.
    private let pinned = Mutex<[Int]?>(nil)

    /// Starts the accept thread and the UDP echo thread (once). With `pinnedTo`, every thread of the
    /// server (accept, UDP, one per connection) pins itself to those CPUs first: the loopback peer's
    /// placement moves round trips by ~40% and stream rates by ~60% (netperf on a 2-vCPU guest).
    public func start(pinnedTo cpus: [Int]? = nil) {
        pinned.withLock { $0 = cpus }
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        spawn { [self] in acceptLoop() }
        spawn { [self] in udpLoop() }
    }

    /// Stops accepting, ends every connection and waits (up to 2 s) for the threads to finish.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        let deadline = Date().addingTimeInterval(2)
        while threads.load(ordering: .acquiring) > 0 && Date() < deadline { usleep(10_000) }
    }

    /// Whether every thread has finished.
    public var isStopped: Bool { stopping.load(ordering: .acquiring) && threads.load(ordering: .acquiring) == 0 }

    /// TCP connections accepted and served so far.
    public var connectionsServed: Int { served.load(ordering: .acquiring) }

    deinit { stopping.store(true, ordering: .releasing) }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        threads.add(1, ordering: .acquiringAndReleasing)
        let cpus = pinned.withLock { $0 }
        let thread = Thread { [self] in
            if let cpus { try? Affinity.set(cpus) }
            body()
            threads.subtract(1, ordering: .acquiringAndReleasing)
        }
        thread.stackSize = 512 << 10
        thread.start()
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func acceptLoop() {
        while !isStopping {
            var p = pollfd(fd: tcp.raw, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(Self.tick * 1000)) == 1 else { continue }
            let fd = accept(tcp.raw, nil, nil)
            guard fd >= 0 else { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let connection = OwnedDescriptor(raw: fd)
            if clients.load(ordering: .acquiring) >= limits.maxClients { continue }  // closed by deinit
            clients.add(1, ordering: .acquiringAndReleasing)
            served.add(1, ordering: .acquiringAndReleasing)
            spawn { [self] in
                serve(connection)
                clients.subtract(1, ordering: .acquiringAndReleasing)
            }
        }
    }

    /// Receives exactly `count` bytes, waking every tick to check for stop and idleness.
    private func receive(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Bool {
        var got = 0
        var idle = 0.0
        while got < count {
            if isStopping { return false }
            let n = recv(fd, base + got, count - got, 0)
            if n > 0 {
                got += n
                idle = 0
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                idle += Self.tick
                if idle >= limits.idleTimeoutSeconds { return false }
            } else {
                return false
            }
        }
        return true
    }

    private func serve(_ connection: OwnedDescriptor) {
        let fd = connection.raw
        Sockets.setTimeouts(fd, seconds: Self.tick)
        Sockets.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        var header = [UInt8](repeating: 0, count: 8)
        guard header.withUnsafeMutableBytes({ receive(fd, $0.baseAddress!, 8) }),
              let (mode, size) = PeerProtocol.parseHeader(header) else { return }
        var ack = PeerProtocol.ack
        guard Sockets.sendAll(fd, &ack, 1) else { return }
        switch mode {
        case .echo:
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            defer { buffer.deallocate() }
            while receive(fd, buffer, size) {
                guard Sockets.sendAll(fd, buffer, size) else { return }
            }
        case .sink:
            let bytes = 256 << 10
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            defer { buffer.deallocate() }
            var idle = 0.0
            while !isStopping {
                let n = recv(fd, buffer, bytes, 0)
                if n > 0 {
                    idle = 0
                } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    idle += Self.tick
                    if idle >= limits.idleTimeoutSeconds { return }
                } else {
                    return
                }
            }
        }
    }

    private func udpLoop() {
        let bytes = PeerProtocol.maxMessageBytes
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { buffer.deallocate() }
        var from = sockaddr_storage()
        while !isStopping {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(udp.raw, buffer, bytes, 0, $0, &length) }
            }
            guard n > 0 else { continue }
            _ = withUnsafePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(udp.raw, buffer, n, Int32(MSG_NOSIGNAL), $0, length) }
            }
        }
    }
}

/// A client connection to an `EchoServer` (TCP echo or sink, or UDP echo) with fixed-size
/// messages. Every send and receive has a deadline, so a peer that stops answering yields an
/// error, never a hang.
public final class PeerClient: @unchecked Sendable {
    // Used by one thread at a time (the measuring thread); the buffers are private. Hence @unchecked.
    private let socket: OwnedDescriptor
    private let buffer: UnsafeMutableRawPointer
    /// Bytes per message (echo) or per send (sink).
    public let messageBytes: Int
    /// The peer.
    public let peer: SocketAddress
    /// TCP or UDP.
    public let udp: Bool
    /// The first failure, nil while all went well.
    public private(set) var failure: String?
    private let timeoutSeconds: Double

    /// An unconnected socket for `peer` (TCP or UDP) and a message buffer of `messageBytes`, which
    /// must lie in 1…`PeerProtocol.maxMessageBytes` unless `uncapped` (the TCP sink's send size).
    private init(peer: SocketAddress, udp: Bool, messageBytes: Int, uncapped: Bool, timeoutSeconds: Double) throws(NetError) {
        guard messageBytes >= 1, uncapped || messageBytes <= PeerProtocol.maxMessageBytes else {
            throw NetError("message size \(messageBytes) is outside 1…\(PeerProtocol.maxMessageBytes)")
        }
        self.peer = peer
        self.messageBytes = messageBytes
        self.udp = udp
        self.timeoutSeconds = timeoutSeconds
        do {
            socket = try Sockets.make(family: peer.family, type: Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue))
        } catch {
            throw NetError("\(error)")
        }
        buffer = UnsafeMutableRawPointer.allocate(byteCount: messageBytes, alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5A, count: messageBytes)
    }

    /// Connects over TCP and sends the header for `mode` (`messageBytes` per message; for the
    /// sink, bytes per send, capped at `PeerProtocol.maxMessageBytes` only for echo).
    public convenience init(tcp peer: SocketAddress, mode: PeerMode, messageBytes: Int, timeoutSeconds: Double) throws(NetError) {
        try self.init(peer: peer, udp: false, messageBytes: messageBytes, uncapped: mode == .sink, timeoutSeconds: timeoutSeconds)
        try Sockets.connect(socket.raw, to: peer, timeoutSeconds: timeoutSeconds)
        Sockets.setTimeouts(socket.raw, seconds: timeoutSeconds)
        Sockets.setOption(socket.raw, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let header = PeerProtocol.header(mode: mode, size: mode == .sink ? 1 : messageBytes)
        var ack: UInt8 = 0
        let ok = header.withUnsafeBytes { Sockets.sendAll(socket.raw, $0.baseAddress!, 8) }
        let rc = ok ? Sockets.receiveExactly(socket.raw, &ack, 1) : errno
        guard ok, rc == 0, ack == PeerProtocol.ack else {
            let why = rc == EAGAIN ? "no answer within \(formatSeconds(timeoutSeconds))" : rc != 0 ? String(cString: strerror(rc)) : "unexpected reply"
            throw NetError("\(peer) did not complete the overhead-bench handshake (\(why)): is `overhead-bench serve` running there?")
        }
    }

    /// A connected UDP socket to `peer` for echo round trips of `messageBytes`.
    public convenience init(udp peer: SocketAddress, messageBytes: Int, timeoutSeconds: Double) throws(NetError) {
        try self.init(peer: peer, udp: true, messageBytes: messageBytes, uncapped: false, timeoutSeconds: timeoutSeconds)
        guard peer.withSockaddr({ Glibc.connect(socket.raw, $0, $1) }) == 0 else {
            throw NetError("UDP connect to \(peer) failed: \(String(cString: strerror(errno)))")
        }
        Sockets.setTimeouts(socket.raw, seconds: timeoutSeconds)
    }

    deinit { buffer.deallocate() }

    /// One round trip: send a message, wait for the echo. False (and `failure` set) on error or
    /// when no answer comes within the timeout; after a failure it returns false at once.
    @inline(__always) public func roundTrip() -> Bool {
        guard failure == nil else { return false }
        if udp {
            let sent = send(socket.raw, buffer, messageBytes, Int32(MSG_NOSIGNAL))
            guard sent == messageBytes else { return fail(errno) }
            let n = retryOnInterrupt { recv(socket.raw, buffer, messageBytes, 0) }
            if n == messageBytes { return true }
            return fail(n < 0 ? errno : EMSGSIZE)
        }
        guard Sockets.sendAll(socket.raw, buffer, messageBytes) else { return fail(errno) }
        let rc = Sockets.receiveExactly(socket.raw, buffer, messageBytes)
        return rc == 0 ? true : fail(rc)
    }

    /// One send of `messageBytes` to the sink; false (and `failure` set) on error or timeout.
    @inline(__always) public func push() -> Bool {
        guard failure == nil else { return false }
        return Sockets.sendAll(socket.raw, buffer, messageBytes) ? true : fail(errno)
    }

    /// Waits until the peer's TCP has acknowledged every byte sent (`SIOCOUTQ` reaches 0, polled
    /// with a 20 µs sleep), so a batch counts bytes the peer received, not bytes `send()` accepted
    /// into the local socket buffer. Fails after the timeout.
    public func drain() -> Bool {
        guard failure == nil else { return false }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let q = cob_sock_outq(socket.raw)
            if q == 0 { return true }
            if q < 0 { return fail(-q) }
            if Date() > deadline { return fail(EAGAIN) }
            usleep(20)
        }
    }

    private func fail(_ code: Int32) -> Bool {
        let what = udp ? "UDP" : "TCP"
        if code == EAGAIN || code == EWOULDBLOCK {
            failure = "\(what) peer \(peer) stopped answering (no reply within \(formatSeconds(timeoutSeconds)))"
        } else if code == ECONNRESET || code == EPIPE {
            failure = "\(what) peer \(peer) closed the connection"
        } else {
            failure = "\(what) exchange with \(peer) failed: \(String(cString: strerror(code)))"
        }
        return false
    }
}

/// Which local interface reaches a peer, and its driver.
public enum NetworkRoute {
    /// The interface the kernel would use toward `peer`: connect a UDP socket (sends nothing),
    /// read its local address, find the interface holding it (`getifaddrs`).
    public static func interface(toward peer: SocketAddress) -> String? {
        guard let s = try? Sockets.make(family: peer.family, type: Int32(SOCK_DGRAM.rawValue)),
              peer.withSockaddr({ Glibc.connect(s.raw, $0, $1) }) == 0,
              let local = Sockets.localAddress(s.raw) else { return nil }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        let offset = local.family == AF_INET ? 4 : 8
        let length = local.family == AF_INET ? 4 : 16
        let want = Array(local.storage[offset..<(offset + length)])
        var node = list
        while let n = node {
            defer { node = n.pointee.ifa_next }
            guard let addr = n.pointee.ifa_addr, Int32(addr.pointee.sa_family) == local.family else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(addr) + offset, count: length))
            if bytes == want { return String(cString: n.pointee.ifa_name) }
        }
        return nil
    }

    /// The driver of interface `name`: ethtool's GDRVINFO (`cob_net_driver`: virtio_net, veth,
    /// iavf, mlx5_core, ...), else the /sys/class/net/NAME/device/driver link; nil for none (lo).
    public static func driver(of name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        if cob_net_driver(name, &buffer, Int32(buffer.count)) == 0 {
            let text = decodeCString(buffer)
            if !text.isEmpty { return text }
        }
        let link = "/sys/class/net/\(name)/device/driver"
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: link)).map { URL(fileURLWithPath: $0).lastPathComponent }
    }
}
