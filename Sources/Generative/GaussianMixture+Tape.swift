import TensorCore

extension GaussianMixture {
    /// The exact probability-flow velocity û = α′·x̂₀ − σ′σ·ŝ built from tape-recording tensor
    /// primitives (broadcasting arithmetic, sums, softmax over components), so the tape gives its
    /// vector–Jacobian products in x (the likelihood's divergence). Same maths as `fields`, in
    /// Float32 (its softmax uses the polynomial exp, relative error ~4e-6); [B, D] samples only.
    public func differentiableVelocity(_ x: Tensor, t: Double) -> Tensor {
        let batch = checkBatch(x, op: "differentiableVelocity")
        let m = MixtureAtTime(self, t: t)
        let (k, d) = (m.k, m.d)
        let xs = x.reshaped([batch, 1, d])
        let mean = Tensor(m.mean.map { Float($0) }, shape: [1, k, d])
        let inverseVariance = Tensor(m.inverseVariance.map { Float($0) }, shape: [1, k, d])
        let diff = xs - mean                                                   // [B, K, D]
        let weighted = diff * inverseVariance
        let logits = Tensor(m.logNorm.map { Float($0) }, shape: [1, k]) - (diff * weighted).sum(axis: 2) * 0.5
        let r = logits.softmax(axis: 1).reshaped([batch, k, 1])               // responsibilities
        let score = -((r * weighted).sum(axis: 1))                             // Σ r_k (αμ_k − x)/v_k
        let mu = Tensor(m.mu.map { Float($0) }, shape: [1, k, d]), gain = Tensor(m.gain.map { Float($0) }, shape: [1, k, d])
        let x0 = (r * (mu + gain * diff)).sum(axis: 1)                         // Σ r_k (μ_k + g_k(x − αμ_k))
        return x0 * Float(path.alphaDot(t)) + score * Float(-path.sigmaDot(t) * path.sigma(t))
    }
}
