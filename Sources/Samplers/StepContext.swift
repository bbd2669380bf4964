import TensorCore
import Generative

/// What a solver's step may use: the equation's evaluations (counted), and noise.
///
/// `solve` creates one context per call. Every evaluation of the drift or of the model's
/// fields goes through it, so `evaluations` is the NFE. All noise comes from Brownian paths
/// keyed by (key, sample index) over a span that does not depend on the grid: increments
/// (Euler–Maruyama) or increments scaled to unit variance (SDE-DPM-Solver++, DDIM-η/ancestral,
/// EDM churn, the predictor–corrector's predictor on path 0 and its Langevin corrector on an
/// independent path 1). So the same seed gives the same Brownian motion at every step count —
/// a coarse step's noise is the sum of the finer steps' noise over the same interval — which
/// is what a comparison of budgets on common random numbers needs.
public final class StepContext {
    /// The equation being integrated.
    public let equation: Equation
    /// Function evaluations so far (NFE).
    public private(set) var evaluations = 0
    /// Index of the current step (accepted steps before it).
    public internal(set) var stepIndex = 0
    /// Number of steps of the fixed grid, nil when stepping adaptively.
    public internal(set) var stepCount: Int?

    let key: RandomKey
    let firstSample: Int
    let shape: [Int]
    let brownianSpan: ClosedRange<Double>
    private var brownianPaths: [Int: BrownianPath] = [:]

    init(equation: Equation, shape: [Int], key: RandomKey, firstSample: Int, brownianSpan: ClosedRange<Double>) {
        self.equation = equation
        self.shape = shape
        self.key = key
        self.firstSample = firstSample
        self.brownianSpan = brownianSpan
    }

    /// The model behind the equation (solvers that need one are only built for model equations).
    public var model: any DiffusionModel {
        guard let m = equation.model else {
            preconditionFailure("StepContext: this solver needs a diffusion model, but the equation was built from closures")
        }
        return m
    }

    /// The model's Gaussian path.
    public var path: GaussianPath { model.path }

    /// f(x, t): one evaluation.
    public func drift(_ x: Tensor, at t: Double) -> Tensor {
        evaluations += 1
        return equation.drift(x, t)
    }

    /// Every parametrization of the model at (x, t): one evaluation.
    public func fields(_ x: Tensor, at t: Double) -> Fields {
        evaluations += 1
        return model.fields(x, t: t)
    }

    /// G(x, t), the multiplier of dW (zero for an ODE). Not counted: it is not a network evaluation.
    public func diffusion(_ x: Tensor, at t: Double) -> Tensor {
        equation.diffusion?(x, t) ?? Tensor(scalar: 0)
    }

    /// W(t₁) − W(t₀) of the per-sample Brownian path number `path` (variance |t₁ − t₀|).
    /// Paths 0, 1, … are independent; path 0 is the reverse SDE's W̄.
    public func brownianIncrement(from t0: Double, to t1: Double, path: Int = 0) -> Tensor {
        if brownianPaths[path] == nil {
            let base = key.fold("brownian")
            brownianPaths[path] = BrownianPath(key: path == 0 ? base : base.fold(UInt64(path)), span: brownianSpan,
                                               shape: shape, firstSample: firstSample)
        }
        return brownianPaths[path]!.increment(from: t0, to: t1)
    }

    /// (W(t₁) − W(t₀))/√|t₁ − t₀| of Brownian path number `path`: a standard normal draw per
    /// element that belongs to the interval [t₀, t₁] of that path (t₀ ≠ t₁).
    public func brownianNormal(from t0: Double, to t1: Double, path: Int = 0) -> Tensor {
        precondition(t0 != t1, "StepContext.brownianNormal: empty interval at t = \(t0)")
        return brownianIncrement(from: t0, to: t1, path: path) * Float(1 / Swift.abs(t1 - t0).squareRoot())
    }
}
