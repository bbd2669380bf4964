import Foundation
import Generative

/// The settings of consistency distillation (Song, Dhariwal, Chen & Sutskever 2023, "Consistency
/// models", Algorithm 2 and Table 3), stored in the student's objective.
///
/// The teacher's ODE is discretised on N + 1 EDM noise levels σ̃_0 = σ_min < … < σ̃_N = σ_max in
/// Karras et al.'s ρ-spacing (eq. 5 of EDM; Song et al. use N = 18 on CIFAR-10, ρ = 7); the
/// student is trained so that its outputs at adjacent levels agree along one teacher step, against
/// a target network θ⁻ ← μ·θ⁻ + (1 − μ)·θ.
public struct ConsistencySettings: Codable, Equatable, Sendable {
    /// N: intervals of the noise-level grid.
    public var intervals: Int
    /// The boundary σ_min, where the student is the identity (f(x, σ_min) = x), and σ_max.
    public var sigmaMin: Double
    public var sigmaMax: Double
    /// Karras et al.'s ρ of the grid.
    public var rho: Double
    /// μ, the decay of the target network's EMA (0: the target is the student itself, stopped).
    public var targetDecay: Double
    /// σ_d of the student's preconditioning.
    public var sigmaData: Double
    /// A class-conditional teacher's classifier-free guidance weight in its ODE (0: none): the
    /// student learns the guided trajectories, so the guidance is baked in.
    public var guidance: Double

    /// How the distance between the student's and the target's outputs is measured.
    public var distance: ConsistencyDistance
    /// How each example's interval n is drawn.
    public var intervalSampling: IntervalSampling
    /// The weight λ of an example's distance by its interval.
    public var intervalWeighting: IntervalWeighting

    public init(intervals: Int = 18, sigmaMin: Double = 0.002, sigmaMax: Double = 80, rho: Double = 7,
                targetDecay: Double = 0.95, sigmaData: Double = 0.5, guidance: Double = 0,
                distance: ConsistencyDistance = .squared, intervalSampling: IntervalSampling = .uniform,
                intervalWeighting: IntervalWeighting = .uniform) {
        (self.intervals, self.sigmaMin, self.sigmaMax, self.rho) = (intervals, sigmaMin, sigmaMax, rho)
        (self.targetDecay, self.sigmaData, self.guidance) = (targetDecay, sigmaData, guidance)
        (self.distance, self.intervalSampling, self.intervalWeighting) = (distance, intervalSampling, intervalWeighting)
    }

    enum CodingKeys: String, CodingKey {
        case intervals, sigmaMin, sigmaMax, rho, targetDecay, sigmaData, guidance, distance, intervalSampling, intervalWeighting
    }

    /// Settings written before the distance, sampling and weighting were choices read as what was done then
    /// (squared distance, uniform intervals, λ ≡ 1).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(intervals: try c.decode(Int.self, forKey: .intervals), sigmaMin: try c.decode(Double.self, forKey: .sigmaMin),
                  sigmaMax: try c.decode(Double.self, forKey: .sigmaMax), rho: try c.decode(Double.self, forKey: .rho),
                  targetDecay: try c.decode(Double.self, forKey: .targetDecay), sigmaData: try c.decode(Double.self, forKey: .sigmaData),
                  guidance: try c.decode(Double.self, forKey: .guidance),
                  distance: try c.decodeIfPresent(ConsistencyDistance.self, forKey: .distance) ?? .squared,
                  intervalSampling: try c.decodeIfPresent(IntervalSampling.self, forKey: .intervalSampling) ?? .uniform,
                  intervalWeighting: try c.decodeIfPresent(IntervalWeighting.self, forKey: .intervalWeighting) ?? .uniform)
    }

    /// One line for logs: the grid, the target EMA and the choices that differ from Song et al.'s.
    public var summary: String {
        var parts = ["\(intervals) intervals", "target EMA \(targetDecay)"]
        if case .pseudoHuber = distance { parts.append("pseudo-Huber distance") }
        if case .lognormal(let mean, let std) = intervalSampling { parts.append("lognormal intervals (\(mean), \(std))") }
        if intervalWeighting == .inverseStep { parts.append("λ = 1/Δσ") }
        return parts.joined(separator: ", ")
    }

    /// The probability of each interval n = 0 … N − 1 under `intervalSampling`.
    public var intervalProbabilities: [Double] {
        switch intervalSampling {
        case .uniform:
            return [Double](repeating: 1 / Double(intervals), count: intervals)
        case .lognormal(let mean, let std):
            // Song & Dhariwal 2023, §3.5: p(σ̃_n) ∝ erf((ln σ̃_{n+1} − P_mean)/(√2·P_std)) − erf((ln σ̃_n − P_mean)/(√2·P_std)).
            let levels = noiseLevels
            let mass = (0..<intervals).map { n in
                Foundation.erf((Foundation.log(levels[n + 1]) - mean) / (2.0.squareRoot() * std))
                    - Foundation.erf((Foundation.log(levels[n]) - mean) / (2.0.squareRoot() * std))
            }
            let total = mass.reduce(0, +)
            return mass.map { $0 / total }
        }
    }

    /// λ of each interval n = 0 … N − 1 under `intervalWeighting`.
    public var intervalWeights: [Double] {
        let levels = noiseLevels
        switch intervalWeighting {
        case .uniform: return [Double](repeating: 1, count: intervals)
        case .inverseStep: return (0..<intervals).map { 1 / (levels[$0 + 1] - levels[$0]) }
        }
    }

    /// σ̃_0 < … < σ̃_N: σ̃_i = (σ_min^{1/ρ} + i/N·(σ_max^{1/ρ} − σ_min^{1/ρ}))^ρ, ends pinned exactly.
    public var noiseLevels: [Double] {
        let lo = Foundation.pow(sigmaMin, 1 / rho), hi = Foundation.pow(sigmaMax, 1 / rho)
        var levels = (0...intervals).map { Foundation.pow(lo + Double($0) / Double(intervals) * (hi - lo), rho) }
        levels[0] = sigmaMin
        levels[intervals] = sigmaMax
        return levels
    }

    /// The grid's times on `path` (σ̃ = σ/α mapped by the inverse log-SNR; the EDM path's time is σ̃ itself).
    public func times(on path: GaussianPath) -> [Double] {
        noiseLevels.map { path.kind == .edm ? $0 : path.time(logSNR: -Foundation.log($0)) }
    }

    /// Checks the settings against the path the student samples on.
    public func validate(on path: GaussianPath) throws {
        guard intervals >= 1 else { throw TrainingError.invalidSetting("--intervals must be at least 1, got \(intervals)") }
        guard sigmaMin > 0, sigmaMax > sigmaMin, sigmaMax.isFinite else {
            throw TrainingError.invalidSetting("consistency needs 0 < σ_min < σ_max < ∞, got \(sigmaMin) and \(sigmaMax)")
        }
        guard rho > 0, rho.isFinite else { throw TrainingError.invalidSetting("consistency needs ρ > 0, got \(rho)") }
        guard targetDecay >= 0, targetDecay < 1 else {
            throw TrainingError.invalidSetting("--target-ema must be in [0, 1), got \(targetDecay)")
        }
        guard sigmaData > 0 else { throw TrainingError.invalidSetting("consistency needs σ_data > 0, got \(sigmaData)") }
        guard guidance >= 0, guidance.isFinite else { throw TrainingError.invalidSetting("--guidance must be ≥ 0, got \(guidance)") }
        if case .lognormal(let mean, let std) = intervalSampling, !(mean.isFinite && std > 0 && std.isFinite) {
            throw TrainingError.invalidSetting("lognormal interval sampling needs a finite mean and a positive spread, got \(mean) and \(std)")
        }
        if case .pseudoHuber(let c) = distance, let c, !(c > 0 && c.isFinite) {
            throw TrainingError.invalidSetting("the pseudo-Huber distance needs c > 0, got \(c)")
        }
        // The path's range to a relative 1e-9 (exp of its log-SNR at the ends is exact only to a few ulps).
        let levels = path.noiseLevels
        guard sigmaMin >= levels.lowerBound * (1 - 1e-9), sigmaMax <= levels.upperBound * (1 + 1e-9) else {
            throw TrainingError.invalidSetting("the noise levels [\(sigmaMin), \(sigmaMax)] reach outside the \(path.kind.rawValue) path's [\(levels.lowerBound), \(levels.upperBound)]")
        }
    }
}

/// The distance d(f, f⁻) between the student's output and the target's, per example.
public enum ConsistencyDistance: Codable, Equatable, Sendable {
    /// The mean squared difference over the example's elements (Song et al. 2023's ℓ2).
    case squared
    /// Song & Dhariwal 2023 ("Improved techniques for training consistency models", §3.3):
    /// √(‖f − f⁻‖² + c²) − c over the example's d elements, with c = 0.00054·√d unless given.
    case pseudoHuber(c: Double?)

    /// The pseudo-Huber c for examples of `dimension` elements.
    public func pseudoHuberC(dimension: Int) -> Double? {
        guard case .pseudoHuber(let c) = self else { return nil }
        return c ?? 0.00054 * Double(dimension).squareRoot()
    }
}

/// How an example's interval n of the grid is drawn.
public enum IntervalSampling: Codable, Equatable, Sendable {
    /// Every interval alike (Song et al. 2023).
    case uniform
    /// The mass of a lognormal N(mean, std²) over ln σ̃ that falls in each interval (Song & Dhariwal
    /// 2023, §3.5: P_mean = −1.1, P_std = 2).
    case lognormal(mean: Double, std: Double)

    /// Song & Dhariwal's lognormal.
    public static let improved = IntervalSampling.lognormal(mean: -1.1, std: 2)
}

/// The weight λ(σ̃_n) of an example's distance.
public enum IntervalWeighting: String, Codable, Equatable, Sendable, CaseIterable {
    /// λ ≡ 1 (Song et al. 2023).
    case uniform
    /// λ = 1/(σ̃_{n+1} − σ̃_n) (Song & Dhariwal 2023, §3.4): the narrow intervals near the data,
    /// whose targets differ least, weigh most.
    case inverseStep = "inverse-step"
}
