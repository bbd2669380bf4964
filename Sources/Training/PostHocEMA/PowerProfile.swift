import Foundation

/// A power-function EMA profile (Karras et al. 2024, "Analyzing and Improving the Training
/// Dynamics of Diffusion Models" (EDM2), §3.1 and Appendix C.1).
///
/// After update t (t = 1, 2, …) the average is θ̂_t = β_t θ̂_{t−1} + (1 − β_t) θ_t with
///
///     β_t = (1 − 1/t)^(γ + 1),
///
/// which weighs the parameters of step τ ≤ t by p_t(τ) = (γ + 1) τ^γ / t^(γ + 1): a profile whose
/// width grows with training, so the average never remembers the initialisation for ever
/// (unlike a constant decay) and never forgets it too fast early on. Its width relative to t is
///
///     σ_rel = √((γ + 1) / ((γ + 2)² (γ + 3))),
///
/// the "EMA length" EDM2 sweeps (typical best values 0.05–0.15).
public struct PowerProfile: Codable, Equatable, Sendable {
    /// The exponent γ (> −1; larger γ: a shorter average).
    public let gamma: Double

    public init(gamma: Double) { self.gamma = gamma }

    /// The profile of relative width `sigmaRel`, γ solved from EDM2's formula (σ_rel is
    /// decreasing in γ on γ ≥ 0, from √(1/12) ≈ 0.289 at γ = 0 toward 0).
    /// - Throws: `TrainingError.invalidSetting` for σ_rel outside (0, 0.28].
    public init(sigmaRel: Double) throws {
        guard sigmaRel > 0, sigmaRel <= Self.widestSigmaRel else {
            throw TrainingError.invalidSetting("an EMA length (σ_rel) must be in (0, \(Self.widestSigmaRel)], got \(sigmaRel)")
        }
        // Bisection in γ on [0, 1e9]: σ_rel(γ) falls monotonically.
        var lo = 0.0, hi = 1e9
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if Self.sigmaRel(gamma: mid) > sigmaRel { lo = mid } else { hi = mid }
        }
        gamma = 0.5 * (lo + hi)
    }

    /// The widest length accepted: σ_rel at γ = 0 is √(1/12) ≈ 0.2887, a plain running mean.
    public static let widestSigmaRel = 0.28

    /// σ_rel of exponent γ.
    public static func sigmaRel(gamma g: Double) -> Double {
        ((g + 1) / ((g + 2) * (g + 2) * (g + 3))).squareRoot()
    }

    public var sigmaRel: Double { Self.sigmaRel(gamma: gamma) }

    /// β_t for update t ≥ 1 (β_1 = 0: the first average is the first parameters).
    public func decay(atUpdate t: Int) -> Double {
        precondition(t >= 1, "PowerProfile.decay: updates count from 1")
        return pow(1 - 1 / Double(t), gamma + 1)
    }

    /// ∫₀^∞ p_{a,s}(τ) p_{b,u}(τ) dτ for profiles a (ending at update s) and b (ending at u):
    /// (γa + 1)(γb + 1) m^(γa + γb + 1) / ((γa + γb + 1) s^(γa + 1) u^(γb + 1)), m = min(s, u).
    /// Computed in logs, so large steps and exponents do not overflow.
    static func overlap(_ a: PowerProfile, endingAt s: Double, _ b: PowerProfile, endingAt u: Double) -> Double {
        let ga = a.gamma, gb = b.gamma, m = min(s, u)
        let logValue = log(ga + 1) + log(gb + 1) + (ga + gb + 1) * log(m) - log(ga + gb + 1)
            - (ga + 1) * log(s) - (gb + 1) * log(u)
        return exp(logValue)
    }
}
