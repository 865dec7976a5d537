import Synchronization

/// Something benchmarks share across the rounds and cases of one session (scratch files, latency
/// logs, a loopback server): made on first use by `RunResources.shared(_:)`, let go of by
/// `release()` when the session ends.
public protocol SessionResource: AnyObject, Sendable {
    /// A fresh, empty resource.
    init()
    /// Closes, stops or forgets what the resource holds; called once, when the session ends.
    func release()
}

/// The resources of one session (one in-process measurement, or one replicate worker): created by
/// the session, reached by benchmarks through `RunContext.resources`, released by the session with
/// `defer` on every path (Ctrl-C included). Nothing here is process-wide: two sessions in one
/// process (tests running in parallel) each have their own.
public final class RunResources: Sendable {
    private let resources = Mutex<[ObjectIdentifier: any SessionResource]>([:])

    /// An empty set of resources.
    public init() {}

    /// This session's resource of type `R`, made on first use.
    public func shared<R: SessionResource>(_ type: R.Type) -> R {
        resources.withLock { all in
            if let existing = all[ObjectIdentifier(type)] as? R { return existing }
            let made = R()
            all[ObjectIdentifier(type)] = made
            return made
        }
    }

    /// Releases every resource made so far and forgets them (a later `shared` makes a fresh one).
    public func releaseAll() {
        let all = resources.withLock { r in defer { r.removeAll() }; return Array(r.values) }
        for resource in all { resource.release() }
    }
}
