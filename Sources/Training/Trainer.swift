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
/// to an uninterrupted one.
///
/// A step cuts the batch into the fixed shards of `config.shardLayout`, computes each shard's
/// mean loss and gradient on its own (weighted by its share of the batch) and adds the shards in
/// a fixed binary tree (`ReductionTree`, through `DataParallelGroup.sum`), so the sum is grouped
/// the same way whoever computes which shard: one process and any number of ranks up to the
/// shard count take bitwise the same steps. Inside a shard every sum over its rows has one
/// order whatever the thread count (GEMMs sum each output in order; convolutions add their
/// per-image-group weight gradients in group order), so the thread count does not matter
/// either. Gradient clipping and the optimizer act on the combined gradient.
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
    /// The consistency distillation of a student (`drift distill --method consistency`): its teacher
    /// and target network; nil otherwise.
    public let consistency: ConsistencyObjective?
    public let source: ExampleSource
    public let rootKey: RandomKey
    /// Optimizer steps taken so far.
    public private(set) var step: Int
    /// Stream position of the next example.
    public private(set) var dataPosition: Int
    /// The processes sharing each step's shards (nil: this process computes every shard).
    public var parallel: DataParallelGroup?

    /// A fresh run: weights initialised from the seed, or — fine-tuning (`config.warmStart`) — set
    /// to `initialWeights` (a checkpoint's EMA weights), which the EMA starts from too. A
    /// consistency student's run needs its `teacher`.
    public init(config: TrainingConfig, source: ExampleSource, initialWeights: [String: Tensor]? = nil,
                teacher: (any DiffusionModel)? = nil) throws {
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
        if config.objective.kind == .consistency {
            guard let teacher else {
                throw TrainingError.invalidSetting("a consistency student trains with its teacher: continue it with drift distill --resume (its folder), not drift train")
            }
            let targetNetwork: any Network
            do { targetNetwork = try config.model.build(key: rootKey.fold("init")) } catch { throw TrainingError.invalidSetting("\(error)") }
            consistency = try ConsistencyObjective(config.objective, teacher: teacher, student: network, targetNetwork: targetNetwork,
                                                   conditioning: config.conditioning)
        } else {
            consistency = nil
        }
        step = 0
        dataPosition = 0
    }

    /// Continues the run saved in `checkpoint` (which must hold the optimizer state).
    /// `steps` may extend the run (the cosine schedule then stretches to the new end).
    public convenience init(resuming checkpoint: Checkpoint, source: ExampleSource, steps: Int? = nil,
                            keepEvery: Int? = nil, teacher: (any DiffusionModel)? = nil) throws {
        var config = checkpoint.training
        if let steps { config.steps = steps }
        if let keepEvery { config.keepEvery = keepEvery }
        try self.init(config: config, source: source, teacher: teacher)
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
        if let consistency {
            guard let stored = checkpoint.consistencyTarget else {
                throw TrainingError.checkpoint(path: checkpoint.origin ?? "checkpoint", reason: "holds no consistency target network; it cannot be resumed")
            }
            try consistency.target.load(stored, for: network)
        }
        try optimizer.loadState(state, for: network)
        step = checkpoint.step
        dataPosition = checkpoint.dataPosition
    }

    /// True once `config.steps` steps have been taken.
    public var isFinished: Bool { step >= config.steps }

    /// One optimizer step: this process's shards of the batch, their losses and gradients summed
    /// over every shard in the fixed tree, clip, optimizer update, EMA.
    /// - Throws: `TrainingError.nonFinite` (and changes nothing) if the loss or the
    ///   gradient is NaN or infinite; `TrainingError.solveFailed` (and changes nothing) if a
    ///   CNF's ODE solve exceeds its step limit.
    @discardableResult
    public func trainStep() throws -> StepResult {
        let lr = config.schedule(step)
        optimizer.learningRate = lr
        let layout = config.shardLayout
        let group = parallel ?? .single
        let shapes = Dictionary(uniqueKeysWithValues: network.namedParameters.map { ($0.key, $0.tensor.shape) })
        let keys = shapes.keys.sorted()
        let length = 2 + keys.reduce(0) { $0 + shapes[$1]!.reduce(1, *) }
        // OT-CFM pairs noise with data across the whole batch (every rank solves the same assignment).
        let partners = objective.config.kind == .otcfm
            ? objective.couplingPartners(data: source.examples(at: dataPosition, count: config.batchSize, key: rootKey.fold("data")),
                                         key: rootKey.fold("example"), firstSample: dataPosition) : nil
        var evaluations: (forward: Int, backward: Int)?
        // Each shard's [loss, NLL, gradients…] weighted by its share of the batch, summed in the shards' fixed tree.
        let own = layout.shards(ofRank: group.rank, size: group.size)
        let threads = ComputeThreads.count
        var ready: [Int: [Float]] = [:]
        let total = try group.sum(over: layout, length: length) { s in
            if let v = ready.removeValue(forKey: s) { return v }
            if threads > 1 && cnf == nil && own.upperBound - s > 1 {
                // Side by side: the next shards at once, one thread each, every product serial.
                let wave = s..<Swift.min(s + threads, own.upperBound)
                for (shard, flat) in zip(wave, try shardsSideBySide(wave, layout: layout, partners: partners, keys: keys, length: length)) {
                    ready[shard] = flat
                }
                return ready.removeValue(forKey: s)!
            }
            let shard = try shardLossAndGradients(rows: layout.rows(ofShard: s), partners: partners)
            if let e = shard.evaluations {
                evaluations = ((evaluations?.forward ?? 0) + e.forward, (evaluations?.backward ?? 0) + e.backward)
            }
            return Self.flatten(shard, keys: keys, weight: layout.weight(ofShard: s), length: length)
        }
        let loss = total[0], nll: Float? = cnf != nil ? total[1] : nil
        var gradients: [String: Tensor] = [:]
        var offset = 2
        for key in keys {
            let shape = shapes[key]!, count = shape.reduce(1, *)
            gradients[key] = Tensor(Array(total[offset..<(offset + count)]), shape: shape)
            offset += count
        }
        let norm: Float
        if let clip = config.gradientClip {
            norm = clipGradientNorm(&gradients, maxNorm: Float(clip))
        } else {
            norm = Float(globalNorm(gradients))
        }
        guard loss.isFinite else { throw TrainingError.nonFinite(step: step, what: "the loss is \(Self.describe(loss))") }
        guard norm.isFinite else { throw TrainingError.nonFinite(step: step, what: "the gradient norm is \(Self.describe(norm))") }
        optimizer.step(network, gradients: gradients)
        ema.decay = Float(Self.emaDecay(config.emaDecay, step: step))
        ema.update(network)
        consistency?.updateTarget(network)
        for tracked in profiles {
            tracked.average.decay = Float(tracked.profile.decay(atUpdate: step + 1))
            tracked.average.update(network)
        }
        step += 1
        dataPosition += config.batchSize
        return StepResult(step: step, loss: loss, gradientNorm: norm, learningRate: lr, evaluations: evaluations, nll: nll)
    }

    /// One shard's mean loss, NLL (CNF) and parameter gradients, and a CNF's solve counts.
    typealias ShardOutcome = (loss: Float, nll: Float, gradients: [String: Tensor], evaluations: (forward: Int, backward: Int)?)

    /// The loss and gradients of the batch rows `rows` alone (the draws of their stream positions);
    /// `partners` are OT-CFM's coupled noise rows of the whole batch.
    func shardLossAndGradients(rows: Range<Int>, partners: Tensor?) throws -> ShardOutcome {
        let first = dataPosition + rows.lowerBound
        let x0 = source.examples(at: first, count: rows.count, key: rootKey.fold("data"))
        let key = rootKey.fold("example")
        let net = network
        if let cnf {
            let outcome: CNFObjective.Outcome
            do { outcome = try cnf.lossAndGradients(net, data: x0, key: key, firstSample: first) } catch let error as SolveError {
                throw TrainingError.solveFailed(step: step, what: "\(error)")
            }
            return (outcome.loss, outcome.nll, outcome.gradients, (outcome.forwardEvaluations, outcome.backwardEvaluations))
        }
        let (loss, gradients) = try lossAndGradients(shardInput(rows: rows, x0: x0, partners: partners))
        return (loss, 0, gradients, nil)
    }

    /// What one shard of a flow-matching or score objective draws from the data, made on the
    /// calling thread (data sources need not be thread-safe).
    struct ShardInput {
        let first: Int
        let x0: Tensor
        let classes: [Int?]?
        let pairs: Tensor?
    }

    /// The draws of the batch rows `rows`: their examples (`x0`, when already drawn), labels after
    /// dropout, and OT-CFM's partners of the whole batch or reflow's stored noise of these examples.
    func shardInput(rows: Range<Int>, x0: Tensor? = nil, partners: Tensor?) -> ShardInput {
        let first = dataPosition + rows.lowerBound, data = rootKey.fold("data")
        return ShardInput(first: first, x0: x0 ?? source.examples(at: first, count: rows.count, key: data), classes: batchClasses(rows),
                          pairs: partners?.rows(rows) ?? (source as? CoupledExampleSource)?.partners(at: first, count: rows.count, key: data))
    }

    /// A flow-matching, score or consistency objective's loss and gradients on one shard's input
    /// (`targetSynced`: the consistency target network already holds the target's weights).
    func lossAndGradients(_ input: ShardInput, targetSynced: Bool = false) throws -> (Float, [String: Tensor]) {
        let net = network, objective = objective, key = rootKey.fold("example")
        if let consistency {
            return try consistency.lossAndGradients(net, data: input.x0, classes: input.classes, key: key, firstSample: input.first,
                                                    targetSynced: targetSynced)
        }
        return valueWithGradient(of: net) {
            objective.loss(net, data: input.x0, classes: input.classes, key: key, firstSample: input.first, partners: input.pairs)
        }
    }

    /// The flattened, weighted contributions of the shards `wave` (of a flow-matching, score or
    /// consistency objective), computed side by side: one thread per shard, each running its
    /// products serially (`ComputeThreads.serially`) on the parameters put on the tape once for
    /// all (`withParametersOnTape`; a consistency target network loaded once, then only read).
    /// Each shard's values are those it has when computed alone — no kernel's values depend on
    /// the thread count — so the tree sum above is unchanged; what changes is that small shards
    /// no longer split every product between the threads.
    func shardsSideBySide(_ wave: Range<Int>, layout: ShardLayout, partners: Tensor?, keys: [String], length: Int) throws -> [[Float]] {
        let inputs = wave.map { shardInput(rows: layout.rows(ofShard: $0), partners: partners) }
        try consistency?.syncTargetNetwork()
        var flats = [Result<[Float], any Error>?](repeating: nil, count: wave.count)
        withParametersOnTape(network) {
            flats.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let out = out
                parallelTasks(wave.count) { _, lo, hi in
                    ComputeThreads.serially {
                        for i in lo..<hi {
                            out[i] = Result {
                                let (loss, gradients) = try lossAndGradients(inputs[i], targetSynced: true)
                                return Self.flatten((loss, 0, gradients, nil), keys: keys, weight: layout.weight(ofShard: wave.lowerBound + i), length: length)
                            }
                        }
                    }
                }
            }
        }
        return try flats.map { try $0!.get() }
    }

    /// [w·loss, w·NLL, w·gradients in `keys` order]: a shard's contribution to the batch mean.
    static func flatten(_ shard: ShardOutcome, keys: [String], weight w: Float, length: Int) -> [Float] {
        var flat = [Float](repeating: 0, count: length)
        flat.withUnsafeMutableBufferPointer { out in
            out[0] = shard.loss * w
            out[1] = shard.nll * w
            var offset = 2
            for key in keys {
                guard let g = shard.gradients[key] else { preconditionFailure("Trainer: no gradient for \(key)") }
                g.withUnsafeBufferPointer { p in
                    precondition(offset + p.count <= length, "Trainer: the gradients hold more than \(length) floats")
                    let dst = out.baseAddress! + offset
                    for i in 0..<p.count { dst[i] = p[i] * w }
                    offset += p.count
                }
            }
        }
        return flat
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
                   profileAverages: profiles.map { $0.average.averages.mapValues { $0.copy() } },
                   consistencyTarget: consistency?.target.averages.mapValues { $0.copy() })
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
