import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadSystem

/// A fake `/` with the given files (path → content).
private func fakeRoot(_ files: [String: String]) throws -> SystemRoot {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
    for (path, content) in files {
        let url = dir.appendingPathComponent(String(path.dropFirst()))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: url, atomically: true, encoding: .utf8)
    }
    return SystemRoot(path: dir.path)
}

@Suite struct CgroupMemoryTests {
    let meminfo = "MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\n"  // 8 GiB available

    @Test func v2PodLimitBindsBelowMemAvailable() throws {
        // A pod with a 2 GiB limit, 512 MiB used; its parent (the QoS slice) has no limit.
        let root = try fakeRoot([
            "/proc/meminfo": meminfo,
            "/proc/self/cgroup": "0::/kubepods/pod1/ctr\n",
            "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
            "/sys/fs/cgroup/kubepods/pod1/ctr/memory.max": "max\n",
            "/sys/fs/cgroup/kubepods/pod1/memory.max": "\(2 << 30)\n",
            "/sys/fs/cgroup/kubepods/pod1/memory.current": "\(512 << 20)\n",
            "/sys/fs/cgroup/kubepods/memory.max": "max\n",
        ])
        #expect(CgroupMemory.headroom(root: root) == (2 << 30) - (512 << 20))
        #expect(MemInfo.available(root: root) == (2 << 30) - (512 << 20))
    }

    @Test func v1LimitAndNoLimit() throws {
        let limited = try fakeRoot([
            "/proc/meminfo": meminfo,
            "/proc/self/cgroup": "12:cpu,cpuacct:/x\n7:memory:/docker/abc\n",
            "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "\(1 << 30)\n",
            "/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes": "\(1 << 28)\n",
        ])
        #expect(MemInfo.available(root: limited) == (1 << 30) - (1 << 28))
        // v1's "no limit" (2⁶³−1 rounded to a page) and v2's "max": MemAvailable alone.
        let unlimited = try fakeRoot([
            "/proc/meminfo": meminfo,
            "/proc/self/cgroup": "7:memory:/\n0::/user.slice\n",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "/sys/fs/cgroup/user.slice/memory.max": "max\n",
        ])
        #expect(CgroupMemory.headroom(root: unlimited) == nil)
        #expect(MemInfo.available(root: unlimited) == 8 << 30)
        // A limit the usage already exceeds leaves nothing, not a negative size.
        let over = try fakeRoot([
            "/proc/self/cgroup": "0::/\n",
            "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
            "/sys/fs/cgroup/memory.max": "100\n",
            "/sys/fs/cgroup/memory.current": "200\n",
        ])
        #expect(CgroupMemory.headroom(root: over) == 0)
    }

    /// A container with its own cgroup mount (mountinfo root = its cgroup): the limit is read at
    /// the mount point, where the other cgroup readers find it too.
    @Test func containerCgroupMountIsFollowed() throws {
        let root = try fakeRoot([
            "/proc/self/cgroup": "0::/kubepods/pod1/ctr\n",
            "/proc/self/mountinfo": "30 25 0:26 /kubepods/pod1/ctr /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n",
            "/sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
            "/sys/fs/cgroup/memory.max": "\(1 << 30)\n",
            "/sys/fs/cgroup/memory.current": "\(1 << 20)\n",
        ])
        #expect(CgroupMemory.headroom(root: root) == (1 << 30) - (1 << 20))
    }
}
