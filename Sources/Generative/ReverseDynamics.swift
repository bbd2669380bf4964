import TensorCore

/// How much noise a reverse-time sampler injects: the diffusion level g(t) ≥ 0.
public enum DiffusionLevel: Sendable, Equatable {
    /// g ≡ 0: the probability-flow ODE.
    case zero
    /// The forward SDE's own g, g² = 2σσ′ − 2(α′/α)σ²: the classical reverse SDE (Anderson 1982).
    case forward
    /// k·g_forward (k ≥ 0).
    case scaled(Double)
    /// A constant g = c ≥ 0 (independent of t).
    case constant(Double)
}

/// The family of reverse-time dynamics that keep the path's marginals p_t:
///
///     dx = [u(x,t) − ½·g(t)²·s(x,t)] dt + g(t) dW̄,   integrated from t = 1 down to t = 0
///
/// (Song et al. 2021, eq. 6 and App. D.1; any g ≥ 0 works, as in Karras et al. 2022, eq. 6).
///
/// Caveat: on the rectified path the forward g² = 2t/(1 − t) blows up at t = 1 (and on the
/// cosine path g² = π·tan(πt/2)); SDE samplers there start slightly below t = 1 or use a bounded level.
public struct ReverseDynamics: Sendable {
    public var path: GaussianPath
    public var level: DiffusionLevel

    public init(path: GaussianPath, level: DiffusionLevel) {
        switch level {
        case .scaled(let k): precondition(k >= 0, "ReverseDynamics: scaled level must be ≥ 0, got \(k)")
        case .constant(let c): precondition(c >= 0, "ReverseDynamics: constant level must be ≥ 0, got \(c)")
        case .zero, .forward: break
        }
        self.path = path
        self.level = level
    }

    /// g(t)².
    public func gSquared(_ t: Double) -> Double {
        switch level {
        case .zero: return 0
        case .forward: return path.forwardDiffusionSquared(t)
        case .scaled(let k): return k * k * path.forwardDiffusionSquared(t)
        case .constant(let c): return c * c
        }
    }

    /// g(t).
    public func g(_ t: Double) -> Double { gSquared(t).squareRoot() }

    /// The drift u − ½g²s (exactly u when g = 0, so an infinite score never leaks into the ODE).
    public func drift(_ f: Fields, t: Double) -> Tensor {
        let g2 = gSquared(t)
        if g2 == 0 { return f.velocity }
        return f.velocity + f.score * Float(-0.5 * g2)
    }
}
