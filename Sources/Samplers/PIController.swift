import Foundation

/// Proportional–integral step-size control for embedded Runge–Kutta pairs.
///
/// A step of size h with scaled error norm ε_n (RMS of e/(atol + rtol·max(|x₀|, |x₁|))) is
/// accepted when ε_n ≤ 1; the next step is
///
///     h' = h · clamp(safety · ε_n^(−β₁/k) · ε_{n−1}^(β₂/k), minFactor, maxFactor)
///
/// with k = q + 1 for an error estimate of order q, β₁ = 0.7, β₂ = 0.4 (Gustafsson's PI
/// controller; Hairer & Wanner, *Solving ODEs II*, §IV.2, eq. 2.43c). A rejected step is
/// retried with h' = h·max(minFactor, safety·ε_n^(−1/k)) (never larger). The first step is
/// `initialStep`, or 0.01·‖x‖/‖f(x)‖ in the same scaled norm (Hairer, Nørsett & Wanner,
/// *Solving ODEs I*, §II.4, first part of the starting-step algorithm).
///
/// Limits never hang: more than `maxSteps` attempted steps (accepted + rejected), or a
/// proposed step shorter than `minStep`, makes `solve` throw an error naming the limit.
public struct PIController: Sendable, Equatable, Codable {
    public var rtol: Double
    public var atol: Double
    /// Most attempted steps (accepted + rejected) before `solve` throws.
    public var maxSteps: Int
    /// Shortest admissible step; a smaller proposal makes `solve` throw.
    public var minStep: Double
    public var safety: Double
    public var minFactor: Double
    public var maxFactor: Double
    /// β₁ (applied to the current error).
    public var integralGain: Double
    /// β₂ (applied to the previous error).
    public var proportionalGain: Double
    /// First step size, or nil to estimate it from ‖x‖/‖f(x)‖ (one extra evaluation, reused by FSAL methods).
    public var initialStep: Double?

    public init(rtol: Double = 1e-3, atol: Double = 1e-5, maxSteps: Int = 10_000, minStep: Double = 1e-10,
                safety: Double = 0.9, minFactor: Double = 0.2, maxFactor: Double = 10,
                integralGain: Double = 0.7, proportionalGain: Double = 0.4, initialStep: Double? = nil) {
        precondition(rtol >= 0 && atol >= 0 && rtol + atol > 0, "PIController: tolerances must be ≥ 0 and not both 0")
        precondition(maxSteps >= 1, "PIController: maxSteps must be ≥ 1, got \(maxSteps)")
        self.rtol = rtol
        self.atol = atol
        self.maxSteps = maxSteps
        self.minStep = minStep
        self.safety = safety
        self.minFactor = minFactor
        self.maxFactor = maxFactor
        self.integralGain = integralGain
        self.proportionalGain = proportionalGain
        self.initialStep = initialStep
    }

    /// The factor for the next step after an accepted step with error `error` (previous `previous`).
    func acceptedFactor(error: Double, previous: Double, errorOrder q: Int) -> Double {
        let k = Double(q + 1)
        if error == 0 { return maxFactor }
        let f = safety * Foundation.pow(error, -integralGain / k) * Foundation.pow(previous, proportionalGain / k)
        return Swift.min(maxFactor, Swift.max(minFactor, f))
    }

    /// The factor (≤ 1) for the retry after a rejected step.
    func rejectedFactor(error: Double, errorOrder q: Int) -> Double {
        guard error.isFinite else { return minFactor }
        let f = safety * Foundation.pow(error, -1 / Double(q + 1))
        return Swift.min(1, Swift.max(minFactor, f))
    }
}
