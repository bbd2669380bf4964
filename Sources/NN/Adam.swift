import Foundation
import TensorCore

/// Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019),
/// with PyTorch's semantics (`torch.optim.Adam` / `AdamW`, single-tensor path):
///
///     t ← t + 1
///     g ← g + λ·p                          (Adam with weight decay λ: L2 in the gradient)
///     p ← p·(1 − η·λ)                      (AdamW: decoupled decay instead)
///     m ← m + (1 − β₁)(g − m)               v ← β₂·v + (1 − β₂)·g²
///     p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// State: slots `m` and `v` (zeros on a parameter's first update) and the step t.
public final class Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Decoupled weight decay (AdamW) instead of L2 added to the gradient (Adam).
    public var decoupledWeightDecay: Bool
    private var m = ParameterSlot()
    private var v = ParameterSlot()
    private var t = 0

    /// Adam; defaults are PyTorch's (lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay).
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW; defaults are PyTorch's (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01).
    public static func adamW(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                             epsilon: Float = 1e-8, weightDecay: Float = 0.01) -> Adam {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
             weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public func step(_ model: Module, gradients: [String: Tensor]) {
        t += 1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let stepSize = learningRate / Float(1 - Foundation.pow(Double(b1), Double(t)))
        let bc2Sqrt = Float(Foundation.sqrt(1 - Foundation.pow(Double(b2), Double(t))))
        let l2: Float = decoupledWeightDecay ? 0 : weightDecay
        let shrink: Float = decoupledWeightDecay ? 1 - learningRate * weightDecay : 1
        model.forEachParameterWithGradient(gradients, op: "Adam.step") { key, param, grad in
            let p = param.storage.pointer, g = grad.storage.pointer
            let pm = m.pointer(key, like: param), pv = v.pointer(key, like: param)
            parallelFor(param.count) { lo, hi in
                for i in lo..<hi {
                    let pi = p[i] * shrink
                    let gi = g[i] + l2 * pi
                    let mi = pm[i] + (1 - b1) * (gi - pm[i])
                    let vi = b2 * pv[i] + (1 - b2) * gi * gi
                    pm[i] = mi
                    pv[i] = vi
                    p[i] = pi - stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps)
                }
            }
        }
    }

    public var state: OptimizerState { OptimizerState(step: t, slots: ["m": m.byKey, "v": v.byKey]) }

    public func loadState(_ state: OptimizerState, for model: Module) throws {
        let required = state.step > 0
        let newM = try state.validatedSlot("m", for: model, required: required)
        let newV = try state.validatedSlot("v", for: model, required: required)
        (m.byKey, v.byKey, t) = (newM, newV, state.step)
    }
}
