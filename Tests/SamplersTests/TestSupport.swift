import XCTest
import TensorCore
@testable import Samplers

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
