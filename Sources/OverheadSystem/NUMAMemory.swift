import CNuma
import COverhead
import Glibc

extension LibNUMA {
    /// Free bytes on `node` now (`numa_node_size64`'s free out-parameter); nil when libnuma cannot say.
    public static func freeBytes(node: Int) -> Int? {
        var free: Int64 = 0
        let size = numa_node_size64(Int32(node), &free)
        return size > 0 && free >= 0 ? Int(free) : nil
    }

    /// Binds the calling thread to the CPUs of `node` (`numa_run_on_node`).
    public static func runOnNode(_ node: Int) throws(SystemError) {
        if numa_run_on_node(Int32(node)) != 0 { throw SystemError(call: "numa_run_on_node(\(node))", errno: errno) }
    }

    /// The node of the CPU the calling thread is on now (`sched_getcpu`, `numa_node_of_cpu`); nil if unknown.
    public static func currentNode() -> Int? {
        guard let cpu = Affinity.currentCPU() else { return nil }
        let node = numa_node_of_cpu(Int32(cpu))
        return node >= 0 ? Int(node) : nil
    }
}

extension MappedMemory {
    /// Binds the whole mapping to `node` (`mbind(MPOL_BIND)`) before anything touches it, so every
    /// page faulted in later comes from that node (and never silently from another).
    public func bind(toNode node: Int) throws(SystemError) {
        precondition(node >= 0)
        let bitsPerWord = UInt.bitWidth
        var mask = [UInt](repeating: 0, count: node / bitsPerWord + 1)
        mask[node / bitsPerWord] |= 1 << UInt(node % bitsPerWord)
        // maxnode counts bits + 1: the kernel drops the last one (libnuma passes size + 1 too).
        let maxnode = UInt(mask.count * bitsPerWord + 1)
        let rc = mask.withUnsafeBufferPointer { words in
            mbind(base, UInt(advisedBytes), Int32(MPOL_BIND), words.baseAddress, maxnode, 0)
        }
        if rc != 0 { throw SystemError(call: "mbind(MPOL_BIND, node \(node))", errno: errno) }
    }

    /// Where the pages of the usable region are now: for up to `samples` pages spread evenly over
    /// it, the node holding each (`move_pages` in query mode, nodes = NULL) or a negative errno for
    /// that page (-ENOENT: not present). Throws when the call itself fails (ENOSYS: no NUMA).
    public func pageNodes(samples: Int = 16_384) throws(SystemError) -> [Int] {
        let page = Self.pageSize
        let pages = max(1, (bytes + page - 1) / page)
        let count = min(pages, max(1, samples))
        var addresses: [UnsafeMutableRawPointer?] = (0..<count).map { i in
            base + (pages == count ? i : i * pages / count) * page
        }
        var status = [Int32](repeating: Int32.min, count: count)
        let rc = addresses.withUnsafeMutableBufferPointer { addr in
            status.withUnsafeMutableBufferPointer { st in
                move_pages(0, UInt(count), addr.baseAddress, nil, st.baseAddress, 0)
            }
        }
        if rc < 0 { throw SystemError(call: "move_pages(query, \(count) pages)", errno: errno) }
        return status.map(Int.init)
    }
}

/// One array of 64-bit words bound to a NUMA node, for read bandwidth (`cob_numa_*`).
public final class NodeBoundWords: Sendable {
    /// Words in the array.
    public let count: Int
    /// The node the memory is bound to.
    public let node: Int
    private let memory: MappedMemory

    /// Maps `count` words with 4 KiB pages (bandwidth, not TLB reach, is under test) and binds
    /// them to `node` (`mbind`); nothing is touched yet.
    public init(count: Int, node: Int) throws(SystemError) {
        self.count = count
        self.node = node
        memory = try MappedMemory(bytes: count * 8, hugePages: false)
        try memory.bind(toNode: node)
    }

    /// Writes a[j] = j over `range` (`cob_numa_fill`): first touch, on the bound node.
    public func fill(_ range: Range<Int>) {
        cob_numa_fill(words, range.lowerBound, range.upperBound)
    }

    /// `passes` read passes over `range`; returns the sum of the last pass (`cob_numa_read_sum`).
    public func readSum(_ range: Range<Int>, passes: Int) -> UInt64 {
        cob_numa_read_sum(words, range.lowerBound, range.upperBound, UInt64(passes))
    }

    /// The node of up to `samples` pages spread over the array (see `MappedMemory.pageNodes`).
    public func pageNodes(samples: Int = 16_384) throws(SystemError) -> [Int] {
        try memory.pageNodes(samples: samples)
    }

    private var words: UnsafeMutablePointer<UInt64> { memory.base.assumingMemoryBound(to: UInt64.self) }
}
