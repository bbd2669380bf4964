import TensorCore

/// How `solve` steps through time.
public enum Stepping {
    /// Exactly the given times, in order (e.g. a `TimeGrid`'s): one step between consecutive times.
    case fixed([Double])
    /// From `from` to `to` with steps chosen by the controller (embedded Runge–Kutta pairs only).
    case adaptive(from: Double, to: Double, controller: PIController)

    var start: Double {
        switch self {
        case .fixed(let ts): return ts[0]
        case .adaptive(let a, _, _): return a
        }
    }

    var end: Double {
        switch self {
        case .fixed(let ts): return ts[ts.count - 1]
        case .adaptive(_, let b, _): return b
        }
    }
}

/// What `solve` keeps besides the final state.
public enum SaveAt: Equatable, Sendable {
    /// Only the final state.
    case final
    /// The initial state and the state after every accepted step.
    case steps
    /// The states at these times (within the integration range), never changing the steps
    /// taken: a time the stepping visits gets that state exactly; any other is the linear
    /// interpolation between the accepted states on either side (first-order dense output,
    /// error O(h²) for an ODE; for an SDE it leaves out the Brownian bridge between the two).
    case times([Double])
}

/// One saved state.
public struct Snapshot {
    public var time: Double
    public var x: Tensor
}

/// Progress reported after every accepted step.
public struct SolveProgress: Sendable {
    public var step: Int
    /// Number of steps of a fixed grid, nil when adaptive.
    public var stepCount: Int?
    public var time: Double
    public var evaluations: Int
}

/// What `solve` returns.
public struct SolveResult {
    /// The state at the end time (after the final denoising, if requested).
    public var samples: Tensor
    /// The states requested by `SaveAt` (empty for `.final`).
    public var trajectory: [Snapshot]
    /// Function evaluations (NFE).
    public var evaluations: Int
    public var acceptedSteps: Int
    public var rejectedSteps: Int
}

/// Integrates `equation` from `initial` with `solver`: the one loop of Drift's samplers.
///
/// The loop owns stepping (a fixed grid, or steps chosen by a `PIController`), saving, progress
/// callbacks, NFE counting (every evaluation goes through the `StepContext`) and randomness:
/// SDE noise is drawn from a Brownian path and keyed normals that depend only on
/// (`key`, sample index = `firstSample` + row), so a batch gives the same rows as the same
/// samples drawn in any other split. `brownianSpan` is the span of that path (default: the
/// model path's [0, max(domain, range)], or the integration range): keep it fixed to compare
/// step counts on the same noise.
///
/// - Parameter denoise: after the last step, replace x by the model's x̂₀ at the end time
///   (one more evaluation; "final denoising", Song et al. 2021 App. G / Karras et al. 2022).
/// - Throws: `SolveError` when adaptive stepping exceeds `maxSteps` or falls below `minStep`.
public func solve<S: Solver>(
    _ equation: Equation, solver: S, from initial: Tensor, stepping: Stepping,
    saveAt: SaveAt = .final, denoise: Bool = false,
    key: RandomKey = RandomKey(seed: 0), firstSample: Int = 0,
    brownianSpan: ClosedRange<Double>? = nil,
    progress: ((SolveProgress) -> Void)? = nil
) throws -> SolveResult {
    let lo = Swift.min(stepping.start, stepping.end), hi = Swift.max(stepping.start, stepping.end)
    let span = brownianSpan ?? equation.model.map { 0...Swift.max($0.path.domain.upperBound, hi) } ?? lo...Swift.max(hi, lo + 1)
    let context = StepContext(equation: equation, shape: initial.shape, key: key, firstSample: firstSample, brownianSpan: span)
    var run = SolveRun(solver: solver, context: context, x: initial, saveAt: saveAt, progress: progress)
    switch stepping {
    case .fixed(let times):
        run.fixed(times)
    case let .adaptive(from, to, controller):
        precondition(solver.errorEstimateOrder != nil, "solve: adaptive stepping needs a solver with an error estimate")
        try run.adaptive(from: from, to: to, controller: controller)
    }
    if denoise {
        run.x = context.fields(run.x, at: stepping.end).x0
    }
    return SolveResult(samples: run.x, trajectory: run.trajectory, evaluations: context.evaluations,
                       acceptedSteps: run.accepted, rejectedSteps: run.rejected)
}

/// The mutable state of one `solve` call.
struct SolveRun<S: Solver> {
    let solver: S
    let context: StepContext
    var x: Tensor
    var state: S.State
    let saveAt: SaveAt
    let progress: ((SolveProgress) -> Void)?
    var trajectory: [Snapshot] = []
    var accepted = 0, rejected = 0

    init(solver: S, context: StepContext, x: Tensor, saveAt: SaveAt, progress: ((SolveProgress) -> Void)?) {
        self.solver = solver
        self.context = context
        self.x = x
        self.state = solver.initialState()
        self.saveAt = saveAt
        self.progress = progress
    }

    /// Requested save times, sorted in the direction of integration.
    func saveTimes(from t0: Double, to t1: Double) -> [Double] {
        guard case .times(let ts) = saveAt else { return [] }
        let lo = Swift.min(t0, t1), hi = Swift.max(t0, t1)
        for t in ts { precondition(t >= lo && t <= hi, "solve: save time \(t) outside the integration range [\(lo), \(hi)]") }
        return t1 < t0 ? ts.sorted(by: >) : ts.sorted()
    }

    /// Records the state after a step from (t₀, x₀) to (t₁, x): every pending time in [t₀, t₁].
    mutating func save(from t0: Double, _ x0: Tensor, to t1: Double, pending: inout [Double]) {
        switch saveAt {
        case .final: break
        case .steps: trajectory.append(Snapshot(time: t1, x: x))
        case .times:
            while let p = pending.first, (p - t0) * (t1 - t0) >= 0, Swift.abs(p - t0) <= Swift.abs(t1 - t0) {
                let u = (p - t0) / (t1 - t0)
                let state = p == t1 ? x : (p == t0 ? x0 : Tensor.combination([(1 - u, x0), (u, x)]))
                trajectory.append(Snapshot(time: p, x: state))
                pending.removeFirst()
            }
        }
    }

    /// Records the initial state (`.steps`, and requested times equal to t₀).
    mutating func saveInitial(_ t0: Double, pending: inout [Double]) {
        switch saveAt {
        case .final: break
        case .steps: trajectory.append(Snapshot(time: t0, x: x))
        case .times:
            while let p = pending.first, p == t0 {
                trajectory.append(Snapshot(time: p, x: x))
                pending.removeFirst()
            }
        }
    }

    mutating func fixed(_ times: [Double]) {
        precondition(times.count >= 1, "solve: empty time grid")
        var pending = saveTimes(from: times[0], to: times[times.count - 1])
        context.stepCount = times.count - 1
        saveInitial(times[0], pending: &pending)
        for i in 0..<(times.count - 1) {
            context.stepIndex = i
            let before = x
            let r = solver.step(x, from: times[i], to: times[i + 1], state: state, context: context)
            x = r.x
            state = r.state
            accepted += 1
            save(from: times[i], before, to: times[i + 1], pending: &pending)
            progress?(SolveProgress(step: i + 1, stepCount: times.count - 1, time: times[i + 1], evaluations: context.evaluations))
        }
    }

    mutating func adaptive(from t0: Double, to t1: Double, controller c: PIController) throws {
        guard t0 != t1 else { return }
        let q = solver.errorEstimateOrder!
        let direction: Double = t1 > t0 ? 1 : -1
        var pending = saveTimes(from: t0, to: t1)
        saveInitial(t0, pending: &pending)
        var t = t0
        var h: Double
        if let h0 = c.initialStep {
            h = h0
        } else {
            let f0 = context.drift(x, at: t0)
            state = solver.seeded(state, derivative: f0, at: t0)
            let d0 = Tensor.scaledRMS(x, x, x, rtol: c.rtol, atol: c.atol)
            let d1 = Tensor.scaledRMS(f0, x, x, rtol: c.rtol, atol: c.atol)
            h = (d0 < 1e-5 || d1 < 1e-5 || !d1.isFinite) ? 1e-6 : 0.01 * d0 / d1
        }
        h = Swift.min(Swift.abs(h), Swift.abs(t1 - t0))
        var previousError = 1.0
        var attempts = 0
        while (t1 - t) * direction > 0 {
            guard attempts < c.maxSteps else { throw SolveError.maxStepsExceeded(maxSteps: c.maxSteps, time: t) }
            attempts += 1
            // Land exactly on the end (absorbing a last sliver); save times never shorten a step.
            var next = t + direction * h
            if (t1 - next) * direction <= 1e-12 * Swift.max(1, Swift.abs(t1)) { next = t1 }
            let r = solver.step(x, from: t, to: next, state: state, context: context)
            let error = r.error.map { Tensor.scaledRMS($0, x, r.x, rtol: c.rtol, atol: c.atol) } ?? 0
            let taken = Swift.abs(next - t)
            if error <= 1 {
                let (before, from) = (x, t)
                t = next
                x = r.x
                state = r.state
                accepted += 1
                context.stepIndex = accepted
                save(from: from, before, to: t, pending: &pending)
                progress?(SolveProgress(step: accepted, stepCount: nil, time: t, evaluations: context.evaluations))
                let proposal = taken * c.acceptedFactor(error: error, previous: previousError, errorOrder: q)
                // A step shortened to land on the end does not shrink the controller's proposal.
                h = taken < h ? Swift.max(h, proposal) : proposal
                previousError = Swift.max(error, 1e-4)
            } else {
                rejected += 1
                if let s = r.stateIfRejected { state = s }
                h = taken * c.rejectedFactor(error: error, errorOrder: q)
            }
            if h < c.minStep && Swift.abs(t1 - t) > c.minStep {
                throw SolveError.stepSizeTooSmall(minStep: c.minStep, step: h, time: t)
            }
        }
    }
}
