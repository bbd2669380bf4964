import TensorCore

/// Stochastic gradient descent with momentum, PyTorch's semantics (`torch.optim.SGD`):
///
///     g ← g + λ·p                                 (weight decay λ)
///     b ← g on the first step, else μ·b + (1 − τ)·g   (momentum μ, dampening τ)
///     d ← g + μ·b (Nesterov) or b                 (d = g when μ = 0)
///     p ← p − η·d
///
/// State: slot `momentum` (only when μ ≠ 0) and the step count.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var dampening: Float
    public var weightDecay: Float
    public var nesterov: Bool
    private var buffers = ParameterSlot()
    private var t = 0

    public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and zero dampening")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public func step(_ model: Module, gradients: [String: Tensor]) {
        t += 1
        let (lr, mu, damp, wd, nesterov) = (learningRate, momentum, dampening, weightDecay, nesterov)
        model.forEachParameterWithGradient(gradients, op: "SGD.step") { key, param, grad in
            let p = param.storage.pointer, g = grad.storage.pointer
            guard mu != 0 else {
                parallelFor(param.count) { lo, hi in for i in lo..<hi { p[i] -= lr * (g[i] + wd * p[i]) } }
                return
            }
            let first = buffers.byKey[key] == nil
            let b = buffers.pointer(key, like: param)
            parallelFor(param.count) { lo, hi in
                for i in lo..<hi {
                    let gi = g[i] + wd * p[i]
                    let bi = first ? gi : mu * b[i] + (1 - damp) * gi
                    b[i] = bi
                    p[i] -= lr * (nesterov ? gi + mu * bi : bi)
                }
            }
        }
    }

    public var state: OptimizerState {
        OptimizerState(step: t, slots: momentum == 0 ? [:] : ["momentum": buffers.byKey])
    }

    public func loadState(_ state: OptimizerState, for model: Module) throws {
        let b = try state.validatedSlot("momentum", for: model, required: momentum != 0 && state.step > 0)
        (buffers.byKey, t) = (b, state.step)
    }
}
