import Foundation

/// Draws t on [a, b] with density p(t) ∝ w(t) by inverting a tabulated CDF,
/// and returns the importance weight that makes E[weight·f(t)] = E_{U[a,b]}[w(t)·f(t)]/Z̄,
/// i.e. the λ-weighted loss normalised by its mean weight.
///
/// The CDF is tabulated on a grid that is geometric near a (weights such as the
/// likelihood weighting g²/σ² grow like 1/t there) and integrated by the
/// trapezoid rule; within a cell the sampled density is constant, p̂(t) =
/// ΔF/Δt, and the returned weight is w(t)/(p̂(t)·Z̄) with Z̄ = ∫w/(b − a) —
/// exact importance sampling for the piecewise-constant density, so the loss
/// stays unbiased (Song et al. 2021, "Maximum likelihood training of
/// score-based diffusion models", §5, use the same idea with a closed form).
struct ImportanceTimeSampler {
    let grid: [Double]
    let cdf: [Double]        // normalised, cdf[0] = 0, cdf.last = 1
    let weight: (Double) -> Double
    let meanWeight: Double

    init(range: ClosedRange<Double>, cells: Int = 4096, weight: @escaping (Double) -> Double) {
        let a = max(range.lowerBound, 1e-5), b = range.upperBound
        // Half the points geometric on [a, √(ab)·…], the rest linear: fine near a, even elsewhere.
        var g: [Double] = []
        let split = min(b, max(a * 100, 0.01))
        for k in 0...(cells / 2) { g.append(a * Foundation.pow(split / a, Double(k) / Double(cells / 2))) }
        for k in 1...(cells / 2) { g.append(split + (b - split) * Double(k) / Double(cells / 2)) }
        var c = [0.0]
        for k in 1..<g.count { c.append(c[k - 1] + 0.5 * (weight(g[k - 1]) + weight(g[k])) * (g[k] - g[k - 1])) }
        let total = c.last!
        grid = g
        cdf = c.map { $0 / total }
        self.weight = weight
        meanWeight = total / (b - a)
    }

    /// Times for uniforms u ∈ (0, 1), with their importance weights.
    func sample(_ u: [Double]) -> (times: [Double], weights: [Double]) {
        var times: [Double] = [], weights: [Double] = []
        for ui in u {
            // First k with cdf[k] ≥ u (binary search), then linear interpolation in cell [k−1, k].
            var lo = 1, hi = cdf.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cdf[mid] >= ui { hi = mid } else { lo = mid + 1 }
            }
            let dF = cdf[lo] - cdf[lo - 1], dt = grid[lo] - grid[lo - 1]
            let t = grid[lo - 1] + (dF > 0 ? (ui - cdf[lo - 1]) / dF : 0.5) * dt
            let density = dF / dt           // p̂(t) on this cell (integrates to 1 over [a, b])
            times.append(t)
            weights.append(weight(t) / (density * meanWeight * (grid.last! - grid[0])))
        }
        return (times, weights)
    }
}
