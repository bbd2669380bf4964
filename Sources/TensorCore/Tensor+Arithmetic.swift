/// Elementwise arithmetic with NumPy broadcasting, and its VJP rules.

extension Tensor {
    /// Applies `f` elementwise to broadcast operands (no tape).
    @inline(__always)
    static func broadcastKernel(_ a: Tensor, _ b: Tensor, op: String,
                                _ f: (Float, Float) -> Float) -> Tensor {
        let pa = a.storage.pointer, pb = b.storage.pointer
        if a.shape == b.shape {
            let out = Tensor(uninitializedShape: a.shape)
            let po = out.storage.pointer
            parallelFor(out.count) { lo, hi in for i in lo..<hi { po[i] = f(pa[i], pb[i]) } }
            return out
        }
        let plan = BroadcastPlan(a.shape, b.shape, op: op)
        let out = Tensor(uninitializedShape: plan.outShape)
        let po = out.storage.pointer
        let inner = plan.inner, sa = plan.innerStrideA, sb = plan.innerStrideB
        parallelFor(plan.outerCount, grain: Swift.max(1, parallelGrain / Swift.max(inner, 1))) { lo, hi in
            for row in lo..<hi {
                let (oa, ob) = plan.offsets(row: row)
                let x = pa + oa, y = pb + ob, o = po + row * inner
                if sa == 1 && sb == 1 {
                    for i in 0..<inner { o[i] = f(x[i], y[i]) }
                } else if sa == 1 {
                    let v = y[0]
                    for i in 0..<inner { o[i] = f(x[i], v) }
                } else if sb == 1 {
                    let v = x[0]
                    for i in 0..<inner { o[i] = f(v, y[i]) }
                } else {
                    let v = f(x[0], y[0])
                    for i in 0..<inner { o[i] = v }
                }
            }
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "add") { $0 + $1 }
        if !(a.isTracked || b.isTracked) { return out }
        return record("add", out, inputs: [a, b]) { c in
            [c.needs[0] ? c.grad.sumToShape(c.inputs[0].shape) : nil,
             c.needs[1] ? c.grad.sumToShape(c.inputs[1].shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "subtract") { $0 - $1 }
        if !(a.isTracked || b.isTracked) { return out }
        return record("subtract", out, inputs: [a, b]) { c in
            [c.needs[0] ? c.grad.sumToShape(c.inputs[0].shape) : nil,
             c.needs[1] ? (-c.grad).sumToShape(c.inputs[1].shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "multiply") { $0 * $1 }
        if !(a.isTracked || b.isTracked) { return out }
        return record("multiply", out, inputs: [a, b]) { c in
            [c.needs[0] ? (c.grad * c.inputs[1]).sumToShape(c.inputs[0].shape) : nil,
             c.needs[1] ? (c.grad * c.inputs[0]).sumToShape(c.inputs[1].shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "divide") { $0 / $1 }
        if !(a.isTracked || b.isTracked) { return out }
        return record("divide", out, inputs: [a, b]) { c in
            let (x, y) = (c.inputs[0], c.inputs[1])
            return [c.needs[0] ? (c.grad / y).sumToShape(x.shape) : nil,
                    c.needs[1] ? (-(c.grad * x) / (y * y)).sumToShape(y.shape) : nil]
        }
    }

    /// Elementwise maximum (gradient flows to the larger operand; to `a` on ties).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "maximum") { $0 >= $1 ? $0 : $1 }
        if !(a.isTracked || b.isTracked) { return out }
        return record("maximum", out, inputs: [a, b]) { c in
            let (x, y) = (c.inputs[0], c.inputs[1])
            let maskA = broadcastKernel(x, y, op: "maximum") { $0 >= $1 ? 1 : 0 }
            return [c.needs[0] ? (c.grad * maskA).sumToShape(x.shape) : nil,
                    c.needs[1] ? (c.grad * (1 - maskA)).sumToShape(y.shape) : nil]
        }
    }

    // MARK: Scalars

    /// Applies `x ↦ x·scale + shift` (one pass; the basis of scalar arithmetic).
    public func affine(scale: Float, shift: Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let p = storage.pointer, o = out.storage.pointer
        parallelFor(count) { lo, hi in for i in lo..<hi { o[i] = p[i] * scale + shift } }
        if !isTracked { return out }
        return Tensor.record("affine", out, inputs: [self]) { c in [c.grad.affine(scale: scale, shift: 0)] }
    }

    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0) }
    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    public static func / (s: Float, a: Tensor) -> Tensor { Tensor(scalar: s) / a }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func *= (a: inout Tensor, s: Float) { a = a * s }
}
