import Synchronization

/// Network passes per sample a model has run, counted where one evaluation may cost more than
/// one: a guided evaluation runs two (a doubled batch, or the model and its guide), an evaluation
/// outside the guidance interval one. NFE counts evaluations; this counts the network work behind
/// them. Shared by the copies of a model (`GuidedModel.rows`), safe from any thread.
public final class NetworkPassCounter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    /// Passes so far.
    public var count: Int { value.load(ordering: .relaxed) }

    /// Records one evaluation of `passes` network passes.
    public func add(_ passes: Int) { value.add(passes, ordering: .relaxed) }
}
