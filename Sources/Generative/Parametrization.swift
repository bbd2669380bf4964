import TensorCore

/// What a model's output means at (x_t, t), for x_t = α·x₀ + σ·ε.
///
/// Every parametrization is a linear combination a·x₀ + b·ε of the (posterior means of the)
/// clean data and the noise, so any two convert into each other in closed form given
/// α, σ, α′, σ′ (see `GaussianPath.convert`).
public enum Parametrization: String, Codable, CaseIterable, Sendable {
    /// The noise ε (DDPM; Ho et al. 2020).
    case epsilon
    /// The clean data x₀, the "denoiser" D (EDM; Karras et al. 2022).
    case x0
    /// v = α·ε − σ·x₀ (Salimans & Ho 2022, "Progressive distillation", §4 and App. D).
    case v
    /// The probability-flow velocity u = dx_t/dt = α′·x₀ + σ′·ε (flow matching; Lipman et al. 2023).
    case velocity
    /// The score s = ∇ log p_t(x) = −ε/σ (Song et al. 2021).
    case score

    /// (a, b) with this parametrization = a·x₀ + b·ε on `path` at t.
    func coefficients(on path: GaussianPath, at t: Double) -> (x0: Double, epsilon: Double) {
        switch self {
        case .epsilon: return (0, 1)
        case .x0: return (1, 0)
        case .v: return (-path.sigma(t), path.alpha(t))
        case .velocity: return (path.alphaDot(t), path.sigmaDot(t))
        case .score: return (0, -1 / path.sigma(t))
        }
    }
}

/// One model evaluation at (x, t) in every parametrization (v is `path.convert(…, to: .v)` if needed).
public struct Fields {
    /// Posterior mean of the clean data, x̂₀ = E[x₀ | x_t = x].
    public var x0: Tensor
    /// Posterior mean of the noise, ε̂ = E[ε | x_t = x].
    public var epsilon: Tensor
    /// Probability-flow velocity û = α′·x̂₀ + σ′·ε̂.
    public var velocity: Tensor
    /// Score ŝ = −ε̂/σ.
    public var score: Tensor

    public init(x0: Tensor, epsilon: Tensor, velocity: Tensor, score: Tensor) {
        self.x0 = x0
        self.epsilon = epsilon
        self.velocity = velocity
        self.score = score
    }
}

extension GaussianPath {
    /// The coefficients (P, Q) with `to`-prediction = P·x + Q·y for a `from`-prediction y at (x, t).
    ///
    /// With x = α·x₀ + σ·ε and y = a·x₀ + b·ε, solving the 2×2 system gives
    /// x₀ = (b·x − σ·y)/D, ε = (α·y − a·x)/D with D = α·b − σ·a; a target c·x₀ + d·ε is then
    /// ((c·b − d·a)·x + (d·α − c·σ)·y)/D. D vanishes only where the pair cannot be converted
    /// (ε or score → x₀ where α = 0; x₀ → ε or score where σ = 0); then the result is ±∞/NaN.
    public func conversionCoefficients(from: Parametrization, to: Parametrization, t: Double) -> (x: Double, y: Double) {
        if from == to { return (0, 1) }
        let (a, b) = from.coefficients(on: self, at: t)
        let (c, d) = to.coefficients(on: self, at: t)
        let al = alpha(t), s = sigma(t)
        let det = al * b - s * a
        return ((c * b - d * a) / det, (d * al - c * s) / det)
    }

    /// Converts a prediction y in `from` at (x, t) into `to`, in closed form (differentiable in x and y).
    public func convert(_ y: Tensor, from: Parametrization, to: Parametrization, x: Tensor, t: Double) -> Tensor {
        precondition(x.shape == y.shape, "convert: prediction shape \(y.shape) differs from x shape \(x.shape)")
        if from == to { return y }
        let (p, q) = conversionCoefficients(from: from, to: to, t: t)
        return linearCombination(x, Float(p), y, Float(q))
    }

    /// Converts a prediction y in `from` with a time per batch row (`times[i]` for row i), as in training.
    public func convert(_ y: Tensor, from: Parametrization, to: Parametrization, x: Tensor, times: [Double]) -> Tensor {
        precondition(x.shape == y.shape, "convert: prediction shape \(y.shape) differs from x shape \(x.shape)")
        precondition(x.rank >= 1 && times.count == x.shape[0],
                     "convert: \(times.count) times for a batch of shape \(x.shape)")
        if from == to { return y }
        let pq = times.map { conversionCoefficients(from: from, to: to, t: $0) }
        let rowShape = [times.count] + Array(repeating: 1, count: x.rank - 1)
        let p = Tensor(pq.map { Float($0.x) }, shape: rowShape), q = Tensor(pq.map { Float($0.y) }, shape: rowShape)
        return x * p + y * q
    }

    /// All parametrizations of the prediction y (in `from`) at (x, t), each by one closed-form conversion.
    public func fields(from y: Tensor, as from: Parametrization, x: Tensor, t: Double) -> Fields {
        Fields(x0: convert(y, from: from, to: .x0, x: x, t: t),
               epsilon: convert(y, from: from, to: .epsilon, x: x, t: t),
               velocity: convert(y, from: from, to: .velocity, x: x, t: t),
               score: convert(y, from: from, to: .score, x: x, t: t))
    }
}

/// p·x + q·y, skipping zero terms and unit factors.
func linearCombination(_ x: Tensor, _ p: Float, _ y: Tensor, _ q: Float) -> Tensor {
    switch (p == 0, q == 1) {
    case (true, true): return y
    case (true, false): return y * q
    case (false, true): return x * p + y
    case (false, false): return q == 0 ? x * p : x * p + y * q
    }
}
