import Foundation

extension GaussianMixture {
    /// Exact posterior mean x̂₀ = E[x₀ | x_t = x] and score ∇log p_t(x) of one point, in Double
    /// throughout (the float64 reference solves of `Evaluation` integrate with these).
    public func exactPosterior(_ x: [Double], t: Double) -> (x0: [Double], score: [Double]) {
        precondition(x.count == dimension, "GaussianMixture.exactPosterior: \(x.count) values, dimension \(dimension)")
        let m = MixtureAtTime(self, t: t)
        var weights = [Double](repeating: 0, count: componentCount)
        var x0 = [Double](repeating: 0, count: dimension), score = [Double](repeating: 0, count: dimension)
        x.withUnsafeBufferPointer { xb in
            weights.withUnsafeMutableBufferPointer { w in
                x0.withUnsafeMutableBufferPointer { a in
                    score.withUnsafeMutableBufferPointer { s in
                        m.posterior(xb.baseAddress!, weights: w.baseAddress!, x0: a.baseAddress!, score: s.baseAddress!)
                    }
                }
            }
        }
        return (x0, score)
    }

    /// The exact probability-flow velocity û = α′·x̂₀ + σ′·ε̂ (ε̂ = −σ·ŝ) of one point, in Double.
    public func exactVelocity(_ x: [Double], t: Double) -> [Double] {
        let (x0, score) = exactPosterior(x, t: t)
        let a = path.alphaDot(t), b = -path.sigmaDot(t) * path.sigma(t)
        return zip(x0, score).map { a * $0 + b * $1 }
    }
}
