import Foundation

extension GaussianPath {
    /// Log signal-to-noise ratio λ(t) = log(α(t)/σ(t)), strictly decreasing in t.
    ///
    /// Closed forms (stable near both ends): rectified log((1 − t)/t); VP −½·log(e^{B} − 1);
    /// sub-VP −log(2·sinh(B/2)); VE/EDM −log σ; cosine log cos φ − ½·log(sin(φ − φ0)·sin(φ + φ0)).
    /// +∞ where σ = 0, −∞ where α = 0.
    public func logSNR(_ t: Double) -> Double {
        switch kind {
        case .rectified: return Foundation.log1p(-t) - Foundation.log(t)
        case .vp: return -0.5 * Foundation.log(Foundation.expm1(integratedBeta(t)))
        case .subvp: return -Foundation.log(2 * Foundation.sinh(0.5 * integratedBeta(t)))
        case .ve, .edm: return -Foundation.log(sigma(t))
        case .cosine: return Foundation.log(alpha(t)) - Foundation.log(sigma(t))
        }
    }

    /// The EDM noise level σ̃(t) = σ(t)/α(t) = e^{−λ(t)} (Karras et al. 2022, §4: x/α follows the VE
    /// path with noise level σ̃), increasing in t: 0 where σ = 0, +∞ where α = 0 (the rectified path's
    /// t/(1 − t)).
    public func noiseLevel(_ t: Double) -> Double { Foundation.exp(-logSNR(t)) }

    /// The noise levels σ̃ the path's domain spans, from its data end to its noise end.
    public var noiseLevels: ClosedRange<Double> { noiseLevel(domain.lowerBound)...noiseLevel(domain.upperBound) }

    /// dλ/dt = α′/α − σ′/σ (negative).
    public func logSNRDot(_ t: Double) -> Double {
        switch kind {
        case .rectified: return -1 / (1 - t) - 1 / t
        case .ve: return -logSigmaRatio
        case .edm: return -1 / t
        case .vp, .subvp, .cosine: return -forwardDiffusionSquared(t) / (2 * sigma(t) * sigma(t))
        }
    }

    /// The time at which the log-SNR equals `logSNR`: the inverse of `logSNR(_:)`, in closed form
    /// for every kind (accurate to a few ulps of t; ±∞ map to the ends where σ = 0 or α = 0).
    ///
    /// - rectified: t = 1/(1 + e^λ).
    /// - VP: B = log(1 + e^{−2λ}), then t solves ½(β_max − β_min)t² + β_min·t = B
    ///   (the positive root, written t = 2B/(β_min + √(β_min² + 2(β_max − β_min)B)) to avoid cancellation).
    /// - sub-VP: e^{−λ} = 2·sinh(B/2) ⇒ B = 2·asinh(e^{−λ}/2), then the same quadratic.
    /// - VE: t = (−λ − log σ_min)/log(σ_max/σ_min). EDM: t = e^{−λ}.
    /// - cosine: α² = 1/(1 + e^{−2λ}), σ² = 1/(1 + e^{2λ}); cos φ = cos φ0·α,
    ///   sin φ = √(sin²φ0 + cos²φ0·σ²), φ = atan2, t = φ/k − s.
    public func time(logSNR lambda: Double) -> Double {
        switch kind {
        case .rectified:
            return 1 / (1 + Foundation.exp(lambda))
        case .vp:
            // log(1 + e^{−2λ}), without overflow for very negative λ.
            let m = -2 * lambda
            let b = m > 30 ? m + Foundation.log1p(Foundation.exp(-m)) : Foundation.log1p(Foundation.exp(m))
            return timeOfIntegratedBeta(b)
        case .subvp:
            let b = -lambda > 700 ? -2 * lambda : 2 * Foundation.asinh(0.5 * Foundation.exp(-lambda))
            return timeOfIntegratedBeta(b)
        case .ve:
            return (-lambda - Foundation.log(sigmaMin)) / logSigmaRatio
        case .edm:
            return Foundation.exp(-lambda)
        case .cosine:
            let a = cosineAngles(0)
            let alpha2 = 1 / (1 + Foundation.exp(-2 * lambda)), sigma2 = 1 / (1 + Foundation.exp(2 * lambda))
            let s0 = Foundation.sin(a.phi)
            let phi = Foundation.atan2((s0 * s0 + a.c0 * a.c0 * sigma2).squareRoot(), a.c0 * alpha2.squareRoot())
            return phi / a.k - cosineShift
        }
    }

    /// Solves B(t) = β_min·t + ½(β_max − β_min)t² = b for t ≥ 0.
    func timeOfIntegratedBeta(_ b: Double) -> Double {
        let delta = betaMax - betaMin
        return 2 * b / (betaMin + (betaMin * betaMin + 2 * delta * b).squareRoot())
    }
}
