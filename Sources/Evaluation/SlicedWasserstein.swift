import Foundation
import TensorCore

/// The sliced 2-Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015):
///
///     SW₂(P, Q) = ( E_θ W₂²(θᵀP, θᵀQ) )^{½},   θ uniform on the unit sphere
///
/// with the expectation over `directions` random directions (normalized keyed Gaussians: the
/// same directions for every call with the same key) and the 1-D W₂² between the projections in
/// closed form from sorted values (quantile matching at levels (i + ½)/m, m = max(N₁, N₂), by
/// linear interpolation of the empirical quantiles when N₁ ≠ N₂).
/// Caveat: an empirical SW₂ between two finite samples of one distribution is O(N^{−½}), not 0:
/// read it beside the exact-vs-exact value at the same N.
public func slicedWasserstein(_ x: FeatureSet, _ y: FeatureSet, directions: Int = 256, key: RandomKey) throws -> Double {
    guard x.dimension == y.dimension else {
        throw EvaluationError("sliced W2 between \(x.dimension)- and \(y.dimension)-dimensional samples")
    }
    guard x.count >= 1, y.count >= 1, directions >= 1 else { throw EvaluationError("sliced W2 needs samples and directions") }
    let d = x.dimension
    let theta = Tensor.randomNormal([directions, d], key: key.fold("sliced-w2")).scalars.map(Double.init)
    var total = 0.0
    for l in 0..<directions {
        var dir = Array(theta[(l * d)..<((l + 1) * d)])
        let norm = dir.map { $0 * $0 }.reduce(0, +).squareRoot()
        dir = dir.map { $0 / Swift.max(norm, 1e-300) }
        func project(_ s: FeatureSet) -> [Double] {
            (0..<s.count).map { i in
                var p = 0.0
                for k in 0..<d { p += s.values[i * d + k] * dir[k] }
                return p
            }.sorted()
        }
        let a = project(x), b = project(y)
        let m = Swift.max(a.count, b.count)
        var w = 0.0
        for i in 0..<m {
            let q = (Double(i) + 0.5) / Double(m)
            let e = quantile(a, q) - quantile(b, q)
            w += e * e
        }
        total += w / Double(m)
    }
    return (total / Double(directions)).squareRoot()
}

/// The empirical quantile of sorted values at level q ∈ (0, 1): value i sits at level (i + ½)/n,
/// linear in between, constant beyond the ends.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let n = sorted.count
    let position = q * Double(n) - 0.5
    if position <= 0 { return sorted[0] }
    if position >= Double(n - 1) { return sorted[n - 1] }
    let i = Int(position), u = position - Double(i)
    return (1 - u) * sorted[i] + u * sorted[i + 1]
}
