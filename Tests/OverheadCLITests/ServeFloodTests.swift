import Foundation
import Glibc
import OverheadModel
import OverheadTestSupport
import Testing
@testable import OverheadCLI
@testable import OverheadSystem

/// A `serve` subprocess on 127.0.0.1 with a free port; stopped with SIGTERM (then SIGKILL) on deinit.
final class ServeProcess {
    let process = Process()
    let errors = Pipe()
    private(set) var address: SocketAddress?

    init(binary: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The first line on stderr names the bound address: "serving ... on 127.0.0.1:PORT; ...".
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !text.contains("\n") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        if let range = text.range(of: #"127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
            address = try SocketAddress.parse(String(text[range]))
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// Threads of the process (/proc/PID/task entries).
    var threads: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1 }
    /// Open descriptors of the process (/proc/PID/fd entries).
    var descriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }

    /// SIGTERM, then waits up to 5 s; the exit status, or nil when it had to be killed.
    func terminate() -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?.split(separator: "\n").filter { $0.hasPrefix("State") || $0.hasPrefix("Sig") }
            print("serve did not stop: \(state ?? [])")
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit { _ = terminate() }
}

/// A raw TCP connection to the server (no handshake): non-blocking connect with a deadline.
func rawConnect(_ address: SocketAddress, timeoutSeconds: Double = 2) -> OwnedDescriptor? {
    guard let s = try? Sockets.make(family: address.family, type: Int32(SOCK_STREAM.rawValue)) else { return nil }
    guard (try? Sockets.connect(s.raw, to: address, timeoutSeconds: timeoutSeconds)) != nil else { return nil }
    Sockets.setTimeouts(s.raw, seconds: timeoutSeconds)
    return s
}

/// Whether the server closed `fd` (recv returns 0 or a reset) within the socket's timeout.
func closedByPeer(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    while true {
        let n = recv(fd, &byte, 1, 0)
        if n < 0 && errno == EINTR { continue }
        if n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)) { return true }
        if n > 0 { continue }  // an ack or echo before the close
        return false
    }
}

/// Floods a `serve` subprocess (loopback only, bounded in count and time) and checks that it still
/// answers and that its threads and descriptors stayed bounded by --max-clients.
@Suite(.serialized, .enabled(if: builtBinary != nil, "needs the built overhead-bench binary"))
struct ServeFloodTests {
    static let maxClients = 8

    @Test(.timeLimit(.minutes(1))) func floodedServerStaysUpBoundedAndAnswers() throws {
        let server = try ServeProcess(binary: try #require(builtBinary), arguments: ["--max-clients", "\(Self.maxClients)", "--idle-timeout", "1"])
        let address = try #require(server.address, "serve did not report its address")
        let baseThreads = server.threads
        let baseDescriptors = server.descriptors
        #expect(baseThreads > 0 && baseDescriptors > 0)
        var peakThreads = baseThreads
        var peakDescriptors = baseDescriptors
        func sample() {
            peakThreads = max(peakThreads, server.threads)
            peakDescriptors = max(peakDescriptors, server.descriptors)
        }

        // 1. Half-open connections that never send: they take every client slot until the idle timeout.
        let silent = (0..<Self.maxClients).compactMap { _ in rawConnect(address) }
        #expect(silent.count == Self.maxClients)
        usleep(300_000)
        sample()

        // 2. 200 connections at once beyond --max-clients: each is accepted and closed at once.
        let flood = (0..<200).compactMap { _ in rawConnect(address) }
        sample()
        #expect(flood.count >= 150, "most of 200 connects complete (backlog 128)")
        let closedCount = flood.filter { closedByPeer($0.raw) }.count
        #expect(closedCount == flood.count, "over the limit: \(closedCount) of \(flood.count) closed by the server")
        sample()

        // 3. The idle timeout frees the slots.
        for s in silent { #expect(closedByPeer(s.raw), "a silent connection is closed after --idle-timeout") }
        usleep(300_000)

        // 4. Bad headers: bad magic, unknown mode, size 0, size over the limit, garbage, a short header.
        let oversize = PeerProtocol.maxMessageBytes + 1
        let headers: [[UInt8]] = [
            [0x47, 0x45, 0x54, 0x20, 0x2F, 0x20, 0x48, 0x54],  // "GET / HT"
            [0x4F, 0x42, 0x58, 0, 0, 0, 0, 1],
            PeerProtocol.header(mode: .echo, size: 0),
            PeerProtocol.header(mode: .echo, size: oversize),
            [0x4F, 0x42, 0x45, 0, 0xFF, 0xFF, 0xFF, 0xFF],
            [0x4F, 0x42, 0x45, 1, 0, 0, 0, 8],
        ]
        for header in headers {
            let s = try #require(rawConnect(address))
            _ = header.withUnsafeBytes { Sockets.sendAll(s.raw, $0.baseAddress!, $0.count) }
            #expect(closedByPeer(s.raw), "header \(header) is refused with a close")
        }
        do {
            // 1 MiB of noise: refused on its first 8 bytes; the rest never buffers up in the server.
            let s = try #require(rawConnect(address))
            var noise = [UInt8](repeating: 0, count: 1 << 20)
            var rng = SplitMix64(seed: 9)
            for i in noise.indices { noise[i] = UInt8(truncatingIfNeeded: rng.next()) }
            _ = noise.withUnsafeBytes { Sockets.sendAll(s.raw, $0.baseAddress!, $0.count) }
            #expect(closedByPeer(s.raw))
        }
        sample()

        // 5. An echo client that sends a message bigger than it announced, and one that never reads.
        do {
            let client = try #require(rawConnect(address))
            let header = PeerProtocol.header(mode: .echo, size: 16)
            _ = header.withUnsafeBytes { Sockets.sendAll(client.raw, $0.baseAddress!, 8) }
            let big = [UInt8](repeating: 1, count: 8 << 20)
            // Never reading the echoes: the server's sends time out and it drops the client.
            _ = big.withUnsafeBytes { Sockets.sendAll(client.raw, $0.baseAddress!, $0.count) }
            sample()
        }

        // 6. A UDP burst: many datagrams, some of the largest size, none read back.
        do {
            let udp = try Sockets.make(family: address.family, type: Int32(SOCK_DGRAM.rawValue))
            #expect(address.withSockaddr { Glibc.connect(udp.raw, $0, $1) } == 0)
            let payload = [UInt8](repeating: 0x55, count: 65_507)
            for i in 0..<2_000 {
                _ = payload.withUnsafeBytes { send(udp.raw, $0.baseAddress!, i % 10 == 0 ? 65_507 : 1_024, Int32(MSG_DONTWAIT)) }
            }
            sample()
        }

        // 7. It still answers a normal round trip (TCP echo, UDP echo, sink) once the flood is over.
        usleep(1_500_000)
        let echo = try PeerClient(tcp: address, mode: .echo, messageBytes: 1024, timeoutSeconds: 3)
        for _ in 0..<20 { #expect(echo.roundTrip()) }
        let udp = try PeerClient(udp: address, messageBytes: 512, timeoutSeconds: 3)
        var udpOK = false
        for _ in 0..<5 where !udpOK { udpOK = udp.roundTrip() || udpOK }
        #expect(udpOK, "UDP echo answers after the burst: \(udp.failure ?? "")")
        let sink = try PeerClient(tcp: address, mode: .sink, messageBytes: 64 << 10, timeoutSeconds: 3)
        for _ in 0..<16 { #expect(sink.push()) }
        sample()

        // Bounded: one thread and one descriptor per served client, a few spare.
        #expect(peakThreads <= baseThreads + Self.maxClients + 2, "threads: base \(baseThreads), peak \(peakThreads)")
        #expect(peakDescriptors <= baseDescriptors + Self.maxClients + 4, "fds: base \(baseDescriptors), peak \(peakDescriptors)")
        #expect(server.terminate() == 0, "SIGTERM stops it cleanly")
    }

    @Test func nonLoopbackBindingIsWarnedAbout() throws {
        let warn = OverheadBench.Serve.exposureWarning
        #expect(warn(try SocketAddress.parse("127.0.0.1:1")) == nil)
        #expect(warn(try SocketAddress.parse("[::1]:1")) == nil)
        for text in ["0.0.0.0:1", "[::]:1", "10.203.0.1:1"] {
            let message = warn(try SocketAddress.parse(text))
            #expect(message?.contains("not a loopback address") == true, "\(text): \(message ?? "no warning")")
        }
    }
}
