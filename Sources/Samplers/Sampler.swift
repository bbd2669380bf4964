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

    /// Whether the method injects noise (an SDE sampler).
    public var isStochastic: Bool {
        switch method {
        case .rungeKutta, .dpmSolver2M: return false
        case .ddim(let eta): return eta > 0
        case .eulerMaruyama(let level): return level != .zero
        case .predictorCorrector: return true
        case .edm(let e): return e.churn > 0
        case .sdeDPMSolver2M(let eta): return eta > 0
        }
    }

    /// Evaluations for a fixed grid on `model`, or nil for adaptive stepping (known only after the run).
    public func plannedEvaluations(for model: any DiffusionModel) -> Int? {
        if controller != nil { return nil }
        let n = grid.steps, toZero = grid.finalStep == .zero ? 1 : 0, denoise = grid.finalStep == .denoise ? 1 : 0
        switch method {
        case .rungeKutta(let t):
            var count = t.fsal ? t.stages + (n - 1) * (t.stages - 1) : n * t.stages
            // A step to σ = 0 where the model is undefined is an Euler step (EDM's Algorithm 1).
            if toZero == 1 && t.stages > 1 && !Equation.probabilityFlow(model).isDefined(0) {
                count -= t.stages - 1
            }
            return count + denoise
        case .ddim, .dpmSolver2M, .eulerMaruyama, .sdeDPMSolver2M:
            return n + denoise
        case .predictorCorrector(_, let m):
            return n + (n - toZero) * m + denoise
        case .edm:
            return 2 * n - toZero + denoise
        }
    }

    /// Checks the sampler against a path: grid endpoints in the domain, and the method's needs.
    /// - Throws: `SamplerError` naming the field.
    public func validate(for path: GaussianPath) throws {
        let (t0, _) = try endpoints(on: path)
        if controller == nil { _ = try grid.times(on: path, edmDefaults: isStochastic) }
        switch method {
        case .edm, .dpmSolver2M, .sdeDPMSolver2M, .predictorCorrector:
            guard path.logSNR(t0).isFinite else {
                throw SamplerError("tStart = \(t0) has an infinite log-SNR on the \(path.kind.rawValue) path (α = 0); "
                                   + "this solver needs tStart below it or an explicit sigmaMax")
            }
        case .eulerMaruyama(let level):
            let g2 = ReverseDynamics(path: path, level: level).gSquared(t0)
            guard g2.isFinite else {
                throw SamplerError("the diffusion level is infinite at tStart = \(t0) on the \(path.kind.rawValue) path; "
                                   + "start below it (tStart) or use a bounded level (diffusion \"constant:1\")")
            }
        case .rungeKutta, .ddim:
            break
        }
    }

    /// (t_start, t_end) on `path`: stochastic samplers default to EDM's noise-level range (see `TimeGrid`).
    public func endpoints(on path: GaussianPath) throws -> (start: Double, end: Double) {
        try grid.endpoints(on: path, edmDefaults: isStochastic)
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
                       progress: ((SolveProgress) -> Void)? = nil) throws -> SolveResult {
        let path = model.path
        precondition(Array(noise.shape.dropFirst()) == model.sampleShape,
                     "Sampler.sample: noise shape \(noise.shape) does not match sample shape \(model.sampleShape)")
        try validate(for: path)
        let (t0, t1) = try endpoints(on: path)
        guard Equation.probabilityFlow(model).isDefined(t0) else {
            throw SamplerError("a \(model.parametrization.rawValue) model on the \(path.kind.rawValue) path cannot be evaluated "
                               + "at tStart = \(t0); start below it (tStart or sigmaMax)")
        }
        let x = noise * Float(path.sigma(t0))
        let stepping: Stepping
        if let c = controller {
            stepping = .adaptive(from: t0, to: t1, controller: c)
        } else {
            stepping = .fixed(try grid.times(on: path, edmDefaults: isStochastic))
        }
        let denoise = grid.finalStep == .denoise
        let k = key.fold("solve")
        func run<S: Solver>(_ s: S, level: DiffusionLevel = .zero) throws -> SolveResult {
            try solve(.reverse(model, level: level), solver: s, from: x, stepping: stepping, denoise: denoise,
                      key: k, firstSample: firstSample, progress: progress)
        }
        switch method {
        case .rungeKutta(let t): return try run(RungeKutta(t))
        case .ddim(let eta): return try run(DDIM(eta: eta))
        case .dpmSolver2M: return try run(DPMSolverPlusPlus2M())
        case .eulerMaruyama(let level): return try run(EulerMaruyama(), level: level)
        case let .predictorCorrector(snr, m): return try run(PredictorCorrector(snr: snr, correctorSteps: m))
        case .edm(let e): return try run(e)
        case .sdeDPMSolver2M(let eta): return try run(SDEDPMSolverPlusPlus2M(eta: eta))
        }
    }
}
