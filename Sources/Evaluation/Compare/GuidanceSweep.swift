import Foundation
import Generative
import Samplers
import TensorCore

/// The guidance sweep of `drift compare --guidance`: every sampler at one NFE budget, for every
/// classifier-free guidance weight w, on the same noise and Brownian motion (common random
/// numbers, as in `CompareSweep`), with sample i drawn for class i mod K. Fidelity (FD, class
/// accuracy, precision) against diversity (within-class diversity, recall) as w grows.
public struct GuidanceSweep {
    public var model: any DiffusionModel
    public var samplers: [NamedSampler]
    public var budget: Int
    public var count: Int
    public var seed: UInt64
    public var weights: [Double]
    public var metrics: [CompareMetric]
    public var images: ImageReference

    /// - Throws: `EvaluationError` when the model is not class-conditional or a weight is negative.
    public init(model: any DiffusionModel, samplers: [NamedSampler], budget: Int, count: Int, seed: UInt64,
                weights: [Double], metrics: [CompareMetric], images: ImageReference) throws {
        guard !model.classNames.isEmpty else { throw EvaluationError("a guidance sweep needs a class-conditional model (drift train --classes)") }
        guard !weights.isEmpty, weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw EvaluationError("guidance weights must be numbers ≥ 0")
        }
        self.model = model
        self.samplers = samplers
        self.budget = budget
        self.count = count
        self.seed = seed
        self.weights = weights.sorted()
        self.metrics = metrics
        self.images = images
    }

    /// Sample i's class: the classes in turn.
    public var classes: [Int?] { (0..<count).map { $0 % model.classNames.count } }

    public func run(progress: CompareSweep.Progress? = nil) throws -> CompareResults {
        var cells = [CompareCell](), skipped = [SkippedCell](), reference = [CompareMetric: Estimate]()
        for (i, w) in weights.enumerated() {
            let sweep = try CompareSweep(model: GuidedModel(model, classes: classes, guidance: w), samplers: samplers, budgets: [budget],
                                         count: count, seed: seed, metrics: metrics, reference: nil, mixture: nil, images: images)
            let r = try sweep.run { done, elapsed, cell in
                progress?((Double(i) + done) / Double(weights.count), elapsed, "\(cell), w = \(CompareResults.format(w))")
            }
            cells += r.cells
            skipped += r.skipped
            reference = r.reference
        }
        return CompareResults(cells: cells, skipped: skipped, reference: reference, referenceName: "train-vs-test",
                              metrics: metrics, budgets: [budget], samplerNames: samplers.map(\.name))
    }
}
