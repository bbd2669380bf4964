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
/// is what a comparison of budgets on common random numbers needs. A wrapper of a solver
/// (inpainting) draws its own noise from named streams, per sample or per group of rows, and
/// retakes a step on independent paths (`pass`), leaving the numbered paths to the wrapped solver.
public final class StepContext {
    /// The equation being integrated.
    public let equation: Equation
    /// Function evaluations so far (NFE).
    public private(set) var evaluations = 0
    /// Index of the current step (accepted steps before it).
    public internal(set) var stepIndex = 0
    /// Number of steps of the fixed grid, nil when stepping adaptively.
    public internal(set) var stepCount: Int?
    /// Which pass over the current step this is: 0 normally; a wrapper that retakes a step
    /// (inpainting's RePaint jumps) sets pass r for its r-th retake. Pass r > 0 draws from Brownian
    /// paths independent of pass 0's and of each other, so a retaken step sees fresh noise, and
    /// pass 0 is exactly the ordinary run.
    public internal(set) var pass = 0

    let key: RandomKey
    let firstSample: Int
    let shape: [Int]
    let brownianSpan: ClosedRange<Double>
    private var brownianPaths: [PathID: BrownianPath] = [:]

    /// A Brownian path of the context: numbered or named, per row or per group of rows, per pass.
    private struct PathID: Hashable {
        var number: Int
        var stream: String?
        var rowsPerSample: Int
        var pass: Int
    }

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
        brownianPath(PathID(number: path, stream: nil, rowsPerSample: 1, pass: pass)).increment(from: t0, to: t1)
    }

    /// W(t₁) − W(t₀) of the Brownian path named `stream` (independent of the numbered paths and of
    /// other names), one per *sample*, where a sample is `rowsPerSample` consecutive rows of the
    /// state (the particles of one inpainted sample; 1: one per row): [rows / rowsPerSample] +
    /// sample shape, sample s keyed by (key, stream, (firstSample + row)/rowsPerSample), so the
    /// draw does not depend on how the samples are split into batches. Wrappers of a solver draw
    /// their own noise here, leaving the numbered paths to the solver they wrap.
    public func brownianIncrement(from t0: Double, to t1: Double, stream: String, rowsPerSample: Int = 1) -> Tensor {
        brownianPath(PathID(number: 0, stream: stream, rowsPerSample: rowsPerSample, pass: pass)).increment(from: t0, to: t1)
    }

    /// (W(t₁) − W(t₀))/√|t₁ − t₀| of the named per-sample path (see `brownianIncrement(from:to:stream:rowsPerSample:)`):
    /// a standard normal draw per element that belongs to the interval [t₀, t₁] of that path.
    public func brownianNormal(from t0: Double, to t1: Double, stream: String, rowsPerSample: Int = 1) -> Tensor {
        precondition(t0 != t1, "StepContext.brownianNormal: empty interval at t = \(t0)")
        return brownianIncrement(from: t0, to: t1, stream: stream, rowsPerSample: rowsPerSample) * Float(1 / Swift.abs(t1 - t0).squareRoot())
    }

    private func brownianPath(_ id: PathID) -> BrownianPath {
        if let p = brownianPaths[id] { return p }
        // Path 0 of pass 0 is the reverse SDE's W̄ (key "brownian"); every other path folds in what tells it apart.
        var k = key.fold("brownian")
        if let stream = id.stream { k = k.fold("stream").fold(stream) } else if id.number != 0 { k = k.fold(UInt64(id.number)) }
        if id.rowsPerSample != 1 { k = k.fold("rows per sample").fold(UInt64(id.rowsPerSample)) }
        if id.pass != 0 { k = k.fold("pass").fold(UInt64(id.pass)) }
        let g = id.rowsPerSample
        precondition(g >= 1 && shape[0] % g == 0 && firstSample % g == 0,
                     "StepContext: \(shape[0]) rows from row \(firstSample) do not split into samples of \(g) rows")
        let p = BrownianPath(key: k, span: brownianSpan, shape: [shape[0] / g] + shape.dropFirst(), firstSample: firstSample / g)
        brownianPaths[id] = p
        return p
    }

    /// (W(t₁) − W(t₀))/√|t₁ − t₀| of Brownian path number `path`: a standard normal draw per
    /// element that belongs to the interval [t₀, t₁] of that path (t₀ ≠ t₁).
    public func brownianNormal(from t0: Double, to t1: Double, path: Int = 0) -> Tensor {
        precondition(t0 != t1, "StepContext.brownianNormal: empty interval at t = \(t0)")
        return brownianIncrement(from: t0, to: t1, path: path) * Float(1 / Swift.abs(t1 - t0).squareRoot())
    }
}
