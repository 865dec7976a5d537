import Foundation
import OverheadSystem
import Synchronization

/// Runs one kernel call on several pinned threads at once. The calling thread is worker 0 (pinned
/// to the first CPU); the others spin on a generation counter, so a batch starts within
/// microseconds on every CPU and the measured time runs from the common start to the last finish.
final class WorkerPool: Sendable {
    private let cpus: [Int]
    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Int>(0)
    private let job = Mutex<(kernel: Kernel, iterations: Int)?>(nil)
    private let pinFailures = Mutex<[String]>([])

    /// Starts `cpus.count - 1` helper threads pinned to `cpus[1...]`; the caller is pinned to `cpus[0]`.
    init(cpus: [Int]) throws(SystemError) {
        precondition(!cpus.isEmpty)
        self.cpus = cpus
        try Affinity.set([cpus[0]])
        for index in 1..<max(1, cpus.count) {
            let cpu = cpus[index]
            let thread = Thread { [self] in self.workerLoop(index: index, cpu: cpu) }
            thread.stackSize = 1 << 20
            thread.start()
        }
        while started.load(ordering: .acquiring) < cpus.count - 1 { sched_yield() }
        if let failure = pinFailures.withLock({ $0.first }) {
            stop()
            throw SystemError(call: failure, errno: EINVAL)
        }
    }

    /// Runs `kernel(iterations, i)` on every worker i at once and returns when all are done.
    func run(_ kernel: @escaping Kernel, iterations: Int) {
        if cpus.count == 1 {
            kernel(iterations, 0)
            return
        }
        job.withLock { $0 = (kernel, iterations) }
        finished.store(0, ordering: .releasing)
        generation.add(1, ordering: .acquiringAndReleasing)
        kernel(iterations, 0)
        while finished.load(ordering: .acquiring) < cpus.count - 1 { spinPause() }
    }

    /// Ends the helper threads.
    func stop() {
        stopping.store(true, ordering: .releasing)
        generation.add(1, ordering: .acquiringAndReleasing)
    }

    private func workerLoop(index: Int, cpu: Int) {
        do {
            try Affinity.set([cpu])
        } catch {
            pinFailures.withLock { $0.append("sched_setaffinity(cpu \(cpu))") }
        }
        started.add(1, ordering: .acquiringAndReleasing)
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                // Spin (a batch starts within ~100 ns) for a few ms between batches, then sleep so
                // a pool left idle does not burn its CPU; workers live only for one segment.
                if spins > 5_000_000 { usleep(50) } else { spinPause() }
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let work = job.withLock({ $0 }) { work.kernel(work.iterations, index) }
            finished.add(1, ordering: .acquiringAndReleasing)
        }
    }

    @inline(__always) private func spinPause() {
        #if arch(x86_64)
        // The `pause` hint is not exposed to Swift; a relaxed load loop is the portable stand-in.
        _ = stopping.load(ordering: .relaxed)
        #endif
    }

    deinit { stop() }
}
