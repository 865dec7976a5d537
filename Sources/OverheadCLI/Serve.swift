import ArgumentParser
import Foundation
import OverheadSystem

extension OverheadBench {
    /// `overhead-bench serve`: the peer for `run --peer`: TCP echo and sink, UDP echo.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve as the peer for net.* benchmarks (TCP echo and sink, UDP echo).",
            discussion: """
                Listens on one port for TCP and UDP. A TCP client's 8-byte header picks echo (fixed-size messages, \
                at most 64 KiB) or sink; every UDP datagram is echoed to its sender. Clients are served at once, \
                each on its own thread, up to --max-clients; a connection idle for --idle-timeout seconds is closed. \
                SIGINT or SIGTERM stops it cleanly. Run it on the peer node, then `overhead-bench run --peer HOST:PORT` \
                on the node under test.
                """)

        @Option(help: "Address and port to listen on (HOST:PORT; HOST alone uses port \(PeerProtocol.defaultPort)).")
        var listen = "127.0.0.1:\(PeerProtocol.defaultPort)"

        @Option(help: "TCP clients served at once; more are closed on arrival.")
        var maxClients = 64

        @Option(help: "Seconds a TCP connection may stay idle before it is closed.")
        var idleTimeout = 30.0

        @Option(help: "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
        var duration: Double?

        @Flag(help: "Print nothing but errors.")
        var quiet = false

        /// The warning for a listening address other than loopback: the echo server answers anyone
        /// who can reach it, with no authentication. nil for 127.0.0.0/8 and ::1.
        static func exposureWarning(for address: SocketAddress) -> String? {
            guard !address.isLoopback else { return nil }
            return "warning: serve is listening on \(address), not a loopback address: anyone who can reach this port "
                + "gets an unauthenticated TCP/UDP echo (up to --max-clients connections); firewall it to the node under test, "
                + "and stop serve when the benchmarks are done"
        }

        func validate() throws {
            guard maxClients >= 1, maxClients <= 4096 else { throw ValidationError("--max-clients must be between 1 and 4096") }
            guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be a positive number of seconds") }
            if let duration, duration <= 0 { throw ValidationError("--duration must be a positive number of seconds") }
        }

        func run() throws {
            let address: SocketAddress
            let server: EchoServer
            do {
                address = try SocketAddress.parse(listen, defaultPort: PeerProtocol.defaultPort)
                server = try EchoServer(listen: address, limits: ServerLimits(maxClients: maxClients, idleTimeoutSeconds: idleTimeout))
            } catch {
                throw CLIError("serve: \(error)")
            }
            Interrupt.reset()
            Interrupt.install()
            defer { Interrupt.uninstall() }
            // A safety warning, so it is printed even with --quiet.
            if let warning = Self.exposureWarning(for: server.address) { Terminal.err(warning) }
            server.start()
            if !quiet { Terminal.err("serving TCP echo/sink and UDP echo on \(server.address); Ctrl-C stops") }
            let deadline = duration.map { Date().addingTimeInterval($0) }
            while Interrupt.signal == nil {
                if let deadline, Date() >= deadline { break }
                usleep(50_000)
            }
            let signal = Interrupt.signal
            Interrupt.reset()
            server.stop()
            if !quiet {
                let why = signal.map { "signal \($0)" } ?? "--duration elapsed"
                Terminal.err("stopped (\(why)) after \(server.connectionsServed) TCP connection(s)")
            }
        }
    }
}
