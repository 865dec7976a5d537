import OverheadSystem

// sysfs is a forest of relative symbolic links (`/sys/class/net/eth0 -> ../../devices/...`).
// Resolving them with realpath(3) would leave a fixture tree on the first absolute or deep `..`
// link, so links are followed textually, one component at a time, always below the root.
extension SystemRoot {
    /// The canonical path of `absolute` below this root: every symbolic link on the way is followed
    /// (relative targets against their directory, absolute ones against the root) and `.`/`..`
    /// are folded. The result is written as an absolute path, like the argument, and may name
    /// something that does not exist (a dangling `driver` link, say).
    func canonicalPath(_ absolute: String) -> String {
        var pending = absolute.split(separator: "/").map(String.init)
        var resolved: [String] = []
        // Linux gives up after 40 links (ELOOP); so do we, keeping the text as it stands.
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            if component.isEmpty || component == "." { continue }
            if component == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = "/" + (resolved + [component]).joined(separator: "/")
            if hops < 40, let target = linkTarget(candidate) {
                hops += 1
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init) + pending
            } else {
                resolved.append(component)
            }
        }
        return "/" + resolved.joined(separator: "/")
    }
}

/// `/a/b/c` → `/a/b`; `/` stays `/`.
func parentPath(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
}

/// `/a/b/c` → `c`.
func lastComponent(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? ""
}

/// Whether `name` is a PCI function address, `0000:00:03.0` (domain:bus:device.function).
func isPCIAddress(_ name: String) -> Bool {
    let parts = name.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2 else { return false }
    let slotFunction = parts[2].split(separator: ".", omittingEmptySubsequences: false)
    guard slotFunction.count == 2, slotFunction[0].count == 2, slotFunction[1].count == 1 else { return false }
    return [parts[0], parts[1], slotFunction[0], slotFunction[1]].allSatisfy { $0.allSatisfy(\.isHexDigit) }
}
