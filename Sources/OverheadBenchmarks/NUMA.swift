import Foundation
import OverheadEngine
import OverheadModel
import OverheadSystem

/// The NUMA layout the NUMA benchmarks plan with: nodes and the SLIT distance matrix.
public struct NUMALayout: Sendable, Equatable {
    public var nodes: [NUMANode]
    /// distances[i][j] between nodes[i] and nodes[j] (10 = local); may be empty when unknown.
    public var distances: [[Int]]

    public init(nodes: [NUMANode], distances: [[Int]]) {
        self.nodes = nodes
        self.distances = distances
    }

    /// libnuma's view of the running system; nil when `numa_available() < 0`.
    public static func live() -> NUMALayout? {
        guard let t = LibNUMA.topology() else { return nil }
        return NUMALayout(nodes: t.nodes.map { NUMANode(id: $0.id, cpus: $0.cpus, memoryBytes: $0.memoryBytes) }, distances: t.distances)
    }

    /// Ids of nodes with CPUs (where a measuring thread can run).
    public var cpuNodes: [Int] { nodes.filter { !$0.cpus.isEmpty }.map(\.id) }
    /// Ids of nodes with memory (where a working set can live).
    public var memoryNodes: [Int] { nodes.filter { $0.memoryBytes > 0 }.map(\.id) }

    /// The SLIT distance from node `a` to node `b`, nil when unknown.
    public func distance(_ a: Int, _ b: Int) -> Int? {
        guard let i = nodes.firstIndex(where: { $0.id == a }), let j = nodes.firstIndex(where: { $0.id == b }),
            i < distances.count, j < distances[i].count
        else { return nil }
        return distances[i][j]
    }
}

/// Where one NUMA case runs: the thread's node and CPUs, the memory's node, and their SLIT distances.
public struct NUMAPlan: Sendable, Equatable {
    public var cpuNode: Int
    public var memNode: Int
    /// CPUs of `cpuNode` this process may use, in order.
    public var cpus: [Int]
    /// SLIT distance cpuNode → memNode.
    public var distance: Int?
    /// SLIT distance cpuNode → cpuNode (the local figure ratios are taken against, normally 10).
    public var localDistance: Int?
    /// Notes for the result (the one-node case).
    public var warnings: [String]

    /// The distance relative to local (SLIT 20 vs 10 → 2.0), nil when either is unknown.
    public var distanceRatio: Double? {
        guard let d = distance, let l = localDistance, l > 0 else { return nil }
        return Double(d) / Double(l)
    }

    /// Checks `cpuNode` and `memNode` against `layout`. Nodes a workload names but this machine lacks
    /// are `unsupported` (a skip: one workload serves machines of every shape); a value that is not a
    /// node number is `failed`.
    public static func make(cpuNode: String?, memNode: String?, layout: NUMALayout, allowedCPUs: [Int]) throws(BenchmarkError) -> NUMAPlan {
        guard let c = cpuNode.flatMap({ Int($0) }), c >= 0 else { throw .failed("cpuNode must be a node number, got '\(cpuNode ?? "")'") }
        guard let m = memNode.flatMap({ Int($0) }), m >= 0 else { throw .failed("memNode must be a node number, got '\(memNode ?? "")'") }
        let ids = layout.nodes.map { String($0.id) }.joined(separator: ", ")
        guard let cNode = layout.nodes.first(where: { $0.id == c }) else { throw .unsupported("cpuNode \(c) does not exist here; nodes: \(ids)") }
        guard let mNode = layout.nodes.first(where: { $0.id == m }) else { throw .unsupported("memNode \(m) does not exist here; nodes: \(ids)") }
        guard !cNode.cpus.isEmpty else { throw .unsupported("node \(c) has no CPUs; nodes with CPUs: \(layout.cpuNodes.map(String.init).joined(separator: ", "))") }
        guard mNode.memoryBytes > 0 else { throw .unsupported("node \(m) has no memory; nodes with memory: \(layout.memoryNodes.map(String.init).joined(separator: ", "))") }
        let cpus = cNode.cpus.filter(allowedCPUs.contains)
        guard !cpus.isEmpty else { throw .unsupported("none of node \(c)'s CPUs \(cNode.cpus) are in this process's affinity mask \(allowedCPUs)") }
        var warnings: [String] = []
        if layout.nodes.count == 1 {
            warnings.append("one NUMA node: a 1×1 matrix (local memory only); remote figures need a multi-node machine or guest (scripts/run-in-guest --numa-nodes 2)")
        }
        return NUMAPlan(cpuNode: c, memNode: m, cpus: cpus, distance: layout.distance(c, m), localDistance: layout.distance(c, c), warnings: warnings)
    }

    /// details and derived figures every NUMA result carries.
    var details: [String: String] {
        var d = ["cpuNode": String(cpuNode), "memNode": String(memNode), "nodeCPUs": cpus.map(String.init).joined(separator: ",")]
        if let distance { d["slitDistance"] = String(distance) }
        return d
    }

    var derived: [String: Double] {
        var d: [String: Double] = [:]
        if let distance { d["slitDistance"] = Double(distance) }
        if let distanceRatio { d["slitRatio"] = distanceRatio }
        return d
    }
}

/// What `move_pages` says about where a working set's pages are, against the node they should be on.
public struct PagePlacement: Sendable, Equatable {
    /// The node the pages were bound to.
    public var target: Int
    /// Pages queried.
    public var sampled: Int
    /// Pages found on `target`.
    public var onTarget: Int
    /// Pages found on other nodes: node → pages.
    public var elsewhere: [Int: Int]
    /// Pages the kernel could not place (negative status: -ENOENT not present, -EFAULT, ...).
    public var unknown: Int

    /// Tallies `pageNodes` (a node id or a negative errno per page, as `move_pages` reports them).
    public init(pageNodes: [Int], target: Int) {
        self.target = target
        sampled = pageNodes.count
        onTarget = pageNodes.filter { $0 == target }.count
        unknown = pageNodes.filter { $0 < 0 }.count
        elsewhere = Dictionary(grouping: pageNodes.filter { $0 >= 0 && $0 != target }, by: { $0 }).mapValues(\.count)
    }

    /// Every sampled page is present and on the target node.
    public var verified: Bool { sampled > 0 && onTarget == sampled }

    /// The fraction of sampled pages on the target node.
    public var fractionOnTarget: Double { sampled > 0 ? Double(onTarget) / Double(sampled) : 0 }

    /// `verified` or `misplaced` / `unverified`, for `details.placement`.
    public var summary: String {
        if verified { return "verified" }
        return elsewhere.isEmpty ? "unverified" : "misplaced"
    }

    /// One line for `details.pages`: "16384 of 16384 sampled pages on node 1".
    public var detail: String {
        var text = "\(onTarget) of \(sampled) sampled pages on node \(target)"
        for (node, n) in elsewhere.sorted(by: { $0.key < $1.key }) { text += ", \(n) on node \(node)" }
        if unknown > 0 { text += ", \(unknown) not placed" }
        return text
    }

    /// A warning when the placement is not what was asked for; nil when verified.
    public var warning: String? {
        if verified { return nil }
        if sampled == 0 { return "placement unverified: no pages were sampled" }
        var parts: [String] = []
        let misplaced = elsewhere.values.reduce(0, +)
        if misplaced > 0 {
            let nodes = elsewhere.keys.sorted().map { "node \($0) (\(elsewhere[$0]!))" }.joined(separator: ", ")
            parts.append(String(format: "%.1f%% of the sampled pages (%d of %d) landed on %@, not node %d: the figures mix local and remote memory",
                                100 * Double(misplaced) / Double(sampled), misplaced, sampled, nodes, target))
        }
        if unknown > 0 {
            parts.append("\(unknown) of \(sampled) sampled pages had no node (not present or not movable): their placement is unverified")
        }
        return parts.joined(separator: "; ")
    }
}

/// One benchmark's results as a cpuNode × memNode matrix (one per value of the other params).
public struct NUMAMatrix: Sendable, Equatable {
    public var benchmark: String
    /// The params other than cpuNode and memNode shared by the cells (e.g. threads=1).
    public var otherParams: [String: String]
    public var cpuNodes: [Int]
    public var memNodes: [Int]
    /// Each cell's figure as `run`'s table and `compare` give it (`medianOfReplicates`),
    /// [cpuNode index][memNode index]; nil where no result.
    public var medians: [[Double?]]
    /// SLIT distances from the results' `derived.slitDistance`; nil where unknown.
    public var distances: [[Int?]]

    /// Groups results with `cpuNode` and `memNode` params into matrices, by benchmark and other params.
    public static func build(_ results: [BenchmarkResult]) -> [NUMAMatrix] {
        var groups: [String: [BenchmarkResult]] = [:]
        var order: [String] = []
        for r in results where r.params["cpuNode"].flatMap({ Int($0) }) != nil && r.params["memNode"].flatMap({ Int($0) }) != nil {
            let key = r.benchmark + "|" + paramsText(otherParams(r), separator: ",")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        return order.map { key in
            let rs = groups[key]!
            let cpus = Set(rs.map { Int($0.params["cpuNode"]!)! }).sorted()
            let mems = Set(rs.map { Int($0.params["memNode"]!)! }).sorted()
            var medians = Array(repeating: [Double?](repeating: nil, count: mems.count), count: cpus.count)
            var distances = Array(repeating: [Int?](repeating: nil, count: mems.count), count: cpus.count)
            for r in rs {
                let i = cpus.firstIndex(of: Int(r.params["cpuNode"]!)!)!
                let j = mems.firstIndex(of: Int(r.params["memNode"]!)!)!
                medians[i][j] = r.medianOfReplicates
                distances[i][j] = r.derived?["slitDistance"].map { Int($0) }
            }
            return NUMAMatrix(benchmark: rs[0].benchmark, otherParams: otherParams(rs[0]), cpuNodes: cpus, memNodes: mems, medians: medians, distances: distances)
        }
    }

    private static func otherParams(_ r: BenchmarkResult) -> [String: String] {
        r.params.filter { $0.key != "cpuNode" && $0.key != "memNode" }
    }

    /// The median for threads on `cpu` reading memory on `mem`.
    public func value(cpu: Int, mem: Int) -> Double? {
        guard let i = cpuNodes.firstIndex(of: cpu), let j = memNodes.firstIndex(of: mem) else { return nil }
        return medians[i][j]
    }

    /// value(cpu, mem) / value(cpu, cpu): how the access compares with the same threads' local
    /// memory (> 1 for slower latency, < 1 for lower bandwidth); nil without a local cell.
    public func ratioToLocal(cpu: Int, mem: Int) -> Double? {
        guard let v = value(cpu: cpu, mem: mem), let local = value(cpu: cpu, mem: cpu), local > 0 else { return nil }
        return v / local
    }

    /// A text table: one row per cpu node, one column per memory node, each cell
    /// "median (×ratio, SLIT d)".
    public func render(unit: String) -> String {
        let title = benchmark + (otherParams.isEmpty ? "" : " " + paramsText(otherParams, separator: " "))
        var lines = ["\(title) [\(unit)], rows cpuNode, columns memNode"]
        lines.append((["cpu\\mem"] + memNodes.map { String($0) }).joined(separator: "\t"))
        for (i, c) in cpuNodes.enumerated() {
            let cells = memNodes.enumerated().map { j, m -> String in
                guard let v = medians[i][j] else { return "-" }
                var cell = String(format: "%.2f", v)
                var notes: [String] = []
                if let r = ratioToLocal(cpu: c, mem: m) { notes.append(String(format: "×%.2f", r)) }
                if let d = distances[i][j] { notes.append("SLIT \(d)") }
                if !notes.isEmpty { cell += " (" + notes.joined(separator: ", ") + ")" }
                return cell
            }
            lines.append(([String(c)] + cells).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n")
    }
}

/// Adds `derived.ratioToLocal` (median / median of the cpuNode's local case) to NUMA results.
func relateToLocal(_ results: [BenchmarkResult]) -> [BenchmarkResult] {
    let matrices = NUMAMatrix.build(results)
    return results.map { r in
        guard let c = r.params["cpuNode"].flatMap({ Int($0) }), let m = r.params["memNode"].flatMap({ Int($0) }),
            let matrix = matrices.first(where: { $0.benchmark == r.benchmark && $0.otherParams == r.params.filter { $0.key != "cpuNode" && $0.key != "memNode" } }),
            let ratio = matrix.ratioToLocal(cpu: c, mem: m)
        else { return r }
        var out = r
        out.derived = (r.derived ?? [:]).merging(["ratioToLocal": ratio]) { $1 }
        return out
    }
}

/// Working-set bytes for a NUMA case: 256 MiB (64 MiB with --quick) and never under 4× the
/// last-level caches, so loads go to DRAM; capped at half the node's free memory and half of
/// MemAvailable. Returns the size (whole 2 MiB) and, when capped, why.
public func numaWorkingSet(quick: Bool, llcBytes: UInt64?, nodeFreeBytes: Int?, memAvailable: Int?, fraction: Double = 0.5) -> (bytes: Int, capped: String?) {
    let step = 2 << 20
    var want = max(quick ? 64 << 20 : 256 << 20, Int(4 * (llcBytes ?? 0)))
    want = (want + step - 1) / step * step
    var limits: [(Int, String)] = []
    let pct = ResourceLimits.percent(fraction)
    if let free = nodeFreeBytes { limits.append((Int(Double(free) * fraction), "\(pct) of the node's free memory \(free >> 20) MiB")) }
    if let available = memAvailable { limits.append((Int(Double(available) * fraction), "\(pct) of MemAvailable \(available >> 20) MiB")) }
    guard let (cap, why) = limits.min(by: { $0.0 < $1.0 }), cap < want else { return (want, nil) }
    let bytes = max(step, cap / step * step)
    return (bytes, "working set capped at \(bytes >> 20) MiB (\(why)); \(want >> 20) MiB was wanted")
}

/// Param specs shared by numa.lat and numa.bw; defaults are every node with CPUs × every node with memory.
func numaNodeParams(layout: @escaping @Sendable () -> NUMALayout?) -> [ParamSpec] {
    [
        ParamSpec(name: "cpuNode", values: .positiveInteger(extra: ["0"]), defaults: ["0"],
                  summary: "node the measuring threads run on (default: every node with CPUs)",
                  machineDefaults: { _ in layout().map { $0.cpuNodes.map(String.init) }.flatMap { $0.isEmpty ? nil : $0 } ?? ["0"] }),
        ParamSpec(name: "memNode", values: .positiveInteger(extra: ["0"]), defaults: ["0"],
                  summary: "node the memory is bound to (default: every node with memory)",
                  machineDefaults: { _ in layout().map { $0.memoryNodes.map(String.init) }.flatMap { $0.isEmpty ? nil : $0 } ?? ["0"] }),
    ]
}

/// The layout or the skip reason when libnuma says NUMA is unavailable.
func requireLayout(_ layout: () -> NUMALayout?) throws(BenchmarkError) -> NUMALayout {
    guard let l = layout() else {
        throw .unsupported("libnuma reports NUMA unavailable (numa_available() < 0): the kernel lacks NUMA support or the syscalls are blocked (seccomp)")
    }
    return l
}

/// Tallies the pages of a bound working set and turns the verdict into details and a warning.
func recordPlacement(_ query: () throws(SystemError) -> [Int], target: Int, details: inout [String: String], warnings: inout [String]) {
    do {
        let placement = PagePlacement(pageNodes: try query(), target: target)
        details["placement"] = placement.summary
        details["pages"] = placement.detail
        if let w = placement.warning { warnings.append(w) }
    } catch {
        details["placement"] = "unverified"
        warnings.append("placement unverified: \(error)")
    }
}

/// `numa.lat`: the dependent-load chain of `mem.lat`, thread on one node, memory bound to another.
struct NUMALatency: Benchmark {
    var layout: @Sendable () -> NUMALayout? = { NUMALayout.live() }

    var info: BenchmarkInfo {
        BenchmarkInfo(
            id: "numa.lat",
            summary: "dependent loads (p = *p) around a random cycle through a DRAM-sized working set bound to memNode (mbind), thread pinned to a CPU of cpuNode",
            reveals: "remote/local latency should follow the SLIT distances; a guest whose virtual nodes do not match host nodes shows equal figures (or worse: remote where it claims local)",
            params: numaNodeParams(layout: layout),
            metric: "latency", unit: "ns", better: .lower)
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let plan = try NUMAPlan.make(cpuNode: params["cpuNode"], memNode: params["memNode"], layout: try requireLayout(layout), allowedCPUs: context.allowedCPUs)
        var warnings = plan.warnings
        let (bytes, capped) = numaWorkingSet(
            quick: context.quick, llcBytes: context.environment.lastLevelCacheBytes,
            nodeFreeBytes: LibNUMA.freeBytes(node: plan.memNode), memAvailable: MemInfo.available(), fraction: context.limits.memoryFraction)
        if let capped { warnings.append(capped) }
        let memory = try MappedMemory(bytes: bytes, hugePages: false)
        try memory.bind(toNode: plan.memNode)
        // The chain touches every page here: the binding, not the touching thread, places them.
        let chain = try PointerChain(memory: memory, stride: 64, seed: UInt64(bytes))
        var details = plan.details
        details["workingSetBytes"] = String(bytes)
        details["pageSize"] = "4k"
        recordPlacement({ () throws(SystemError) in try memory.pageNodes() }, target: plan.memNode, details: &details, warnings: &warnings)
        let cpu = plan.cpus.contains(context.measurementCPU) ? context.measurementCPU : plan.cpus[0]
        let derived = plan.derived
        return PreparedBenchmark(
            placement: .threadsOn(cpus: [cpu]),
            kernel: { hops, _ in blackHole(chain.chase(hops: hops)) },
            warnings: warnings, details: details, derive: { _ in derived })
    }

    func relate(_ results: [BenchmarkResult]) -> [BenchmarkResult] { relateToLocal(results) }
}

/// `numa.bw`: read bandwidth of threads on one node from memory bound to another.
struct NUMABandwidth: Benchmark {
    var layout: @Sendable () -> NUMALayout? = { NUMALayout.live() }

    var info: BenchmarkInfo {
        BenchmarkInfo(
            id: "numa.bw",
            summary: "read bandwidth (a sum over 64-bit words) of pinned threads on cpuNode from an array bound to memNode; GB/s = 10^9 bytes read",
            reveals: "remote/local bandwidth shows the interconnect share; a guest NUMA layout that does not match the host's shows equal figures or host-side remote traffic",
            params: numaNodeParams(layout: layout) + [
                ParamSpec(name: "threads", values: .positiveInteger(extra: ["all"]), defaults: ["1", "all"],
                          summary: "pinned threads on cpuNode's CPUs: 1 or all of them")
            ],
            metric: "bandwidth", unit: "GB/s", better: .higher)
    }

    /// `all` is every usable CPU of cpuNode, not of the machine; nil (left as `all`, skipped
    /// with a reason at prepare) when the node does not resolve.
    func threadsForAll(params: [String: String], allowedCPUs: [Int]) -> Int? {
        guard let layout = layout(), let plan = try? NUMAPlan.make(cpuNode: params["cpuNode"], memNode: params["memNode"], layout: layout, allowedCPUs: allowedCPUs)
        else { return nil }
        return plan.cpus.count
    }

    func prepare(params: [String: String], context: RunContext) throws -> PreparedBenchmark {
        let plan = try NUMAPlan.make(cpuNode: params["cpuNode"], memNode: params["memNode"], layout: try requireLayout(layout), allowedCPUs: context.allowedCPUs)
        var warnings = plan.warnings
        let cpus: [Int]
        switch params["threads"] ?? "1" {
        case "all": cpus = plan.cpus
        case let t:
            guard let n = Int(t), n >= 1 else { throw BenchmarkError.failed("threads must be a positive integer or all, got '\(t)'") }
            guard n <= plan.cpus.count else {
                throw BenchmarkError.unsupported("threads=\(n) but node \(plan.cpuNode) has \(plan.cpus.count) usable CPUs")
            }
            let first = plan.cpus.contains(context.measurementCPU) ? [context.measurementCPU] : []
            cpus = Array((first + plan.cpus.filter { !first.contains($0) }).prefix(n))
        }
        let (bytes, capped) = numaWorkingSet(
            quick: context.quick, llcBytes: context.environment.lastLevelCacheBytes,
            nodeFreeBytes: LibNUMA.freeBytes(node: plan.memNode), memAvailable: MemInfo.available(), fraction: context.limits.memoryFraction)
        if let capped { warnings.append(capped) }
        let chunk = bytes / 8 / cpus.count
        let count = chunk * cpus.count
        let words = try NodeBoundWords(count: count, node: plan.memNode)
        // Filled here, not by the measuring threads: the binding places the pages.
        words.fill(0..<count)
        var details = plan.details
        details["arrayBytes"] = String(count * 8)
        details["kernel"] = StreamArrays.usesAVX2 ? "avx2" : "sse2"
        details["accounting"] = "\(cpus.count) threads × \(chunk * 8) bytes read per pass"
        recordPlacement({ () throws(SystemError) in try words.pageNodes() }, target: plan.memNode, details: &details, warnings: &warnings)
        let range: @Sendable (Int) -> Range<Int> = { t in (t * chunk)..<((t + 1) * chunk) }
        let derived = plan.derived
        // a[j] = j, so one pass sums to count·(count−1)/2 (wrapping, as the kernel adds).
        let expected = UInt64(count) % 2 == 0
            ? (UInt64(count) / 2) &* (UInt64(count) &- 1) : UInt64(count) &* ((UInt64(count) &- 1) / 2)
        return PreparedBenchmark(
            placement: .threadsOn(cpus: cpus),
            kernel: { passes, thread in blackHole(words.readSum(range(thread), passes: passes)) },
            conversion: .rate(workPerOp: Double(chunk * 8), scale: 1e9),
            warnings: warnings,
            validate: {
                let sum = words.readSum(0..<count, passes: 1)
                if sum != expected {
                    throw BenchmarkError.failed("the array sums to \(sum), not \(expected): the kernel or the memory is broken")
                }
            },
            details: details, derive: { _ in derived })
    }

    func relate(_ results: [BenchmarkResult]) -> [BenchmarkResult] { relateToLocal(results) }
}
