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
    try SlicedWassersteinResampler(x, y, directions: directions, key: key).value(rows: Array(0..<x.count), referenceRows: Array(0..<y.count))
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

/// `slicedWasserstein` on bootstrap resamples of its two sets, fast: each direction's projections
/// are sorted once, and a resample's sorted projections are the full set's in the same order, each
/// value repeated as often as the resample drew its point — O(N) per direction, not O(N log N).
/// The same directions (the same key) as the full-set value.
public struct SlicedWassersteinResampler: Sendable {
    let directions: Int
    /// Per direction: the projections of x and of y, sorted, with the row each came from.
    let sortedX: [[(value: Double, row: Int)]]
    let sortedY: [[(value: Double, row: Int)]]
    let countX: Int, countY: Int

    public init(_ x: FeatureSet, _ y: FeatureSet, directions: Int = 256, key: RandomKey) throws {
        guard x.dimension == y.dimension else {
            throw EvaluationError("sliced W2 between \(x.dimension)- and \(y.dimension)-dimensional samples")
        }
        guard x.count >= 1, y.count >= 1, directions >= 1 else { throw EvaluationError("sliced W2 needs samples and directions") }
        let d = x.dimension
        let theta = Tensor.randomNormal([directions, d], key: key.fold("sliced-w2")).scalars.map(Double.init)
        var sx = [[(value: Double, row: Int)]](), sy = [[(value: Double, row: Int)]]()
        for l in 0..<directions {
            var dir = Array(theta[(l * d)..<((l + 1) * d)])
            let norm = dir.map { $0 * $0 }.reduce(0, +).squareRoot()
            dir = dir.map { $0 / Swift.max(norm, 1e-300) }
            func project(_ s: FeatureSet) -> [(value: Double, row: Int)] {
                (0..<s.count).map { i -> (value: Double, row: Int) in
                    var p = 0.0
                    for k in 0..<d { p += s.values[i * d + k] * dir[k] }
                    return (p, i)
                }.sorted { $0.value < $1.value }
            }
            sx.append(project(x))
            sy.append(project(y))
        }
        self.directions = directions
        sortedX = sx
        sortedY = sy
        countX = x.count
        countY = y.count
    }

    /// Each point's influence on the plug-in SW₂² (van der Vaart 1998, ch. 20; for W₂² on the line,
    /// del Barrio, Giné & Utzet 2005): to first order the estimate moves by the mean influence of
    /// the points a resample adds. For W₂²(θᵀP, θᵀQ) a point's influence is the Kantorovich potential
    /// of the optimal map, φ(x) with φ′(x) = 2 (x − T(x)), T = G⁻¹∘F the monotone map from P's
    /// projections onto Q's (ψ′(y) = 2 (y − T⁻¹(y)) for a reference point), centred. The potentials
    /// are integrated by the trapezoid rule over each direction's sorted projections, T read off the
    /// other set's quantiles at the same level, and averaged over the directions.
    public func influence() -> (samples: [Double], reference: [Double]) {
        var x = [Double](repeating: 0, count: countX), y = [Double](repeating: 0, count: countY)
        for l in 0..<directions {
            Self.addPotential(sortedX[l], mappedTo: sortedY[l].map(\.value), into: &x)
            Self.addPotential(sortedY[l], mappedTo: sortedX[l].map(\.value), into: &y)
        }
        let scale = 1 / Double(directions)
        return (x.map { $0 * scale }, y.map { $0 * scale })
    }

    /// The delta-method standard error of the plug-in SW₂², from the points' `influence`:
    ///
    ///     SE² = Var_i IF(xᵢ) / N₁ + Var_j IF(yⱼ) / N₂.
    ///
    /// Unlike the bootstrap's spread it leaves out the second-order quantile noise that each
    /// resample adds on top of the sample's own, which widens the bootstrap interval by a third
    /// where the distance is small beside its bias (`SlicedWassersteinCoverageTests`).
    public func squaredDeltaStandardError() -> Double {
        Self.deltaStandardError(influence())
    }

    /// SE² = Var_i IF(xᵢ) / N₁ + Var_j IF(yⱼ) / N₂ from the two sets' influences.
    public static func deltaStandardError(_ influence: (samples: [Double], reference: [Double])) -> Double {
        let (x, y) = influence
        func variance(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(Swift.max(v.count - 1, 1))
        }
        return (variance(x) / Double(x.count) + variance(y) / Double(y.count)).squareRoot()
    }

    /// Adds the centred Kantorovich potential of each point of `sorted` (mapped monotonically onto
    /// the sorted values `other`) to `out` at the point's row.
    static func addPotential(_ sorted: [(value: Double, row: Int)], mappedTo other: [Double], into out: inout [Double]) {
        let n = sorted.count
        var potential = [Double](repeating: 0, count: n)
        var previousGap = sorted[0].value - quantile(other, 0.5 / Double(n))
        for i in 1..<n {
            let gap = sorted[i].value - quantile(other, (Double(i) + 0.5) / Double(n))
            potential[i] = potential[i - 1] + (sorted[i].value - sorted[i - 1].value) * (gap + previousGap)
            previousGap = gap
        }
        let mean = potential.reduce(0, +) / Double(n)
        for i in 0..<n { out[sorted[i].row] += potential[i] - mean }
    }

    /// SW₂ between the resample `rows` of x and the resample `referenceRows` of y.
    public func value(rows: [Int], referenceRows: [Int]) -> Double {
        var cx = [Int](repeating: 0, count: countX), cy = [Int](repeating: 0, count: countY)
        for r in rows { cx[r] += 1 }
        for r in referenceRows { cy[r] += 1 }
        func expand(_ sorted: [(value: Double, row: Int)], _ counts: [Int], into out: inout [Double]) {
            out.removeAll(keepingCapacity: true)
            for (v, r) in sorted { for _ in 0..<counts[r] { out.append(v) } }
        }
        var a = [Double](), b = [Double]()
        a.reserveCapacity(rows.count)
        b.reserveCapacity(referenceRows.count)
        var total = 0.0
        for l in 0..<directions {
            expand(sortedX[l], cx, into: &a)
            expand(sortedY[l], cy, into: &b)
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
}
