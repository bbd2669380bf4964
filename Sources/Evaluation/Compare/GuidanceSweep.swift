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
    /// Bootstrap resamples behind the standard errors (`CompareSweep.bootstrap`).
    public var bootstrapResamples: Int

    /// - Throws: `EvaluationError` when the model is not class-conditional or a weight is negative.
    public init(model: any DiffusionModel, samplers: [NamedSampler], budget: Int, count: Int, seed: UInt64,
                weights: [Double], metrics: [CompareMetric], images: ImageReference, bootstrapResamples: Int = 200) throws {
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
        self.bootstrapResamples = bootstrapResamples
    }

    /// Sample i's class: the classes in turn.
    public var classes: [Int?] { (0..<count).map { $0 % model.classNames.count } }

    /// Runs every (weight, sampler) cell, or under a `partition` of several processes this
    /// process's share, and returns the results on rank 0 (nil on the other ranks).
    public func run(partition: CellPartition = .single, progress: CompareSweep.Progress? = nil) throws -> CompareResults? {
        let sweeps = try weights.map {
            try CompareSweep(model: GuidedModel(model, classes: classes, guidance: $0), samplers: samplers, budgets: [budget],
                             count: count, seed: seed, metrics: metrics, reference: nil, mixture: nil, images: images,
                             bootstrapResamples: bootstrapResamples)
        }
        let contexts = try sweeps.map { try CompareSweep.CellContext($0) }
        let jobs = sweeps.indices.flatMap { w in samplers.indices.map { (w, $0) } }
        let costs = jobs.map { _ in budget }
        let mine = Double(partition.owners(costs: costs).filter { $0 == partition.rank }.count)
        var done = 0.0
        let start = Date()
        guard let outcomes = try partition.run(costs: costs, job: { j in
            let (w, s) = jobs[j]
            defer {
                done += 1
                progress?(done / Swift.max(mine, 1), Date().timeIntervalSince(start),
                          "\(samplers[s].name) @ \(budget), w = \(CompareResults.format(weights[w]))")
            }
            return try sweeps[w].outcome(samplers[s], budget, context: contexts[w])
        }) else { return nil }
        let all = try sweeps.indices.map { w in
            try sweeps[w].results(Array(outcomes[(w * samplers.count)..<((w + 1) * samplers.count)]), context: contexts[w])
        }
        var results = CompareResults(cells: all.flatMap(\.cells), skipped: all.flatMap(\.skipped), reference: all.last?.reference ?? [:],
                                     referenceName: images.floorName, metrics: metrics, budgets: [budget], samplerNames: samplers.map(\.name),
                                     referenceFDScaling: all.last?.referenceFDScaling)
        results.gridNames = all.last?.gridNames ?? [:]
        return results
    }
}
