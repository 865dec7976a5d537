import Foundation
import Glibc

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
