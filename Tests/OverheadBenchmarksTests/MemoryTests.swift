import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadBenchmarks
@testable import OverheadEngine
@testable import OverheadModel
@testable import OverheadSystem

let thpMode: String? = {
    guard let text = SystemRoot.live.attribute("/sys/kernel/mm/transparent_hugepage/enabled"),
        let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]")
    else { return nil }
    return String(text[text.index(after: open)..<close])
}()

@Suite struct MemoryTests {
    @Test(arguments: [1, 2, 3, 64, 1000, 4096])
    func chainIsOneCycleThroughEverySlot(slots: Int) throws {
        let memory = try MappedMemory(bytes: slots * 64, hugePages: false)
        let chain = try PointerChain(memory: memory, stride: 64, seed: 42)
        #expect(chain.slots == memory.bytes / 64)
        #expect(chain.cycleLength() == chain.slots)
    }

    /// The slots a chain visits, in order, from its start round to it again (slot indices, relative
    /// to the mapping's base), read by chasing one hop at a time.
    private func walk(_ chain: PointerChain, stride: Int) -> [Int] {
        let base = UInt64(UInt(bitPattern: chain.memory.base))
        return (0..<chain.slots).map { _ in Int((chain.chase(hops: 1) - base) / UInt64(stride)) }
    }

    @Test func chainsDependOnTheSeedOnly() throws {
        let a = try PointerChain(memory: try MappedMemory(bytes: 1 << 16, hugePages: false), stride: 64, seed: 7)
        let b = try PointerChain(memory: try MappedMemory(bytes: 1 << 16, hugePages: false), stride: 64, seed: 7)
        let c = try PointerChain(memory: try MappedMemory(bytes: 1 << 16, hugePages: false), stride: 64, seed: 8)
        let walkA = walk(a, stride: 64)
        // Every slot once, the last hop back at the start.
        #expect(walkA.sorted() == Array(0..<a.slots))
        // Same seed, same walk relative to each base, whatever the mapping's address.
        #expect(a.memory.base != b.memory.base)
        #expect(walkA == walk(b, stride: 64))
        // Another seed, another walk: the order comes from the seed, not from the mapping.
        #expect(walkA != walk(c, stride: 64))
    }

    @Test func streamKernelsLeaveTheExpectedValues() throws {
        let arrays = try StreamArrays(count: 10_000)
        for kernel in StreamArrays.Kernel.allCases {
            arrays.initialize(0..<10_000)
            arrays.run(kernel, 0..<10_000, passes: 3)
            #expect(arrays.firstMismatch(kernel, 0..<10_000) == nil)
        }
        // A kernel that did not run leaves its output array wrong: validation can fail.
        arrays.initialize(0..<10_000)
        #expect(arrays.firstMismatch(.triad, 0..<10_000) == 0)
    }

    @Test func bandwidthByteAccounting() throws {
        let ctx = testContext()
        for (kernel, arrays) in [(StreamArrays.Kernel.copy, 2), (.scale, 2), (.add, 3), (.triad, 3)] {
            let b = MemoryBandwidth(kernel: kernel)
            #expect(b.arraysTouched == arrays)
            let p = try b.prepare(params: ["threads": "1"], context: ctx)
            let bytes = Int(p.details["arrayBytes"]!)!
            // One pass of one thread moves `arrays` × array bytes: at 1 s per pass that many bytes/s.
            #expect(p.conversion == .rate(workPerOp: Double(arrays * bytes), scale: 1e9))
        }
    }

    @Test func streamSizing() {
        // 32 MiB LLC → 128 MiB per array.
        #expect(streamArrayBytes(llcBytes: 32 << 20, memAvailable: 24 << 30) == (128 << 20, nil))
        // A small LLC still gets the 64 MiB floor.
        #expect(streamArrayBytes(llcBytes: 8 << 20, memAvailable: 24 << 30).bytes == 64 << 20)
        #expect(streamArrayBytes(llcBytes: nil, memAvailable: nil).bytes == 64 << 20)
        // 600 MiB available: 3 arrays may take 300 MiB → 100 MiB each, and it says so.
        let capped = streamArrayBytes(llcBytes: 64 << 20, memAvailable: 600 << 20)
        #expect(capped.bytes == 100 << 20)
        #expect(capped.capped?.contains("capped") == true)
        #expect(latencyBytes(requested: 512 << 20, memAvailable: 600 << 20).bytes == 300 << 20)
        #expect(latencyBytes(requested: 512 << 20, memAvailable: 24 << 30) == (512 << 20, nil))
    }

    @Test func threadSweep() {
        #expect(powerOfTwoThreads(1) == ["all"])
        #expect(powerOfTwoThreads(2) == ["1", "all"])
        #expect(powerOfTwoThreads(8) == ["1", "2", "4", "all"])
        #expect(powerOfTwoThreads(6) == ["1", "2", "4", "all"])
    }

    @Test func smapsParsing() {
        let smaps = """
            7f0000000000-7f0000400000 rw-p 00000000 00:00 0
            Rss:                4096 kB
            AnonHugePages:      4096 kB
            7f0000400000-7f0000600000 rw-p 00000000 00:00 0
            AnonHugePages:      2048 kB
            7f1000000000-7f1000200000 r-xp 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6
            AnonHugePages:         0 kB
            """
        #expect(MappedMemory.anonHugePages(smaps: smaps, start: 0x7f00_0000_0000, end: 0x7f00_0040_0000) == 4 << 20)
        #expect(MappedMemory.anonHugePages(smaps: smaps, start: 0x7f00_0000_0000, end: 0x7f00_0060_0000) == 6 << 20)
        #expect(MappedMemory.anonHugePages(smaps: smaps, start: 0x7f10_0000_0000, end: 0x7f10_0020_0000) == 0)
    }

    @Test(.enabled(if: thpMode == "always" || thpMode == "madvise"))
    func hugePagesAreObtainedAndVerified() throws {
        let memory = try MappedMemory(bytes: 16 << 20, hugePages: true)
        memory.touchAll(page: 4096)
        let backed = try #require(memory.hugePageBackedBytes())
        #expect(backed >= 14 << 20)
        let small = try MappedMemory(bytes: 16 << 20, hugePages: false)
        small.touchAll(page: 4096)
        #expect(small.hugePageBackedBytes() == 0)
    }

    @Test func procfsFilesAreReadToTheEnd() throws {
        // smaps is far longer than one page; a reader that stops at the first read() loses most of it.
        let text = try #require(SystemRoot.live.read("/proc/self/smaps"))
        #expect(text.count > 8192)
        #expect(text.hasSuffix("\n"))
    }

    @Test func memInfo() {
        #expect(MemInfo.parse("MemTotal: 100 kB\nMemAvailable:   2048 kB\n", key: "MemAvailable") == 2 << 20)
        #expect(MemInfo.parse("MemTotal: 100 kB\n", key: "MemAvailable") == nil)
    }
}
