/// The Fréchet (2-Wasserstein) distance between the Gaussians fitted to two feature sets
/// (Dowson & Landau 1982; FID, Heusel et al. 2017):
///
///     FD = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½}
///
/// Both square roots are of symmetric positive semidefinite matrices and come from LAPACK's
/// symmetric eigendecomposition (`SymmetricEigen`), so no non-symmetric `sqrtm` (and no
/// complex parts to discard) is needed: tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½} = Σᵢ √max(λᵢ, 0) over the
/// eigenvalues of the symmetric M = Σ₁^{½} Σ₂ Σ₁^{½}. Caveat: FD from N samples is biased upward
/// by O(d/N); compare values only at the same N (and beside the data's own floor at that N).
public struct GaussianStatistics: Sendable {
    public let mean: [Double]
    /// Row-major d×d covariance.
    public let covariance: [Double]

    public init(mean: [Double], covariance: [Double]) {
        precondition(covariance.count == mean.count * mean.count, "GaussianStatistics: covariance is not d×d")
        self.mean = mean
        self.covariance = covariance
    }

    /// Sample mean and covariance of the rows.
    public init(_ features: FeatureSet) {
        self.init(mean: features.mean, covariance: features.covariance)
    }

    public var dimension: Int { mean.count }
}

/// FD between two Gaussians (see `GaussianStatistics`).
/// - Throws: `EvaluationError` for different dimensions or a failed eigendecomposition.
public func frechetDistance(_ a: GaussianStatistics, _ b: GaussianStatistics) throws -> Double {
    let d = a.dimension
    guard b.dimension == d else {
        throw EvaluationError("Fréchet distance of \(d)-dimensional and \(b.dimension)-dimensional features")
    }
    let rootA = try SymmetricEigen(a.covariance, n: d).squareRoot
    // M = √Σa · Σb · √Σa (symmetric up to rounding; dsyevd reads the lower triangle).
    let m = multiply(multiply(rootA, b.covariance, d), rootA, d)
    let traceRoot = try SymmetricEigen(m, n: d).values.reduce(0) { $0 + Swift.max($1, 0).squareRoot() }
    var meanTerm = 0.0, traces = 0.0
    for i in 0..<d {
        let e = a.mean[i] - b.mean[i]
        meanTerm += e * e
        traces += a.covariance[i * d + i] + b.covariance[i * d + i]
    }
    return meanTerm + traces - 2 * traceRoot
}

/// Row-major n×n product.
func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for k in 0..<n {
            let aik = a[i * n + k]
            if aik == 0 { continue }
            for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
        }
    }
    return c
}
