import Foundation
import Generative
import TensorCore

/// How straight a model's probability-flow ODE paths are: Liu, Gong & Liu 2022 ("Flow straight
/// and fast", §2.3), S = ∫₀¹ E‖(X₁ − X₀) − Ẋ_s‖² ds, the mean squared deviation of the velocity
/// from the chord of its path. S = 0 exactly when every path is a straight line at constant
/// speed, where one Euler step is exact.
///
/// Every Gaussian path is a rescaling of the rectified one (x/(α + σ) = (1 − s)·x₀ + s·ε with
/// s = σ/(α + σ)), so S is measured there for any model: the velocity in those coordinates is
/// ε̂ − x̂₀ from the model's own fields, and the noise level maps to time through the path's
/// closed-form inverse of the log-SNR. Reported per dimension (Liu et al. sum over dimensions),
/// so points and images compare.
public enum Straightness {
    /// S with its standard error over the paths, and how it was integrated.
    public struct Measurement: Equatable, Sendable {
        /// Mean over paths of each path's S (per dimension).
        public var value: Double
        /// Standard deviation of the paths' S over √paths.
        public var standardError: Double
        public var paths: Int
        /// Euler steps of each path (uniform in s) and network evaluations per path (= steps).
        public var steps: Int

        public init(value: Double, standardError: Double, paths: Int, steps: Int) {
            (self.value, self.standardError, self.paths, self.steps) = (value, standardError, paths, steps)
        }
    }

    /// S of `model` over the paths that start from `noise` ([B] + sampleShape, standard normal: the
    /// path starts at σ(t_start)·noise, as `Sampler.sample` does), integrated by `steps` Euler steps
    /// uniform in s from the path's noise end to its data end (its domain's bounds).
    /// - Throws: `EvaluationError` when the model's fields are not finite along the way.
    public static func measure(_ model: any DiffusionModel, noise: Tensor, steps: Int) throws -> Measurement {
        precondition(steps >= 1, "Straightness.measure: steps must be ≥ 1, got \(steps)")
        let path = model.path
        let b = noise.shape[0], d = noise.count / max(b, 1)
        let tStart = path.domain.upperBound, tEnd = path.domain.lowerBound
        func scale(_ t: Double) -> Double { path.alpha(t) + path.sigma(t) }
        func s(_ t: Double) -> Double { path.sigma(t) / scale(t) }
        func time(_ s: Double, _ k: Int) -> Double {
            if k == 0 { return tStart }
            if k == steps { return tEnd }
            return path.kind == .rectified ? s : path.time(logSNR: Foundation.log((1 - s) / s))
        }
        let s0 = s(tStart), s1 = s(tEnd)
        var t = tStart
        var x = noise * Float(path.sigma(tStart))
        let start = x * Float(1 / scale(tStart))
        var velocities: [Tensor] = []
        velocities.reserveCapacity(steps)
        var xr = start
        for k in 0..<steps {
            let f = model.fields(x, t: t)
            let v = f.epsilon - f.x0
            guard v.scalars.allSatisfy(\.isFinite) else {
                throw EvaluationError("straightness: the model's fields are not finite at t = \(t) (step \(k + 1) of \(steps))")
            }
            velocities.append(v)
            let sNext = s0 + (s1 - s0) * Double(k + 1) / Double(steps)
            let sNow = s0 + (s1 - s0) * Double(k) / Double(steps)
            xr = xr + v * Float(sNext - sNow)
            t = time(sNext, k + 1)
            x = xr * Float(scale(t))
        }
        // The chord's constant velocity, and each path's mean squared deviation from it.
        let chord = (xr - start) * Float(1 / (s1 - s0))
        var perPath = [Double](repeating: 0, count: b)
        for v in velocities {
            let dev = (v - chord).square().scalars
            for i in 0..<b {
                var sum = 0.0
                for j in 0..<d { sum += Double(dev[i * d + j]) }
                perPath[i] += sum / Double(d) / Double(steps)
            }
        }
        let mean = perPath.reduce(0, +) / Double(b)
        let variance = b > 1 ? perPath.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(b - 1) : 0
        return Measurement(value: mean, standardError: (variance / Double(b)).squareRoot(), paths: b, steps: steps)
    }
}
