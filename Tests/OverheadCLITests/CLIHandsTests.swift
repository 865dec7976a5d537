import Foundation
import OverheadTestSupport
import Testing
@testable import OverheadCLI
@testable import OverheadEngine

/// `--color`, progress with elapsed time and ETA, completions (issue 20).
@Suite struct CLIHandsTests {
    @Test func colorChoiceHonoursNoColorAndDumbTerminals() {
        let tty = ["TERM": "xterm-256color"]
        #expect(ColorChoice.auto.enabled(isTerminal: true, environment: tty))
        #expect(!ColorChoice.auto.enabled(isTerminal: false, environment: tty))
        #expect(!ColorChoice.auto.enabled(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(!ColorChoice.auto.enabled(isTerminal: true, environment: [:]))
        #expect(!ColorChoice.auto.enabled(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
        // no-color.org: an empty NO_COLOR does not count.
        #expect(ColorChoice.auto.enabled(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]))
        #expect(ColorChoice.always.enabled(isTerminal: false, environment: ["TERM": "dumb", "NO_COLOR": "1"]))
        #expect(!ColorChoice.never.enabled(isTerminal: true, environment: tty))
    }

    @Test func progressLinesCarryElapsedTimeAndETA() throws {
        let p = ProgressPrinter(enabled: true, terminal: false, now: 1000)
        func event(_ done: Int, _ replicate: Int) -> ProgressEvent {
            ProgressEvent(done: done, total: 4, replicate: replicate, replicates: 3, caseName: "sys.null")
        }
        // First replicate, nothing done: no estimate yet.
        #expect(p.line(event(0, 1), now: 1000) == "replicate 1/3 [1/4] sys.null  elapsed 0s, ETA ?")
        // Two of four cases in 10 s: 10 s more for this replicate, 20 s for each of the 2 others.
        #expect(p.line(event(2, 1), now: 1010) == "replicate 1/3 [3/4] sys.null  elapsed 10s, ETA 50s")
        // Replicate 1 took 20 s; the estimate comes from it from now on.
        #expect(p.line(event(0, 2), now: 1020) == "replicate 2/3 [1/4] sys.null  elapsed 20s, ETA 40s")
        // Replicate 2 took 30 s: 25 s a replicate on average, 15 of them gone.
        #expect(p.line(event(0, 3), now: 1050) == "replicate 3/3 [1/4] sys.null  elapsed 50s, ETA 25s")
        #expect(p.line(event(3, 3), now: 1065) == "replicate 3/3 [4/4] sys.null  elapsed 1m05s, ETA 10s")
        // A worker process starts with the run's start and the replicate time from its parent.
        let args = p.workerArguments(finishedReplicateSeconds: [20, 30])
        #expect(args == ["--progress-start", "1000.0", "--progress-replicate-seconds", "25.0"])
        let worker = ProgressPrinter(enabled: true, terminal: false, runStart: 1000, replicateSeconds: 25, now: 1100)
        let parsed = try #require(try OverheadBench.parseAsRoot(["run", "--quick"] + args) as? OverheadBench.Run)
        #expect(parsed.progressStart == 1000 && parsed.progressReplicateSeconds == 25)
        #expect(worker.line(event(0, 3), now: 1100) == "replicate 3/3 [1/4] sys.null  elapsed 1m40s, ETA 25s")
        #expect(formatDuration(3725) == "1h02m")
    }

    @Test func completionsOfferIdsWorkloadsAndLabels() throws {
        #expect(Completions.labelNames.contains("vm-sriov"))
        let names = Completions.workloadNames(executablePath: repoRoot.appendingPathComponent(".build/debug/overhead-bench").path)
        #expect(names.contains("default") && names.contains("quick"))
        // The completion script asks the binary for them: `---completion run -- --only ...`.
        let script = OverheadBench.completionScript(for: .bash)
        #expect(script.contains("---completion run -- --only"))
        #expect(script.contains("---completion run -- --workload"))
        #expect(script.contains("---completion compare -- --baseline"))
    }
}
