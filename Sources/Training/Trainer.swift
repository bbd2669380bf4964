import Datasets
import Foundation
import Generative
import NN
import Samplers
import TensorCore

/// What one optimizer step reports.
public struct StepResult: Sendable {
    /// The step just taken (1-based: the number of updates applied so far).
    public var step: Int
    public var loss: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    public var learningRate: Float
    /// A CNF step's solves: NFE forward and backward (the adjoint's; 0 for backprop); nil otherwise.
    public var evaluations: (forward: Int, backward: Int)? = nil
    /// A CNF step's mean NLL (nats), without the regularizers; nil otherwise.
    public var nll: Float? = nil
}

/// The training state and one step of training; everything else (files,
/// progress, signals) lives around it.
///
/// Every random draw is a pure function of the seed and a position: the
/// initial weights of `rootKey.fold("init")`, the data batch of step s from
/// stream positions [p, p + B) under `rootKey.fold("data")`, and the noise,
/// time and label dropout of the example at stream position q from
/// `rootKey.fold("example")` and `rootKey.fold("label-dropout")` at counter q — keyed by the
/// example's position, not by its row in the batch, so any split of a batch draws
/// the same. The mutable state is
/// therefore exactly (parameters, EMA, optimizer moments and step, data
/// position) — what a checkpoint stores — and a resumed run is bit-identical
/// to an uninterrupted one (for the same thread count: parallel reductions
/// split work by thread).
public final class Trainer {
    public let config: TrainingConfig
    public let network: any Network
    public let optimizer: any Optimizer
    public let ema: EMA
    /// The post-hoc EMA profiles (`config.posthocEMA`), each with its running average; empty without.
    public let profiles: [(profile: PowerProfile, average: EMA)]
    public let objective: TrainingObjective
    /// The maximum-likelihood objective of a CNF run (`--objective cnf`), nil otherwise.
    public let cnf: CNFObjective?
    public let source: ExampleSource
    public let rootKey: RandomKey
    /// Optimizer steps taken so far.
    public private(set) var step: Int
    /// Stream position of the next example.
    public private(set) var dataPosition: Int
    /// The processes sharing each step's batch (nil: this process takes every row).
    public var parallel: DataParallelGroup?

    /// A fresh run: weights initialised from the seed, or — fine-tuning (`config.warmStart`) — set
    /// to `initialWeights` (a checkpoint's EMA weights), which the EMA starts from too.
    public init(config: TrainingConfig, source: ExampleSource, initialWeights: [String: Tensor]? = nil) throws {
        try config.validate()
        guard source.sampleShape == config.model.sampleShape else {
            throw TrainingError.data("the data have shape \(source.sampleShape) but the model takes \(config.model.sampleShape)")
        }
        if let conditioning = config.conditioning {
            guard let names = source.classNames else {
                throw TrainingError.invalidSetting("--classes: \(config.data.name) has no labels (a folder needs one sub-folder of PNGs per class)")
            }
            guard names == conditioning.classNames else {
                throw TrainingError.data("the classes of \(config.data.name) (\(names.joined(separator: ", "))) differ from the run's (\(conditioning.classNames.joined(separator: ", ")))")
            }
        }
        self.config = config
        self.source = source
        rootKey = RandomKey(seed: config.seed)
        do { network = try config.model.build(key: rootKey.fold("init")) } catch { throw TrainingError.invalidSetting("\(error)") }
        if let initialWeights {
            do { try network.loadParameters(initialWeights) } catch { throw TrainingError.invalidSetting("--init: \(error)") }
        }
        optimizer = config.optimizerChoice.make(learningRate: config.learningRate, weightDecay: config.weightDecay)
        ema = EMA(network, decay: Float(config.emaDecay))
        let built = network
        profiles = try (config.posthocEMA?.profiles() ?? []).map { ($0, EMA(built, decay: 0)) }
        objective = try TrainingObjective(config.objective, path: config.path)
        cnf = try config.objective.cnf.map { try CNFObjective($0) }
        step = 0
        dataPosition = 0
    }

    /// Continues the run saved in `checkpoint` (which must hold the optimizer state).
    /// `steps` may extend the run (the cosine schedule then stretches to the new end).
    public convenience init(resuming checkpoint: Checkpoint, source: ExampleSource, steps: Int? = nil,
                            keepEvery: Int? = nil) throws {
        var config = checkpoint.training
        if let steps { config.steps = steps }
        if let keepEvery { config.keepEvery = keepEvery }
        try self.init(config: config, source: source)
        guard let state = checkpoint.optimizer else {
            throw TrainingError.checkpoint(path: checkpoint.origin ?? "checkpoint", reason: "holds no optimizer state; it cannot be resumed")
        }
        try network.loadParameters(checkpoint.parameters)
        try ema.load(checkpoint.ema, for: network)
        guard checkpoint.profileAverages.count == profiles.count else {
            throw TrainingError.checkpoint(path: checkpoint.origin ?? "checkpoint",
                                           reason: "holds \(checkpoint.profileAverages.count) post-hoc EMA profiles but its config names \(profiles.count)")
        }
        for (tracked, stored) in zip(profiles, checkpoint.profileAverages) { try tracked.average.load(stored, for: network) }
        try optimizer.loadState(state, for: network)
        step = checkpoint.step
        dataPosition = checkpoint.dataPosition
    }

    /// True once `config.steps` steps have been taken.
    public var isFinished: Bool { step >= config.steps }

    /// One optimizer step: batch, loss, gradients, clip, optimizer update, EMA.
    /// - Throws: `TrainingError.nonFinite` (and changes nothing) if the loss or the
    ///   gradient is NaN or infinite; `TrainingError.solveFailed` (and changes nothing) if a
    ///   CNF's ODE solve exceeds its step limit.
    @discardableResult
    public func trainStep() throws -> StepResult {
        let lr = config.schedule(step)
        optimizer.learningRate = lr
        // This process's rows of the batch: all of them, or its share of a data-parallel group.
        let rows = parallel?.rows(of: config.batchSize) ?? 0..<config.batchSize
        let first = dataPosition + rows.lowerBound
        let x0 = source.examples(at: first, count: rows.count, key: rootKey.fold("data"))
        let classes = batchClasses(rows)
        let key = rootKey.fold("example")
        let net = network, objective = objective
        var loss: Float, gradients: [String: Tensor]
        var evaluations: (forward: Int, backward: Int)?, nll: Float?
        if let cnf {
            let outcome: CNFObjective.Outcome
            do { outcome = try cnf.lossAndGradients(net, data: x0, key: key, firstSample: first) } catch let error as SolveError {
                throw TrainingError.solveFailed(step: step, what: "\(error)")
            }
            (loss, gradients, nll) = (outcome.loss, outcome.gradients, outcome.nll)
            evaluations = (outcome.forwardEvaluations, outcome.backwardEvaluations)
        } else {
            (loss, gradients) = valueWithGradient(of: net) {
                objective.loss(net, data: x0, classes: classes, key: key, firstSample: first)
            }
        }
        if let parallel {
            (loss, gradients) = try parallel.combine(loss: loss, gradients: gradients, rows: rows.count, batch: config.batchSize)
        }
        let norm: Float
        if let clip = config.gradientClip {
            norm = clipGradientNorm(&gradients, maxNorm: Float(clip))
        } else {
            norm = Float(globalNorm(gradients))
        }
        guard loss.isFinite else { throw TrainingError.nonFinite(step: step, what: "the loss is \(Self.describe(loss))") }
        guard norm.isFinite else { throw TrainingError.nonFinite(step: step, what: "the gradient norm is \(Self.describe(norm))") }
        optimizer.step(net, gradients: gradients)
        ema.decay = Float(Self.emaDecay(config.emaDecay, step: step))
        ema.update(net)
        for tracked in profiles {
            tracked.average.decay = Float(tracked.profile.decay(atUpdate: step + 1))
            tracked.average.update(net)
        }
        step += 1
        dataPosition += config.batchSize
        return StepResult(step: step, loss: loss, gradientNorm: norm, learningRate: lr, evaluations: evaluations, nll: nll)
    }

    /// The training classes of the current batch: each example's label, or nil (the null class)
    /// where label dropout drops it; nil for an unconditional run.
    func batchClasses(_ rows: Range<Int>) -> [Int?]? {
        let first = dataPosition + rows.lowerBound
        guard let conditioning = config.conditioning,
              let labels = source.labels(at: first, count: rows.count, key: rootKey.fold("data")) else { return nil }
        let dropKey = rootKey.fold("label-dropout")
        return labels.enumerated().map { i, label in
            conditioning.dropsLabel(position: first + i, key: dropKey) ? nil : label
        }
    }

    /// The EMA decay at `step` (0-based): min(d, (1 + s)/(10 + s)), the warm-up of TensorFlow's
    /// `ExponentialMovingAverage(num_updates:)`, so early averages forget the random initial
    /// weights quickly (with a constant 0.999, 22 % of the average would still be the
    /// initialisation after 1,500 steps).
    static func emaDecay(_ decay: Double, step: Int) -> Double {
        min(decay, Double(1 + step) / Double(10 + step))
    }

    /// "NaN", "+Inf" or "-Inf".
    static func describe(_ x: Float) -> String { x.isNaN ? "NaN" : x > 0 ? "+Inf" : "-Inf" }

    /// The current state as a checkpoint.
    public func checkpoint() -> Checkpoint {
        Checkpoint(training: config, step: step, dataPosition: dataPosition, rootKey: rootKey,
                   parameters: network.parameterSnapshot(), ema: ema.averages.mapValues { $0.copy() },
                   optimizer: optimizer.state.copied(),
                   profileAverages: profiles.map { $0.average.averages.mapValues { $0.copy() } })
    }

    /// A second network holding the EMA weights (what previews and sampling use).
    public func emaNetwork() throws -> any Network {
        let copy = try config.model.build(key: rootKey.fold("init"))
        try ema.copy(to: copy)
        return copy
    }
}

extension OptimizerState {
    /// A deep copy (optimizers update their moment tensors in place).
    func copied() -> OptimizerState {
        OptimizerState(step: step, slots: slots.mapValues { $0.mapValues { $0.copy() } })
    }
}
