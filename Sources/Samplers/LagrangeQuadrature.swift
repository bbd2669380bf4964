import Foundation

/// Weights of Adams-type multistep methods: c_j = ∫_a^b w(τ)·ℓ_j(τ) dτ, with ℓ_j the Lagrange basis
/// polynomials of `nodes` (ℓ_j(nodes[k]) = δ_jk), so that ∫_a^b w·p = Σ_j c_j·p(nodes[j]) for the
/// polynomial p through the values at the nodes. Integrated by composite Gauss–Legendre quadrature
/// (8 sub-intervals × 5 points: exact for polynomial w·ℓ_j up to degree 9, and accurate for the
/// smooth weights of the paths, e.g. DEIS's dρ/dt).
func lagrangeWeights(nodes: [Double], from a: Double, to b: Double, weight: (Double) -> Double = { _ in 1 }) -> [Double] {
    // 5-point Gauss–Legendre on [−1, 1] (Abramowitz & Stegun, Table 25.4).
    let x: [Double] = [0, -0.538_469_310_105_683_1, 0.538_469_310_105_683_1, -0.906_179_845_938_664_0, 0.906_179_845_938_664_0]
    let w: [Double] = [0.568_888_888_888_888_9, 0.478_628_670_499_366_5, 0.478_628_670_499_366_5,
                       0.236_926_885_056_189_1, 0.236_926_885_056_189_1]
    let pieces = 8, width = (b - a) / Double(pieces)
    var c = [Double](repeating: 0, count: nodes.count)
    for p in 0..<pieces {
        let mid = a + (Double(p) + 0.5) * width
        for (xi, wi) in zip(x, w) {
            let tau = mid + 0.5 * width * xi
            let f = 0.5 * width * wi * weight(tau)
            for j in nodes.indices {
                var l = 1.0
                for k in nodes.indices where k != j { l *= (tau - nodes[k]) / (nodes[j] - nodes[k]) }
                c[j] += f * l
            }
        }
    }
    return c
}

/// Solves the small dense system A·x = b (Gaussian elimination with partial pivoting; A n×n row-major).
func solveLinearSystem(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var m = a, y = b
    let n = y.count
    for col in 0..<n {
        let pivot = (col..<n).max { Swift.abs(m[$0][col]) < Swift.abs(m[$1][col]) }!
        m.swapAt(col, pivot)
        y.swapAt(col, pivot)
        for row in (col + 1)..<n {
            let f = m[row][col] / m[col][col]
            for k in col..<n { m[row][k] -= f * m[col][k] }
            y[row] -= f * y[col]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
        var s = y[row]
        for k in (row + 1)..<n { s -= m[row][k] * x[k] }
        x[row] = s / m[row][row]
    }
    return x
}
