/// Elementwise arithmetic with NumPy broadcasting, and its VJP rules.

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "add", AddOp())
        if !(a.isTracked || b.isTracked) { return out }
        return record("add", out, inputs: [a, b], composable: true) { c in
            [c.needs[0] ? c.grad.sumToShape(c.inputs[0].shape) : nil,
             c.needs[1] ? c.grad.sumToShape(c.inputs[1].shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "subtract", SubtractOp())
        if !(a.isTracked || b.isTracked) { return out }
        return record("subtract", out, inputs: [a, b], composable: true) { c in
            [c.needs[0] ? c.grad.sumToShape(c.inputs[0].shape) : nil,
             c.needs[1] ? (-c.grad).sumToShape(c.inputs[1].shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "multiply", MultiplyOp())
        if !(a.isTracked || b.isTracked) { return out }
        return record("multiply", out, inputs: [a, b], composable: true) { c in
            [c.needs[0] ? (c.grad * c.inputs[1]).sumToShape(c.inputs[0].shape) : nil,
             c.needs[1] ? (c.grad * c.inputs[0]).sumToShape(c.inputs[1].shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "divide", DivideOp())
        if !(a.isTracked || b.isTracked) { return out }
        return record("divide", out, inputs: [a, b], composable: true) { c in
            let (x, y) = (c.inputs[0], c.inputs[1])
            return [c.needs[0] ? (c.grad / y).sumToShape(x.shape) : nil,
                    c.needs[1] ? (-(c.grad * x) / (y * y)).sumToShape(y.shape) : nil]
        }
    }

    /// Elementwise maximum (gradient flows to the larger operand; to `a` on ties).
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = broadcastKernel(a, b, op: "maximum", MaximumOp())
        if !(a.isTracked || b.isTracked) { return out }
        return record("maximum", out, inputs: [a, b]) { c in
            let (x, y) = (c.inputs[0], c.inputs[1])
            let maskA = broadcastKernel(x, y, op: "maximum", GreaterEqualMaskOp())
            return [c.needs[0] ? (c.grad * maskA).sumToShape(x.shape) : nil,
                    c.needs[1] ? (c.grad * (1 - maskA)).sumToShape(y.shape) : nil]
        }
    }

    // MARK: Scalars

    /// Applies `x ↦ x·scale + shift` (one pass; the basis of scalar arithmetic).
    public func affine(scale: Float, shift: Float) -> Tensor {
        let out = apply(AffineOp(scale: scale, shift: shift))
        if !isTracked { return out }
        return Tensor.record("affine", out, inputs: [self], composable: true) { c in [c.grad.affine(scale: scale, shift: 0)] }
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
