import Foundation

/// Where a device's interrupts land: its IRQ lines in `/proc/interrupts` and the per-CPU counts.
/// I/O latency depends on whether the submitting thread runs on the CPU that takes the
/// completion interrupt (fio on the virtio disk's IRQ CPU reads ~30% more IOPS here), so storage
/// results record it.
public struct DeviceInterrupts: Sendable, Equatable {
    /// IRQ line name → per-CPU counts (index = CPU).
    public var lines: [String: [UInt64]]

    public init(lines: [String: [UInt64]]) {
        self.lines = lines
    }

    /// The lines of `/proc/interrupts` whose chip column names PCI function `pci` (e.g.
    /// `PCI-MSIX-0000:00:02.0`) or whose name starts with `name` (e.g. `virtio1-`, `nvme0q`); config
    /// and admin vectors left out (they carry no I/O).
    public static func parse(_ text: String, pci: String?, name: String?) -> DeviceInterrupts {
        var rows = text.split(separator: "\n")
        guard !rows.isEmpty else { return DeviceInterrupts(lines: [:]) }
        let cpus = rows.removeFirst().split(separator: " ").count
        var lines: [String: [UInt64]] = [:]
        for row in rows {
            let fields = row.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > cpus + 1, fields[0].hasSuffix(":") else { continue }
            let counts = fields[1...cpus].compactMap { UInt64($0) }
            guard counts.count == cpus else { continue }
            let rest = fields[(cpus + 1)...].map(String.init)
            guard let label = rest.last else { continue }
            let chipMatches = pci.map { p in rest.contains { $0.hasSuffix(p) } } ?? false
            let nameMatches = name.map { label.hasPrefix($0) } ?? false
            guard chipMatches || nameMatches else { continue }
            if label.hasSuffix("-config") || label.hasSuffix("q0") { continue }
            lines[label] = counts
        }
        return DeviceInterrupts(lines: lines)
    }

    /// Reads the lines of the block device `device` (`vda`, `nvme0n1`): its PCI function and
    /// virtio/nvme name from sysfs, then `/proc/interrupts`. nil when sysfs does not lead to one.
    public static func forBlockDevice(_ device: String, root: SystemRoot = .live) -> DeviceInterrupts? {
        // /sys/block/vda/device → …/0000:00:02.0/virtio1; /sys/block/nvme0n1/device → …/nvme/nvme0
        // A partition (vda1) has no device link of its own: its parent disk's is one level up.
        var link = root.resolve("/sys/class/block/\(device)/device")
        if !FileManager.default.fileExists(atPath: link) { link = root.resolve("/sys/class/block/\(device)/../device") }
        let resolved = URL(fileURLWithPath: link).resolvingSymlinksInPath().path
        let parts = resolved.split(separator: "/").map(String.init)
        let pci = parts.last { $0.range(of: #"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$"#, options: .regularExpression) != nil }
        var name: String?
        if let v = parts.last(where: { $0.hasPrefix("virtio") }) { name = v + "-" }
        if let n = parts.last(where: { $0.hasPrefix("nvme") && !$0.contains("n1") }) { name = n + "q" }
        guard pci != nil || name != nil, let text = root.read("/proc/interrupts") else { return nil }
        let found = parse(text, pci: pci, name: name)
        return found.lines.isEmpty ? nil : found
    }

    /// Counts per CPU over all lines.
    public var perCPU: [UInt64] {
        var total: [UInt64] = []
        for counts in lines.values {
            if total.count < counts.count { total += Array(repeating: 0, count: counts.count - total.count) }
            for (i, c) in counts.enumerated() { total[i] += c }
        }
        return total
    }

    /// CPUs whose count rose between `earlier` and this reading (where interrupts landed in between).
    public func cpusTaking(since earlier: DeviceInterrupts) -> [Int] {
        let now = perCPU, then = earlier.perCPU
        return now.indices.filter { $0 < then.count ? now[$0] > then[$0] : now[$0] > 0 }
    }

    /// CPUs with any interrupt of these lines so far.
    public var cpusWithInterrupts: [Int] { perCPU.indices.filter { perCPU[$0] > 0 } }
}
