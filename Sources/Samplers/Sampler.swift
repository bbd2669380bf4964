import Foundation
import TensorCore
import Generative

/// A complete sampler: the method, its time grid (or step-size control) and its noise
/// settings — what one preset file in `samplers/` describes. Independent of any model: it is
/// checked against a model's path and run by `sample(_:noise:key:firstSample:progress:)`.
public struct Sampler: Sendable, Equatable {
    /// The integration method and its own parameters.
    public enum Method: Sendable, Equatable {
        /// An explicit Runge–Kutta tableau on the probability-flow ODE (adaptive if `controller` is set).
        case rungeKutta(ButcherTableau)
        /// DDIM with η (0: deterministic ODE sampler; > 0: ancestral, see `DDIM`).
        case ddim(eta: Double)
        /// DPM-Solver++(2M) on the PF-ODE.
        case dpmSolver2M
        /// DPM-Solver++(3M): η = 0 on the PF-ODE, η > 0 its SDE variant.
        case dpmSolver3M(eta: Double)
        /// iPNDM: Adams–Bashforth on the PF-ODE, order 1…4.
        case ipndm(order: Int)
        /// DEIS, time-Adams–Bashforth exponential integrator, order 1…3.
        case deis(order: Int)
        /// UniPC predictor–corrector of predictor order 1…3 and B(h) variant.
        case unipc(order: Int, variant: UniPC.Variant)
        /// Restart sampling: Heun on the PF-ODE with forward-noise restarts over an interval.
        case restart(RestartSampler.Settings)
        /// Euler–Maruyama on the reverse SDE with diffusion level g.
        case eulerMaruyama(level: DiffusionLevel)
        /// Reverse-diffusion predictor + Langevin corrector.
        case predictorCorrector(snr: Double, correctorSteps: Int)
        /// EDM's Algorithm 2 (Algorithm 1 when churn = 0).
        case edm(EDMStochasticSampler)
        /// SDE-DPM-Solver++(2M) with η.
        case sdeDPMSolver2M(eta: Double)
    }

    public var method: Method
    /// Endpoints and final step always; spacing and step count for fixed-step methods.
    public var grid: TimeGrid
    /// Step-size control: set for adaptive Runge–Kutta (embedded tableaus), nil otherwise.
    public var controller: PIController?

    public init(method: Method, grid: TimeGrid, controller: PIController? = nil) {
        self.method = method
        self.grid = grid
        self.controller = controller
    }

    /// The solver that runs the method: the one place the method becomes a step type. Every
    /// fact about the sampler (stochastic, adaptive, evaluations per step, what it needs of the
    /// path) is the solver's own.
    public var solver: any Solver {
        switch method {
        case .rungeKutta(let t): return RungeKutta(t)
        case .ddim(let eta): return DDIM(eta: eta)
        case .dpmSolver2M: return DPMSolverPlusPlus2M()
        case .dpmSolver3M(let eta): return DPMSolverPlusPlus3M(eta: eta)
        case .ipndm(let order): return IPNDM(maxOrder: order)
        case .deis(let order): return DEIS(maxOrder: order)
        case let .unipc(order, variant): return UniPC(maxOrder: order, variant: variant)
        case .restart(let settings): return RestartSampler(settings)
        case .eulerMaruyama(let level): return EulerMaruyama(level: level)
        case let .predictorCorrector(snr, m): return PredictorCorrector(snr: snr, correctorSteps: m)
        case .edm(let e): return e
        case .sdeDPMSolver2M(let eta): return SDEDPMSolverPlusPlus2M(eta: eta)
        }
    }

    /// Whether the method injects noise (an SDE sampler).
    public var isStochastic: Bool { solver.isStochastic }

    /// Evaluations for a fixed grid on `model` (the sum of the solver's per-step counts, plus the
    /// final denoising), or nil for adaptive stepping (known only after the run) and grids that
    /// do not fit the model's path.
    public func plannedEvaluations(for model: any DiffusionModel) -> Int? {
        if controller != nil { return nil }
        let s = solver
        guard let times = try? fixedTimes(on: model.path) else { return nil }
        let equation = Equation.reverse(model, level: s.diffusionLevel)
        let steps = (0..<(times.count - 1)).map { s.evaluations(from: times[$0], to: times[$0 + 1], isFirst: $0 == 0, on: equation) }
        return steps.reduce(0, +) + (grid.finalStep == .denoise ? 1 : 0)
    }

    /// The times a fixed-grid run visits: the grid's, with restart sampling's loops inserted.
    public func fixedTimes(on path: GaussianPath) throws -> [Double] {
        let times = try grid.times(on: path, edmDefaults: isStochastic)
        if case .restart(let settings) = method { return try RestartSampler(settings).restartTimes(times, on: path) }
        return times
    }

    /// Checks the sampler against a path: grid endpoints in the domain, and the solver's needs.
    /// - Throws: `SamplerError` naming the field.
    public func validate(for path: GaussianPath) throws {
        let (t0, _) = try endpoints(on: path)
        if controller == nil { _ = try grid.times(on: path, edmDefaults: isStochastic) }
        try solver.validate(start: t0, on: path)
    }

    /// (t_start, t_end) on `path`: stochastic samplers default to EDM's noise-level range (see `TimeGrid`).
    public func endpoints(on path: GaussianPath) throws -> (start: Double, end: Double) {
        try grid.endpoints(on: path, edmDefaults: isStochastic)
    }

    /// Checks the sampler against a model: its path (`validate(for:)`), and that a stochastic
    /// sampler has a score to follow (a CNF has none).
    /// - Throws: `SamplerError` saying what to use instead.
    public func validate(for model: any DiffusionModel) throws {
        try validate(for: model.path)
        if isStochastic && !model.hasScore {
            throw SamplerError("the model has no score (a CNF is an ODE-only model), so a stochastic sampler cannot run it: use an ODE sampler (e.g. dopri5, dpmpp-2m-20, heun-karras-18)")
        }
    }

    /// Standard normal initial noise ε for rows firstSample ..< firstSample + count (keyed by sample).
    public static func initialNoise(count: Int, sampleShape: [Int], key: RandomKey, firstSample: Int = 0) -> Tensor {
        Tensor.randomNormal([count] + sampleShape, key: key.fold("init"), firstSample: firstSample)
    }

    /// Samples `model` from x_start = σ(t_start)·`noise` (noise: [B] + sampleShape, standard normal;
    /// the prior N(0, σ²I) neglects α(t_start)·x₀, exact where α(t_start) = 0).
    ///
    /// Row i's result depends only on (key, firstSample + i) and its noise row.
    public func sample(_ model: any DiffusionModel, noise: Tensor, key: RandomKey, firstSample: Int = 0,
                       saveAt: SaveAt = .final, progress: ((SolveProgress) -> Void)? = nil) throws -> SolveResult {
        let path = model.path
        precondition(Array(noise.shape.dropFirst()) == model.sampleShape,
                     "Sampler.sample: noise shape \(noise.shape) does not match sample shape \(model.sampleShape)")
        try validate(for: model)
        let (t0, t1) = try endpoints(on: path)
        guard Equation.probabilityFlow(model).isDefined(t0) else {
            throw SamplerError("a \(model.parametrization.rawValue) model on the \(path.kind.rawValue) path cannot be evaluated "
                               + "at tStart = \(t0); start below it (tStart or sigmaMax)")
        }
        return try run(model, from: noise * Float(path.sigma(t0)), key: key, firstSample: firstSample, saveAt: saveAt, progress: progress)
    }

    /// Runs the reverse dynamics of `model` from the state `x` at the grid's start time t_start
    /// to its end (and final step): sampling from x = σ·ε, or editing from any other starting
    /// point (SDEdit's noised image, an encoded noise).
    public func run(_ model: any DiffusionModel, from x: Tensor, key: RandomKey, firstSample: Int = 0,
                    saveAt: SaveAt = .final, progress: ((SolveProgress) -> Void)? = nil) throws -> SolveResult {
        let path = model.path
        try validate(for: model)
        let (t0, t1) = try endpoints(on: path)
        let stepping: Stepping
        if let c = controller {
            stepping = .adaptive(from: t0, to: t1, controller: c)
        } else {
            stepping = .fixed(try fixedTimes(on: path))
        }
        let denoise = grid.finalStep == .denoise
        let k = key.fold("solve")
        func run<S: Solver>(_ s: S) throws -> SolveResult {
            try solve(.reverse(model, level: s.diffusionLevel), solver: s, from: x, stepping: stepping, saveAt: saveAt,
                      denoise: denoise, key: k, firstSample: firstSample, progress: progress)
        }
        return try run(solver)
    }
}
