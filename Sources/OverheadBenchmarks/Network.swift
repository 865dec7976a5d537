import Foundation
import OverheadEngine
import OverheadModel
import OverheadSystem
import Synchronization

/// Where network benchmarks send their traffic, and what the result records about it.
struct NetworkPeer {
    // A peer silent this long fails the case instead of hanging it.
    static let timeoutSeconds = 5.0

    let address: SocketAddress
    let details: [String: String]
    /// The loopback server acquired (so teardown must let go of it); nil with `--peer`.
    let loopback: LoopbackPeer?

    init(context: RunContext) throws {
        var details: [String: String] = [:]
        let address: SocketAddress
        var loopback: LoopbackPeer? = nil
        do {
            if let peer = context.peer {
                address = try SocketAddress.parse(peer, defaultPort: PeerProtocol.defaultPort)
                details["peerSource"] = "--peer \(peer)"
            } else {
                let cpu = LoopbackPeer.serverCPU(allowed: context.allowedCPUs, measurementCPU: context.measurementCPU)
                let server = context.resources.shared(LoopbackPeer.self)
                address = try server.acquire(cpu: cpu)
                loopback = server
                details["peerSource"] = "loopback server started by run (threads in this process)"
                details["serverCPU"] = String(cpu)
                details["serverPlacement"] = cpu == context.measurementCPU
                    ? "server threads pinned to CPU \(cpu), the measurement CPU (the only allowed CPU): same-core round trips"
                    : "server threads pinned to CPU \(cpu), client on CPU \(context.measurementCPU): cross-CPU round trips, as with a peer elsewhere"
            }
        } catch {
            throw BenchmarkError.failed("\(error)")
        }
        details["peer"] = address.description
        details["timeout"] = "\(Int(Self.timeoutSeconds)) s per send or receive; a silent peer fails the case"
        if let interface = NetworkRoute.interface(toward: address) {
            details["interface"] = interface
            let device = context.environment.devices.first { $0.name == interface }
            if let driver = device?.driver ?? NetworkRoute.driver(of: interface) {
                details["driver"] = driver
            } else {
                details["driver"] = interface == "lo" ? "none (loopback)" : "unknown"
            }
            if let device { details["deviceKind"] = device.kind }
        }
        self.address = address
        self.details = details
        self.loopback = loopback
    }

    /// Lets go of the loopback server, if this peer used it.
    func release() {
        loopback?.relinquish()
    }
}

/// `net.tcp_rr` / `net.udp_rr`: one message out, the same size back, one at a time (netperf's
/// TCP_RR/UDP_RR); latency per round trip, percentiles in derived.
struct NetworkRoundTrip: Benchmark {
    let udp: Bool

    var info: BenchmarkInfo {
        BenchmarkInfo(
            id: udp ? "net.udp_rr" : "net.tcp_rr",
            summary: "\(udp ? "UDP" : "TCP (TCP_NODELAY)") request/response against `serve` (or a loopback server): send a message, wait for its echo; ns per round trip, percentiles in derived",
            reveals: "every packet crosses the virtual NIC twice each way: virtio adds tens of µs per round trip (netperf TCP_RR 1.8× native), SR-IOV and passthrough come close to bare metal",
            params: [ParamSpec(name: "size", values: .choices(["1", "1024"]), defaults: ["1", "1024"], summary: "message bytes each way")],
            metric: "latency", unit: "ns", better: .lower)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let size = Int(params["size"] ?? "1") ?? 1
        let peer = try NetworkPeer(context: context)
        var prepared = false
        defer { if !prepared { peer.release() } }
        let client: PeerClient
        do {
            client = udp
                ? try PeerClient(udp: peer.address, messageBytes: size, timeoutSeconds: NetworkPeer.timeoutSeconds)
                : try PeerClient(tcp: peer.address, mode: .echo, messageBytes: size, timeoutSeconds: NetworkPeer.timeoutSeconds)
        } catch {
            throw BenchmarkError.failed("\(error)")
        }
        // A first round trip before calibration: a peer that does not echo fails here.
        guard client.roundTrip() else { throw BenchmarkError.failed(client.failure ?? "no echo from \(peer.address)") }
        let log = context.resources.shared(LatencyLogs.self).log(info.id, params)
        let pending = LatencyBatches()
        let clock = operationClock(context)
        var details = peer.details
        details["messageBytes"] = String(size)
        details["latency"] = "per round trip, between consecutive clock reads (one per op, its cost subtracted); percentiles over the samples' round trips only (warm-up and calibration excluded), nearest rank"
        details["clock"] = clock.detail
        let samples = context.samplesPerReplicate
        var benchmark = PreparedBenchmark(
            kernel: { _, _ in },
            teardown: { withExtendedLifetime(client) {}; peer.release() },
            validate: { if let why = client.failure { throw BenchmarkError.failed(why) } },
            details: details,
            derive: { _ in latencyPercentiles(log.all) },
            finish: { _ in pending.commit(last: samples, to: log); return [] })
        benchmark.selfTimedKernel = { n in
            var latencies = [UInt64]()
            latencies.reserveCapacity(n)
            let start = clock.now()
            var t0 = start
            for _ in 0..<n {
                guard client.roundTrip() else { break }
                let t1 = clock.now()
                latencies.append(clock.net(t1 &- t0))
                t0 = t1
            }
            pending.append(latencies)
            let cost = UInt64(Double(latencies.count) * clock.readCostNs)
            let elapsed = t0 &- start
            return max(1, elapsed > cost ? elapsed - cost : 1)
        }
        prepared = true
        return benchmark
    }
}

/// `net.tcp_stream`: one TCP connection sending 128 KiB writes to the peer's sink (netperf
/// TCP_STREAM); Gbit/s of payload.
struct NetworkStream: Benchmark {
    static let sendBytes = 128 << 10

    let info = BenchmarkInfo(
        id: "net.tcp_stream",
        summary: "one TCP connection streaming 128 KiB send()s into the peer's sink; Gbit/s = 10^9 payload bits per second, counted when the peer has acknowledged them",
        reveals: "bulk transfer amortizes exits over large segments (TSO/GRO): a VM should be within a few % of bare metal; a big gap points at a CPU-bound vhost or a missing offload",
        params: [], metric: "throughput", unit: "Gbit/s", better: .higher)

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let peer = try NetworkPeer(context: context)
        var prepared = false
        defer { if !prepared { peer.release() } }
        let client: PeerClient
        do {
            client = try PeerClient(tcp: peer.address, mode: .sink, messageBytes: Self.sendBytes, timeoutSeconds: NetworkPeer.timeoutSeconds)
        } catch {
            throw BenchmarkError.failed("\(error)")
        }
        var details = peer.details
        details["sendBytes"] = String(Self.sendBytes)
        details["counted"] = "bytes the peer's TCP acknowledged: each batch ends when the send queue is empty (SIOCOUTQ = 0), so data still in the local socket buffer is never counted"
        prepared = true
        return PreparedBenchmark(
            kernel: { n, _ in
                for _ in 0..<n where !client.push() { return }
                // Timed: the batch ends when the peer has acknowledged every byte (SIOCOUTQ = 0).
                _ = client.drain()
            },
            conversion: .rate(workPerOp: Double(Self.sendBytes * 8), scale: 1e9),
            teardown: { withExtendedLifetime(client) {}; peer.release() },
            validate: { if let why = client.failure { throw BenchmarkError.failed(why) } },
            details: details)
    }
}
