import Foundation

/// The per-time constants of a Gaussian mixture's marginal p_t, and the per-row exact kernels
/// (log-density, responsibilities, score, posterior mean), all in Double.
struct MixtureAtTime {
    let k: Int, d: Int
    /// log w_k − ½·Σ_j log(2π·v_kj).
    let logNorm: [Double]
    /// Component means of p_t, α·μ_kj.
    let mean: [Double]
    /// 1/v_kj with v_kj = α²s_kj² + σ².
    let inverseVariance: [Double]
    /// Data means μ_kj.
    let mu: [Double]
    /// Posterior gain α·s_kj²/v_kj of E[x₀ | x_t] within component k.
    let gain: [Double]

    init(_ g: GaussianMixture, t: Double) {
        let a = g.path.alpha(t), s = g.path.sigma(t)
        k = g.componentCount
        d = g.dimension
        mu = g.mu
        mean = g.mu.map { a * $0 }
        let variance = g.sd.map { a * a * $0 * $0 + s * s }
        inverseVariance = variance.map { 1 / $0 }
        gain = zip(g.sd, inverseVariance).map { a * $0 * $0 * $1 }
        let (k, d) = (k, d)
        logNorm = (0..<k).map { c in
            var acc = Foundation.log(g.weights[c])
            for j in 0..<d { acc -= 0.5 * Foundation.log(2 * Double.pi * variance[c * d + j]) }
            return acc
        }
    }

    /// Fills `logits` with log w_k + log N_k(x) and returns their log-sum-exp, log p_t(x).
    @inline(__always)
    func componentLogits<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, logits: UnsafeMutablePointer<Double>) -> Double {
        var best = -Double.infinity
        for c in 0..<k {
            var q = 0.0
            let base = c * d
            for j in 0..<d {
                let r = Double(x[j]) - mean[base + j]
                q += r * r * inverseVariance[base + j]
            }
            let l = logNorm[c] - 0.5 * q
            logits[c] = l
            best = Swift.max(best, l)
        }
        if best == -.infinity { return best }
        var total = 0.0
        for c in 0..<k {
            let e = Foundation.exp(logits[c] - best)
            logits[c] = e
            total += e
        }
        // Now logits[c] holds exp(ℓ_c − max); normalize into responsibilities.
        let inv = 1 / total
        for c in 0..<k { logits[c] *= inv }
        return best + Foundation.log(total)
    }

    /// log p_t(x) for one row (`scratch` holds k Doubles).
    func logDensity(_ x: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Double>) -> Double {
        componentLogits(x, logits: scratch)
    }

    /// Score ∇log p_t(x) and posterior mean E[x₀ | x_t = x] for one row; `weights` receives the responsibilities.
    @inline(__always)
    func posterior<F: BinaryFloatingPoint>(_ x: UnsafePointer<F>, weights: UnsafeMutablePointer<Double>,
                   x0: UnsafeMutablePointer<Double>, score: UnsafeMutablePointer<Double>) {
        _ = componentLogits(x, logits: weights)
        for j in 0..<d { x0[j] = 0; score[j] = 0 }
        for c in 0..<k {
            let r = weights[c]
            if r == 0 { continue }
            let base = c * d
            for j in 0..<d {
                let diff = Double(x[j]) - mean[base + j]
                score[j] -= r * diff * inverseVariance[base + j]
                x0[j] += r * (mu[base + j] + gain[base + j] * diff)
            }
        }
    }
}
