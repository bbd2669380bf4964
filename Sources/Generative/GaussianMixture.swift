import Foundation
import TensorCore

/// An analytic Gaussian mixture p₀ = Σ_k w_k·N(μ_k, diag(s_k²)) seen through a Gaussian path:
/// a `DiffusionModel` whose every field is exact.
///
/// Under x_t = α·x₀ + σ·ε the marginal is again a mixture, p_t = Σ_k w_k·N(α·μ_k, diag(α²s_k² + σ²)).
/// With per-component log-densities ℓ_k(x) and responsibilities r_k = softmax_k(ℓ_k):
///
///     ∇log p_t(x) = Σ_k r_k·(α·μ_k − x)/v_k,             v_k = α²s_k² + σ²
///     E[x₀ | x_t = x] = Σ_k r_k·(μ_k + (α·s_k²/v_k)·(x − α·μ_k))
///     E[ε | x_t = x] = −σ·∇log p_t(x)                     (Tweedie)
///
/// computed per row in Double with a log-sum-exp over components (stable for far-away x),
/// returned as Float tensors. Both x̂₀ and ŝ are computed directly, so the fields stay finite
/// at α = 0 (x̂₀ = E[x₀]) and at σ = 0 (ŝ is the data score, ε̂ = 0).
/// Row i of every output depends only on row i of x.
public struct GaussianMixture: DiffusionModel, Sendable {
    /// The path the mixture is seen through.
    public var path: GaussianPath
    /// What `evaluate` returns (default `score`); change it to express the same mixture as an ε-, x₀-, v- or velocity model.
    public var parametrization: Parametrization
    public let sampleShape: [Int]
    /// Optional name from the spec.
    public let name: String?
    /// Mixture weights w_k (sum 1).
    public internal(set) var weights: [Double]
    /// Component means, K × D row-major.
    var mu: [Double]
    /// Component standard deviations, K × D row-major.
    var sd: [Double]

    /// Number of components K.
    public var componentCount: Int { weights.count }
    /// Dimension D of one sample.
    public var dimension: Int { mu.count / weights.count }

    /// The mixture a (validated) spec describes.
    public init(spec: GaussianMixtureSpec) throws {
        try spec.validate()
        path = spec.path
        parametrization = spec.parametrization ?? .score
        name = spec.name
        weights = spec.weights
        mu = spec.means.flatMap { $0 }
        sd = spec.stds.flatMap { $0 }
        sampleShape = spec.shape ?? [spec.dimension]
    }

    /// The mixture with the given weights [K], means [K][D] and per-dimension stds [K][D].
    public init(weights: [Double], means: [[Double]], stds: [[Double]], path: GaussianPath,
                parametrization: Parametrization = .score, shape: [Int]? = nil, name: String? = nil) throws {
        try self.init(spec: GaussianMixtureSpec(name: name, weights: weights, means: means, stds: stds,
                                                path: path, parametrization: parametrization, shape: shape))
    }

    /// Reads a JSON spec (see `GaussianMixtureSpec`).
    public static func load(from url: URL) throws -> GaussianMixture {
        try GaussianMixture(spec: GaussianMixtureSpec.load(from: url))
    }

    /// The spec that rebuilds this model.
    public var spec: GaussianMixtureSpec {
        let d = dimension
        return GaussianMixtureSpec(name: name, weights: weights,
                                   means: (0..<componentCount).map { Array(mu[($0 * d)..<(($0 + 1) * d)]) },
                                   stds: (0..<componentCount).map { Array(sd[($0 * d)..<(($0 + 1) * d)]) },
                                   path: path, parametrization: parametrization,
                                   shape: sampleShape == [d] ? nil : sampleShape)
    }

    /// The same mixture predicting another parametrization.
    public func with(parametrization: Parametrization) -> GaussianMixture {
        var m = self
        m.parametrization = parametrization
        return m
    }

    /// The same mixture under another path.
    public func with(path: GaussianPath) -> GaussianMixture {
        var m = self
        m.path = path
        return m
    }

    // MARK: - DiffusionModel

    public func evaluate(_ x: Tensor, t: Double) -> Tensor {
        posterior(x, t: t, outputs: [outputCoefficients(parametrization, t: t)])[0]
    }

    /// The mixture's fields are computed in closed form, finite at α = 0 and at σ = 0.
    public var isExact: Bool { true }

    /// Exact fields from one pass (finite at α = 0 and at σ = 0, unlike a conversion of `evaluate`).
    public func fields(_ x: Tensor, t: Double) -> Fields {
        let r = posterior(x, t: t, outputs: [.x0, .epsilon, .velocity, .score].map { outputCoefficients($0, t: t) })
        return Fields(x0: r[0], epsilon: r[1], velocity: r[2], score: r[3])
    }

    /// (A, S) with the parametrization = A·x̂₀ + S·ŝ, using ε̂ = −σ·ŝ (no division: finite at both path ends).
    func outputCoefficients(_ p: Parametrization, t: Double) -> (x0: Double, score: Double) {
        let a = path.alpha(t), s = path.sigma(t)
        switch p {
        case .score: return (0, 1)
        case .x0: return (1, 0)
        case .epsilon: return (0, -s)
        case .v: return (-s, -a * s)                                  // α·ε̂ − σ·x̂₀
        case .velocity: return (path.alphaDot(t), -path.sigmaDot(t) * s)   // α′·x̂₀ + σ′·ε̂
        }
    }

    // MARK: - Densities

    /// Exact log p_t(x) for each row of x [B, sampleShape...] → [B] (t = 0: the data log-likelihood).
    public func logDensity(_ x: Tensor, t: Double) -> Tensor {
        Tensor(logDensityValues(x, t: t).map { Float($0) })
    }

    /// Exact log p_t(x) per row, in Double.
    public func logDensityValues(_ x: Tensor, t: Double) -> [Double] {
        let batch = checkBatch(x, op: "logDensity")
        let m = MixtureAtTime(self, t: t)
        var out = [Double](repeating: 0, count: batch)
        let d = dimension
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = xb.baseAddress!, op = ob.baseAddress!
                parallelFor(batch, grain: max(1, 4096 / max(1, d * componentCount))) { lo, hi in
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: m.k)
                    defer { scratch.deallocate() }
                    for row in lo..<hi { op[row] = m.logDensity(xp + row * d, scratch: scratch) }
                }
            }
        }
        return out
    }

    /// The mixture p_t: weights, means α·μ_k and per-dimension stds √(α²s_k² + σ²).
    public func marginal(at t: Double) -> (weights: [Double], means: [[Double]], stds: [[Double]]) {
        let a = path.alpha(t), s = path.sigma(t), d = dimension
        let means = (0..<componentCount).map { k in (0..<d).map { a * mu[k * d + $0] } }
        let stds = (0..<componentCount).map { k in
            (0..<d).map { j -> Double in
                let v = a * sd[k * d + j]
                return (v * v + s * s).squareRoot()
            }
        }
        return (weights, means, stds)
    }

    /// Mean Σ_k w_k·μ_k of the data distribution p₀.
    public var mean: [Double] {
        let d = dimension
        var m = [Double](repeating: 0, count: d)
        for k in 0..<componentCount { for j in 0..<d { m[j] += weights[k] * mu[k * d + j] } }
        return m
    }

    /// Covariance Σ_k w_k·(diag(s_k²) + μ_kμ_kᵀ) − m·mᵀ of the data distribution p₀.
    public var covariance: [[Double]] {
        let d = dimension, m = mean
        var c = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for k in 0..<componentCount {
            for i in 0..<d {
                let di = mu[k * d + i] - m[i]
                c[i][i] += weights[k] * sd[k * d + i] * sd[k * d + i]
                for j in 0..<d { c[i][j] += weights[k] * di * (mu[k * d + j] - m[j]) }
            }
        }
        return c
    }

    // MARK: - Kernel

    /// Number of rows of x after checking its shape is [B, sampleShape...].
    func checkBatch(_ x: Tensor, op: String) -> Int {
        precondition(x.rank == sampleShape.count + 1 && Array(x.shape.dropFirst()) == sampleShape,
                     "GaussianMixture.\(op): x has shape \(x.shape), expected [B] + \(sampleShape)")
        return x.shape[0]
    }

    /// Runs the exact posterior for every row; output o is A_o·x̂₀ + S_o·ŝ elementwise.
    func posterior(_ x: Tensor, t: Double, outputs: [(x0: Double, score: Double)]) -> [Tensor] {
        let batch = checkBatch(x, op: "evaluate")
        let m = MixtureAtTime(self, t: t)
        let d = dimension, kCount = componentCount
        let results = outputs.map { _ in Tensor.zeros(x.shape) }
        let outPointers = results.map { $0.storage.pointer }
        x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            parallelFor(batch, grain: max(1, 4096 / max(1, d * kCount))) { lo, hi in
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: kCount + 2 * d)
                defer { scratch.deallocate() }
                let x0 = scratch + kCount, score = scratch + kCount + d
                for row in lo..<hi {
                    m.posterior(xp + row * d, weights: scratch, x0: x0, score: score)
                    for (o, c) in outputs.enumerated() {
                        let out = outPointers[o] + row * d
                        for j in 0..<d { out[j] = Float(c.x0 * x0[j] + c.score * score[j]) }
                    }
                }
            }
        }
        return results
    }
}
