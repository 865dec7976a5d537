import OverheadEngine

/// Every benchmark this build registers. Add a new benchmark type here.
public enum Catalog {
    public static let registry = BenchmarkRegistry([
        SyscallNull(),
        TimerClockGettime(),
        ContextPipe(),
        ContextFutex(),
        ContextYield(),
        ProcessFork(),
        ProcessThread(),
        ProcessExec(),
    ])
}
