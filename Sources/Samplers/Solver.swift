import TensorCore
import Generative

/// One step of an integration method: `solve` owns the loop, a solver only maps
/// (x at t₀) ↦ (x at t₁).
///
/// A solver may carry state between steps (`State`: a cached derivative for FSAL
/// Runge–Kutta methods, the previous x̂₀ for multistep DPM-Solver++). The loop commits the
/// returned state only when the step is accepted, so rejected adaptive steps never corrupt it.
///
/// Every solver declares its own facts — order, whether it draws noise, whether it can step
/// adaptively (an error estimate), how many evaluations a step costs, the diffusion level of the
/// dynamics it integrates, what it needs of the path and whether its step is one Gaussian draw
/// (`hasGaussianStep`, what inpainting's particles weigh by) — so no caller switches on its kind.
public protocol Solver: Sendable {
    associatedtype State = Void

    /// Convergence order: the global order for ODE methods, the strong order for SDE methods
    /// (measured by the tests).
    var order: Double { get }
    /// Whether steps draw noise.
    var isStochastic: Bool { get }
    /// Order q of the embedded local error estimate (the controller's exponent is 1/(q + 1)),
    /// nil for solvers without one (they only run on fixed grids).
    var errorEstimateOrder: Int? { get }
    /// The diffusion level g of the reverse dynamics this solver integrates when it samples a model
    /// (`Equation.reverse(model, level:)`): zero for ODE methods and for solvers that inject
    /// their own noise (DDIM-η, predictor–corrector, EDM churn, SDE-DPM-Solver++).
    var diffusionLevel: DiffusionLevel { get }

    /// Evaluations (NFE) the step from t₀ to t₁ makes on `equation`; `isFirst`: no earlier step
    /// (FSAL methods reuse the previous step's last stage). A fixed grid's NFE is their sum.
    func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int
    /// Checks what the solver needs of a path at its start time t₀ (e.g. a finite log-SNR).
    /// - Throws: `SamplerError` saying what to change.
    func validate(start t0: Double, on path: GaussianPath) throws

    /// The times a fixed-grid run steps through, given the grid's (default: the grid itself;
    /// restart sampling inserts its jumps back up and the steps down again).
    func stepTimes(_ grid: [Double], on path: GaussianPath) throws -> [Double]

    /// The state before the first step.
    func initialState() -> State
    /// One step from (x, t₀) to t₁ (t₁ < t₀ when sampling).
    func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State>
    /// The state, told that dx/dt = `derivative` at (x, t) (FSAL methods reuse it; others ignore it).
    func seeded(_ state: State, derivative: Tensor, at t: Double) -> State

    /// Whether the step is one Gaussian draw, x₁ ~ N(mean, spread²·I) given x₀, with spread > 0
    /// (except onto σ = 0), that `gaussianStep` describes: the density a particle method weighs
    /// by (inpainting's SMC). Default false.
    var hasGaussianStep: Bool { get }
    /// The step from (x, t₀) to t₁ split into its Gaussian, x₁ = mean + spread·z with
    /// z = `context.brownianNormal(from: t₀, to: t₁)` (path 0, as `step` draws it), taking the
    /// same evaluations as `step`; nil (the default) when `hasGaussianStep` is false. A particle
    /// method reweighs and resamples the means' rows before adding the noise, so a solver that
    /// declares it must not keep per-row history in its `State`.
    func gaussianStep(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> GaussianStep<State>?
}

extension Solver {
    public var isStochastic: Bool { false }
    public var errorEstimateOrder: Int? { nil }
    public var diffusionLevel: DiffusionLevel { .zero }
    /// Whether the solver can run under a `PIController` (it has an embedded error estimate).
    public var isAdaptive: Bool { errorEstimateOrder != nil }
    public func seeded(_ state: State, derivative: Tensor, at t: Double) -> State { state }
    public func validate(start t0: Double, on path: GaussianPath) throws {}
    public func stepTimes(_ grid: [Double], on path: GaussianPath) throws -> [Double] { grid }
    public var hasGaussianStep: Bool { false }
    public func gaussianStep(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> GaussianStep<State>? {
        nil
    }
}

/// The check of solvers that work in log-SNR λ = log(α/σ) (exponential integrators, EDM's
/// noise levels, the predictor's step ratio α₀/α₁): λ(t₀) must be finite.
func requireFiniteLogSNR(_ t0: Double, on path: GaussianPath) throws {
    guard path.logSNR(t0).isFinite else {
        throw SamplerError("tStart = \(t0) has an infinite log-SNR on the \(path.kind.rawValue) path (α = 0); "
                           + "this solver needs tStart below it or an explicit sigmaMax")
    }
}

extension Solver where State == Void {
    public func initialState() {}
}

/// What one step returns.
public struct SolverStep<State> {
    /// x at t₁.
    public var x: Tensor
    /// Local error estimate (embedded Runge–Kutta pairs), nil otherwise.
    public var error: Tensor?
    /// The state after the step, used if the step is accepted.
    public var state: State
    /// The state to keep if the step is rejected (nil: the state before the step).
    public var stateIfRejected: State?

    public init(x: Tensor, error: Tensor? = nil, state: State, stateIfRejected: State? = nil) {
        self.x = x
        self.error = error
        self.state = state
        self.stateIfRejected = stateIfRejected
    }
}

extension SolverStep where State == Void {
    public init(x: Tensor) { self.init(x: x, state: ()) }
}

/// A step as one Gaussian draw (`Solver.gaussianStep`): x₁ = mean + spread·z, z standard normal.
public struct GaussianStep<State> {
    /// The mean of x₁ given x₀.
    public var mean: Tensor
    /// The standard deviation of every element of x₁ given x₀ (0 onto σ = 0).
    public var spread: Double
    /// The state after the step.
    public var state: State

    public init(mean: Tensor, spread: Double, state: State) {
        self.mean = mean
        self.spread = spread
        self.state = state
    }
}
