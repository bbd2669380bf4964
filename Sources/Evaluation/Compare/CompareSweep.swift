import Datasets
import Foundation
import Generative
import Samplers
import TensorCore

/// Real images and the feature classifier for the image metrics: generated samples are compared
/// with `real` (test images); `floor` (training images, as many) gives each metric's data floor.
public struct ImageReference {
    public var classifier: FeatureClassifier
    public var real: FeatureSet
    /// Class frequencies of the real images (their labels).
    public var realClasses: [Double]
    /// The real images' labels.
    public var realLabels: [Int]
    public var floor: Tensor
    /// The floor images' labels (the floor of the conditional metrics).
    public var floorLabels: [Int]?

    public init(classifier: FeatureClassifier, realImages: Tensor, realLabels: [Int], floor: Tensor, floorLabels: [Int]? = nil) {
        self.classifier = classifier
        self.real = classifier.featureSet(realImages)
        self.realClasses = Self.histogram(realLabels)
        self.realLabels = realLabels
        self.floor = floor
        self.floorLabels = floorLabels
    }

    static func histogram(_ labels: [Int]) -> [Double] {
        var h = [Double](repeating: 0, count: FeatureClassifier.classCount)
        for l in labels { h[l] += 1 }
        return h.map { $0 / Double(Swift.max(labels.count, 1)) }
    }
}

/// One sampler of a comparison: its name (preset) and settings.
public struct NamedSampler: Sendable {
    public var name: String
    public var sampler: Sampler
    public init(name: String, sampler: Sampler) {
        self.name = name
        self.sampler = sampler
    }
}

/// One cell of the sweep: a sampler at one budget.
public struct CompareCell {
    public var samplerName: String
    public var isStochastic: Bool
    public var requestedNFE: Int
    public var nfe: Int
    public var steps: Int?
    public var rtol: Double?
    public var seconds: Double
    public var metrics: [CompareMetric: Estimate]
    /// The samples (rows in noise order).
    public var samples: Tensor
    /// Classifier-free guidance weight of a class-conditional sweep (nil: unconditional).
    public var guidance: Double?
}

/// A sampler that cannot run within a budget (e.g. Heun below 3 NFE, an adaptive solver below its minimum).
public struct SkippedCell: Sendable {
    public var samplerName: String
    public var requestedNFE: Int
    public var reason: String
}

/// What a sweep produced.
public struct CompareResults {
    public var cells: [CompareCell]
    public var skipped: [SkippedCell]
    /// Each metric between two independent sets of exact samples at the same N (the estimator's floor),
    /// or for images between N training images and the N test images (the data's floor).
    public var reference: [CompareMetric: Estimate]
    /// What `reference` compares: "exact-vs-exact" or "train-vs-test".
    public var referenceName: String
    public var metrics: [CompareMetric]
    public var budgets: [Int]
    public var samplerNames: [String]
}

/// The sweep of `drift compare`: every sampler at every budget on the same model, the same initial
/// noise (keyed by seed and sample) and the same Brownian motion (the solve key and the Brownian
/// span do not depend on the sampler or the step count), so differences between cells come from the
/// samplers alone (common random numbers).
public struct CompareSweep {
    public var model: any DiffusionModel
    public var samplers: [NamedSampler]
    public var budgets: [Int]
    public var count: Int
    public var seed: UInt64
    public var metrics: [CompareMetric]
    /// Fresh exact samples of the data (needed by sw2 and mmd).
    public var reference: ExampleSource?
    /// The analytic mixture behind `model`, if it is one (nll, ode-error).
    public var mixture: GaussianMixture?
    /// Real images and the classifier (fd, kid, precision, recall, classes).
    public var images: ImageReference?

    public init(model: any DiffusionModel, samplers: [NamedSampler], budgets: [Int], count: Int, seed: UInt64,
                metrics: [CompareMetric], reference: ExampleSource?, mixture: GaussianMixture?, images: ImageReference? = nil) throws {
        guard !samplers.isEmpty else { throw EvaluationError("compare needs at least one sampler") }
        guard !budgets.isEmpty, budgets.allSatisfy({ $0 > 0 }) else { throw EvaluationError("the NFE budgets must be positive integers") }
        guard count >= 8 else { throw EvaluationError("compare needs at least 8 samples, got \(count)") }
        for m in metrics {
            switch m.requirement {
            case .referenceSamples:
                guard let r = reference else { throw EvaluationError("metric \(m.rawValue) needs exact reference samples of the data") }
                guard r.sampleShape.count == 1, r.sampleShape == [model.sampleShape.reduce(1, *)] else {
                    throw EvaluationError("metric \(m.rawValue) is for low-dimensional data, not samples of shape \(model.sampleShape)")
                }
            case .analyticMixture:
                guard mixture != nil else { throw EvaluationError("metric \(m.rawValue) needs an analytic Gaussian-mixture model (.json)") }
            case .featureClassifier:
                guard model.sampleShape == FeatureClassifier.imageShape else {
                    throw EvaluationError("metric \(m.rawValue) is for 1×28×28 images (the Fashion-MNIST classifier), not samples of shape \(model.sampleShape)")
                }
                guard images != nil else { throw EvaluationError("metric \(m.rawValue) needs the feature classifier and real images") }
            case .conditionalImages:
                guard model.sampleShape == FeatureClassifier.imageShape, images != nil else {
                    throw EvaluationError("metric \(m.rawValue) is for 1×28×28 images with the feature classifier and real images")
                }
                guard let classes = model.conditioning?.classes, classes.allSatisfy({ $0 != nil }) else {
                    throw EvaluationError("metric \(m.rawValue) needs class-conditional sampling (drift compare --guidance)")
                }
            }
        }
        for s in samplers { try s.sampler.validate(for: model) }
        self.model = model
        self.samplers = samplers
        self.budgets = budgets.sorted()
        self.count = count
        self.seed = seed
        self.metrics = metrics
        self.reference = reference
        self.mixture = mixture
        self.images = images
    }

    /// The class each sample is drawn for (a class-conditional sweep: the model carries its `conditioning`).
    public var classes: [Int]? { model.conditioning?.classes.compactMap { $0 } }

    /// The key of everything random in the sweep.
    public var key: RandomKey { RandomKey(seed: seed) }

    /// The initial noise every cell starts from.
    public var noise: Tensor { Sampler.initialNoise(count: count, sampleShape: model.sampleShape, key: key) }

    /// Progress after each cell: the fraction of the total budget done and the elapsed seconds.
    public typealias Progress = (_ done: Double, _ elapsed: Double, _ cell: String) -> Void

    /// The cells in sweep order: every sampler at every budget.
    public var jobs: [(sampler: NamedSampler, budget: Int)] { samplers.flatMap { s in budgets.map { (s, $0) } } }

    /// Runs every cell, or under a `partition` of several processes this process's share, and
    /// returns the results on rank 0 (nil on the other ranks).
    public func run(partition: CellPartition = .single, progress: Progress? = nil) throws -> CompareResults? {
        let context = try CellContext(self)
        let jobs = self.jobs
        let costs = jobs.map(\.budget)
        let owner = partition.owners(costs: costs)
        let total = Double(zip(costs, owner).filter { $0.1 == partition.rank }.map(\.0).reduce(0, +))
        var done = 0.0
        let start = Date()
        guard let outcomes = try partition.run(costs: costs, job: { j in
            defer {
                done += Double(jobs[j].budget)
                progress?(done / Swift.max(total, 1), Date().timeIntervalSince(start), "\(jobs[j].sampler.name) @ \(jobs[j].budget)")
            }
            return try outcome(jobs[j].sampler, jobs[j].budget, context: context)
        }) else { return nil }
        return try results(outcomes, context: context)
    }

    /// What every cell of a sweep shares: the noise and the exact reference samples, and a cache of
    /// exact flow endpoints (ode-error).
    final class CellContext {
        let noise: Tensor
        let referenceSamples: FeatureSet?
        var flowCache = [String: FeatureSet]()
        init(_ sweep: CompareSweep) throws {
            noise = sweep.noise
            referenceSamples = sweep.reference.map { FeatureSet($0.examples(at: 0, count: sweep.count, key: sweep.key.fold("reference"))) }
        }
    }

    /// One sampler at one budget: measured, or skipped when it cannot run within the budget.
    func outcome(_ named: NamedSampler, _ budget: Int, context: CellContext) throws -> CellOutcome {
        let noise = context.noise, key = self.key
        let fitted: FittedSampler, result: SolveResult, seconds: Double
        if named.sampler.controller != nil {
            guard let (f, r) = try BudgetFit.adaptive(named.sampler, budget: budget, model: model, noise: noise, key: key) else {
                return .skipped(SkippedCell(samplerName: named.name, requestedNFE: budget,
                                            reason: "needs more than \(budget) NFE at the loosest tolerance \(BudgetFit.toleranceLadder[0])"))
            }
            // Time the chosen tolerance on its own (the ladder ran looser ones first).
            let timed = Date()
            _ = try f.sampler.sample(model, noise: noise, key: key)
            (fitted, result, seconds) = (f, r, Date().timeIntervalSince(timed))
        } else {
            guard let f = BudgetFit.fixed(named.sampler, budget: budget, model: model) else {
                return .skipped(SkippedCell(samplerName: named.name, requestedNFE: budget, reason: "one step already needs more than \(budget) NFE"))
            }
            let timed = Date()
            (fitted, result) = (f, try f.sampler.sample(model, noise: noise, key: key))
            seconds = Date().timeIntervalSince(timed)
        }
        return .measured(try cell(named, budget, fitted, result, seconds: seconds, noise: noise,
                                  reference: context.referenceSamples, flowCache: &context.flowCache))
    }

    /// The sweep's results from its cells' outcomes (in sweep order), with the floor of every metric.
    func results(_ outcomes: [CellOutcome], context: CellContext) throws -> CompareResults {
        var cells = [CompareCell](), skipped = [SkippedCell]()
        for o in outcomes {
            switch o {
            case .measured(let c): cells.append(c)
            case .skipped(let s): skipped.append(s)
            }
        }
        return CompareResults(cells: cells, skipped: skipped, reference: try floor(context), referenceName: images == nil ? "exact-vs-exact" : "train-vs-test",
                              metrics: metrics, budgets: budgets, samplerNames: samplers.map(\.name))
    }

    /// Each metric between two independent sets of exact samples, or between training and test images.
    func floor(_ context: CellContext) throws -> [CompareMetric: Estimate] {
        let key = self.key
        if let referenceSamples = context.referenceSamples, let reference {
            let fresh = reference.examples(at: count, count: count, key: key.fold("reference"))
            return try metricValues(of: fresh, classes: nil, stochastic: true, sampler: nil, noise: context.noise,
                                    reference: referenceSamples, flowCache: &context.flowCache)
        } else if let mixture, metrics.contains(.nll) {
            return [.nll: exactMeanNLL(mixture.sample(count, key: key.fold("reference")), model: mixture)]
        } else if let images {
            return try metricValues(of: images.floor, classes: images.floorLabels, stochastic: true, sampler: nil, noise: context.noise,
                                    reference: nil, flowCache: &context.flowCache)
        }
        return [:]
    }

    func cell(_ named: NamedSampler, _ budget: Int, _ fitted: FittedSampler, _ result: SolveResult, seconds: Double,
              noise: Tensor, reference: FeatureSet?, flowCache: inout [String: FeatureSet]) throws -> CompareCell {
        let stochastic = fitted.sampler.isStochastic
        let values = try metricValues(of: result.samples, classes: classes, stochastic: stochastic, sampler: fitted.sampler, noise: noise,
                                      reference: reference, flowCache: &flowCache)
        return CompareCell(samplerName: named.name, isStochastic: stochastic, requestedNFE: budget, nfe: result.evaluations,
                           steps: fitted.steps, rtol: fitted.rtol, seconds: seconds, metrics: values, samples: result.samples,
                           guidance: model.conditioning?.guidance)
    }

    /// Every requested metric of `samples` that applies (ode-error: deterministic samplers only;
    /// accuracy and diversity: samples with the classes they were drawn for).
    func metricValues(of samples: Tensor, classes: [Int]?, stochastic: Bool, sampler: Sampler?, noise: Tensor, reference: FeatureSet?,
                      flowCache: inout [String: FeatureSet]) throws -> [CompareMetric: Estimate] {
        var out = [CompareMetric: Estimate]()
        let features = FeatureSet(samples.reshaped([samples.shape[0], samples.count / Swift.max(samples.shape[0], 1)]))
        let imageFeatures = images.map { $0.classifier.featureSet(samples) }
        var pr: PrecisionRecall?
        for m in metrics {
            switch m {
            case .sw2:
                out[m] = Estimate(value: try slicedWasserstein(features, reference!, key: key.fold("sw2")), standardError: 0)
            case .mmd:
                out[m] = try rbfMMDSquared(features, reference!)
            case .nll:
                out[m] = exactMeanNLL(samples, model: mixture!)
            case .odeError:
                guard !stochastic, let sampler, let mixture else { continue }
                let (t0, t1) = try sampler.endpoints(on: mixture.path)
                let cacheKey = "\(t0) \(t1) \(sampler.grid.finalStep)"
                if flowCache[cacheKey] == nil {
                    flowCache[cacheKey] = try MixtureFlowOracle(model: mixture).endpoints(of: sampler, noise: noise)
                }
                out[m] = Estimate(value: rmsRowDistance(features, flowCache[cacheKey]!), standardError: 0)
            case .fd:
                out[m] = Estimate(value: try frechetDistance(GaussianStatistics(imageFeatures!), GaussianStatistics(images!.real)), standardError: 0)
            case .kid:
                out[m] = try kernelInceptionDistance(imageFeatures!, images!.real, blocks: Swift.max(1, Swift.min(10, count / 50)))
            case .precision, .recall:
                if pr == nil { pr = try PrecisionRecall(real: images!.real, generated: imageFeatures!) }
                out[m] = Estimate(value: m == .precision ? pr!.precision : pr!.recall, standardError: 0)
            case .classes:
                let h = ImageReference.histogram(images!.classifier.predict(samples))
                out[m] = Estimate(value: zip(h, images!.realClasses).map { Swift.abs($0 - $1) }.max() ?? 0, standardError: 0)
            case .accuracy:
                guard let classes else { continue }
                let predicted = images!.classifier.predict(samples)
                let p = Double(zip(predicted, classes).filter { $0 == $1 }.count) / Double(Swift.max(classes.count, 1))
                out[m] = Estimate(value: p, standardError: (p * (1 - p) / Double(Swift.max(classes.count, 1))).squareRoot())
            case .diversity:
                guard let classes else { continue }
                out[m] = Estimate(value: try classDiversity(imageFeatures!, classes: classes, real: images!.real,
                                                            realClasses: images!.realLabels), standardError: 0)
            }
        }
        return out
    }
}
