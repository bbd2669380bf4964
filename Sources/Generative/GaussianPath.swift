import Foundation

/// The families of Gaussian probability paths Drift knows.
public enum PathKind: String, Codable, CaseIterable, Sendable {
    /// Rectified flow / conditional-OT flow matching: α = 1 − t, σ = t.
    case rectified
    /// Variance preserving (DDPM, score-SDE VP): α = exp(−½∫β), σ = √(1 − α²).
    case vp
    /// Sub-variance preserving (score-SDE sub-VP): α = exp(−½∫β), σ = 1 − α².
    case subvp
    /// Variance exploding (score-SDE VE / NCSN): α = 1, σ geometric.
    case ve
    /// EDM (Karras et al. 2022): α = 1, σ = t.
    case edm
    /// Cosine schedule (Nichol & Dhariwal 2021): α = cos φ(t)/cos φ(0), σ = √(1 − α²).
    case cosine
}

/// A Gaussian probability path x_t = α(t)·x₀ + σ(t)·ε, ε ~ N(0, I): the one source
/// of α, σ, their derivatives, the log-SNR and the forward diffusion.
///
/// Time runs from data (t = 0) to noise (t increasing). All scalars are Double.
///
/// | kind | α(t) | σ(t) | domain | noise time |
/// |---|---|---|---|---|
/// | rectified | 1 − t | t | [0, 1] | 1 |
/// | vp | exp(−½B(t)) | √(1 − α²) | [1e-5, 1] | 1 |
/// | subvp | exp(−½B(t)) | 1 − α² | [1e-5, 1] | 1 |
/// | ve | 1 | σ_min·(σ_max/σ_min)^t | [0, 1] | 1 |
/// | edm | 1 | t | [σ_min, σ_max] | σ_max |
/// | cosine | cos φ(t)/cos φ(0) | √(1 − α²) | [0, 1] | 1 |
///
/// with β(t) = β_min + (β_max − β_min)t, B(t) = ∫₀ᵗβ = β_min·t + ½(β_max − β_min)t²
/// (Song et al. 2021, "Score-based generative modeling through SDEs", eqs. 11 and 33),
/// and φ(t) = (t + s)/(1 + s)·π/2 (Nichol & Dhariwal 2021, eq. 17, with offset s =
/// `cosineShift`; s = 0 gives exactly α = cos(πt/2), σ = sin(πt/2), the default;
/// s = 0.008 is their "improved DDPM" schedule in continuous time).
///
/// Caveats: at t = 0 the rectified, VP, sub-VP, cosine paths have σ = 0 (λ = +∞, the
/// score/ε parametrizations are undefined there); the rectified and cosine paths have
/// α(1) = 0 (λ = −∞, x₀ cannot be recovered from ε there, and the forward diffusion
/// g² blows up as t → 1). VE has σ(0) = σ_min > 0: its t = 0 marginal is the data
/// blurred by N(0, σ_min²).
public struct GaussianPath: Sendable, Equatable {
    /// Which family.
    public var kind: PathKind
    /// β(0) for `vp` and `subvp` (default 0.1).
    public var betaMin: Double
    /// β(1) for `vp` and `subvp` (default 20).
    public var betaMax: Double
    /// Smallest noise level: σ(0) for `ve` (default 0.01), lower end of the domain for `edm` (default 0.002).
    public var sigmaMin: Double
    /// Largest noise level: σ(1) for `ve` (default 50), the noise time for `edm` (default 80).
    public var sigmaMax: Double
    /// Offset s of the cosine schedule (default 0: α = cos(πt/2); Nichol & Dhariwal use 0.008).
    public var cosineShift: Double

    /// A path of the given kind; parameters that the kind does not use are ignored
    /// (and normalized to the kind's defaults, so equal paths compare equal).
    public init(kind: PathKind, betaMin: Double? = nil, betaMax: Double? = nil,
                sigmaMin: Double? = nil, sigmaMax: Double? = nil, cosineShift: Double? = nil) {
        let d = GaussianPath.defaults(kind)
        self.kind = kind
        self.betaMin = d.uses.beta ? betaMin ?? d.betaMin : d.betaMin
        self.betaMax = d.uses.beta ? betaMax ?? d.betaMax : d.betaMax
        self.sigmaMin = d.uses.sigma ? sigmaMin ?? d.sigmaMin : d.sigmaMin
        self.sigmaMax = d.uses.sigma ? sigmaMax ?? d.sigmaMax : d.sigmaMax
        self.cosineShift = d.uses.shift ? cosineShift ?? 0 : 0
    }

    /// The kind with its standard parameters (VP β 0.1→20, VE σ 0.01→50, EDM σ = t ∈ [0.002, 80], cosine s = 0).
    public static func standard(_ kind: PathKind) -> GaussianPath { GaussianPath(kind: kind) }

    /// Defaults per kind and which parameters the kind reads.
    static func defaults(_ kind: PathKind)
        -> (betaMin: Double, betaMax: Double, sigmaMin: Double, sigmaMax: Double,
            uses: (beta: Bool, sigma: Bool, shift: Bool)) {
        switch kind {
        case .vp, .subvp: return (0.1, 20, 0.01, 50, (true, false, false))
        case .ve: return (0.1, 20, 0.01, 50, (false, true, false))
        case .edm: return (0.1, 20, 0.002, 80, (false, true, false))
        case .rectified: return (0.1, 20, 0.01, 50, (false, false, false))
        case .cosine: return (0.1, 20, 0.01, 50, (false, false, true))
        }
    }

    // MARK: - Schedule

    /// Admissible times: samplers integrate within it.
    public var domain: ClosedRange<Double> {
        switch kind {
        case .rectified, .ve, .cosine: return 0...1
        case .vp, .subvp: return 1e-5...1
        case .edm: return sigmaMin...sigmaMax
        }
    }

    /// Where sampling starts by default: 1, or σ_max for EDM.
    public var noiseTime: Double { kind == .edm ? sigmaMax : 1 }

    /// β(t) = β_min + (β_max − β_min)t (VP and sub-VP).
    @inline(__always) func beta(_ t: Double) -> Double { betaMin + (betaMax - betaMin) * t }
    /// B(t) = ∫₀ᵗ β = β_min·t + ½(β_max − β_min)t² (VP and sub-VP).
    @inline(__always) func integratedBeta(_ t: Double) -> Double { betaMin * t + 0.5 * (betaMax - betaMin) * t * t }
    /// log(σ_max/σ_min) (VE).
    @inline(__always) var logSigmaRatio: Double { Foundation.log(sigmaMax / sigmaMin) }

    /// Cosine angle: (φ(t), its complement π/2 − φ(t) = k(1 − t), k = dφ/dt, cos φ(0)).
    @inline(__always) func cosineAngles(_ t: Double) -> (phi: Double, complement: Double, k: Double, c0: Double) {
        let k = Double.pi / (2 * (1 + cosineShift))
        let phi0 = k * cosineShift
        return (phi0 + k * t, k * (1 - t), k, Foundation.cos(phi0))
    }

    /// Signal scale α(t).
    public func alpha(_ t: Double) -> Double {
        switch kind {
        case .rectified: return 1 - t
        case .vp, .subvp: return Foundation.exp(-0.5 * integratedBeta(t))
        case .ve, .edm: return 1
        case .cosine:
            let a = cosineAngles(t)
            return Foundation.sin(a.complement) / a.c0     // cos φ = sin(π/2 − φ), exact near t = 1
        }
    }

    /// Noise scale σ(t).
    public func sigma(_ t: Double) -> Double {
        switch kind {
        case .rectified, .edm: return t
        case .vp: return (-Foundation.expm1(-integratedBeta(t))).squareRoot()
        case .subvp: return -Foundation.expm1(-integratedBeta(t))
        case .ve: return sigmaMin * Foundation.exp(t * logSigmaRatio)
        case .cosine:
            // 1 − cos²φ/c0² = sin(φ − φ0)·sin(φ + φ0)/c0², exact near t = 0.
            let a = cosineAngles(t), phi0 = a.k * cosineShift
            return (Foundation.sin(a.k * t) * Foundation.sin(a.phi + phi0)).squareRoot() / a.c0
        }
    }

    /// dα/dt.
    public func alphaDot(_ t: Double) -> Double {
        switch kind {
        case .rectified: return -1
        case .vp, .subvp: return -0.5 * beta(t) * alpha(t)
        case .ve, .edm: return 0
        case .cosine:
            let a = cosineAngles(t)
            return -a.k * Foundation.cos(a.complement) / a.c0
        }
    }

    /// dσ/dt.
    public func sigmaDot(_ t: Double) -> Double {
        switch kind {
        case .rectified, .edm: return 1
        case .vp:
            let a = alpha(t)
            return 0.5 * beta(t) * a * a / sigma(t)
        case .subvp:
            let a = alpha(t)
            return beta(t) * a * a
        case .ve: return sigma(t) * logSigmaRatio
        case .cosine:
            let a = cosineAngles(t)
            return a.k * Foundation.cos(a.complement) * Foundation.sin(a.complement) / (a.c0 * a.c0 * sigma(t))
        }
    }

    /// Squared diffusion of the forward SDE dx = (α′/α)x dt + g dW that has this path's marginals:
    /// g² = 2σσ′ − 2(α′/α)σ² = −2σ²·dλ/dt.
    ///
    /// Closed forms: rectified 2t/(1 − t) (infinite at t = 1); VP β(t); sub-VP β(t)(1 − e^{−2B(t)});
    /// VE 2σ² log(σ_max/σ_min); EDM 2t; cosine 2k·tan φ(t) (π·tan(πt/2) for s = 0, infinite at t = 1).
    public func forwardDiffusionSquared(_ t: Double) -> Double {
        switch kind {
        case .rectified: return 2 * t / (1 - t)
        case .vp: return beta(t)
        case .subvp: return -beta(t) * Foundation.expm1(-2 * integratedBeta(t))
        case .ve:
            let s = sigma(t)
            return 2 * s * s * logSigmaRatio
        case .edm: return 2 * t
        case .cosine:
            let a = cosineAngles(t)
            return 2 * a.k * Foundation.cos(a.complement) / Foundation.sin(a.complement)
        }
    }
}
