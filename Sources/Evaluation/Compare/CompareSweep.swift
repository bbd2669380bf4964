import Datasets
import Foundation
import Generative
import Samplers
import TensorCore

/// One sampler of a comparison: its name (preset) and settings, and the model it runs when that is
/// not the sweep's own — a distilled student's row beside its teacher's solvers, on the same noise.
public struct NamedSampler: @unchecked Sendable {
    public var name: String
    public var sampler: Sampler
    /// The model of this row (nil: the sweep's model). Read only, by one cell at a time.
    public var model: (any DiffusionModel)?
    public init(name: String, sampler: Sampler, model: (any DiffusionModel)? = nil) {
        self.name = name
        self.sampler = sampler
        self.model = model
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
    /// Each bootstrapped metric on the sweep's resamples (resample b at the same indices in every
    /// cell: `Bootstrap`), for paired differences between cells.
    public var replicates: [CompareMetric: [Double]] = [:]
    /// FD at N, N/2, N/4 and extrapolated to infinite N (with the fd metric).
    public var fdScaling: FrechetScaling? = nil
    /// How a guidance sweep's cell guides (nil outside guidance sweeps).
    public var guide: GuidanceMethod? = nil
    /// The noise levels where the cell guides (nil: all).
    public var interval: GuidanceInterval? = nil
    /// Network passes per sample behind the cell's NFE (a guided model's count: two per guided
    /// evaluation, one outside the guidance interval; nil: one per evaluation).
    public var networkPasses: Int? = nil
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
    /// Each sampler's time grid ("karras", "uniform", …, "adaptive"), by sampler name.
    public var gridNames: [String: String] = [:]
    /// The floor's own FD at N, N/2, N/4 and its extrapolation (with the fd metric).
    public var referenceFDScaling: FrechetScaling? = nil
}

extension CompareResults {
    /// A sampler's name in chart legends: with its grid, unless the name already says it (PRESET@GRID).
    public func legend(_ name: String) -> String {
        guard !name.contains("@"), let grid = gridNames[name] else { return name }
        return "\(name) (\(grid))"
    }
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
    /// The resampling behind every standard error and paired difference (keyed by the seed).
    public var bootstrap: Bootstrap

    public init(model: any DiffusionModel, samplers: [NamedSampler], budgets: [Int], count: Int, seed: UInt64,
                metrics: [CompareMetric], reference: ExampleSource?, mixture: GaussianMixture?, images: ImageReference? = nil,
                bootstrapResamples: Int = 200) throws {
        guard !samplers.isEmpty else { throw EvaluationError("compare needs at least one sampler") }
        guard !budgets.isEmpty, budgets.allSatisfy({ $0 > 0 }) else { throw EvaluationError("the NFE budgets must be positive integers") }
        guard count >= 8 else { throw EvaluationError("compare needs at least 8 samples, got \(count)") }
        guard bootstrapResamples >= 0 else { throw EvaluationError("the bootstrap needs resamples ≥ 0, got \(bootstrapResamples)") }
        guard bootstrapResamples == 0 || count >= Bootstrap.minimumCount else {
            throw EvaluationError("the bootstrap needs at least \(Bootstrap.minimumCount) samples to estimate a standard error, got \(count) "
                                  + "(raise --n or turn it off with --bootstrap 0)")
        }
        for m in metrics {
            switch m.requirement {
            case .referenceSamples:
                guard let r = reference else { throw EvaluationError("metric \(m.rawValue) needs exact reference samples of the data") }
                guard r.sampleShape.count == 1, r.sampleShape == [model.sampleShape.reduce(1, *)] else {
                    throw EvaluationError("metric \(m.rawValue) is for low-dimensional data, not samples of shape \(model.sampleShape)")
                }
            case .analyticMixture:
                guard mixture != nil else { throw EvaluationError("metric \(m.rawValue) needs an analytic Gaussian-mixture model (.json)") }
            case .featureClassifier, .conditionalImages:
                guard model.sampleShape.count == 3 else {
                    throw EvaluationError("metric \(m.rawValue) is for images, not samples of shape \(model.sampleShape)")
                }
                guard let images else { throw EvaluationError("metric \(m.rawValue) needs a feature network and real images") }
                guard model.sampleShape == images.classifier.inputShape else {
                    throw EvaluationError("metric \(m.rawValue): the feature network takes \(images.classifier.config.shapeDescription) images, "
                                          + "the model makes samples of shape \(model.sampleShape.map(String.init).joined(separator: "×"))")
                }
                if m == .classes, !images.hasClasses {
                    throw EvaluationError("metric classes needs a feature network of the real images' classes (a classifier of labelled data), "
                                          + "and the real images' labels")
                }
                guard m.requirement == .conditionalImages else { continue }
                guard let classes = model.conditioning?.classes, classes.allSatisfy({ $0 != nil }) else {
                    throw EvaluationError("metric \(m.rawValue) needs class-conditional sampling (drift compare --guidance)")
                }
                guard images.hasClasses, images.classifier.config.classNames == model.classNames else {
                    throw EvaluationError("metric \(m.rawValue) needs a feature network of the model's classes and labelled real images")
                }
            }
        }
        for s in samplers {
            if let own = s.model, own.sampleShape != model.sampleShape {
                throw EvaluationError("\(s.name): its model makes samples of shape \(own.sampleShape), the compared model \(model.sampleShape)")
            }
            try s.sampler.validate(for: s.model ?? model)
        }
        self.model = model
        self.samplers = samplers
        self.budgets = budgets.sorted()
        self.count = count
        self.seed = seed
        self.metrics = metrics
        self.reference = reference
        self.mixture = mixture
        self.images = images
        self.bootstrap = Bootstrap(resamples: bootstrapResamples, key: RandomKey(seed: seed).fold("bootstrap"))
    }

    /// The class each sample is drawn for (a class-conditional sweep: the model carries its `conditioning`).
    public var classes: [Int]? {
        guard let classes = model.conditioning?.classes, classes.allSatisfy({ $0 != nil }) else { return nil }
        return classes.compactMap { $0 }
    }

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
        let model = named.model ?? self.model
        let noise = context.noise, key = self.key, counter = model.networkPassCounter
        let fitted: FittedSampler, result: SolveResult, seconds: Double
        var passesBefore = 0
        if named.sampler.controller != nil {
            guard let (f, r) = try BudgetFit.adaptive(named.sampler, budget: budget, model: model, noise: noise, key: key) else {
                return .skipped(SkippedCell(samplerName: named.name, requestedNFE: budget,
                                            reason: "needs more than \(budget) NFE at the loosest tolerance \(BudgetFit.toleranceLadder[0])"))
            }
            // Time the chosen tolerance on its own (the ladder ran looser ones first); the same
            // run counts its network passes.
            passesBefore = counter?.count ?? 0
            let timed = Date()
            _ = try f.sampler.sample(model, noise: noise, key: key)
            (fitted, result, seconds) = (f, r, Date().timeIntervalSince(timed))
        } else {
            guard let f = BudgetFit.fixed(named.sampler, budget: budget, model: model) else {
                return .skipped(SkippedCell(samplerName: named.name, requestedNFE: budget, reason: "one step already needs more than \(budget) NFE"))
            }
            passesBefore = counter?.count ?? 0
            let timed = Date()
            (fitted, result) = (f, try f.sampler.sample(model, noise: noise, key: key))
            seconds = Date().timeIntervalSince(timed)
        }
        var measured = try cell(named, budget, fitted, result, seconds: seconds, noise: noise,
                                reference: context.referenceSamples, flowCache: &context.flowCache)
        measured.networkPasses = counter.map { $0.count - passesBefore }
        return .measured(measured)
    }

    /// The sweep's results from its cells' outcomes (in sweep order), with the floor of every metric
    /// (`floor`: already measured, e.g. by another sweep on the same reference).
    func results(_ outcomes: [CellOutcome], context: CellContext, floor known: MeasuredMetrics? = nil) throws -> CompareResults {
        var cells = [CompareCell](), skipped = [SkippedCell]()
        for o in outcomes {
            switch o {
            case .measured(let c): cells.append(c)
            case .skipped(let s): skipped.append(s)
            }
        }
        let floor = try known ?? floor(context)
        var results = CompareResults(cells: cells, skipped: skipped, reference: floor.values, referenceName: images?.floorName ?? "exact-vs-exact",
                                     metrics: metrics, budgets: budgets, samplerNames: samplers.map(\.name), referenceFDScaling: floor.fdScaling)
        results.gridNames = Dictionary(samplers.map { ($0.name, $0.sampler.gridName) }, uniquingKeysWith: { a, _ in a })
        return results
    }

    /// Each metric between two independent sets of exact samples, or between training and test images.
    func floor(_ context: CellContext) throws -> MeasuredMetrics {
        let key = self.key
        if let referenceSamples = context.referenceSamples, let reference {
            let fresh = reference.examples(at: count, count: count, key: key.fold("reference"))
            return try metricValues(of: fresh, classes: nil, stochastic: true, sampler: nil, noise: context.noise,
                                    reference: referenceSamples, flowCache: &context.flowCache)
        } else if let mixture, metrics.contains(.nll) {
            return MeasuredMetrics(values: [.nll: exactMeanNLL(mixture.sample(count, key: key.fold("reference")), model: mixture)], replicates: [:])
        } else if let images {
            return try metricValues(of: images.floor, classes: images.floorLabels, stochastic: true, sampler: nil, noise: context.noise,
                                    reference: nil, flowCache: &context.flowCache)
        }
        return MeasuredMetrics(values: [:], replicates: [:])
    }

    func cell(_ named: NamedSampler, _ budget: Int, _ fitted: FittedSampler, _ result: SolveResult, seconds: Double,
              noise: Tensor, reference: FeatureSet?, flowCache: inout [String: FeatureSet]) throws -> CompareCell {
        let stochastic = fitted.sampler.isStochastic
        let model = named.model ?? self.model
        let measured = try metricValues(of: result.samples, classes: classes, stochastic: stochastic, sampler: fitted.sampler, noise: noise,
                                        reference: reference, flowCache: &flowCache)
        return CompareCell(samplerName: named.name, isStochastic: stochastic, requestedNFE: budget, nfe: result.evaluations,
                           steps: fitted.steps, rtol: fitted.rtol, seconds: seconds, metrics: measured.values, samples: result.samples,
                           guidance: model.conditioning?.guidance, replicates: measured.replicates, fdScaling: measured.fdScaling,
                           guide: model.conditioning?.method, interval: model.conditioning?.interval)
    }

    /// A metric as a function of a bootstrap resample: (sample rows, reference rows) ↦ value.
    typealias Resampled = (_ rows: [Int], _ referenceRows: [Int]) throws -> Double

    /// A set of samples' metrics and their bootstrap replicates.
    struct MeasuredMetrics {
        var values: [CompareMetric: Estimate]
        var replicates: [CompareMetric: [Double]]
        var fdScaling: FrechetScaling? = nil
    }

    /// Every requested metric of `samples` that applies (ode-error: deterministic samplers only;
    /// accuracy and diversity: samples with the classes they were drawn for), each with a standard
    /// error: the bootstrap's (`Bootstrap`) for sw2, ode-error, fd, precision, recall, class
    /// deviation and diversity, the analytic one for mmd, kid, nll and accuracy (nll and accuracy
    /// are bootstrapped as well, for paired differences; NaN: not estimated, `--bootstrap 0`).
    /// Precision and recall resample the points with the manifolds' radii held at their
    /// full-sample values.
    func metricValues(of samples: Tensor, classes: [Int]?, stochastic: Bool, sampler: Sampler?, noise: Tensor, reference: FeatureSet?,
                      flowCache: inout [String: FeatureSet]) throws -> MeasuredMetrics {
        var out = [CompareMetric: Estimate]()
        /// Each bootstrapped metric as a function of a resample (sample rows, reference rows).
        var resampled = [CompareMetric: Resampled]()
        var referenceCount = [CompareMetric: Int]()
        let features = FeatureSet(samples.reshaped([samples.shape[0], samples.count / Swift.max(samples.shape[0], 1)]))
        let imageFeatures = images.map { $0.classifier.featureSet(samples) }
        var pr: PrecisionRecall?, coverage: PrecisionRecall.Coverage?, fdScaling: FrechetScaling?
        var swInfluence: (samples: [Double], reference: [Double])?
        let key = self.key
        for m in metrics {
            switch m {
            case .sw2:
                let reference = reference!
                // SW₂², bias-corrected below from its resamples (`CompareMetric.isBootstrapBiasCorrected`).
                let sw = try SlicedWassersteinResampler(features, reference, key: key.fold("sw2"))
                let plugIn = sw.value(rows: Array(0..<features.count), referenceRows: Array(0..<reference.count))
                let influence = sw.influence()
                out[m] = Estimate(value: plugIn * plugIn, standardError: SlicedWassersteinResampler.deltaStandardError(influence))
                swInfluence = influence
                if bootstrap.resamples > 0 {
                    resampled[m] = { rows, referenceRows in
                        let v = sw.value(rows: rows, referenceRows: referenceRows)
                        return v * v
                    }
                }
                referenceCount[m] = reference.count
            case .mmd:
                out[m] = try rbfMMDSquared(features, reference!)
            case .nll:
                let nll = mixture!.logDensityValues(samples, t: 0).map { -$0 }
                out[m] = Estimate(mean: nll)
                resampled[m] = { rows, _ in Self.mean(rows, nll) }
            case .odeError:
                guard !stochastic, let sampler, let mixture else { continue }
                let (t0, t1) = try sampler.endpoints(on: mixture.path)
                let cacheKey = "\(t0) \(t1) \(sampler.grid.finalStep)"
                if flowCache[cacheKey] == nil {
                    flowCache[cacheKey] = try MixtureFlowOracle(model: mixture).endpoints(of: sampler, noise: noise)
                }
                let exact = flowCache[cacheKey]!
                let squared = (0..<features.count).map { features.squaredDistance($0, exact, $0) }
                out[m] = Estimate(value: rmsRowDistance(features, exact), standardError: .nan)
                resampled[m] = { rows, _ in Self.mean(rows, squared).squareRoot() }
            case .fd:
                let generated = imageFeatures!, real = images!.real
                out[m] = Estimate(value: try frechetDistance(GaussianStatistics(generated), GaussianStatistics(real)), standardError: .nan)
                fdScaling = try FrechetScaling(generated, real)
                resampled[m] = { rows, referenceRows in
                    try frechetDistance(GaussianStatistics(generated.rows(rows)), GaussianStatistics(real.rows(referenceRows)))
                }
                referenceCount[m] = real.count
            case .kid:
                // At least two blocks, so that even a small N has a standard error (count ≥ 8: blocks of ≥ 4).
                out[m] = try kernelInceptionDistance(imageFeatures!, images!.real, blocks: Swift.max(2, Swift.min(10, count / 50)))
            case .precision, .recall:
                if pr == nil { pr = try PrecisionRecall(real: images!.real, generated: imageFeatures!) }
                out[m] = Estimate(value: m == .precision ? pr!.precision : pr!.recall, standardError: .nan)
                if bootstrap.resamples > 0 {
                    if coverage == nil { coverage = try PrecisionRecall.Coverage(real: images!.real, generated: imageFeatures!) }
                    let c = coverage!
                    let isPrecision = m == .precision
                    resampled[m] = { rows, referenceRows in
                        isPrecision ? c.precision(rows: rows, referenceRows: referenceRows) : c.recall(rows: rows, referenceRows: referenceRows)
                    }
                    referenceCount[m] = images!.real.count
                }
            case .classes:
                let predicted = images!.classifier.predict(samples), realClasses = images!.realClasses!, k = images!.classifier.classCount
                func deviation(_ rows: [Int]) -> Double {
                    let h: [Double] = ImageReference.histogram(rows.map { predicted[$0] }, classes: k)
                    var largest = 0.0
                    for (a, b) in zip(h, realClasses) { largest = Swift.max(largest, Swift.abs(a - b)) }
                    return largest
                }
                out[m] = Estimate(value: deviation(Array(predicted.indices)), standardError: .nan)
                resampled[m] = { rows, _ in deviation(rows) }
            case .accuracy:
                guard let classes else { continue }
                let predicted = images!.classifier.predict(samples)
                let correct: [Double] = zip(predicted, classes).map { $0 == $1 ? 1 : 0 }
                let p = correct.reduce(0, +) / Double(Swift.max(classes.count, 1))
                out[m] = Estimate(value: p, standardError: (p * (1 - p) / Double(Swift.max(classes.count, 1))).squareRoot())
                resampled[m] = { rows, _ in Self.mean(rows, correct) }
            case .diversity:
                guard let classes else { continue }
                let generated = imageFeatures!, real = images!.real, realLabels = images!.realLabels!
                out[m] = Estimate(value: try classDiversity(generated, classes: classes, real: real, realClasses: realLabels), standardError: .nan)
                resampled[m] = { rows, referenceRows in
                    let rowClasses: [Int] = rows.map { classes[$0] }, referenceClasses: [Int] = referenceRows.map { realLabels[$0] }
                    return try classDiversity(generated.rows(rows), classes: rowClasses, real: real.rows(referenceRows), realClasses: referenceClasses)
                }
                referenceCount[m] = real.count
            }
        }
        var replicates = [CompareMetric: [Double]]()
        guard bootstrap.resamples > 0, !resampled.isEmpty else { return MeasuredMetrics(values: out, replicates: replicates, fdScaling: fdScaling) }
        let n = features.count
        // Resamples are independent: they run on the compute threads, each into its own slot.
        let bootstrap = self.bootstrap, functions = metrics.compactMap { m in resampled[m].map { (m, $0, referenceCount[m] ?? n) } }
        var values = [[Double]](repeating: [], count: bootstrap.resamples)
        values.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            parallelFor(bootstrap.resamples, grain: 1) { lo, hi in
                for b in lo..<hi {
                    let rows = bootstrap.indices(b, count: n, stream: "samples")
                    var referenceRows = [Int: [Int]]()
                    slots[b] = functions.map { _, f, r in
                        if referenceRows[r] == nil { referenceRows[r] = bootstrap.indices(b, count: r, stream: "reference") }
                        // A resample a metric is undefined on (e.g. diversity with no class drawn twice) is NaN.
                        return (try? f(rows, referenceRows[r]!)) ?? .nan
                    }
                }
            }
        }
        for (k, (m, _, _)) in functions.enumerated() { replicates[m] = values.map { $0[k] } }
        for (m, r) in replicates where !m.hasAnalyticStandardError {
            out[m]!.standardError = Bootstrap.standardError(r)
        }
        for (m, r) in replicates where m.isBootstrapBiasCorrected {
            out[m]!.value = Bootstrap.biasCorrected(out[m]!.value, replicates: r)
        }
        // SW₂²'s paired differences come from its linearization on the same resamples (the
        // estimate plus the mean influence of the resampled points), so that they agree with its
        // delta-method standard error, not from the resampled values, whose second-order noise
        // widens them (`SlicedWassersteinResampler.squaredDeltaStandardError`).
        if let swInfluence, replicates[.sw2] != nil {
            let r = referenceCount[.sw2]!, value = out[.sw2]!.value
            replicates[.sw2] = (0..<bootstrap.resamples).map { b in
                value + Self.mean(bootstrap.indices(b, count: n, stream: "samples"), swInfluence.samples)
                    + Self.mean(bootstrap.indices(b, count: r, stream: "reference"), swInfluence.reference)
            }
        }
        return MeasuredMetrics(values: out, replicates: replicates, fdScaling: fdScaling)
    }

    /// The mean of `values` at the rows of a resample.
    static func mean(_ rows: [Int], _ values: [Double]) -> Double {
        var total = 0.0
        for r in rows { total += values[r] }
        return total / Double(Swift.max(rows.count, 1))
    }
}
