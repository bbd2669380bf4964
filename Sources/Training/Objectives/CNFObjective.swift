import Foundation
import NN
import Samplers
import TensorCore

/// Maximum-likelihood training of a continuous normalizing flow (Chen et al. 2018, §4;
/// FFJORD, Grathwohl et al. 2019; RNODE, Finlay et al. 2020).
///
/// The network is a velocity field v(z, t) on t ∈ [0, 1] (t = 0 data, t = 1 noise, as on the
/// rectified path, so ODE samplers and `drift likelihood` read it as a velocity model). For a
/// batch x the augmented state s = [z, ℓ, K, J] is integrated from (x, 0, 0, 0) at t = 0 to t = 1:
///
///     dz/dt = v,   dℓ/dt = ∇·v,   dK/dt = ‖v‖²,   dJ/dt = ‖∂v/∂z‖²_F
///
/// (K and J only when their weights are positive). By the instantaneous change of variables
/// log p₀(x) = log N(z(1); 0, I) + ℓ(1), and the loss is
///
///     mean over the batch of  −log N(z(1); 0, I) − ℓ(1) + λ_K·K(1) + λ_J·J(1).
///
/// The divergence (and J) come from vector–Jacobian products taken with `createGraph`, so the
/// parameter gradient differentiates through them; it is computed by the adjoint method or by
/// backpropagating through the solver (`CNFSettings.gradient`); they are `Divergence`'s, the
/// computation the likelihood uses too. Hutchinson's probe of example q is keyed by (key, q), so a
/// step is reproducible from (parameters, batch, key, position).
public struct CNFObjective {
    public let settings: CNFSettings

    public init(_ settings: CNFSettings) throws {
        try settings.validate()
        self.settings = settings
    }

    /// The loss of one batch, its parameter gradients (by key) and what the solves cost.
    public struct Outcome {
        /// The batch mean of the loss (NLL plus the weighted regularizers), nats.
        public var loss: Float
        /// The batch mean of −log p₀(x) alone, nats.
        public var nll: Float
        public var gradients: [String: Tensor]
        /// NFE of the forward solve and of the adjoint's backward solve (0 for backprop).
        public var forwardEvaluations: Int
        public var backwardEvaluations: Int
    }

    /// The loss and gradients on the data batch x [B, d] whose first example sits at stream
    /// position `firstSample`.
    /// - Throws: `SolveError` when a solve exceeds its step limit.
    public func lossAndGradients(_ network: any Network, data x: Tensor, key: RandomKey, firstSample: Int = 0) throws -> Outcome {
        let b = x.shape[0], d = x.count / max(b, 1)
        let sampleShape = network.sampleShape
        let probes = settings.divergence.estimator.probes(batch: b, dimension: d, key: key, firstSample: firstSample)
        let (kinetic, jacobian) = (settings.kinetic > 0, settings.jacobian > 0)
        let layout = StateLayout([[b, d], [b]] + (kinetic ? [[b]] : []) + (jacobian ? [[b]] : []))
        let field = ParametricField(parameters: network.namedParameters.map(\.tensor)) { s, t, theta in
            network.withParameters(theta) {
                let tracked = s.isTracked || theta.contains { $0.isTracked }
                let state = layout.unpack(s)[0]
                let z = state.isTracked ? state : state.trackingGradient()
                let v = network(x: z.reshaped([b] + sampleShape), t: Tensor(repeating: Float(t), shape: [b])).reshaped([b, d])
                let (divergence, frobenius) = Divergence.evaluate(v, at: z, probes: probes, frobenius: jacobian, createGraph: tracked)
                var rates = [v, divergence]
                if kinetic { rates.append(v.square().sum(axes: [1])) }
                if jacobian { rates.append(frobenius!) }
                return layout.pack(rates)
            }
        }
        var start = [x.reshaped([b, d]).detached, Tensor.zeros([b])]
        if kinetic { start.append(Tensor.zeros([b])) }
        if jacobian { start.append(Tensor.zeros([b])) }
        let weights = [settings.kinetic, settings.jacobian]
        let lossGradient = { (s: Tensor) -> Tensor in
            let parts = layout.unpack(s.detached)
            var g = [parts[0] * Tensor(repeating: 1 / Float(b), shape: [1, 1]), Tensor(repeating: -1 / Float(b), shape: [b])]
            if kinetic { g.append(Tensor(repeating: Float(weights[0]) / Float(b), shape: [b])) }
            if jacobian { g.append(Tensor(repeating: Float(weights[1]) / Float(b), shape: [b])) }
            return layout.pack(g)
        }
        let solver = RungeKutta(settings.tableau)
        let initial = layout.pack(start)
        let result: ODEGradients
        switch settings.gradient {
        case .adjoint:
            result = try adjointGradients(field, from: initial, t0: 0, t1: 1, solver: solver, stepping: settings.stepping,
                                          lossGradient: lossGradient)
        case .backprop:
            result = try backpropagatedGradients(field, from: initial, t0: 0, t1: 1, solver: solver, stepping: settings.stepping,
                                                 lossGradient: lossGradient)
        }
        let end = layout.unpack(result.final)
        let squares = end[0].square().sum(axes: [1]).scalars, logDet = end[1].scalars
        let halfLog2Pi = 0.5 * Double(d) * Foundation.log(2 * Double.pi)
        var nll = 0.0
        for i in 0..<b { nll += 0.5 * Double(squares[i]) + halfLog2Pi - Double(logDet[i]) }
        nll /= Double(b)
        var loss = nll
        var next = 2
        if kinetic { loss += settings.kinetic * Double(end[next].mean().item); next += 1 }
        if jacobian { loss += settings.jacobian * Double(end[next].mean().item) }
        var grads: [String: Tensor] = [:]
        for (i, k) in network.parameterKeys.enumerated() { grads[k] = result.parameters[i] }
        return Outcome(loss: Float(loss), nll: Float(nll), gradients: grads,
                       forwardEvaluations: result.forwardEvaluations, backwardEvaluations: result.backwardEvaluations)
    }
}

extension CNFSettings.Divergence {
    /// The computation this choice stands for: exact, or Hutchinson with one Rademacher probe per example.
    public var estimator: Samplers.Divergence {
        switch self {
        case .exact: return .exact
        case .hutchinson: return .hutchinson(probes: 1, distribution: .rademacher)
        }
    }
}
