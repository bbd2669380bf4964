import Foundation

/// Elementwise unary math and its VJP rules.

extension Tensor {
    /// Applies `f` elementwise (no tape).
    @inline(__always)
    func mapKernel(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let p = storage.pointer, o = out.storage.pointer
        parallelFor(count, grain: parallelGrain / 4) { lo, hi in for i in lo..<hi { o[i] = f(p[i]) } }
        return out
    }

    /// Combines two same-shape tensors elementwise (no tape).
    @inline(__always)
    static func zipKernel(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(a.shape == b.shape, "zip: shapes \(a.shape) and \(b.shape) differ")
        let out = Tensor(uninitializedShape: a.shape)
        let pa = a.storage.pointer, pb = b.storage.pointer, o = out.storage.pointer
        parallelFor(a.count, grain: parallelGrain / 4) { lo, hi in for i in lo..<hi { o[i] = f(pa[i], pb[i]) } }
        return out
    }

    public func exp() -> Tensor {
        let y = mapKernel { fastExp($0) }
        if !isTracked { return y }
        return Tensor.record("exp", y, inputs: [self]) { c in [c.grad * y] }
    }

    public func log() -> Tensor {
        let y = mapKernel { Foundation.log($0) }
        if !isTracked { return y }
        return Tensor.record("log", y, inputs: [self]) { c in [c.grad / c.inputs[0]] }
    }

    public func sqrt() -> Tensor {
        let y = mapKernel { $0.squareRoot() }
        if !isTracked { return y }
        return Tensor.record("sqrt", y, inputs: [self]) { c in [Tensor.zipKernel(c.grad, y) { g, s in 0.5 * g / s }] }
    }

    public func sin() -> Tensor {
        let y = mapKernel { Foundation.sin($0) }
        if !isTracked { return y }
        return Tensor.record("sin", y, inputs: [self]) { c in [c.grad * c.inputs[0].cos()] }
    }

    public func cos() -> Tensor {
        let y = mapKernel { Foundation.cos($0) }
        if !isTracked { return y }
        return Tensor.record("cos", y, inputs: [self]) { c in [-(c.grad * c.inputs[0].sin())] }
    }

    public func tanh() -> Tensor {
        let y = mapKernel { x in 2 * fastSigmoid(2 * x) - 1 }
        if !isTracked { return y }
        return Tensor.record("tanh", y, inputs: [self]) { c in [Tensor.zipKernel(c.grad, y) { g, t in g * (1 - t * t) }] }
    }

    public func sigmoid() -> Tensor {
        let y = mapKernel { fastSigmoid($0) }
        if !isTracked { return y }
        return Tensor.record("sigmoid", y, inputs: [self]) { c in [Tensor.zipKernel(c.grad, y) { g, s in g * s * (1 - s) }] }
    }

    /// SiLU (swish): x·σ(x).
    public func silu() -> Tensor {
        let y = mapKernel { x in x * fastSigmoid(x) }
        if !isTracked { return y }
        return Tensor.record("silu", y, inputs: [self]) { c in
            [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in
                let s = fastSigmoid(x)
                return g * s * (1 + x * (1 - s))
            }]
        }
    }

    /// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    public func gelu() -> Tensor {
        let k: Float = 0.7978845608028654
        let y = mapKernel { x in
            let u = k * (x + 0.044715 * x * x * x)
            return x * fastSigmoid(2 * u)          // ½(1 + tanh u) = σ(2u)
        }
        if !isTracked { return y }
        return Tensor.record("gelu", y, inputs: [self]) { c in
            [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in
                let u = k * (x + 0.044715 * x * x * x)
                let s = fastSigmoid(2 * u)
                let du = k * (1 + 3 * 0.044715 * x * x)
                return g * (s + x * 2 * s * (1 - s) * du)
            }]
        }
    }

    public func square() -> Tensor {
        let y = mapKernel { $0 * $0 }
        if !isTracked { return y }
        return Tensor.record("square", y, inputs: [self]) { c in [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in 2 * g * x }] }
    }

    public func abs() -> Tensor {
        let y = mapKernel { Swift.abs($0) }
        if !isTracked { return y }
        return Tensor.record("abs", y, inputs: [self]) { c in
            [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in x > 0 ? g : (x < 0 ? -g : 0) }]
        }
    }

    /// x^p for a constant exponent p.
    public func pow(_ p: Float) -> Tensor {
        let y = mapKernel { Foundation.pow($0, p) }
        if !isTracked { return y }
        return Tensor.record("pow", y, inputs: [self]) { c in
            [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in g * p * Foundation.pow(x, p - 1) }]
        }
    }

    /// Clamps values to [lo, hi]; the gradient is zero outside.
    public func clamped(_ lo: Float, _ hi: Float) -> Tensor {
        let y = mapKernel { Swift.min(Swift.max($0, lo), hi) }
        if !isTracked { return y }
        return Tensor.record("clamp", y, inputs: [self]) { c in
            [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in (x >= lo && x <= hi) ? g : 0 }]
        }
    }

    /// ReLU: Swift.max(x, 0).
    public func relu() -> Tensor {
        let y = mapKernel { Swift.max($0, 0) }
        if !isTracked { return y }
        return Tensor.record("relu", y, inputs: [self]) { c in [Tensor.zipKernel(c.grad, c.inputs[0]) { g, x in x > 0 ? g : 0 }] }
    }
}
