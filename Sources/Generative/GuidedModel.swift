import TensorCore

/// Class-conditional sampling with guidance: classifier-free guidance (Ho & Salimans 2022,
/// "Classifier-free diffusion guidance", eq. 6) or autoguidance (Karras et al. 2024, `Guide`),
/// optionally limited to an interval of noise levels (Kynkäänniemi et al. 2024, `GuidanceInterval`).
/// For guidance weight w ≥ 0 and row i of class c = classes[i] (nil: unconditional, ∅):
///
///     classifier-free:  f̃(x, t) = (1 + w)·f(x, t, c) − w·f(x, t, ∅)
///     autoguidance:     f̃(x, t) = (1 + w)·f(x, t, c) − w·f_guide(x, t, c)
///
/// In the score, classifier-free guidance is ∇log p_t(x | c) + w·(∇log p_t(x | c) − ∇log p_t(x)),
/// the score of p_t(x | c)^{1+w} p_t(x)^{−w}; autoguidance puts the guide's p_t^guide(x | c) in place
/// of p_t(x). Every parametrization (x̂₀, ε̂, v, velocity) is an affine function of the score with the
/// same coefficient of x at a given t, and the two weights sum to one, so combining in any of them
/// gives the same guided field: the model combines every field (`fields`), each from its own exact
/// form, and every sampler works unchanged. w = 0 is plain conditional sampling; a nil class
/// samples unconditionally (classifier-free guidance then has nothing to guide; autoguidance
/// still guides, with the guide unconditional too).
///
/// One guide per run: classifier-free guidance against the null class, or autoguidance against a
/// guide. Both at once would be (1 + w₁ + w₂)·f − w₁·f_∅ − w₂·f_guide: three passes per evaluation
/// and a two-dimensional weight to tune, for a target (p(x | c)^{1+w₁} p(x)^{−w₁}, tilted again)
/// whose narrowing classifier-free guidance brings and autoguidance was made to avoid.
///
/// With an interval, an evaluation at a time whose noise level σ/α lies outside it is the plain
/// conditional f(x, t, c): one network pass.
///
/// Cost: a guided evaluation runs the network twice per sample — once on a doubled batch [x; x]
/// with classes [c; ∅] (classifier-free), or the model and then its guide (autoguidance; a smaller
/// guide costs less, counted as a pass all the same) — and `passes` counts every evaluation's
/// passes, so NFE counts evaluations of f̃ and `passes.count` the network work. Row i depends only
/// on row i of x (both predictions run row by row), so guided samples do not depend on the batch
/// split either.
public struct GuidedModel: DiffusionModel {
    public let base: any DiffusionModel
    /// Class of each row of the batches this model is evaluated on (nil: unconditional).
    public let classes: [Int?]
    /// Guidance weight w ≥ 0.
    public let guidance: Double
    /// The autoguidance guide (nil: classifier-free guidance against the null class).
    public let guide: Guide?
    /// The noise levels where guidance applies (nil: all).
    public let interval: GuidanceInterval?
    /// Network passes per sample so far (shared by `rows` copies).
    public let passes: NetworkPassCounter

    /// - Precondition: `base` is conditional when any class is given, every class is in range,
    ///   w ≥ 0, and a guide passes `Guide.check` (callers check first for an error message).
    public init(_ base: any DiffusionModel, classes: [Int?], guidance: Double = 0, guide: Guide? = nil,
                interval: GuidanceInterval? = nil, passes: NetworkPassCounter = NetworkPassCounter()) {
        precondition(guidance >= 0 && guidance.isFinite, "GuidedModel: guidance must be ≥ 0, got \(guidance)")
        precondition(classes.allSatisfy { $0 == nil || (0..<base.classNames.count).contains($0!) },
                     "GuidedModel: a class is out of range of the model's \(base.classNames.count) classes")
        if let guide {
            do { try guide.check(guiding: base, classes: classes) } catch { preconditionFailure("GuidedModel: \(error)") }
        }
        self.base = base
        self.classes = classes
        self.guidance = guidance
        self.guide = guide
        self.interval = interval
        self.passes = passes
    }

    public var path: GaussianPath { base.path }
    public var parametrization: Parametrization { base.parametrization }
    public var sampleShape: [Int] { base.sampleShape }
    public var classNames: [String] { base.classNames }
    public var hasScore: Bool { base.hasScore }
    public var isExact: Bool { base.isExact && (guide?.model.isExact ?? true) }
    public func gives(_ field: Parametrization, at t: Double) -> Bool {
        base.gives(field, at: t) && (!isGuided(at: t) || guide.map { $0.model.gives(field, at: t) } ?? true)
    }
    public var conditioning: Conditioning? {
        Conditioning(classes: classes, guidance: guidance, guide: guide?.name, interval: interval)
    }
    public var networkPassCounter: NetworkPassCounter? { passes }

    /// Whether evaluations combine two predictions at some noise level.
    public var isGuided: Bool { guidance > 0 && (guide != nil || classes.contains { $0 != nil }) }
    /// Whether an evaluation at t combines two predictions (guided, and t's noise level in the interval).
    public func isGuided(at t: Double) -> Bool { isGuided && (interval?.contains(t, on: path) ?? true) }
    /// The most network passes per sample one evaluation runs: 2 when guided, else 1.
    public var networkPasses: Int { isGuided ? 2 : 1 }
    /// Network passes per sample of an evaluation at t.
    public func networkPasses(at t: Double) -> Int { isGuided(at: t) ? 2 : 1 }

    /// The same model for the rows `range` of its batches (e.g. a few trajectories of a batch).
    public func rows(_ range: Range<Int>) -> GuidedModel {
        GuidedModel(base, classes: Array(classes[range]), guidance: guidance, guide: guide, interval: interval, passes: passes)
    }

    private func checkRows(_ x: Tensor) {
        precondition(x.shape[0] == classes.count, "GuidedModel: a batch of \(x.shape[0]) rows for \(classes.count) classes")
    }

    public func evaluate(_ x: Tensor, t: Double) -> Tensor {
        checkRows(x)
        passes.add(networkPasses(at: t))
        guard isGuided(at: t) else { return base.evaluate(x, t: t, classes: classes) }
        if let guide { return combine(base.evaluate(x, t: t, classes: classes), guide.model.evaluate(x, t: t, classes: classes)) }
        let (c, u) = halves(base.evaluate(Tensor.concat([x, x], axis: 0), t: t, classes: doubledClasses), rows: x.shape[0])
        return combine(c, u)
    }

    public func fields(_ x: Tensor, t: Double) -> Fields {
        checkRows(x)
        passes.add(networkPasses(at: t))
        return unrecordedFields(x, t: t)
    }

    public func differentiableVelocity(_ x: Tensor, t: Double) -> Tensor {
        checkRows(x)
        passes.add(networkPasses(at: t))
        guard isGuided(at: t) else {
            return classes.allSatisfy({ $0 == nil }) ? base.differentiableVelocity(x, t: t) : base.fields(x, t: t, classes: classes).velocity
        }
        return unrecordedFields(x, t: t).velocity
    }

    /// `fields` without counting the passes.
    private func unrecordedFields(_ x: Tensor, t: Double) -> Fields {
        guard isGuided(at: t) else { return base.fields(x, t: t, classes: classes) }
        if let guide { return combine(base.fields(x, t: t, classes: classes), guide.model.fields(x, t: t, classes: classes)) }
        let both = base.fields(Tensor.concat([x, x], axis: 0), t: t, classes: doubledClasses)
        let b = x.shape[0]
        func guided(_ y: Tensor) -> Tensor { let (c, u) = halves(y, rows: b); return combine(c, u) }
        return Fields(x0: guided(both.x0), epsilon: guided(both.epsilon), velocity: guided(both.velocity), score: guided(both.score))
    }

    private var doubledClasses: [Int?] { classes + [Int?](repeating: nil, count: classes.count) }

    private func halves(_ y: Tensor, rows b: Int) -> (Tensor, Tensor) { (y.rows(0..<b), y.rows(b..<(2 * b))) }

    /// (1 + w)·conditional − w·(unconditional or guide); rows without a class under classifier-free
    /// guidance get the unconditional value either way.
    private func combine(_ conditional: Tensor, _ negative: Tensor) -> Tensor {
        conditional * Float(1 + guidance) - negative * Float(guidance)
    }

    private func combine(_ conditional: Fields, _ negative: Fields) -> Fields {
        Fields(x0: combine(conditional.x0, negative.x0), epsilon: combine(conditional.epsilon, negative.epsilon),
               velocity: combine(conditional.velocity, negative.velocity), score: combine(conditional.score, negative.score))
    }
}
