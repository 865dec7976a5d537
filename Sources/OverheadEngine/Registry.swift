/// The benchmarks this build knows, by id.
public struct BenchmarkRegistry: Sendable {
    public let benchmarks: [any Benchmark]

    public init(_ benchmarks: [any Benchmark]) {
        self.benchmarks = benchmarks.sorted { $0.info.id < $1.info.id }
    }

    /// The benchmark with this id, if registered.
    public func benchmark(id: String) -> (any Benchmark)? {
        benchmarks.first { $0.info.id == id }
    }

    public var ids: [String] { benchmarks.map(\.info.id) }
}

/// Shell-style glob on benchmark ids: `*` any run of characters, `?` one character.
/// (`mem.*` matches `mem.bw.triad`: dots are not special.)
public func globMatches(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern), t = Array(text)
    var pi = 0, ti = 0, starP = -1, starT = 0
    while ti < t.count {
        if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
            pi += 1
            ti += 1
        } else if pi < p.count && p[pi] == "*" {
            starP = pi
            starT = ti
            pi += 1
        } else if starP >= 0 {
            pi = starP + 1
            starT += 1
            ti = starT
        } else {
            return false
        }
    }
    while pi < p.count && p[pi] == "*" { pi += 1 }
    return pi == p.count
}
