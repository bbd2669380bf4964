import TensorCore

/// Class-conditional sampling of a conditional model, with classifier-free guidance
/// (Ho & Salimans 2022, "Classifier-free diffusion guidance", eq. 6): for guidance weight w ≥ 0,
///
///     f̃(x, t) = (1 + w)·f(x, t, c) − w·f(x, t, ∅)
///
/// for row i of class c = classes[i] (∅ = the null class). In the score this is
/// ∇log p_t(x | c) + w·(∇log p_t(x | c) − ∇log p_t(x)), the score of p_t(x | c)^{1+w} p_t(x)^{−w}.
/// Every parametrization (x̂₀, ε̂, v, velocity) is an affine function of the score with the same
/// coefficient of x at a given t, and the two weights sum to one, so combining in any of them
/// gives the same guided field: the model combines every field (`fields`), each from its own exact
/// form, and every sampler works unchanged. w = 0 is plain conditional sampling; a nil class
/// samples unconditionally.
///
/// Cost: with w > 0 one evaluation runs the network once on a doubled batch [x; x] with classes
/// [c; ∅] (`networkPasses` = 2 batch-rows per sample), so NFE counts evaluations of f̃, each
/// twice the network work of an unguided one. Row i depends only on row i of x (both halves
/// run row by row), so guided samples do not depend on the batch split either.
public struct GuidedModel: DiffusionModel {
    public let base: any DiffusionModel
    /// Class of each row of the batches this model is evaluated on (nil: unconditional).
    public let classes: [Int?]
    /// Guidance weight w ≥ 0.
    public let guidance: Double

    /// - Precondition: `base` is conditional when any class is given, every class is in range and w ≥ 0.
    public init(_ base: any DiffusionModel, classes: [Int?], guidance: Double = 0) {
        precondition(guidance >= 0 && guidance.isFinite, "GuidedModel: guidance must be ≥ 0, got \(guidance)")
        precondition(classes.allSatisfy { $0 == nil || (0..<base.classNames.count).contains($0!) },
                     "GuidedModel: a class is out of range of the model's \(base.classNames.count) classes")
        self.base = base
        self.classes = classes
        self.guidance = guidance
    }

    public var path: GaussianPath { base.path }
    public var parametrization: Parametrization { base.parametrization }
    public var sampleShape: [Int] { base.sampleShape }
    public var classNames: [String] { base.classNames }
    public var hasScore: Bool { base.hasScore }
    public var isExact: Bool { base.isExact }
    public func gives(_ field: Parametrization, at t: Double) -> Bool { base.gives(field, at: t) }
    public var conditioning: Conditioning? { Conditioning(classes: classes, guidance: guidance) }

    /// Whether an evaluation combines two predictions.
    public var isGuided: Bool { guidance > 0 && classes.contains { $0 != nil } }
    /// Network batch rows per sample and evaluation: 2 when guided, else 1.
    public var networkPasses: Int { isGuided ? 2 : 1 }

    /// The same model for the rows `range` of its batches (e.g. a few trajectories of a batch).
    public func rows(_ range: Range<Int>) -> GuidedModel {
        GuidedModel(base, classes: Array(classes[range]), guidance: guidance)
    }

    private func checkRows(_ x: Tensor) {
        precondition(x.shape[0] == classes.count, "GuidedModel: a batch of \(x.shape[0]) rows for \(classes.count) classes")
    }

    public func evaluate(_ x: Tensor, t: Double) -> Tensor {
        checkRows(x)
        guard isGuided else { return base.evaluate(x, t: t, classes: classes) }
        let (c, u) = halves(base.evaluate(Tensor.concat([x, x], axis: 0), t: t, classes: doubledClasses), rows: x.shape[0])
        return combine(c, u)
    }

    public func fields(_ x: Tensor, t: Double) -> Fields {
        checkRows(x)
        guard isGuided else { return base.fields(x, t: t, classes: classes) }
        let both = base.fields(Tensor.concat([x, x], axis: 0), t: t, classes: doubledClasses)
        let b = x.shape[0]
        func guided(_ y: Tensor) -> Tensor { let (c, u) = halves(y, rows: b); return combine(c, u) }
        return Fields(x0: guided(both.x0), epsilon: guided(both.epsilon), velocity: guided(both.velocity), score: guided(both.score))
    }

    public func differentiableVelocity(_ x: Tensor, t: Double) -> Tensor {
        checkRows(x)
        guard isGuided else {
            return classes.allSatisfy({ $0 == nil }) ? base.differentiableVelocity(x, t: t) : base.fields(x, t: t, classes: classes).velocity
        }
        return fields(x, t: t).velocity
    }

    private var doubledClasses: [Int?] { classes + [Int?](repeating: nil, count: classes.count) }

    private func halves(_ y: Tensor, rows b: Int) -> (Tensor, Tensor) { (y.rows(0..<b), y.rows(b..<(2 * b))) }

    /// (1 + w)·conditional − w·unconditional (rows without a class get the unconditional value either way).
    private func combine(_ conditional: Tensor, _ unconditional: Tensor) -> Tensor {
        conditional * Float(1 + guidance) - unconditional * Float(guidance)
    }
}
