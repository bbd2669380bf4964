import Foundation

/// Elementwise unary math and its VJP rules.

extension Tensor {
    /// Applies `f` elementwise (no tape; for ops whose speed does not matter).
    func mapKernel(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let p = storage.pointer, o = out.storage.pointer
        for i in 0..<count { o[i] = f(p[i]) }
        return out
    }

    public func exp() -> Tensor {
        let y = apply(ExpOp())
        if !isTracked { return y }
        return Tensor.record("exp", y, inputs: [self], composable: true) { c in [c.grad * c.output(y)] }
    }

    public func log() -> Tensor {
        let y = mapKernel { Foundation.log($0) }
        if !isTracked { return y }
        return Tensor.record("log", y, inputs: [self], composable: true) { c in [c.grad / c.inputs[0]] }
    }

    public func sqrt() -> Tensor {
        let y = apply(SqrtOp())
        if !isTracked { return y }
        return Tensor.record("sqrt", y, inputs: [self], composable: true) { c in
            [c.createsGraph ? c.grad * 0.5 / c.output(y) : Tensor.combine(c.grad, y, SqrtGradOp())]
        }
    }

    public func sin() -> Tensor {
        let y = mapKernel { Foundation.sin($0) }
        if !isTracked { return y }
        return Tensor.record("sin", y, inputs: [self], composable: true) { c in [c.grad * c.inputs[0].cos()] }
    }

    public func cos() -> Tensor {
        let y = mapKernel { Foundation.cos($0) }
        if !isTracked { return y }
        return Tensor.record("cos", y, inputs: [self], composable: true) { c in [-(c.grad * c.inputs[0].sin())] }
    }

    public func tanh() -> Tensor {
        let y = apply(TanhOp())
        if !isTracked { return y }
        return Tensor.record("tanh", y, inputs: [self], composable: true) { c in
            [c.createsGraph ? c.grad * (1 - c.output(y).square()) : Tensor.combine(c.grad, y, TanhGradOp())]
        }
    }

    public func sigmoid() -> Tensor {
        let y = apply(SigmoidOp())
        if !isTracked { return y }
        return Tensor.record("sigmoid", y, inputs: [self], composable: true) { c in
            let out = c.output(y)
            return [c.createsGraph ? c.grad * out * (1 - out) : Tensor.combine(c.grad, y, SigmoidGradOp())]
        }
    }

    /// SiLU (swish): x·σ(x).
    public func silu() -> Tensor {
        let y = apply(SiLUOp())
        if !isTracked { return y }
        return Tensor.record("silu", y, inputs: [self], composable: true) { c in
            // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))).
            guard c.createsGraph else { return [Tensor.combine(c.grad, c.inputs[0], SiLUGradOp())] }
            let x = c.inputs[0], s = x.sigmoid()
            return [c.grad * s * (1 + x * (1 - s))]
        }
    }

    /// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    public func gelu() -> Tensor {
        let y = apply(GELUOp())
        if !isTracked { return y }
        return Tensor.record("gelu", y, inputs: [self]) { c in [Tensor.combine(c.grad, c.inputs[0], GELUGradOp())] }
    }

    public func square() -> Tensor {
        let y = apply(SquareOp())
        if !isTracked { return y }
        return Tensor.record("square", y, inputs: [self], composable: true) { c in
            [c.createsGraph ? c.grad * c.inputs[0] * 2 : Tensor.combine(c.grad, c.inputs[0], SquareGradOp())]
        }
    }

    public func abs() -> Tensor {
        let y = apply(AbsOp())
        if !isTracked { return y }
        return Tensor.record("abs", y, inputs: [self]) { c in
            [Tensor.combine(c.grad, c.inputs[0], AbsGradOp())]
        }
    }

    /// x^p for a constant exponent p.
    public func pow(_ p: Float) -> Tensor {
        let y = mapKernel { Foundation.pow($0, p) }
        if !isTracked { return y }
        return Tensor.record("pow", y, inputs: [self]) { c in
            [c.grad * c.inputs[0].mapKernel { x in p * Foundation.pow(x, p - 1) }]
        }
    }

    /// Clamps values to [lo, hi]; the gradient is zero outside.
    public func clamped(_ lo: Float, _ hi: Float) -> Tensor {
        let y = apply(ClampOp(lo: lo, hi: hi))
        if !isTracked { return y }
        return Tensor.record("clamp", y, inputs: [self]) { c in
            [Tensor.combine(c.grad, c.inputs[0], ClampGradOp(lo: lo, hi: hi))]
        }
    }

    /// ReLU: Swift.max(x, 0).
    public func relu() -> Tensor {
        let y = apply(ReLUOp())
        if !isTracked { return y }
        return Tensor.record("relu", y, inputs: [self]) { c in [Tensor.combine(c.grad, c.inputs[0], ReLUGradOp())] }
    }
}
