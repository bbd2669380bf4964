import TensorCore

/// Anything sampleable: a trained network or the analytic Gaussian mixture.
///
/// A model predicts one parametrization of the Gaussian path it was built on; samplers
/// ask for `fields` (every parametrization from one evaluation) and never care which.
public protocol DiffusionModel {
    /// The probability path the model describes.
    var path: GaussianPath { get }
    /// What `evaluate` returns.
    var parametrization: Parametrization { get }
    /// Shape of one sample, e.g. [2] or [1, 28, 28].
    var sampleShape: [Int] { get }
    /// One network evaluation (one NFE) for a batch x [B, sampleShape...] at a shared time t,
    /// returned in `parametrization`. Row i of the output depends only on row i of x.
    func evaluate(_ x: Tensor, t: Double) -> Tensor
    /// One evaluation in every parametrization. The default converts `evaluate` in closed form;
    /// models that know more (the analytic mixture at α = 0 or σ = 0) may override it.
    func fields(_ x: Tensor, t: Double) -> Fields
    /// The probability-flow velocity û(x, t) from tape-recording primitives, so that the tape
    /// differentiates it in x (vector–Jacobian products for the likelihood's divergence). The
    /// default is `fields(x, t).velocity`, which records for networks; the analytic mixture,
    /// whose `fields` run a raw kernel, supplies its own.
    func differentiableVelocity(_ x: Tensor, t: Double) -> Tensor
    /// Names of the classes the model can be conditioned on, index = class (empty: unconditional).
    var classNames: [String] { get }
    /// Whether the field determines a score ∇log p_t of the path's marginals (default true).
    /// A continuous normalizing flow's velocity does not: it is sampled by ODEs only, and a
    /// stochastic sampler, which adds the score's drift to the velocity, is refused.
    var hasScore: Bool { get }
    /// Whether the fields are exact in closed form (the analytic mixture): they are then finite
    /// wherever the path is, α = 0 and σ = 0 included (default false).
    var isExact: Bool { get }
    /// Whether one evaluation at t yields a finite `field` (velocity, score, …). The default: an
    /// exact model everywhere, otherwise where the closed-form conversion from `parametrization`
    /// has finite coefficients (an x₀ model has no velocity at σ = 0, a score model none at α = 0).
    func gives(_ field: Parametrization, at t: Double) -> Bool
    /// The class each batch row is drawn for and the guidance weight, for a model that carries
    /// them (`GuidedModel`); nil for a model evaluated without (default).
    var conditioning: Conditioning? { get }
    /// Network passes per sample the model's evaluations have run, for a model whose evaluation
    /// may cost more than one (`GuidedModel`); nil: one pass per evaluation, the NFE (default).
    var networkPassCounter: NetworkPassCounter? { get }
    /// One evaluation with one class per row (nil: unconditional, the null class), in
    /// `parametrization`. Unconditional models take only nils (the default forwards to `evaluate`).
    func evaluate(_ x: Tensor, t: Double, classes: [Int?]) -> Tensor
    /// Every parametrization of the class-conditional evaluation (default: `evaluate(_:t:classes:)`
    /// converted in closed form, or `fields` when every row is unconditional).
    func fields(_ x: Tensor, t: Double, classes: [Int?]) -> Fields
}

extension DiffusionModel {
    public var classNames: [String] { [] }
    public var hasScore: Bool { true }
    public var isExact: Bool { false }
    public var conditioning: Conditioning? { nil }
    public var networkPassCounter: NetworkPassCounter? { nil }

    public func gives(_ field: Parametrization, at t: Double) -> Bool {
        if isExact { return true }
        let c = path.conversionCoefficients(from: parametrization, to: field, t: t)
        return c.x.isFinite && c.y.isFinite
    }

    public func evaluate(_ x: Tensor, t: Double, classes: [Int?]) -> Tensor {
        precondition(classes.allSatisfy { $0 == nil }, "an unconditional model takes no classes")
        return evaluate(x, t: t)
    }

    public func fields(_ x: Tensor, t: Double, classes: [Int?]) -> Fields {
        if classes.allSatisfy({ $0 == nil }) { return fields(x, t: t) }
        return path.fields(from: evaluate(x, t: t, classes: classes), as: parametrization, x: x, t: t)
    }

    public func differentiableVelocity(_ x: Tensor, t: Double) -> Tensor { fields(x, t: t).velocity }

    public func fields(_ x: Tensor, t: Double) -> Fields {
        path.fields(from: evaluate(x, t: t), as: parametrization, x: x, t: t)
    }
}

/// What a class-conditional or guided sampling run carries with its model: the class of each
/// batch row (nil: unconditional), the guidance weight w ≥ 0, the autoguidance guide's name (nil:
/// classifier-free guidance) and the noise levels where guidance applies (nil: all).
public struct Conditioning: Sendable, Equatable {
    public var classes: [Int?]
    public var guidance: Double
    public var guide: String?
    public var interval: GuidanceInterval?
    public init(classes: [Int?], guidance: Double, guide: String? = nil, interval: GuidanceInterval? = nil) {
        self.classes = classes
        self.guidance = guidance
        self.guide = guide
        self.interval = interval
    }

    /// How the run guides: not at all (w = 0), classifier-free or autoguidance.
    public var method: GuidanceMethod {
        guidance == 0 ? .none : guide == nil ? .classifierFree : .autoguidance
    }
}

/// How a run guides, as reports name it.
public enum GuidanceMethod: String, Sendable, Codable, CaseIterable {
    /// w = 0: plain conditional (or unconditional) sampling.
    case none
    /// Classifier-free guidance against the null class (Ho & Salimans 2022).
    case classifierFree = "cfg"
    /// Autoguidance against a weaker model (Karras et al. 2024).
    case autoguidance = "auto"
}
