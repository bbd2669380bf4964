import Foundation
import Generative

/// The times a fixed-step sampler visits, from near noise (t_start) to near data (t_end),
/// optionally followed by a final step to exactly t = 0 (or a final denoising).
///
/// A grid never holds a path: `times(on:)` maps its spacing onto any path. Noise levels here
/// are EDM's σ̃ = σ/α = e^{−λ} (Karras et al. 2022, §4: x/α follows the VE path with noise
/// level σ̃), mapped to t by the path's inverse log-SNR, so one grid means the same noise
/// levels on every path.
///
/// | spacing | t_i for i = 0…n (u = i/n) |
/// |---|---|
/// | uniform | t_start + u·(t_end − t_start) |
/// | karras(ρ) | σ̃_i = (σ̃_max^{1/ρ} + u·(σ̃_min^{1/ρ} − σ̃_max^{1/ρ}))^ρ (Karras et al. 2022, eq. 5), t_i = t(σ̃_i) |
/// | logSNR | λ uniform from λ(t_start) to λ(t_end) (DPM-Solver's "logSNR" steps, Lu et al. 2022) |
/// | quadratic | t_end + (1 − u)²·(t_start − t_end): dense near data (DDIM's "quad" steps, Song et al. 2021a) |
///
/// Endpoints default to the path's noise time and the lower end of its domain; for the
/// noise-level spacings (karras, logSNR), and for stochastic samplers (`edmDefaults`), they
/// default to EDM's σ̃ ∈ [0.002, 80] clipped to the path: a rectified path reaches σ̃ = ∞ at
/// t = 1 (where the reverse SDE's g² = 2t/(1 − t) is infinite) and σ̃ = 0 at t = 0.
public struct TimeGrid: Sendable, Equatable {
    public enum Spacing: Sendable, Equatable {
        case uniform
        case karras(rho: Double)
        case logSNR
        case quadratic

        /// The spacing's name in presets and on the command line.
        public var name: String {
            switch self {
            case .uniform: return "uniform"
            case .karras: return "karras"
            case .logSNR: return "logsnr"
            case .quadratic: return "quadratic"
            }
        }
    }

    /// An endpoint: a time on the path, or an EDM noise level σ̃ = σ/α.
    public enum Endpoint: Sendable, Equatable {
        case time(Double)
        case noiseLevel(Double)
    }

    /// What happens after t_end.
    public enum FinalStep: String, Sendable, Equatable, CaseIterable {
        /// Stop at t_end.
        case none
        /// One more step, from t_end to exactly t = 0 (σ = 0: the data), as EDM does.
        case zero
        /// Replace x by the model's x̂₀ at t_end (Tweedie denoising; one more evaluation, no step).
        case denoise
    }

    public var spacing: Spacing

    /// Whether this grid spaces its steps evenly in σ̃ on `path`: a uniform grid on the EDM path,
    /// whose time is σ itself. Such a grid spends nearly every step at high noise (from σ = 80 a
    /// 20-step grid's last step starts at σ = 4); measured on the ring mixture under the EDM path
    /// (docs/sampling.md, "Uniform grids on the EDM path"), every solver's bias-corrected SW₂² is 0.04–62
    /// at 20–50 NFE, where on a Karras or log-SNR grid it is at most 0.03. Callers warn rather than redefine "uniform" per path.
    public func isUniformInSigma(on path: GaussianPath) -> Bool {
        spacing == .uniform && path.kind == .edm
    }
    /// Number of solver steps (with `.zero`, the last of them is the step to 0).
    public var steps: Int
    public var start: Endpoint?
    public var end: Endpoint?
    public var finalStep: FinalStep

    public init(_ spacing: Spacing, steps: Int, start: Endpoint? = nil, end: Endpoint? = nil, finalStep: FinalStep = .none) {
        self.spacing = spacing
        self.steps = steps
        self.start = start
        self.end = end
        self.finalStep = finalStep
    }

    /// EDM's noise-level range (Karras et al. 2022, Table 1).
    public static let edmNoiseLevels = (min: 0.002, max: 80.0)

    /// The grid's decreasing times on `path` (steps + 1 of them).
    /// - Throws: `SamplerError` naming the field (`steps`, `tStart`, `tEnd`, `sigmaMax`, `sigmaMin`, `rho`).
    public func times(on path: GaussianPath, edmDefaults: Bool = false) throws -> [Double] {
        guard steps >= 1 else { throw SamplerError("steps must be at least 1, got \(steps)") }
        let (t0, t1) = try endpoints(on: path, edmDefaults: edmDefaults)
        let n = finalStep == .zero ? steps - 1 : steps
        if finalStep == .zero && t1 <= 0 {
            throw SamplerError("finalStep 'zero' needs tEnd > 0, got tEnd = \(t1)")
        }
        var ts: [Double]
        if n == 0 {
            ts = [t0]
        } else {
            ts = try (0...n).map { i -> Double in
                let u = Double(i) / Double(n)
                switch spacing {
                case .uniform:
                    return t0 + u * (t1 - t0)
                case .quadratic:
                    return t1 + (1 - u) * (1 - u) * (t0 - t1)
                case .karras(let rho):
                    guard rho > 0 && rho.isFinite else { throw SamplerError("rho must be a positive number, got \(rho)") }
                    let hi = Foundation.pow(path.noiseLevel(t0), 1 / rho), lo = Foundation.pow(path.noiseLevel(t1), 1 / rho)
                    return path.time(logSNR: -rho * Foundation.log(hi + u * (lo - hi)))
                case .logSNR:
                    let l0 = path.logSNR(t0), l1 = path.logSNR(t1)
                    return path.time(logSNR: l0 + u * (l1 - l0))
                }
            }
            // Pin the endpoints exactly (the inverse log-SNR is accurate to a few ulps).
            ts[0] = t0
            ts[n] = t1
        }
        if finalStep == .zero { ts.append(0) }
        return ts
    }

    /// (t_start, t_end) on `path`, validated.
    public func endpoints(on path: GaussianPath, edmDefaults: Bool = false) throws -> (start: Double, end: Double) {
        let byNoise: Bool
        switch spacing {
        case .karras, .logSNR: byNoise = true
        case .uniform, .quadratic: byNoise = false
        }
        let edm = byNoise || edmDefaults
        let d = path.domain
        let t0 = try resolve(start, field: ("tStart", "sigmaMax"), on: path,
                             default: edm ? clippedTime(path, level: Self.edmNoiseLevels.max) : path.noiseTime)
        let t1 = try resolve(end, field: ("tEnd", "sigmaMin"), on: path,
                             default: edm ? clippedTime(path, level: Self.edmNoiseLevels.min) : d.lowerBound)
        guard t0 > t1 else {
            throw SamplerError("the grid must run from noise to data: tStart (\(t0)) must exceed tEnd (\(t1))")
        }
        if byNoise {
            for (t, field) in [(t0, "tStart"), (t1, "tEnd")] {
                let l = path.logSNR(t)
                guard l.isFinite else {
                    throw SamplerError("\(field) = \(t) has an infinite log-SNR on the \(path.kind.rawValue) path "
                                       + "(α or σ is 0 there); a noise-level grid needs \(field) strictly inside (0, 1) or an explicit sigma")
                }
            }
        }
        return (t0, t1)
    }

    /// The time of EDM noise level `level`, clipped into the path's domain.
    func clippedTime(_ path: GaussianPath, level: Double) -> Double {
        let t = path.time(logSNR: -Foundation.log(level)), d = path.domain
        return Swift.min(Swift.max(t, d.lowerBound), d.upperBound)
    }

    func resolve(_ e: Endpoint?, field: (time: String, level: String), on path: GaussianPath, default value: Double) throws -> Double {
        let d = path.domain
        let tolerance = 1e-9 * Swift.max(1, d.upperBound)
        switch e {
        case nil:
            return value
        case .time(let t):
            guard t.isFinite, t >= d.lowerBound - tolerance, t <= d.upperBound + tolerance else {
                throw SamplerError("\(field.time) = \(t) is outside the \(path.kind.rawValue) path's domain [\(d.lowerBound), \(d.upperBound)]")
            }
            return Swift.min(Swift.max(t, d.lowerBound), d.upperBound)
        case .noiseLevel(let s):
            guard s.isFinite, s > 0 else { throw SamplerError("\(field.level) must be a positive noise level, got \(s)") }
            let t = path.time(logSNR: -Foundation.log(s))
            guard t.isFinite, t >= d.lowerBound - tolerance, t <= d.upperBound + tolerance else {
                let lo = path.noiseLevels.lowerBound, hi = path.noiseLevels.upperBound
                throw SamplerError("\(field.level) = \(s) is outside the \(path.kind.rawValue) path's noise levels σ/α ∈ [\(lo), \(hi)]")
            }
            return Swift.min(Swift.max(t, d.lowerBound), d.upperBound)
        }
    }
}
