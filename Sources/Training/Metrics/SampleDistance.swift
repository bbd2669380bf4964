import Foundation
import TensorCore

/// Distances between two sets of samples, to check that generated samples
/// resemble the data (DESIGN §6). Both operate on rows of [N, …] tensors.
public enum SampleDistance {
    /// Sliced Wasserstein-2 distance (Rabin et al. 2011; Bonneel et al. 2015):
    ///
    ///     SW₂(P, Q) = ( E_θ W₂²(θᵀP, θᵀQ) )^½,   θ uniform on the unit sphere,
    ///
    /// where the 1-D W₂² between two empirical measures of equal size is the mean
    /// squared difference of their sorted projections. Estimated with
    /// `projections` random directions from `key`. Needs equal sample counts.
    public static func slicedWasserstein(_ a: Tensor, _ b: Tensor, projections: Int = 128, key: RandomKey) -> Double {
        precondition(a.shape == b.shape, "slicedWasserstein: sample shapes \(a.shape) and \(b.shape) differ")
        let n = a.shape[0], d = a.count / max(n, 1)
        let theta = Tensor.randomNormal([projections, d], key: key)
        let norms = (theta * theta).sum(axis: 1, keepDims: true).sqrt()
        let dirs = theta / norms
        let pa = a.detached.reshaped([n, d]).matmul(dirs, transposeB: true).scalars   // [n, P]
        let pb = b.detached.reshaped([n, d]).matmul(dirs, transposeB: true).scalars
        var total = 0.0
        for k in 0..<projections {
            let xa = (0..<n).map { Double(pa[$0 * projections + k]) }.sorted()
            let xb = (0..<n).map { Double(pb[$0 * projections + k]) }.sorted()
            total += zip(xa, xb).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(n)
        }
        return (total / Double(projections)).squareRoot()
    }

    /// Squared maximum mean discrepancy with a sum of Gaussian kernels
    /// k(x, y) = Σ_h exp(−‖x − y‖² / (2h²)) (Gretton et al. 2012), biased
    /// (V-statistic) estimate: MMD² = mean k(a, a′) + mean k(b, b′) − 2 mean k(a, b).
    /// Always ≥ 0; zero only when the two samples are identical sets.
    public static func mmdSquared(_ a: Tensor, _ b: Tensor, bandwidths: [Double] = [0.1, 0.3, 1, 3]) -> Double {
        precondition(Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()),
                     "mmdSquared: sample shapes \(a.shape) and \(b.shape) differ")
        func meanKernel(_ x: Tensor, _ y: Tensor) -> Double {
            let nx = x.shape[0], ny = y.shape[0], d = x.count / max(nx, 1)
            let fx = x.detached.reshaped([nx, d]), fy = y.detached.reshaped([ny, d])
            let dot = fx.matmul(fy, transposeB: true).scalars
            let sx = (fx * fx).sum(axis: 1).scalars, sy = (fy * fy).sum(axis: 1).scalars
            var total = 0.0
            for i in 0..<nx {
                for j in 0..<ny {
                    let r2 = max(0, Double(sx[i]) + Double(sy[j]) - 2 * Double(dot[i * ny + j]))
                    for h in bandwidths { total += Foundation.exp(-r2 / (2 * h * h)) }
                }
            }
            return total / Double(nx * ny)
        }
        return max(0, meanKernel(a, a) + meanKernel(b, b) - 2 * meanKernel(a, b))
    }
}
