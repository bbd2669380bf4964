import Foundation

/// The noise levels at which guidance applies (Kynkäänniemi et al. 2024, "Applying guidance in a
/// limited interval improves sample and distribution quality in diffusion models", eq. 3): the
/// guided field where the path's EDM noise level σ̃(t) = σ(t)/α(t) lies in [σ_lo, σ_hi], the plain
/// (conditional) field elsewhere. Guidance at high noise pulls every sample toward the same few
/// modes (it hurts diversity), and at low noise it does little; in between it sharpens
/// class-consistent structure. Noise levels, not times, so one interval means the same on every
/// path (the rectified path's σ̃ is t/(1 − t)).
public struct GuidanceInterval: Sendable, Equatable, Codable {
    /// Lower and upper noise level σ̃, 0 < low < high < ∞.
    public var low: Double
    public var high: Double

    /// - Throws: `GenerativeError` unless 0 < low < high, both finite.
    public init(low: Double, high: Double) throws {
        guard low.isFinite, high.isFinite, low > 0, high > 0 else {
            throw GenerativeError("the guidance interval's noise levels must be positive numbers, got \(low), \(high)")
        }
        guard low < high else {
            throw GenerativeError("the guidance interval \(low),\(high) is reversed or empty: give σ_lo,σ_hi with σ_lo < σ_hi")
        }
        self.low = low
        self.high = high
    }

    private enum CodingKeys: String, CodingKey { case low, high }

    /// Decodes and checks (a damaged record fails like a bad flag).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(low: try c.decode(Double.self, forKey: .low), high: try c.decode(Double.self, forKey: .high))
    }

    /// Whether guidance applies at noise level σ̃ (the interval is closed).
    public func contains(noiseLevel s: Double) -> Bool { s >= low && s <= high }

    /// Whether guidance applies at time t of `path`.
    public func contains(_ t: Double, on path: GaussianPath) -> Bool { contains(noiseLevel: path.noiseLevel(t)) }

    /// - Throws: `GenerativeError` when the interval leaves the noise levels `path` spans.
    public func validate(on path: GaussianPath) throws {
        let levels = path.noiseLevels
        let tolerance = 1e-9 * Swift.max(1, levels.upperBound.isFinite ? levels.upperBound : 1)
        guard low >= levels.lowerBound - tolerance, high <= levels.upperBound + tolerance else {
            throw GenerativeError(String(format: "the guidance interval [%g, %g] is outside the %@ path's noise levels σ/α ∈ [%g, %g]",
                                         low, high, path.kind.rawValue, levels.lowerBound, levels.upperBound))
        }
    }
}
