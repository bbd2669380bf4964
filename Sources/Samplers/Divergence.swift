import TensorCore

/// The probes of Hutchinson's estimator: both have E[εεᵀ] = I.
public enum ProbeDistribution: String, Sendable, CaseIterable {
    /// ±1 with equal probability (the lowest-variance choice, Hutchinson 1990).
    case rademacher
    /// Standard normal.
    case gaussian
}

/// How the divergence ∇·v = tr(∂v/∂z) of a field along an ODE is computed, from vector–Jacobian
/// products on the tape — the one implementation behind the probability-flow likelihood
/// (`ProbabilityFlowLikelihood`, which integrates d log p/dt = −∇·û) and continuous normalizing
/// flow training (`CNFObjective`, whose loss differentiates through it).
public enum Divergence: Sendable, Equatable {
    /// Σⱼ ∂vⱼ/∂zⱼ from d vector–Jacobian products with the basis vectors (low dimension).
    case exact
    /// Hutchinson's estimator (Hutchinson 1990; FFJORD, Grathwohl et al. 2019, eq. 7):
    /// ∇·v ≈ (1/K)·Σₖ εₖᵀ(∂v/∂z)εₖ with K probes per sample, one VJP each. The probes are drawn
    /// once per sample (keyed by the key and the sample index) and held fixed along the ODE, so
    /// the integral is an unbiased estimate of the exact one.
    case hutchinson(probes: Int, distribution: ProbeDistribution)

    /// The fixed probes, K tensors [B, d] (none for `exact`): probe k of row i draws from
    /// (`key`.fold("hutchinson").fold(k), `firstSample` + i), so a sample's probes do not depend
    /// on the batch it is in. Rademacher probes are TensorCore's ±1 draws.
    public func probes(batch: Int, dimension: Int, key: RandomKey, firstSample: Int = 0) -> [Tensor] {
        guard case let .hutchinson(count, distribution) = self else { return [] }
        return (0..<count).map { k in
            Tensor.random(distribution == .rademacher ? .rademacher : .normal, shape: [batch, dimension],
                          key: key.fold("hutchinson").fold(UInt64(k)), firstSample: firstSample)
        }
    }

    /// ∇·v per row [B] at z, and, when `frobenius`, the squared Frobenius norm ‖∂v/∂z‖²_F per row
    /// (RNODE's Jacobian term): with no probes exactly, from d basis VJPs (Σⱼ (eⱼᵀ∂v/∂z)ⱼ and
    /// Σⱼ ‖eⱼᵀ∂v/∂z‖²); with probes, their means of εᵀ(∂v/∂z)ε and ‖εᵀ∂v/∂z‖².
    ///
    /// v and z have the same shape [B, …] (d = elements per row); z is a tensor on the tape that
    /// produced v (a leaf or an intermediate result). With `createGraph` both results stay on the
    /// tape, differentiable again in z and in whatever else v depends on (the CNF's parameters).
    public static func evaluate(_ v: Tensor, at z: Tensor, probes: [Tensor], frobenius: Bool = false,
                                createGraph: Bool = false) -> (divergence: Tensor, frobenius: Tensor?) {
        precondition(v.shape == z.shape, "Divergence: field of shape \(v.shape) at a point of shape \(z.shape)")
        let b = v.shape[0], d = v.count / Swift.max(b, 1)
        func vjp(_ seed: Tensor) -> Tensor {
            gradients(of: v, wrt: [z], seed: seed.reshaped(v.shape), createGraph: createGraph)[0].reshaped([b, d])
        }
        var divergence: Tensor?, norm: Tensor?
        func add(_ diagonal: Tensor, _ g: Tensor) {
            divergence = divergence.map { $0 + diagonal } ?? diagonal
            if frobenius {
                let row = g.square().sum(axes: [1])
                norm = norm.map { $0 + row } ?? row
            }
        }
        if probes.isEmpty {
            for j in 0..<d {
                var basis = [Float](repeating: 0, count: b * d)
                for i in 0..<b { basis[i * d + j] = 1 }
                let g = vjp(Tensor(basis, shape: [b, d]))
                add(g.slice(axis: 1, j..<(j + 1)).reshaped([b]), g)
            }
            return (divergence ?? Tensor.zeros([b]), norm)
        }
        for probe in probes {
            precondition(probe.shape == [b, d], "Divergence: probe of shape \(probe.shape) for a field of \(b) rows of \(d)")
            let g = vjp(probe)
            add((g * probe).sum(axes: [1]), g)
        }
        guard probes.count > 1 else { return (divergence!, norm) }
        let mean = Float(1) / Float(probes.count)
        return (divergence! * mean, norm.map { $0 * mean })
    }
}
