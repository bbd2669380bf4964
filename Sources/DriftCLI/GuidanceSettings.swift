import Foundation
import Generative
import Training

/// What `--guidance`, `--guide` and `--guidance-interval` ask of a model, checked before any work:
/// the guide loaded and matched to the model and to the rows the run draws (class rows need a
/// conditional guide with the model's classes, unconditional rows a guide with an unconditional
/// mode), the interval inside the model path's noise levels, and the model's null class where
/// classifier-free guidance or unconditional sampling needs it.
struct GuidanceSettings {
    var weight: Double
    var guide: Guide?
    /// --guide as given (nil: classifier-free guidance).
    var guidePath: String?
    var interval: GuidanceInterval?

    /// - Parameter choice: the class(es) the run draws (nil: unconditional rows).
    init(_ options: ClassOptions, model m: any DiffusionModel, modelName: String, choice: ClassChoice?) throws {
        try self.init(weight: options.weight, guide: options.guide, interval: options.interval,
                      model: m, modelName: modelName, classRows: choice != nil)
    }

    /// - Parameter classRows: whether rows are drawn for a class (else unconditionally).
    init(weight: Double, guide path: String?, interval: GuidanceInterval?, model m: any DiffusionModel, modelName: String,
         classRows: Bool) throws {
        self.weight = weight
        self.interval = interval
        guidePath = path
        // Classifier-free guidance needs the model's null class; autoguidance does not.
        try SampleCommand.checkUnconditional(m, classRows: classRows, guidance: path == nil ? weight : 0, model: modelName)
        if let path { guide = try Self.loadGuide(path, for: m, classRows: classRows) }
        if let interval {
            do { try interval.validate(on: m.path) } catch {
                throw CLIError("--guidance-interval: \(CLIError(error).description)")
            }
        }
    }

    /// The guide file `path`, checked against `m` for rows of a class or unconditional rows.
    static func loadGuide(_ path: String, for m: any DiffusionModel, classRows: Bool) throws -> Guide {
        let loaded = try ModelLoader.load(path, flag: "--guide")
        let guide = Guide(loaded.model, name: path)
        do { try guide.check(guiding: m, classes: [classRows ? 0 : nil]) } catch {
            throw CLIError("--guide \(path): \(CLIError(error).description)")
        }
        try SampleCommand.checkUnconditional(loaded.model, classRows: classRows, guidance: 0, model: "the guide \(path)")
        return guide
    }

    /// The guided model for rows of `classes`.
    func model(_ m: any DiffusionModel, classes: [Int?]) -> GuidedModel {
        GuidedModel(m, classes: classes, guidance: weight, guide: guide, interval: interval)
    }

    /// What the run's summary line says of the guidance and its cost (empty when unguided).
    func summary(evaluations: Int, passes: Int, isGuided: Bool) -> String {
        guard isGuided else { return "" }
        let how = guide.map { String(format: "autoguidance %g with %@: a guided evaluation runs the model and the guide", weight, $0.name) }
            ?? String(format: "guidance %g: a guided evaluation runs the network on a doubled batch", weight)
        let interval = self.interval.map { String(format: "; guided where σ/α ∈ [%g, %g]: %d of %d evaluations", $0.low, $0.high, passes - evaluations, evaluations) } ?? ""
        return ", \(how)\(interval) (\(passes) network passes per sample)"
    }
}
