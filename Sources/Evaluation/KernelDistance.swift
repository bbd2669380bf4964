import Foundation

/// An estimate with its standard error.
public struct Estimate: Sendable, Equatable {
    public var value: Double
    /// Standard error of `value` (0 when not estimated).
    public var standardError: Double

    public init(value: Double, standardError: Double) {
        self.value = value
        self.standardError = standardError
    }

    /// Mean and standard error of the mean of independent estimates.
    public init(mean samples: [Double]) {
        let n = Double(samples.count), m = samples.reduce(0, +) / n
        let variance = samples.count > 1 ? samples.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1) : 0
        self.init(value: m, standardError: (variance / n).squareRoot())
    }
}

/// A positive-definite kernel on feature vectors.
public enum Kernel: Sendable, Equatable {
    /// k(x, y) = (xᵀy/d + 1)³: KID's cubic polynomial kernel (Bińkowski et al. 2018, §3).
    case cubicPolynomial
    /// k(x, y) = exp(−‖x − y‖²/(2h²)).
    case rbf(bandwidth: Double)

    @inline(__always)
    func callAsFunction(_ a: FeatureSet, _ i: Int, _ b: FeatureSet, _ j: Int) -> Double {
        switch self {
        case .cubicPolynomial:
            let s = a.dot(i, b, j) / Double(a.dimension) + 1
            return s * s * s
        case .rbf(let h):
            return Foundation.exp(-a.squaredDistance(i, b, j) / (2 * h * h))
        }
    }
}

/// The unbiased estimate of the squared maximum mean discrepancy (Gretton et al. 2012, "A kernel
/// two-sample test", eq. 3, the U-statistic MMD²_u):
///
///     MMD²_u = 1/(m(m−1))·Σ_{i≠j} k(xᵢ, xⱼ) + 1/(n(n−1))·Σ_{i≠j} k(yᵢ, yⱼ) − 2/(mn)·Σ_{i,j} k(xᵢ, yⱼ)
///
/// Zero in expectation when both sets come from one distribution (so it can be slightly negative).
public func unbiasedMMDSquared(_ x: FeatureSet, _ y: FeatureSet, kernel: Kernel) -> Double {
    precondition(x.dimension == y.dimension && x.count >= 2 && y.count >= 2, "unbiasedMMDSquared: need ≥ 2 points of one dimension")
    func within(_ a: FeatureSet) -> Double {
        var s = 0.0
        for i in 0..<a.count { for j in 0..<i { s += kernel(a, i, a, j) } }
        return 2 * s / Double(a.count * (a.count - 1))
    }
    var cross = 0.0
    for i in 0..<x.count { for j in 0..<y.count { cross += kernel(x, i, y, j) } }
    return within(x) + within(y) - 2 * cross / Double(x.count * y.count)
}

/// MMD²_u estimated on `blocks` disjoint blocks of both sets (rows in order), with the
/// standard error of their mean: the blocks' estimates are independent, so the error is honest.
/// - Throws: `EvaluationError` if a block would hold fewer than 2 points.
public func blockMMDSquared(_ x: FeatureSet, _ y: FeatureSet, kernel: Kernel, blocks: Int) throws -> Estimate {
    guard x.dimension == y.dimension else {
        throw EvaluationError("kernel distance between \(x.dimension)- and \(y.dimension)-dimensional features")
    }
    guard blocks >= 1, x.count / blocks >= 2, y.count / blocks >= 2 else {
        throw EvaluationError("kernel distance needs at least \(2 * Swift.max(blocks, 1)) points in each set for \(blocks) blocks, got \(x.count) and \(y.count)")
    }
    let bx = x.count / blocks, by = y.count / blocks
    let values = (0..<blocks).map { b in
        unbiasedMMDSquared(x.rows((b * bx)..<((b + 1) * bx)), y.rows((b * by)..<((b + 1) * by)), kernel: kernel)
    }
    return Estimate(mean: values)
}

/// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): MMD²_u with the
/// cubic polynomial kernel in classifier features, the mean over `blocks` disjoint blocks with its
/// standard error. Unbiased, unlike FD, so values at different N compare.
public func kernelInceptionDistance(_ x: FeatureSet, _ y: FeatureSet, blocks: Int = 10) throws -> Estimate {
    try blockMMDSquared(x, y, kernel: .cubicPolynomial, blocks: blocks)
}

/// The median heuristic bandwidth (Gretton et al. 2012, §8): the median Euclidean distance between
/// distinct points of the pooled sample (at most the first `limit` of each set).
public func medianBandwidth(_ x: FeatureSet, _ y: FeatureSet, limit: Int = 1000) -> Double {
    let pooled = FeatureSet(values: Array(x.rows(0..<Swift.min(x.count, limit)).values + y.rows(0..<Swift.min(y.count, limit)).values),
                            count: Swift.min(x.count, limit) + Swift.min(y.count, limit), dimension: x.dimension)
    var d = [Double]()
    d.reserveCapacity(pooled.count * (pooled.count - 1) / 2)
    for i in 0..<pooled.count { for j in 0..<i { d.append(pooled.squaredDistance(i, pooled, j).squareRoot()) } }
    d.sort()
    return d.isEmpty ? 1 : Swift.max(d[d.count / 2], 1e-12)
}

/// MMD²_u with an RBF kernel of median-heuristic bandwidth, over `blocks` disjoint blocks.
public func rbfMMDSquared(_ x: FeatureSet, _ y: FeatureSet, blocks: Int = 4) throws -> Estimate {
    try blockMMDSquared(x, y, kernel: .rbf(bandwidth: medianBandwidth(x, y)), blocks: blocks)
}
