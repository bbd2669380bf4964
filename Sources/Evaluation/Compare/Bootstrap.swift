import Foundation
import TensorCore

/// The nonparametric bootstrap of `drift compare` (Efron 1979; Efron & Tibshirani 1993, ch. 6):
/// a metric's standard error is the standard deviation of the metric over `resamples` resamples
/// of the samples, each N indices drawn with replacement.
///
/// Resample b is keyed by (seed, b) alone — not by the cell — so every cell of a sweep, which
/// starts from the same noise and Brownian motion as every other (common random numbers), is
/// resampled at the same sample indices. The difference of a metric between two cells is then
/// bootstrapped *paired*: its replicates are differences on the same resampled indices, and the
/// shared noise cancels from them (see `PairedDifference`). The reference side (exact samples or
/// real images) is resampled too, with its own indices, the same for every cell.
public struct Bootstrap: Sendable, Equatable {
    /// Resamples B (0: no bootstrap).
    public var resamples: Int
    public var key: RandomKey

    /// The fewest samples whose bootstrap means something: below ~20 points the resamples take
    /// too few distinct values for their spread to estimate a standard error (Efron & Tibshirani
    /// 1993, §6.4 use n ≥ 15–20).
    public static let minimumCount = 20

    public init(resamples: Int, key: RandomKey) {
        precondition(resamples >= 0, "Bootstrap: resamples must be ≥ 0, got \(resamples)")
        self.resamples = resamples
        self.key = key
    }

    /// Resample b of `count` indices, with replacement, for `stream` ("samples", "reference").
    public func indices(_ b: Int, count: Int, stream: String) -> [Int] {
        let u = Tensor.randomUniform([count], key: key.fold(stream).fold(UInt64(b))).scalars
        return u.map { Swift.min(Int(Double($0) * Double(count)), count - 1) }
    }

    /// The bias-corrected estimate 2θ̂ − mean(θ*) (Efron & Tibshirani 1993, §10.3: the bootstrap's
    /// estimate of the bias, mean(θ*) − θ̂, subtracted); θ̂ itself when no replicate is finite.
    public static func biasCorrected(_ estimate: Double, replicates all: [Double]) -> Double {
        let replicates = all.filter(\.isFinite)
        guard !replicates.isEmpty else { return estimate }
        return 2 * estimate - replicates.reduce(0, +) / Double(replicates.count)
    }

    /// Sample standard deviation of the finite bootstrap replicates (NaN for fewer than two).
    public static func standardError(_ all: [Double]) -> Double {
        let replicates = all.filter(\.isFinite)
        let n = Double(replicates.count)
        guard replicates.count > 1 else { return .nan }
        let m = replicates.reduce(0, +) / n
        return (replicates.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1)).squareRoot()
    }
}
