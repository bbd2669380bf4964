import Foundation
import TensorCore

/// Spherical linear interpolation of two noises (Shoemake 1985; the usual way to interpolate
/// Gaussian latents, which stay at the typical radius √d): with Ω the angle between a and b,
///
///     slerp(a, b; θ) = sin((1 − θ)Ω)/sin Ω · a + sin(θΩ)/sin Ω · b
///
/// (linear interpolation when the two are parallel). a, b: one sample each, [1] + shape.
public func sphericalInterpolation(_ a: Tensor, _ b: Tensor, fractions: [Double]) -> Tensor {
    precondition(a.shape == b.shape && a.shape.first == 1, "sphericalInterpolation: two single samples of one shape, got \(a.shape) and \(b.shape)")
    let x = a.scalars.map(Double.init), y = b.scalars.map(Double.init)
    let dot = zip(x, y).map(*).reduce(0, +)
    let na = x.map { $0 * $0 }.reduce(0, +).squareRoot(), nb = y.map { $0 * $0 }.reduce(0, +).squareRoot()
    let omega = Foundation.acos(Swift.max(-1, Swift.min(1, dot / Swift.max(na * nb, .leastNormalMagnitude))))
    var out = [Float]()
    out.reserveCapacity(fractions.count * x.count)
    for theta in fractions {
        let (ca, cb): (Double, Double) = Foundation.sin(omega) < 1e-6
            ? (1 - theta, theta)
            : (Foundation.sin((1 - theta) * omega) / Foundation.sin(omega), Foundation.sin(theta * omega) / Foundation.sin(omega))
        out += zip(x, y).map { Float(ca * $0 + cb * $1) }
    }
    return Tensor(out, shape: [fractions.count] + Array(a.shape.dropFirst()))
}
