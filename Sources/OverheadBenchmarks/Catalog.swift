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
        ContextPipe(),
        ContextFutex(),
        ContextYield(),
        ProcessFork(),
        ProcessThread(),
        ProcessExec(),
        NUMALatency(),
        NUMABandwidth(),
    ])
}
