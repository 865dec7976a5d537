import COverhead
import Foundation
import Glibc

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
