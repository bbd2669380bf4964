import TensorCore
import Generative

/// What a solver's step may use: the equation's evaluations (counted), and noise.
///
/// `solve` creates one context per call. Every evaluation of the drift or of the model's
/// fields goes through it, so `evaluations` is the NFE. Noise comes in two batch-invariant
/// forms: increments of the Brownian path (Euler–Maruyama, SDE-DPM-Solver++) and standard
/// normals keyed by (time, stream, sample index) (ancestral, churn and Langevin steps).
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
    private var brownianPath: BrownianPath?

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

    /// W(t₁) − W(t₀) of the per-sample Brownian path (variance |t₁ − t₀|).
    public func brownianIncrement(from t0: Double, to t1: Double) -> Tensor {
        if brownianPath == nil {
            brownianPath = BrownianPath(key: key.fold("brownian"), span: brownianSpan, shape: shape, firstSample: firstSample)
        }
        return brownianPath!.increment(from: t0, to: t1)
    }

    /// Standard normal noise for the step at time t, keyed by (t, stream, sample index): the same
    /// for a sample whatever the batch split, different for every t and stream.
    public func normal(at t: Double, stream: Int = 0) -> Tensor {
        let k = key.fold("normal").fold(t.bitPattern).fold(UInt64(stream))
        return Tensor.randomNormal(shape, key: k, firstSample: firstSample)
    }
}
