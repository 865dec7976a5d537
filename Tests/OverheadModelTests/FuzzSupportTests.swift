import Foundation
import OverheadModel
import OverheadTestSupport
import Testing

@Suite struct FuzzSupportTests {
    @Test func budgetIsIterationsByDefaultAndTimeWhenAsked() {
        let fixed = FuzzBudget(defaultIterations: 3, environment: [:])
        #expect(fixed.allows(2) && !fixed.allows(3) && fixed.deadline == nil)
        let timed = FuzzBudget(defaultIterations: 3, environment: ["FUZZ_SECONDS": "30", "FUZZ_SEED": "7"])
        #expect(timed.seed == 7 && timed.allows(1_000_000) && timed.deadline != nil)
    }

    @Test func mutatorsChangeTheirInput() {
        var rng = SplitMix64(seed: 1)
        let input = Array(#"{"a":[1,2,3],"b":"text"}"#.utf8)
        let mutator = ByteMutator(tokens: FuzzTokens.common)
        let outputs = (0..<50).map { _ in mutator.mutate(input, rng: &rng) }
        #expect(outputs.filter { $0 != input }.count >= 40)
        let trees = (0..<50).compactMap { _ in JSONTreeMutator.mutate(input, rng: &rng) }
        #expect(trees.count >= 40 && trees.contains { $0 != input })
    }
}
