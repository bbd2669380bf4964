import Foundation
import TensorCore
import Generative

/// Restart sampling (Xu et al. 2023, "Restart sampling for improving generative processes",
/// Algorithm 1): Heun steps on the probability-flow ODE, except that on reaching the restart
/// interval's low end t_min the state is sent back up to t_max by the forward process and the
/// ODE is run over [t_max, t_min] again, K times:
///
///     x(t_max) = (α_max/α_min)·x(t_min) + √(σ_max² − (α_max σ_min/α_min)²)·ε_k,   k = 1 … K
///
/// (the Gaussian path's transition kernel from t_min to t_max; ε_k independent for each restart,
/// from Brownian paths 2 + k keyed by seed and sample). The large added noise contracts the
/// accumulated error (the paper's Theorem 3) while the steps stay deterministic. The grid
/// (`stepTimes`) holds the jumps as steps that go up in time; they cost no evaluation.
public struct RestartSampler: Solver {
    /// The restart interval as EDM noise levels σ/α, restarts K and Heun steps per restart pass.
    public struct Settings: Sendable, Equatable {
        public var sigmaMin: Double
        public var sigmaMax: Double
        public var restarts: Int
        public var steps: Int
        public init(sigmaMin: Double = 0.06, sigmaMax: Double = 0.30, restarts: Int = 2, steps: Int = 4) {
            self.sigmaMin = sigmaMin
            self.sigmaMax = sigmaMax
            self.restarts = restarts
            self.steps = steps
        }
    }

    public let settings: Settings
    let heun = RungeKutta(.heun)

    public init(_ settings: Settings) { self.settings = settings }

    public struct State {
        var inner: RungeKutta.State
        /// Restart jumps taken so far.
        var restarts: Int
    }

    public var order: Double { 2 }
    /// The restart noise enters the state, so the sampler is stochastic.
    public var isStochastic: Bool { true }

    public func initialState() -> State { State(inner: heun.initialState(), restarts: 0) }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        t1 > t0 ? 0 : heun.evaluations(from: t0, to: t1, isFirst: isFirst, on: equation)
    }

    public func validate(start t0: Double, on path: GaussianPath) throws {
        guard settings.sigmaMin > 0, settings.sigmaMax > settings.sigmaMin else {
            throw SamplerError("restart needs 0 < restartSigmaMin < restartSigmaMax, got \(settings.sigmaMin) and \(settings.sigmaMax)")
        }
    }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        guard t1 > t0 else {
            let r = heun.step(x, from: t0, to: t1, state: state.inner, context: context)
            return SolverStep(x: r.x, state: State(inner: r.state, restarts: state.restarts))
        }
        let path = context.path
        let ratio = path.alpha(t1) / path.alpha(t0)
        let added = Swift.max(0, path.sigma(t1) * path.sigma(t1) - ratio * ratio * path.sigma(t0) * path.sigma(t0)).squareRoot()
        let eps = context.brownianNormal(from: t0, to: t1, path: 2 + state.restarts)
        return SolverStep(x: Tensor.combination([(ratio, x), (added, eps)]),
                          state: State(inner: heun.initialState(), restarts: state.restarts + 1))
    }

    /// The main grid with t_min (σ/α = sigmaMin) inserted and, there, the restart loops: K times a
    /// jump up to t_max followed by `steps` Karras-spaced Heun steps back down to t_min.
    public func stepTimes(_ main: [Double], on path: GaussianPath) throws -> [Double] {
        let tMin = path.time(logSNR: -Foundation.log(settings.sigmaMin)), tMax = path.time(logSNR: -Foundation.log(settings.sigmaMax))
        guard settings.restarts > 0, let i = main.firstIndex(where: { $0 <= tMin }), i > 0, main[0] > tMax else { return main }
        let inner = try TimeGrid(.karras(rho: 7), steps: settings.steps, start: .time(tMax), end: .time(tMin)).times(on: path)
        var times = Array(main[..<i])
        if main[i] < tMin { times.append(tMin) }
        for _ in 0..<settings.restarts { times += inner }
        return times + main[i...]
    }
}

extension SolverEntry {
    /// `restartSigmaMin`, `restartSigmaMax` (σ/α: 0.06, 0.30), `restarts` (2), `restartSteps` (4).
    public static let restart = SolverEntry("restart", summary: "Restart sampling: Heun with forward-noise restarts") { f in
        RestartSampler(RestartSampler.Settings(sigmaMin: try f.number("restartSigmaMin", default: 0.06, min: 0, exclusive: true),
                                               sigmaMax: try f.number("restartSigmaMax", default: 0.30, min: 0, exclusive: true),
                                               restarts: try f.integer("restarts", default: 2, min: 0),
                                               steps: try f.integer("restartSteps", default: 4, min: 1)))
    }
}
