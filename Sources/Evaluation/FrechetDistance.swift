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

/// FD at N, N/2 and N/4 from the same samples, and extrapolated to infinite N.
///
/// FD's bias falls as 1/N (Chong & Forsyth 2020, "Effectively unbiased FID and Inception Score
/// and where to find them", §3: FD_N ≈ FD_∞ + k/N), so FD at N cannot be compared with FD at
/// another N. FD at N/2 (N/4) is the mean over the 2 (4) disjoint consecutive blocks of both
/// sets; FD_∞ is the intercept of the least-squares line of FD against 1/n through the three.
public struct FrechetScaling: Sendable, Equatable {
    /// Sample counts n = N, N/2, N/4 (per set).
    public var counts: [Int]
    /// FD at each count.
    public var values: [Double]
    /// The extrapolation to 1/n = 0.
    public var extrapolated: Double

    public init(counts: [Int], values: [Double], extrapolated: Double) {
        self.counts = counts
        self.values = values
        self.extrapolated = extrapolated
    }

    /// - Throws: `EvaluationError` for sets too small to split in four (at least 2 rows a block).
    public init(_ generated: FeatureSet, _ real: FeatureSet) throws {
        let n = Swift.min(generated.count, real.count)
        guard n >= 8 else { throw EvaluationError("FD at N/4 needs N ≥ 8, got \(n)") }
        var counts = [Int](), values = [Double]()
        for parts in [1, 2, 4] {
            let size = n / parts
            var total = 0.0
            for p in 0..<parts {
                let rows = (p * size)..<((p + 1) * size)
                total += try frechetDistance(GaussianStatistics(generated.rows(rows)), GaussianStatistics(real.rows(rows)))
            }
            counts.append(size)
            values.append(total / Double(parts))
        }
        // Least squares of values against x = 1/n: intercept = ȳ − slope·x̄.
        let xs = counts.map { 1 / Double($0) }
        let mx = xs.reduce(0, +) / 3, my = values.reduce(0, +) / 3
        let sxy = zip(xs, values).map { ($0 - mx) * ($1 - my) }.reduce(0, +), sxx = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
        self.init(counts: counts, values: values, extrapolated: my - sxy / sxx * mx)
    }
}
