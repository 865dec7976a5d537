import OverheadModel
import OverheadSystem

/// NUMA layout: libnuma on the running system, sysfs for fixtures or when libnuma says no.
func collectNUMA(_ sources: FingerprintSources, logicalCPUs: Int, memoryBytes: UInt64, notes: inout [String]) -> NUMATopology {
    if sources.live {
        if let topology = LibNUMA.topology() {
            let nodes = topology.nodes.map { NUMANode(id: $0.id, cpus: $0.cpus, memoryBytes: $0.memoryBytes) }
            return NUMATopology(available: true, source: "libnuma", nodes: nodes, distances: topology.distances)
        }
        notes.append("libnuma reports NUMA unavailable (numa_available() < 0); the layout below is read from sysfs")
        var fallback = sysfsNUMA(sources.root, logicalCPUs: logicalCPUs, memoryBytes: memoryBytes, notes: &notes)
        fallback.available = false
        return fallback
    }
    return sysfsNUMA(sources.root, logicalCPUs: logicalCPUs, memoryBytes: memoryBytes, notes: &notes)
}

/// Reads `/sys/devices/system/node/node*/{cpulist,meminfo,distance}`.
func sysfsNUMA(_ root: SystemRoot, logicalCPUs: Int, memoryBytes: UInt64, notes: inout [String]) -> NUMATopology {
    let base = "/sys/devices/system/node"
    let ids = root.list(base).compactMap { name -> Int? in
        guard name.hasPrefix("node") else { return nil }
        return Int(name.dropFirst(4))
    }.sorted()
    guard !ids.isEmpty else {
        // A kernel without CONFIG_NUMA: one node holding everything.
        let cpus = root.attribute("/sys/devices/system/cpu/online").map(parseCPUList) ?? Array(0..<logicalCPUs)
        notes.append("\(base) has no node directories (kernel without NUMA support?): assumed one node with all CPUs and memory")
        return NUMATopology(
            available: false, source: "sysfs", nodes: [NUMANode(id: 0, cpus: cpus, memoryBytes: memoryBytes)],
            distances: [[10]])
    }
    var nodes: [NUMANode] = []
    var distances: [[Int]] = []
    for id in ids {
        let dir = "\(base)/node\(id)"
        let cpus = root.attribute("\(dir)/cpulist").map(parseCPUList) ?? []
        var bytes: UInt64 = 0
        if let meminfo = root.read("\(dir)/meminfo") {
            for line in meminfo.split(separator: "\n") where line.contains("MemTotal:") {
                bytes = (kilobytes(after: "MemTotal:", in: line) ?? 0) * 1024
            }
        } else {
            notes.append("\(dir)/meminfo could not be read: node \(id) memory is recorded as 0")
        }
        nodes.append(NUMANode(id: id, cpus: cpus, memoryBytes: bytes))
        // The distance file lists one number per online node, in node order.
        let row = (root.attribute("\(dir)/distance") ?? "").split(separator: " ").compactMap { Int($0) }
        distances.append(row)
    }
    if distances.contains(where: { $0.count != ids.count }) {
        notes.append("\(base)/node*/distance rows do not match the \(ids.count) nodes: distances omitted")
        distances = []
    }
    return NUMATopology(available: true, source: "sysfs", nodes: nodes, distances: distances)
}
