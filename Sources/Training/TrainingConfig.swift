import Datasets
import Foundation
import Generative
import NN

/// How the learning rate moves after warm-up.
public enum LearningRateDecay: String, Codable, CaseIterable, Sendable {
    /// Cosine decay to zero at the last step (`LRSchedule`).
    case cosine
    /// Constant after warm-up.
    case constant
}

/// Everything a training run was asked to do: every `drift train` flag, decoded.
/// Stored as JSON in the checkpoint's `training` attribute (with the step reached),
/// so `drift train --resume` needs nothing but the run folder.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var data: DataSpec
    public var model: ModelConfig
    public var objective: ObjectiveConfig
    public var path: GaussianPath
    /// Total optimizer steps.
    public var steps: Int
    public var batchSize: Int
    /// Peak learning rate.
    public var learningRate: Double
    public var warmupSteps: Int
    public var decay: LearningRateDecay
    /// Weight decay: decoupled for Adam (AdamW), L2 for SGD; 0 = none.
    public var weightDecay: Double
    /// Global gradient-norm clip; nil = none.
    public var gradientClip: Double?
    /// EMA decay of the sampling weights.
    public var emaDecay: Double
    /// Random horizontal flips of image data.
    public var flip: Bool
    /// Root of every random stream (initialisation, data order, noise, previews).
    public var seed: UInt64
    /// Steps between checkpoints, sample previews and log lines (0 = only at the end / never).
    public var checkpointEvery: Int
    public var sampleEvery: Int
    public var logEvery: Int
    /// Steps between kept EMA snapshots (`snapshots/step-NNNNNNNN.h5`, EMA weights only); nil or 0: none.
    /// Not part of the training itself: a resume may change it.
    public var keepEvery: Int?
    /// Sampler steps for previews (Heun on the probability-flow ODE).
    public var previewSteps: Int
    /// Class conditioning (nil: an unconditional model). The model's `classCount` equals its class count.
    public var conditioning: ClassConditioning?
    /// The optimizer (nil, as in runs made before the choice existed: Adam with betas 0.9, 0.999).
    public var optimizer: OptimizerChoice?
    /// The checkpoint a fine-tuning run started its weights from (nil: initialised from the seed).
    public var warmStart: WarmStart?
    /// Power-function EMA profiles tracked for post-hoc EMA, and their snapshot interval (nil: none).
    public var posthocEMA: PostHocEMASettings?
    /// Rows per shard of the batch (`--shard-rows`): the fixed units whose gradients are summed
    /// in a fixed tree, so any number of processes and threads takes the same steps
    /// (`shardLayout`). Nil in checkpoints from before shards existed: the batch is one shard,
    /// the computation those runs made in one process.
    public var shardRows: Int?
    /// A distilled student's ledger (`drift distill`): its teacher and what the teacher spent on
    /// its training data; nil for a model trained on data.
    public var distillation: DistillationRecord?

    /// The optimizer this run uses.
    public var optimizerChoice: OptimizerChoice { optimizer ?? .adamDefault }

    public init(data: DataSpec, model: ModelConfig, objective: ObjectiveConfig, path: GaussianPath,
                steps: Int, batchSize: Int, learningRate: Double, warmupSteps: Int = 0, decay: LearningRateDecay = .cosine,
                weightDecay: Double = 0, gradientClip: Double? = 1, emaDecay: Double = 0.999, flip: Bool = false,
                seed: UInt64 = 0, checkpointEvery: Int = 1000, sampleEvery: Int = 1000, logEvery: Int = 10,
                previewSteps: Int = 32, conditioning: ClassConditioning? = nil, optimizer: OptimizerChoice? = nil,
                keepEvery: Int? = nil, warmStart: WarmStart? = nil, posthocEMA: PostHocEMASettings? = nil,
                shardRows: Int? = nil, distillation: DistillationRecord? = nil) {
        self.data = data
        self.model = model
        self.objective = objective
        self.path = path
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.decay = decay
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.emaDecay = emaDecay
        self.flip = flip
        self.seed = seed
        self.checkpointEvery = checkpointEvery
        self.sampleEvery = sampleEvery
        self.logEvery = logEvery
        self.previewSteps = previewSteps
        self.conditioning = conditioning
        self.optimizer = optimizer
        self.keepEvery = keepEvery
        self.warmStart = warmStart
        self.posthocEMA = posthocEMA
        self.shardRows = shardRows
        self.distillation = distillation
    }

    /// How each step's batch is cut into shards: rows of `shardRows` (the whole batch when nil or
    /// for a CNF, whose adaptive solve spans the batch).
    public var shardLayout: ShardLayout {
        ShardLayout(batch: batchSize, shardRows: objective.kind == .cnf ? batchSize : shardRows ?? batchSize)
    }

    /// The learning-rate schedule these settings describe.
    public var schedule: LRSchedule {
        switch decay {
        case .cosine: return LRSchedule(peak: Float(learningRate), warmupSteps: warmupSteps, totalSteps: steps, end: 0)
        case .constant: return LRSchedule(peak: Float(learningRate), warmupSteps: warmupSteps, totalSteps: 0, end: Float(learningRate))
        }
    }

    /// Checks every setting; one line naming the flag otherwise.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError.invalidSetting(message) } }
        try check(steps >= 1, "--steps must be at least 1, got \(steps)")
        try check(batchSize >= 1, "--batch must be at least 1, got \(batchSize)")
        try check(learningRate > 0 && learningRate.isFinite, "--lr must be a positive number, got \(learningRate)")
        try check(warmupSteps >= 0, "--warmup must be ≥ 0, got \(warmupSteps)")
        try check(weightDecay >= 0 && weightDecay.isFinite, "--weight-decay must be ≥ 0, got \(weightDecay)")
        if let c = gradientClip { try check(c > 0 && c.isFinite, "--clip must be positive (or 0 for none), got \(c)") }
        try check(emaDecay >= 0 && emaDecay < 1, "--ema must be in [0, 1), got \(emaDecay)")
        try check(checkpointEvery >= 0 && sampleEvery >= 0 && logEvery >= 0 && (keepEvery ?? 0) >= 0,
                  "--checkpoint-every, --sample-every, --log-every and --keep-every must be ≥ 0")
        try check(previewSteps >= 1, "--preview-steps must be at least 1, got \(previewSteps)")
        try check(!flip || data.isImage, "--flip needs image data, not \(data.name)")
        if objective.kind == .otcfm {
            try check(batchSize <= 4096, "ot-cfm solves an exact B×B assignment each step: use --batch ≤ 4096 (≤ 512 is fast), got \(batchSize)")
        }
        if let shardRows { try check(shardRows >= 1, "--shard-rows must be at least 1, got \(shardRows)") }
        if case .pairs = data {
            try check(objective.kind == .cfm && path.kind == .rectified,
                      "reflow pairs train a rectified flow: use --objective cfm on the rectified path (ot-cfm would re-pair the noise), not \(objective.kind.rawValue) on \(path.kind.rawValue)")
        }
        if objective.kind == .cnf {
            try check(shardRows == nil, "cnf solves its ODE over the whole batch (one adaptive solve), so its batch is one shard: drop --shard-rows")
            guard case .mlp = model else {
                throw TrainingError.invalidSetting("cnf differentiates the divergence (second derivatives), which Drift has for the MLP only: use --model mlp2d or mlp")
            }
            try check(conditioning == nil, "cnf trains an unconditional flow: drop --classes and --label-dropout")
        }
        do { try model.validate() } catch { throw TrainingError.invalidSetting("\(error)") }
        try optimizerChoice.validate()
        try posthocEMA?.validate()
        if let conditioning {
            try conditioning.validate()
            try check(model.classCount == conditioning.classCount,
                      "the model has \(model.classCount) classes but the conditioning names \(conditioning.classCount)")
        } else {
            try check(model.classCount == 0, "the model has \(model.classCount) classes but the run has no class conditioning")
        }
        do { try path.validate() } catch { throw TrainingError.invalidSetting("\(error)") }
        try objective.validate(on: path)
        try check(model.sampleShape == data.sampleShape,
                  "the model takes samples of shape \(model.sampleShape) but \(data.name) has shape \(data.sampleShape)")
        let need = Double(batchSize) * model.workingBytesPerSample(training: true)
        try check(need <= physicalMemoryBytes,
                  "--batch \(batchSize): a training step of this model on \(data.sampleShape.map(String.init).joined(separator: "×")) samples "
                  + "would need about \(formatBytes(need)) of memory, more than this machine's \(formatBytes(physicalMemoryBytes)); "
                  + "use a smaller --batch" + (data.isImage ? " or --image-size" : ""))
    }
}
