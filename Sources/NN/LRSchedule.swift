import Foundation

/// Learning rate with linear warm-up then cosine decay (Loshchilov & Hutter 2017,
/// SGDR without restarts; warm-up as in Goyal et al. 2017):
///
///     η(s) = η_peak · (s + 1)/W                                  s < W
///     η(s) = η_end + ½(η_peak − η_end)(1 + cos(π·p)),  p = (s − W)/(T − W)   W ≤ s < T
///     η(s) = η_end                                               s ≥ T
///
/// s counts optimizer steps from 0 (the step about to be taken), W is
/// `warmupSteps` and T is `totalSteps`. With T ≤ W there is no decay.
public struct LRSchedule: Codable, Equatable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var end: Float

    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int = 0, end: Float = 0) {
        precondition(warmupSteps >= 0 && totalSteps >= 0, "LRSchedule: step counts must be ≥ 0")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.end = end
    }

    /// A constant learning rate.
    public static func constant(_ lr: Float) -> LRSchedule { LRSchedule(peak: lr, end: lr) }

    /// The learning rate for step `step` (0-based).
    public func callAsFunction(_ step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        guard totalSteps > warmupSteps else { return peak }
        if step >= totalSteps { return end }
        let p = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return end + Float(0.5 * Double(peak - end) * (1 + Foundation.cos(Double.pi * p)))
    }
}
