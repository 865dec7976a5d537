import COverhead
import Foundation
import Glibc

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
