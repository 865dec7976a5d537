import OverheadEngine

/// Every benchmark this build registers. Add a new benchmark type here.
public enum Catalog {
    public static let registry = BenchmarkRegistry([
        SyscallNull(),
        TimerClockGettime(),
        CPUCPUID(),
        CPUInt(),
        CPUFP(),
        TimerTSC(serializing: false),
        TimerTSC(serializing: true),
        MemoryBandwidth(kernel: .copy),
        MemoryBandwidth(kernel: .scale),
        MemoryBandwidth(kernel: .add),
        MemoryBandwidth(kernel: .triad),
        MemoryLatency(),
        MemoryPageFault(),
        SyscallIO(op: .read),
        SyscallIO(op: .write),
        SyscallIO(op: .stat),
        SyscallIO(op: .open),
        SyscallIO(op: .mmap),
        StorageRandRead(),
        StorageSequential(write: false),
        StorageSequential(write: true),
        StorageFsync(),
        NetworkRoundTrip(udp: false),
        NetworkRoundTrip(udp: true),
        NetworkStream(),
    ])
}
