import XCTest
import TensorCore
@testable import Samplers
import Generative

/// Least-squares slope of log(error) against log(step size): the measured order of convergence.
func fittedOrder(stepSizes: [Double], errors: [Double]) -> Double {
    let xs = stepSizes.map { Foundation.log($0) }, ys = errors.map { Foundation.log($0) }
    let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
    let sxy = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
    let sxx = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
    return sxy / sxx
}

/// Largest absolute difference between two tensors of the same shape.
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "maxAbsDifference: \(a.shape) vs \(b.shape)")
    return zip(a.scalars, b.scalars).map { Double(Swift.abs($0 - $1)) }.max() ?? 0
}

/// Largest Euclidean distance between corresponding rows of two [N, …] tensors.
func maxRowDistance(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "maxRowDistance: \(a.shape) vs \(b.shape)")
    let n = a.shape[0], d = a.count / n, x = a.scalars, y = b.scalars
    return (0..<n).map { r in
        (0..<d).map { j -> Double in let e = Double(x[r * d + j] - y[r * d + j]); return e * e }.reduce(0, +).squareRoot()
    }.max() ?? 0
}

/// n + 1 equally spaced times from a to b.
func uniformTimes(_ a: Double, _ b: Double, steps n: Int) -> [Double] {
    (0...n).map { a + (b - a) * Double($0) / Double(n) }
}

/// Mean of each column of a [N, d] tensor, in Double.
func columnMeans(_ x: Tensor) -> [Double] {
    let n = x.shape[0], d = x.count / n, v = x.scalars
    return (0..<d).map { j in (0..<n).map { Double(v[$0 * d + j]) }.reduce(0, +) / Double(n) }
}

/// Sample covariance of a [N, d] tensor, in Double.
func covariance(_ x: Tensor) -> [[Double]] {
    let n = x.shape[0], d = x.count / n, v = x.scalars, m = columnMeans(x)
    return (0..<d).map { i in
        (0..<d).map { j in
            (0..<n).map { (Double(v[$0 * d + i]) - m[i]) * (Double(v[$0 * d + j]) - m[j]) }.reduce(0, +) / Double(n - 1)
        }
    }
}

/// A two-component 2-D mixture with broad components: a smooth PF-ODE for order measurements.
func smoothMixture(_ path: GaussianPath, _ parametrization: Parametrization = .score) -> GaussianMixture {
    try! GaussianMixture(weights: [0.3, 0.7], means: [[-1.5, 0.5], [1, -0.5]], stds: [[0.8, 0.9], [0.7, 0.8]],
                         path: path, parametrization: parametrization)
}

/// Three well-separated components (nearest-mean assignment is practically exact): for the
/// moment and weight tests of SDE samplers.
func separatedMixture(_ path: GaussianPath, _ parametrization: Parametrization = .score) -> GaussianMixture {
    try! GaussianMixture(weights: [0.2, 0.5, 0.3], means: [[-2, 0], [1.5, 1.5], [1, -2]],
                         stds: [[0.3, 0.4], [0.35, 0.3], [0.4, 0.3]], path: path, parametrization: parametrization)
}

/// A model that exposes only `evaluate` (like a network): its fields come from the closed-form
/// conversion of its one parametrization, not from the mixture's exact fields.
struct NetworkLike: DiffusionModel {
    let mixture: GaussianMixture
    var path: GaussianPath { mixture.path }
    var parametrization: Parametrization { mixture.parametrization }
    var sampleShape: [Int] { mixture.sampleShape }
    func evaluate(_ x: Tensor, t: Double) -> Tensor { mixture.evaluate(x, t: t) }
}

/// The repository's samplers/ folder.
let presetDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samplers")

/// Root mean square over rows of the Euclidean distance between corresponding rows.
func rmsRowDistance(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "rmsRowDistance: \(a.shape) vs \(b.shape)")
    let n = a.shape[0], x = a.scalars, y = b.scalars
    let s = zip(x, y).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
    return (s / Double(n)).squareRoot()
}
