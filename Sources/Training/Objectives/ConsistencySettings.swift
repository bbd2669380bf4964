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

    public init(intervals: Int = 18, sigmaMin: Double = 0.002, sigmaMax: Double = 80, rho: Double = 7,
                targetDecay: Double = 0.95, sigmaData: Double = 0.5, guidance: Double = 0) {
        (self.intervals, self.sigmaMin, self.sigmaMax, self.rho) = (intervals, sigmaMin, sigmaMax, rho)
        (self.targetDecay, self.sigmaData, self.guidance) = (targetDecay, sigmaData, guidance)
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
        // The path's range to a relative 1e-9 (exp of its log-SNR at the ends is exact only to a few ulps).
        let levels = path.noiseLevels
        guard sigmaMin >= levels.lowerBound * (1 - 1e-9), sigmaMax <= levels.upperBound * (1 + 1e-9) else {
            throw TrainingError.invalidSetting("the noise levels [\(sigmaMin), \(sigmaMax)] reach outside the \(path.kind.rawValue) path's [\(levels.lowerBound), \(levels.upperBound)]")
        }
    }
}
