/// Converts values between units of the same dimension (ns and µs, GB/s and MiB/s, ...), so result
/// sets written by different versions or settings can still be compared.
public enum UnitConversion {
    /// Units by dimension, each with its size in the dimension's smallest unit (ps, bit/s, B, op/s, FLOP/s, Hz).
    // Sizes are whole numbers so that every factor is one correctly rounded division (µs → ns is
    // exactly 1000). Bits are an information quantity like bytes, so bit/s converts to B/s (÷ 8).
    static let table: [String: (dimension: String, scale: Double)] = {
        var t: [String: (String, Double)] = [:]
        func add(_ dimension: String, _ units: [(String, Double)]) {
            for (name, scale) in units { t[name] = (dimension, scale) }
        }
        add("time", [("ps", 1), ("ns", 1e3), ("us", 1e6), ("µs", 1e6), ("μs", 1e6), ("ms", 1e9), ("s", 1e12)])
        add("bandwidth", [
            ("B/s", 8), ("KB/s", 8e3), ("kB/s", 8e3), ("MB/s", 8e6), ("GB/s", 8e9), ("TB/s", 8e12),
            ("KiB/s", 8 * 1024), ("MiB/s", 8 * 1_048_576), ("GiB/s", 8 * 1_073_741_824), ("TiB/s", 8 * 1_099_511_627_776),
            ("bit/s", 1), ("kbit/s", 1e3), ("Kbit/s", 1e3), ("Mbit/s", 1e6), ("Gbit/s", 1e9),
            ("bps", 1), ("Kbps", 1e3), ("kbps", 1e3), ("Mbps", 1e6), ("Gbps", 1e9),
        ])
        add("size", [
            ("B", 1), ("KB", 1e3), ("kB", 1e3), ("MB", 1e6), ("GB", 1e9),
            ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824),
        ])
        add("rate", [
            ("op/s", 1), ("ops/s", 1), ("Kop/s", 1e3), ("Kops/s", 1e3), ("kops/s", 1e3),
            ("Mop/s", 1e6), ("Mops/s", 1e6), ("Gop/s", 1e9), ("Gops/s", 1e9),
        ])
        add("flops", [("FLOP/s", 1), ("MFLOP/s", 1e6), ("GFLOP/s", 1e9), ("TFLOP/s", 1e12)])
        add("frequency", [("Hz", 1), ("kHz", 1e3), ("MHz", 1e6), ("GHz", 1e9)])
        return t
    }()

    /// The factor that turns a value in `from` into one in `to` (1 when the units are equal), or nil
    /// when they are not the same dimension (or either is unknown), in which case they must not be compared.
    public static func factor(from: String, to: String) -> Double? {
        if from == to { return 1 }
        guard let a = table[from], let b = table[to], a.dimension == b.dimension else { return nil }
        return a.scale / b.scale
    }
}
