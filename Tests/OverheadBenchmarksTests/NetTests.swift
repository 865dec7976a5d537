import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadCLI
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

func loopbackServer(limits: ServerLimits = ServerLimits()) throws -> EchoServer {
    try EchoServer(listen: try SocketAddress.parse("127.0.0.1:0"), limits: limits)
}

@Suite struct PeerAddressTests {
    @Test func parsesHostPortForms() throws {
        let a = try SocketAddress.parse("127.0.0.1:8080")
        #expect(a.port == 8080 && a.host == "127.0.0.1" && a.family == AF_INET && a.isLoopback)
        #expect(a.description == "127.0.0.1:8080")
        let b = try SocketAddress.parse("[::1]:9")
        #expect(b.family == AF_INET6 && b.port == 9 && b.isLoopback && b.description == "[::1]:9")
        let c = try SocketAddress.parse("127.0.0.2", defaultPort: PeerProtocol.defaultPort)
        #expect(c.port == 47_470)
        #expect(try SocketAddress.parse("10.203.0.1:1").isLoopback == false)
        #expect(a.with(port: 1).port == 1)
    }

    @Test func rejectsBadAddresses() {
        #expect(throws: NetError.self) { try SocketAddress.parse("127.0.0.1") }
        #expect(throws: NetError.self) { try SocketAddress.parse("127.0.0.1:99999") }
        #expect(throws: NetError.self) { try SocketAddress.parse(":80") }
        #expect(throws: NetError.self) { try SocketAddress.parse("[::1") }
    }

    @Test func runRejectsABadPeerBeforeMeasuring() {
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--peer", "nohost:notaport"]) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["run", "--io-dir", "/nonexistent-ob-dir"]) }
        #expect(throws: (any Error).self) { try OverheadBench.parseAsRoot(["serve", "--max-clients", "0"]) }
    }
}

@Suite struct PeerProtocolTests {
    @Test func headerRoundTripsAndIsBounded() throws {
        let h = PeerProtocol.header(mode: .echo, size: 1024)
        #expect(h.count == 8)
        let parsed = try #require(PeerProtocol.parseHeader(h))
        #expect(parsed.mode == .echo && parsed.size == 1024)
        #expect(PeerProtocol.parseHeader(PeerProtocol.header(mode: .sink, size: 1))?.mode == .sink)
        #expect(PeerProtocol.parseHeader(PeerProtocol.header(mode: .echo, size: 0)) == nil)
        #expect(PeerProtocol.parseHeader(PeerProtocol.header(mode: .echo, size: PeerProtocol.maxMessageBytes + 1)) == nil)
        #expect(PeerProtocol.parseHeader([0x47, 0x45, 0x54, 0x20, 0, 0, 0, 1]) == nil)  // "GET "
        #expect(PeerProtocol.parseHeader([0x4F, 0x42]) == nil)
    }
}

@Suite struct EchoServerTests {
    @Test func tcpEchoUdpEchoAndSinkWithSeveralClients() throws {
        let server = try loopbackServer()
        server.start()
        defer { server.stop() }
        let clients = try (0..<4).map { i in try PeerClient(tcp: server.address, mode: .echo, messageBytes: i == 0 ? 1 : 1024, timeoutSeconds: 2) }
        for _ in 0..<50 {
            for c in clients { #expect(c.roundTrip()) }
        }
        let udp = try PeerClient(udp: server.address, messageBytes: 1024, timeoutSeconds: 2)
        for _ in 0..<20 { #expect(udp.roundTrip()) }
        let sink = try PeerClient(tcp: server.address, mode: .sink, messageBytes: 128 << 10, timeoutSeconds: 2)
        for _ in 0..<64 { #expect(sink.push()) }
        #expect(clients.allSatisfy { $0.failure == nil } && udp.failure == nil && sink.failure == nil)
        #expect(server.connectionsServed == 5)
    }

    @Test func stopEndsEveryThreadAndTheClientSeesAnError() throws {
        let server = try loopbackServer()
        server.start()
        let client = try PeerClient(tcp: server.address, mode: .echo, messageBytes: 16, timeoutSeconds: 2)
        #expect(client.roundTrip())
        let start = Date()
        server.stop()
        #expect(server.isStopped)
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(!client.roundTrip())
        #expect(client.failure != nil)
    }

    @Test func aSilentPeerTimesOutInsteadOfHanging() throws {
        // Listening but never started: the kernel completes the TCP handshake, nobody answers.
        let silent = try loopbackServer()
        let start = Date()
        do {
            _ = try PeerClient(tcp: silent.address, mode: .echo, messageBytes: 1, timeoutSeconds: 0.3)
            Issue.record("expected a timeout")
        } catch {
            #expect(error.description.contains("no answer within"))
        }
        let udp = try PeerClient(udp: silent.address, messageBytes: 1, timeoutSeconds: 0.3)
        #expect(!udp.roundTrip())
        #expect(udp.failure?.contains("stopped answering") == true)
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test func refusedConnectionIsAClearError() throws {
        // A port that was just free: its server is gone (descriptors closed on release).
        let port = try { () throws -> UInt16 in try loopbackServer().address.port }()
        do {
            _ = try PeerClient(tcp: try SocketAddress.parse("127.0.0.1:\(port)"), mode: .echo, messageBytes: 1, timeoutSeconds: 1)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description.contains("127.0.0.1:\(port)"))
            #expect(error.description.contains("refused"))
        }
    }

    @Test func clientsOverTheLimitAreClosed() throws {
        let server = try loopbackServer(limits: ServerLimits(maxClients: 1, idleTimeoutSeconds: 5))
        server.start()
        defer { server.stop() }
        let first = try PeerClient(tcp: server.address, mode: .echo, messageBytes: 8, timeoutSeconds: 1)
        #expect(first.roundTrip())
        #expect(throws: NetError.self) { try PeerClient(tcp: server.address, mode: .echo, messageBytes: 8, timeoutSeconds: 1) }
        #expect(first.roundTrip())
    }
}

@Suite struct NetworkBenchmarkTests {
    @Test func benchmarksAgainstAPeerRecordItAndDerivePercentiles() throws {
        let server = try loopbackServer()
        server.start()
        defer { server.stop() }
        var context = testContext()
        context.peer = server.address.description
        let cases = [
            BenchmarkCase(benchmark: NetworkRoundTrip(udp: false), params: ["size": "1"]),
            BenchmarkCase(benchmark: NetworkRoundTrip(udp: true), params: ["size": "1024"]),
            BenchmarkCase(benchmark: NetworkStream(), params: [:]),
        ]
        let outcome = runCases(cases, context: context)
        #expect(outcome.skipped.isEmpty, "\(outcome.skipped)")
        #expect(outcome.results.count == 3)
        for r in outcome.results {
            #expect(r.details?["peer"] == server.address.description)
            #expect(r.details?["interface"] == "lo")
            #expect(r.details?["driver"] == "none (loopback)")
            #expect(r.samples.allSatisfy { $0.isFinite && $0 > 0 })
        }
        for r in outcome.results where r.benchmark != "net.tcp_stream" {
            let d = try #require(r.derived)
            #expect((d["p50Us"] ?? 0) > 0 && (d["p50Us"] ?? 0) <= (d["p999Us"] ?? .infinity))
        }
        #expect(outcome.results.first { $0.benchmark == "net.tcp_stream" }?.unit == "Gbit/s")
    }

    @Test func withoutPeerALoopbackServerIsStartedAndStopped() throws {
        let context = testContext()
        let outcome = runCases([BenchmarkCase(benchmark: NetworkRoundTrip(udp: false), params: ["size": "1"])], context: context, rounds: 1)
        context.resources.releaseAll()
        let r = try #require(outcome.results.first, "\(outcome.skipped)")
        #expect(r.details?["peerSource"]?.contains("loopback server started by run") == true)
        let peer = try SocketAddress.parse(try #require(r.details?["peer"]))
        #expect(peer.isLoopback)
    }

    @Test func aDeadPeerSkipsTheCaseWithTheReason() throws {
        let silent = try loopbackServer()  // never started
        var context = testContext()
        context.peer = silent.address.description
        let start = Date()
        let outcome = runCases([BenchmarkCase(benchmark: NetworkRoundTrip(udp: true), params: ["size": "1"])], context: context, rounds: 1)
        #expect(outcome.results.isEmpty)
        #expect(outcome.skipped.first?.reason.contains("stopped answering") == true)
        #expect(Date().timeIntervalSince(start) < NetworkPeer.timeoutSeconds + 3)
        withExtendedLifetime(silent) {}
    }
}
