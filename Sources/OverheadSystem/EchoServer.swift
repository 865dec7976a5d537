import Foundation
import Glibc
import Synchronization

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
