import OverheadModel
import OverheadSystem

/// Every distinct cache from `/sys/devices/system/cpu/cpu*/cache/index*` (level, type, size,
/// shared_cpu_list), deduplicated by level, type and sharing CPUs.
func collectCaches(_ root: SystemRoot) -> [CacheInfo] {
    var seen = Set<String>()
    var caches: [CacheInfo] = []
    let cpus = root.list("/sys/devices/system/cpu").filter { $0.hasPrefix("cpu") && Int($0.dropFirst(3)) != nil }
    for cpu in cpus.sorted(by: { Int($0.dropFirst(3))! < Int($1.dropFirst(3))! }) {
        let dir = "/sys/devices/system/cpu/\(cpu)/cache"
        for index in root.list(dir) where index.hasPrefix("index") {
            let base = "\(dir)/\(index)"
            guard let level = root.attribute("\(base)/level").flatMap({ Int($0) }),
                let type = root.attribute("\(base)/type"),
                let size = root.attribute("\(base)/size").flatMap(parseCacheSize)
            else { continue }
            let shared = parseCPUList(root.attribute("\(base)/shared_cpu_list") ?? "")
            let key = "\(level)|\(type)|\(shared)"
            if seen.insert(key).inserted {
                caches.append(CacheInfo(level: level, type: type, sizeBytes: size, sharedCPUs: shared))
            }
        }
    }
    return caches.sorted { ($0.level, $0.type, $0.sharedCPUs.first ?? 0) < ($1.level, $1.type, $1.sharedCPUs.first ?? 0) }
}

/// sysfs cache sizes: `32K`, `32768K`, `1M`.
func parseCacheSize(_ text: String) -> UInt64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    guard let unit = t.last else { return nil }
    switch unit {
    case "K": return UInt64(t.dropLast()).map { $0 << 10 }
    case "M": return UInt64(t.dropLast()).map { $0 << 20 }
    case "G": return UInt64(t.dropLast()).map { $0 << 30 }
    default: return UInt64(t)
    }
}
