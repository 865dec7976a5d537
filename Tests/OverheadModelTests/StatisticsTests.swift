import OverheadTestSupport
import Testing
@testable import OverheadModel

@Suite struct StatisticsTests {
    @Test func summaryOfFixedData() throws {
        let s = try summarize([4, 1, 3, 2, 5])
        #expect(s.n == 5)
        #expect(s.median == 3)
        #expect(s.mean == 3)
        #expect(s.min == 1)
        #expect(s.max == 5)
        #expect(abs(s.stddev - 1.5811388300841898) < 1e-12)
        #expect(abs(s.cv - 0.5270462766947299) < 1e-12)
        #expect(abs(s.p5 - 1.2) < 1e-12)
        #expect(abs(s.p95 - 4.8) < 1e-12)
    }
}
