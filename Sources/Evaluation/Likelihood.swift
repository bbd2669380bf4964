import Foundation
import Generative
import Samplers
import TensorCore

/// Per-sample negative log-likelihoods and what they cost.
public struct LikelihoodResult: Sendable {
    /// −log p₀(xᵢ) in nats, one per sample.
    public var nll: [Double]
    /// Network evaluations (forward passes) of the adaptive solve; each also costs the VJPs.
    public var evaluations: Int
    public var acceptedSteps: Int
    public var rejectedSteps: Int
}

/// Log-likelihoods through the probability-flow ODE and the instantaneous change of variables
/// (Chen et al. 2018, "Neural ordinary differential equations", Theorem 1; Song et al. 2021,
/// "Score-based generative modeling through SDEs", App. D.2):
///
///     dx/dt = û(x, t),   d log p_t(x_t)/dt = −∇·û(x_t, t)
///     log p₀(x₀) = log p_T(x_T) + ∫₀ᵀ ∇·û(x_t, t) dt
///
/// integrated from the data (t = lower end of the path's domain) to T = the path's noise time with
/// adaptive Dormand–Prince 5(4) through `solve`, on the state [x, ∫∇·û] (one [B, d + 1] tensor).
/// The prior is N(0, σ(T)²·I), exact where α(T) = 0 (the rectified and cosine paths) and the
/// sampler's own approximation elsewhere. The divergence (`Divergence`, shared with CNF training)
/// comes from vector–Jacobian products of `DiffusionModel.differentiableVelocity` on the tape.
///
/// Caveats: the result is the ODE model's likelihood (exact for the analytic mixture, whose PF-ODE
/// transports p₀ to p_T exactly); VP and sub-VP paths start at t = 10⁻⁵, not 0; the adaptive steps
/// follow the error of the whole batch, so batch splits agree to within the tolerance.
public struct ProbabilityFlowLikelihood {
    public var model: any DiffusionModel
    public var estimator: Divergence
    public var controller: PIController

    public init(model: any DiffusionModel, estimator: Divergence,
                controller: PIController = PIController(rtol: 1e-5, atol: 1e-5)) {
        self.model = model
        self.estimator = estimator
        self.controller = controller
    }

    /// −log p₀ of each row of x [B] + sampleShape; probe noise keyed by (key, firstSample + row).
    /// - Throws: `SolveError` if the adaptive solve fails; `EvaluationError` for a path the ODE cannot run on.
    public func negativeLogLikelihood(_ x: Tensor, key: RandomKey, firstSample: Int = 0) throws -> LikelihoodResult {
        precondition(Array(x.shape.dropFirst()) == model.sampleShape,
                     "negativeLogLikelihood: data of shape \(x.shape), model samples \(model.sampleShape)")
        let path = model.path
        let (t0, t1) = (path.domain.lowerBound, path.noiseTime)
        let flow = Equation.probabilityFlow(model)
        guard flow.isDefined(t0) && flow.isDefined(t1) else {
            throw EvaluationError("the probability-flow velocity of this \(model.parametrization.rawValue) model is not defined "
                                  + "at both ends [\(t0), \(t1)] of the \(path.kind.rawValue) path")
        }
        let b = x.shape[0], d = x.count / Swift.max(b, 1)
        let shape = x.shape, m = model
        let probes = estimator.probes(batch: b, dimension: d, key: key, firstSample: firstSample)
        let equation = Equation(drift: { z, t in
            let state = z.slice(axis: 1, 0..<d).reshaped(shape).detached
            let leaf = state.trackingGradient()
            let u = m.differentiableVelocity(leaf, t: t)
            let divergence = Divergence.evaluate(u, at: leaf, probes: probes).divergence
            return Tensor.concat([u.detached.reshaped([b, d]), divergence.reshaped([b, 1])], axis: 1)
        })
        let start = Tensor.concat([x.reshaped([b, d]), Tensor.zeros([b, 1])], axis: 1)
        let r = try solve(equation, solver: RungeKutta(.dormandPrince), from: start,
                          stepping: .adaptive(from: t0, to: t1, controller: controller))
        let end = r.samples.scalars
        let variance = path.sigma(t1) * path.sigma(t1)
        let nll = (0..<b).map { i -> Double in
            var squares = 0.0
            for j in 0..<d { let v = Double(end[i * (d + 1) + j]); squares += v * v }
            let logPrior = -0.5 * squares / variance - 0.5 * Double(d) * Foundation.log(2 * Double.pi * variance)
            return -(logPrior + Double(end[i * (d + 1) + d]))
        }
        return LikelihoodResult(nll: nll, evaluations: r.evaluations, acceptedSteps: r.acceptedSteps, rejectedSteps: r.rejectedSteps)
    }
}

/// Bits per dimension of 8-bit data under a density on x = 2·(k + u)/256 − 1 (uniform
/// dequantization, u ~ U[0, 1)): −log₂ P(k) ≤ (NLL + d·ln 128)/(d·ln 2), the bound score-SDE and
/// FFJORD report.
public func bitsPerDimension(nll: Double, dimension d: Int) -> Double {
    (nll + Double(d) * Foundation.log(128)) / (Double(d) * Foundation.log(2))
}
