import Foundation
import TensorCore

/// EDM preconditioning of a raw network F (Karras et al. 2022, "Elucidating the design space of
/// diffusion-based generative models", Table 1 and §5):
///
///     D(x; σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x, c_noise(σ))
///     c_skip = σ_d²/(σ² + σ_d²),  c_out = σ·σ_d/√(σ² + σ_d²),  c_in = 1/√(σ² + σ_d²),  c_noise = ¼·ln σ
///
/// chosen so that F's input and its training target (x₀ − c_skip·x)/c_out have unit variance
/// when the data have standard deviation σ_d; the loss weight is 1/c_out².
/// σ here is the noise level of the α = 1 form of the path, σ/α (see `PreconditionedModel`).
///
/// A consistency model (Song et al. 2023, "Consistency models", §3 and App. C) shifts c_skip and
/// c_out by its boundary noise level σ_min, so that D(x; σ_min) = x:
///
///     c_skip = σ_d²/((σ − σ_min)² + σ_d²),  c_out = σ_d·(σ − σ_min)/√(σ² + σ_d²)
///
/// with c_in and c_noise unchanged, so a consistency student starts from its EDM teacher's network.
public struct EDMPreconditioning: Sendable, Equatable, Codable {
    /// Standard deviation of the data, σ_d (EDM default 0.5).
    public var sigmaData: Double
    /// A consistency model's boundary σ_min (nil: EDM's denoiser, σ_min = 0 in the formulas).
    public var sigmaMin: Double?

    public init(sigmaData: Double = 0.5, sigmaMin: Double? = nil) {
        precondition(sigmaData > 0, "EDMPreconditioning: sigmaData must be > 0, got \(sigmaData)")
        precondition(sigmaMin.map { $0 > 0 } ?? true, "EDMPreconditioning: sigmaMin must be > 0, got \(sigmaMin!)")
        self.sigmaData = sigmaData
        self.sigmaMin = sigmaMin
    }

    /// σ − σ_min for a consistency model, clamped at 0 (below its boundary the model is the identity) and
    /// exactly 0 within 1e-9 of σ_min (a path's inverse log-SNR gives σ_min back to a few ulps); σ otherwise.
    func offset(_ sigma: Double) -> Double {
        guard let m = sigmaMin else { return sigma }
        return sigma - m <= 1e-9 * m ? 0 : sigma - m
    }

    public func cSkip(_ sigma: Double) -> Double {
        let d = offset(sigma)
        return sigmaData * sigmaData / (d * d + sigmaData * sigmaData)
    }
    public func cOut(_ sigma: Double) -> Double { offset(sigma) * sigmaData / (sigma * sigma + sigmaData * sigmaData).squareRoot() }
    public func cIn(_ sigma: Double) -> Double { 1 / (sigma * sigma + sigmaData * sigmaData).squareRoot() }
    public func cNoise(_ sigma: Double) -> Double { 0.25 * Foundation.log(sigma) }
    /// λ(σ) = 1/c_out² = (σ² + σ_d²)/(σ·σ_d)², the EDM loss weight.
    public func lossWeight(_ sigma: Double) -> Double { 1 / (cOut(sigma) * cOut(sigma)) }
}

/// A network F wrapped by EDM preconditioning into an x₀-predicting `DiffusionModel` on any path.
///
/// On a path with α ≠ 1, x_t/α = x₀ + (σ/α)·ε is the EDM form with noise level σ̃ = σ/α = e^{−λ}
/// (Karras et al. 2022, eq. 10 with s(t) = α), so
///
///     x̂₀ = c_skip(σ̃)·(x/α) + c_out(σ̃)·F(c_in(σ̃)·x/α, c_noise(σ̃)).
public struct PreconditionedModel: DiffusionModel {
    public let path: GaussianPath
    public let sampleShape: [Int]
    public let preconditioning: EDMPreconditioning
    /// The raw network F(input, c_noise, classes) for a batch at a shared noise conditioning.
    public let network: (_ input: Tensor, _ noiseConditioning: Double, _ classes: [Int?]) -> Tensor
    public let classNames: [String]

    public var parametrization: Parametrization { .x0 }

    /// An unconditional network F(input, c_noise).
    public init(path: GaussianPath, sampleShape: [Int], preconditioning: EDMPreconditioning = EDMPreconditioning(),
                network: @escaping (_ input: Tensor, _ noiseConditioning: Double) -> Tensor) {
        self.init(path: path, sampleShape: sampleShape, preconditioning: preconditioning, classNames: []) { input, c, _ in network(input, c) }
    }

    /// A class-conditional network F(input, c_noise, classes) (nil class: unconditional).
    public init(path: GaussianPath, sampleShape: [Int], preconditioning: EDMPreconditioning = EDMPreconditioning(),
                classNames: [String], network: @escaping (_ input: Tensor, _ noiseConditioning: Double, _ classes: [Int?]) -> Tensor) {
        self.path = path
        self.sampleShape = sampleShape
        self.preconditioning = preconditioning
        self.classNames = classNames
        self.network = network
    }

    /// The EDM noise level σ̃ = σ/α at t.
    public func edmSigma(_ t: Double) -> Double { path.sigma(t) / path.alpha(t) }

    public func evaluate(_ x: Tensor, t: Double) -> Tensor {
        evaluate(x, t: t, classes: [Int?](repeating: nil, count: x.shape[0]))
    }

    public func evaluate(_ x: Tensor, t: Double, classes: [Int?]) -> Tensor {
        let a = path.alpha(t), s = edmSigma(t), p = preconditioning
        let f = network(x * Float(p.cIn(s) / a), p.cNoise(s), classes)
        precondition(f.shape == x.shape, "PreconditionedModel: network returned shape \(f.shape) for input \(x.shape)")
        return x * Float(p.cSkip(s) / a) + f * Float(p.cOut(s))
    }
}
