import TensorCore

/// The model autoguidance guides with (Karras et al. 2024, "Guiding a diffusion model with a bad
/// version of itself", eq. 2): a weaker model of the same data — an earlier training snapshot or a
/// smaller network — whose prediction D₁ the guided one moves away from,
///
///     D̃(x; σ, c) = D₁(x; σ, c) + (1 + w)·(D₀(x; σ, c) − D₁(x; σ, c)) = (1 + w)·D₀ − w·D₁
///
/// (their weight is 1 + w). Where the two models agree nothing changes; where the weaker one errs
/// (it spreads mass away from the data in the same places the main model does, only more), the
/// difference points back toward the data. Unlike classifier-free guidance the target stays
/// p(x | c), so it sharpens without the loss of variety of an unconditional negative.
public struct Guide {
    public let model: any DiffusionModel
    /// How outputs and reports name the guide (e.g. its checkpoint file).
    public let name: String

    public init(_ model: any DiffusionModel, name: String) {
        self.model = model
        self.name = name
    }

    /// Checks that the guide predicts the same thing as `base` for rows of `classes` (nil:
    /// unconditional): the same sample shape, path and parametrization (so the two predictions
    /// combine term by term at the same t), and for class rows the same classes, evaluated at the
    /// row's class. An unconditional guide cannot guide class rows: its prediction is of the whole
    /// data, which would be classifier-free guidance by another model, not autoguidance.
    /// - Throws: `GenerativeError` naming the mismatch (callers name the guide).
    public func check(guiding base: any DiffusionModel, classes: [Int?]) throws {
        let g = model
        guard g.sampleShape == base.sampleShape else {
            throw GenerativeError("the guide draws samples of shape \(g.sampleShape), the model of shape \(base.sampleShape)")
        }
        guard g.path == base.path else {
            throw GenerativeError("the guide is on the \(g.path.kind.rawValue) path, the model on the \(base.path.kind.rawValue) path\(g.path.kind == base.path.kind ? " with other parameters" : ""): autoguidance needs the same path")
        }
        guard g.parametrization == base.parametrization else {
            throw GenerativeError("the guide predicts \(g.parametrization.rawValue), the model \(base.parametrization.rawValue): autoguidance needs the same parametrization")
        }
        guard g.hasScore == base.hasScore else {
            throw GenerativeError("the guide \(g.hasScore ? "is" : "is not") a score model and the model \(base.hasScore ? "is" : "is not"): autoguidance needs the same kind of model")
        }
        if classes.contains(where: { $0 != nil }) {
            guard !g.classNames.isEmpty else {
                throw GenerativeError("the guide is unconditional, so it cannot guide class-conditional sampling: give a conditional guide with the model's classes")
            }
            guard g.classNames == base.classNames else {
                throw GenerativeError("the guide has classes \(g.classNames.joined(separator: ", ")), the model \(base.classNames.joined(separator: ", ")): autoguidance needs the same classes")
            }
        }
    }
}
