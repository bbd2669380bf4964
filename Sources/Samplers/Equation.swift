import TensorCore
import Generative

/// What `solve` integrates, in either time direction:
///
///     dx = f(x, t) dt + G(x, t) ⊙ dW
///
/// with diagonal noise (G multiplies the Brownian increment elementwise, broadcasting;
/// `nil` makes it an ODE). Built from a diffusion model (`probabilityFlow`, `reverseSDE`)
/// or from plain closures (the exact-solution tests: dy/dt = Ay, geometric Brownian motion).
///
/// Like diffrax's terms, the equation is independent of the solver: the Euler–Maruyama
/// solver integrates whatever diffusion level the equation was built with, and
/// Runge–Kutta methods integrate the drift only.
public struct Equation {
    /// The drift f(x, t). One call is one function evaluation (NFE) in `solve`'s count.
    public var drift: (Tensor, Double) -> Tensor
    /// The noise multiplier G(x, t) (a tensor broadcasting against x), or nil for an ODE.
    public var diffusion: ((Tensor, Double) -> Tensor)?
    /// The diffusion model the equation comes from: DDIM, DPM-Solver++, ancestral, predictor–
    /// corrector and EDM steps need its path and its fields, not just the drift.
    public var model: (any DiffusionModel)?
    /// Whether the drift can be evaluated at t (false where the path's α′ or σ′ is infinite, or
    /// where the model's parametrization cannot be converted into a velocity, e.g. an x₀ or score
    /// model where σ = 0: EDM's Heun skips its correction there).
    public var isDefined: (Double) -> Bool

    /// A general equation from closures (NFE counts calls to `drift`).
    public init(drift: @escaping (Tensor, Double) -> Tensor,
                diffusion: ((Tensor, Double) -> Tensor)? = nil) {
        self.drift = drift
        self.diffusion = diffusion
        self.model = nil
        self.isDefined = { _ in true }
    }

    /// The reverse-time dynamics of `model` with diffusion level g (Song et al. 2021, eq. 6):
    ///
    ///     dx = [û(x,t) − ½g(t)²ŝ(x,t)] dt + g(t) dW̄
    ///
    /// integrated from noise (large t) to data (t → 0). `.zero` gives the probability-flow ODE.
    public static func reverse(_ model: any DiffusionModel, level: DiffusionLevel) -> Equation {
        let dynamics = ReverseDynamics(path: model.path, level: level)
        var e = Equation(drift: { x, t in dynamics.drift(model.fields(x, t: t), t: t) })
        if level != .zero {
            e.diffusion = { _, t in Tensor(scalar: Float(dynamics.g(t))) }
        }
        e.model = model
        let path = model.path
        e.isDefined = { t in
            // The velocity needs α′ and σ′ (VP's σ′ is infinite at t = 0, where σ ∝ √t).
            guard path.alphaDot(t).isFinite && path.sigmaDot(t).isFinite else { return false }
            // The model says where it has a velocity (and a score, for a stochastic drift).
            guard model.gives(.velocity, at: t) else { return false }
            return dynamics.gSquared(t) == 0 || model.gives(.score, at: t)
        }
        return e
    }

    /// The probability-flow ODE dx/dt = û(x, t) of `model` (g ≡ 0).
    public static func probabilityFlow(_ model: any DiffusionModel) -> Equation {
        reverse(model, level: .zero)
    }
}
