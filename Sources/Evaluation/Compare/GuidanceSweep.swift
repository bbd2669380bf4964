import Foundation
import Generative
import Samplers
import TensorCore

/// The guidance sweep of `drift compare --guidance`: every sampler at one NFE budget, for every
/// guidance weight w and guidance variant (classifier-free or autoguidance, at every noise level or
/// in an interval: `GuidanceVariant`), on the same noise and Brownian motion (common random
/// numbers, as in `CompareSweep`), with sample i drawn for class i mod K (unconditionally for an
/// unconditional model, or for a class-conditional one swept `unconditional`ly through its null
/// class: only autoguidance guides those). w = 0 is plain sampling, run once.
/// Fidelity (FD, class accuracy, precision) against diversity (within-class diversity, recall) as w
/// grows; each cell records its network passes beside its NFE (guided evaluations cost two, those
/// outside an interval one).
public struct GuidanceSweep {
    public var model: any DiffusionModel
    public var samplers: [NamedSampler]
    public var budget: Int
    public var count: Int
    public var seed: UInt64
    public var weights: [Double]
    public var variants: [GuidanceVariant]
    public var metrics: [CompareMetric]
    public var images: ImageReference
    /// Bootstrap resamples behind the standard errors (`CompareSweep.bootstrap`).
    public var bootstrapResamples: Int
    /// Every row drawn without a class (a class-conditional model through its null class).
    public var unconditional: Bool

    /// - Throws: `EvaluationError` when a weight is negative, a variant guides with classifier-free
    ///   guidance a model without classes, a guide does not match the model, or an interval leaves
    ///   the path's noise levels.
    public init(model: any DiffusionModel, samplers: [NamedSampler], budget: Int, count: Int, seed: UInt64,
                weights: [Double], variants: [GuidanceVariant] = [.classifierFree], metrics: [CompareMetric], images: ImageReference,
                bootstrapResamples: Int = 200, unconditional: Bool = false) throws {
        guard !weights.isEmpty, weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw EvaluationError("guidance weights must be numbers ≥ 0")
        }
        guard !variants.isEmpty else { throw EvaluationError("a guidance sweep needs at least one way to guide") }
        if model.classNames.isEmpty, variants.contains(where: { $0.guide == nil }) {
            throw EvaluationError("classifier-free guidance needs a class-conditional model (drift train --classes); an unconditional one takes autoguidance only")
        }
        if unconditional, variants.contains(where: { $0.guide == nil }) {
            throw EvaluationError("classifier-free guidance guides a class against the null class; unconditional rows take autoguidance only")
        }
        for named in samplers {
            if let own = named.model, own.classNames != model.classNames {
                throw EvaluationError("\(named.name): its model has \(own.classNames.count) classes, the guided model \(model.classNames.count); a guidance sweep draws every row for the same classes")
            }
        }
        self.model = model
        self.samplers = samplers
        self.budget = budget
        self.count = count
        self.seed = seed
        self.weights = weights.sorted()
        self.variants = variants
        self.metrics = metrics
        self.images = images
        self.bootstrapResamples = bootstrapResamples
        self.unconditional = unconditional
        for v in variants {
            do {
                try v.guide?.check(guiding: model, classes: classes)
                try v.interval?.validate(on: model.path)
            } catch let e as GenerativeError { throw EvaluationError((v.guide.map { "\($0.name): " } ?? "") + e.message) }
        }
    }

    /// Sample i's class: the classes in turn (nil for an unconditional model or sweep).
    public var classes: [Int?] { (0..<count).map { model.classNames.isEmpty || unconditional ? nil : $0 % model.classNames.count } }

    /// The sweep's settings in order: w = 0 once (unguided), then every variant at each w > 0.
    public var settings: [(weight: Double, variant: GuidanceVariant?)] {
        weights.flatMap { w -> [(weight: Double, variant: GuidanceVariant?)] in w == 0 ? [(w, nil)] : variants.map { (w, $0) } }
    }

    /// Runs every (setting, sampler) cell, or under a `partition` of several processes this
    /// process's share, and returns the results on rank 0 (nil on the other ranks).
    public func run(partition: CellPartition = .single, progress: CompareSweep.Progress? = nil) throws -> CompareResults? {
        let settings = self.settings
        let sweeps = try settings.map { s in
            // A student's row samples the classes too, at w = 0 throughout: its guidance is baked in.
            let rows = samplers.map { named in
                NamedSampler(name: named.name, sampler: named.sampler, model: named.model.map { GuidedModel($0, classes: classes, guidance: 0) })
            }
            return try CompareSweep(model: GuidedModel(model, classes: classes, guidance: s.weight, guide: s.variant?.guide, interval: s.variant?.interval),
                             samplers: rows, budgets: [budget], count: count, seed: seed, metrics: metrics, reference: nil, mixture: nil,
                             images: images, bootstrapResamples: bootstrapResamples)
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
                          "\(samplers[s].name) @ \(budget), w = \(CompareResults.format(settings[w].weight))"
                          + (settings[w].variant.map { " (\($0.label))" } ?? ""))
            }
            return try sweeps[w].outcome(sweeps[w].samplers[s], budget, context: contexts[w])
        }) else { return nil }
        // Every setting shares one floor (training against test images): measured once.
        let floor = try sweeps[0].floor(contexts[0])
        let all = try sweeps.indices.map { w in
            try sweeps[w].results(Array(outcomes[(w * samplers.count)..<((w + 1) * samplers.count)]), context: contexts[w], floor: floor)
        }
        var results = CompareResults(cells: all.flatMap(\.cells), skipped: all.flatMap(\.skipped), reference: all.last?.reference ?? [:],
                                     referenceName: images.floorName, metrics: metrics, budgets: [budget], samplerNames: samplers.map(\.name),
                                     referenceFDScaling: all.last?.referenceFDScaling)
        results.gridNames = all.last?.gridNames ?? [:]
        return results
    }
}
