import TensorCore

extension Tensor {
    /// Σᵢ cᵢ·xᵢ in one pass over memory: the update of every solver step (x + h·Σ bᵢkᵢ,
    /// DPM-Solver's weighted sums, …). When a term is on the tape (differentiating through the
    /// solver's steps, "discretize-then-optimize") the sum is recorded with taped ops instead.
    ///
    /// Coefficients are Double (time differences) and rounded to Float once; terms with
    /// a zero coefficient are skipped. All tensors must have the same shape.
    static func combination(_ terms: [(Double, Tensor)]) -> Tensor {
        precondition(!terms.isEmpty, "combination: no terms")
        let shape = terms[0].1.shape
        for (_, x) in terms {
            precondition(x.shape == shape, "combination: term of shape \(x.shape) does not match shape \(shape)")
        }
        let live = terms.filter { $0.0 != 0 }
        if live.contains(where: { $0.1.isTracked }) {
            return live.dropFirst().reduce(live[0].1 * Float(live[0].0)) { $0 + $1.1 * Float($1.0) }
        }
        let out = Tensor.zeros(shape)
        if live.isEmpty { return out }
        let coefficients = live.map { Float($0.0) }
        let pointers = live.map { UnsafePointer($0.1.storage.pointer) }
        let o = out.storage.pointer
        parallelFor(out.count) { lo, hi in
            let c0 = coefficients[0], p0 = pointers[0]
            for i in lo..<hi { o[i] = c0 * p0[i] }
            for k in 1..<coefficients.count {
                let c = coefficients[k], p = pointers[k]
                for i in lo..<hi { o[i] += c * p[i] }
            }
        }
        return out
    }

    /// Root mean square of the scaled error eᵢ/(atol + rtol·max(|aᵢ|, |bᵢ|)): the norm step-size
    /// control compares with 1 (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.4, eq. 4.11).
    /// Accumulated serially in Double, so it does not depend on the thread count.
    static func scaledRMS(_ e: Tensor, _ a: Tensor, _ b: Tensor, rtol: Double, atol: Double) -> Double {
        precondition(e.shape == a.shape && a.shape == b.shape,
                     "scaledRMS: shapes \(e.shape), \(a.shape), \(b.shape) differ")
        let n = e.count
        if n == 0 { return 0 }
        let pe = e.storage.pointer, pa = a.storage.pointer, pb = b.storage.pointer
        var sum = 0.0
        for i in 0..<n {
            let scale = atol + rtol * Double(Swift.max(Swift.abs(pa[i]), Swift.abs(pb[i])))
            let r = Double(pe[i]) / scale
            sum += r * r
        }
        return (sum / Double(n)).squareRoot()
    }
}
