/// Checks reverse-mode gradients against central finite differences.
///
/// For a function f of several tensors, a fixed random cotangent w projects the
/// output to the scalar L = Σ w·f(x) (accumulated in Double). The tape's VJP
/// gives ∂L/∂x; each checked element is compared with
/// (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h. Used by the tests of every primitive.
public struct GradientCheckReport: CustomStringConvertible {
    /// Largest |analytic − numeric| / (atol + rtol·max(|analytic|, |numeric|)); ≤ 1 passes.
    public var worstRatio: Double = 0
    /// Where the worst element is: input index, flat element index, both values.
    public var worst: (input: Int, element: Int, analytic: Double, numeric: Double) = (0, 0, 0, 0)
    public var checkedElements = 0
    public var passed: Bool { worstRatio <= 1 }
    public var description: String {
        "gradient check: \(checkedElements) elements, worst ratio \(worstRatio) at input \(worst.input) element \(worst.element): analytic \(worst.analytic) vs numeric \(worst.numeric)"
    }
}

/// Compares the tape's gradients of `f` at `inputs` with central differences of step `h`.
/// At most `maxElements` elements per input are checked (spread evenly).
public func checkGradient(at inputs: [Tensor], h: Float = 1e-2, rtol: Double = 2e-2, atol: Double = 2e-3,
                          maxElements: Int = 64, seed: UInt64 = 7,
                          _ f: ([Tensor]) -> Tensor) -> GradientCheckReport {
    let y0 = f(inputs.map(\.detached))
    let w = y0.count == 0 ? y0 : Tensor.randomNormal([1, y0.count], key: RandomKey(seed: seed)).reshaped(y0.shape)
    func loss(_ xs: [Tensor]) -> Double {
        let y = f(xs)
        var s = 0.0
        y.withUnsafeBufferPointer { yp in w.withUnsafeBufferPointer { wp in
            for i in 0..<yp.count { s += Double(yp[i]) * Double(wp[i]) }
        } }
        return s
    }
    let (_, grads) = valueWithGradient(at: inputs, seed: w) { f($0) }
    var report = GradientCheckReport()
    for (n, x) in inputs.enumerated() {
        let g = grads[n].scalars
        let stride = max(1, x.count / maxElements)
        for e in Swift.stride(from: 0, to: x.count, by: stride) {
            func perturbed(_ d: Float) -> [Tensor] {
                var xs = inputs.map(\.detached)
                let c = x.copy()
                c.withUnsafeMutableBufferPointer { $0[e] += d }
                xs[n] = c
                return xs
            }
            let numeric = (loss(perturbed(h)) - loss(perturbed(-h))) / (2 * Double(h))
            let analytic = Double(g[e])
            let ratio = Swift.abs(analytic - numeric) / (atol + rtol * Swift.max(Swift.abs(analytic), Swift.abs(numeric)))
            report.checkedElements += 1
            if ratio > report.worstRatio || report.checkedElements == 1 {
                report.worstRatio = Swift.max(ratio, report.worstRatio)
                report.worst = (n, e, analytic, numeric)
            }
        }
    }
    return report
}

/// Checks second derivatives: the gradient x ↦ ∇ₓ(wᵀ f(x)) (w a fixed random cotangent), taken
/// with `createGraph` so that it is on the tape, is differentiated by the tape once more and
/// compared with central differences of the gradient itself (`checkGradient` on it). This is
/// the check of every composable rule, and of objectives that differentiate a gradient (the
/// divergence of a continuous normalizing flow, a Jacobian penalty).
public func checkSecondGradient(at inputs: [Tensor], h: Float = 1e-2, rtol: Double = 3e-2, atol: Double = 3e-3,
                                maxElements: Int = 64, seed: UInt64 = 7,
                                _ f: ([Tensor]) -> Tensor) -> GradientCheckReport {
    let y0 = f(inputs.map(\.detached))
    let w = Tensor.randomNormal([y0.count], key: RandomKey(seed: seed &+ 1)).reshaped(y0.shape)
    return checkGradient(at: inputs, h: h, rtol: rtol, atol: atol, maxElements: maxElements, seed: seed) { xs in
        let leaves = xs.map { $0.isTracked ? $0 : $0.trackingGradient() }
        let g = gradients(of: (f(leaves) * w).sum(), wrt: leaves, createGraph: true)
        return Tensor.concat(g.map { $0.reshaped([-1]) }, axis: 0)
    }
}
