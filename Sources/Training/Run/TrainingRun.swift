import Datasets
import Foundation
import Generative
import TensorCore

/// Progress after a step, for the live display.
public struct RunProgress: Sendable {
    public var result: StepResult
    public var totalSteps: Int
    /// Training examples per second over the recent steps.
    public var samplesPerSecond: Double
    /// Estimated seconds to the last step.
    public var secondsRemaining: Double
    /// Wall-clock seconds since the run began (over all sessions).
    public var elapsed: Double
}

/// How a run ended (errors are thrown).
public enum RunOutcome: Equatable, Sendable {
    /// All steps done; the final checkpoint is written.
    case finished(step: Int)
    /// Stopped on request (SIGINT/SIGTERM) after finishing a step; a checkpoint is written.
    case interrupted(step: Int)
}

/// A training run in its output folder: the trainer plus the log, the
/// periodic checkpoints and previews, stopping on request and on divergence.
public final class TrainingRun {
    public let folder: RunFolder
    public let trainer: Trainer
    /// Renders a preview of the EMA model to a PNG path (nil: no previews).
    public var preview: ((Trainer, String) throws -> Void)?
    /// The log (nil on ranks > 0 of a data-parallel group: rank 0 alone writes files).
    private let log: TrainingLog?
    private let previousElapsed: Double
    private var lastCheckpointStep: Int?

    private init(folder: RunFolder, trainer: Trainer, log: TrainingLog?, previousElapsed: Double, lastCheckpointStep: Int?) {
        self.folder = folder
        self.trainer = trainer
        self.log = log
        self.previousElapsed = previousElapsed
        self.lastCheckpointStep = lastCheckpointStep
    }

    /// Whether this process writes the run's files (checkpoints, log, previews, snapshots).
    public var writesFiles: Bool { trainer.parallel?.isRoot ?? true }

    /// A new run in `folder`: checks the folder is writable and holds no other run, loads the data.
    /// With a data-parallel `group`, every rank trains its shards and rank 0 alone writes.
    /// `initialWeights` are a fine-tuning run's starting weights (`config.warmStart` says whose).
    public static func start(_ config: TrainingConfig, in folder: RunFolder, group: DataParallelGroup? = nil,
                             initialWeights: [String: Tensor]? = nil, teacher: (any DiffusionModel)? = nil) throws -> TrainingRun {
        try config.validate()
        if FileManager.default.fileExists(atPath: folder.checkpoint) {
            throw TrainingError.invalidSetting("\(folder.url.path) already holds a run (checkpoint.h5): continue it with drift train --resume \(folder.url.path), or choose another --out")
        }
        // Everything that can fail without touching the disk comes first: a failed start leaves no folder.
        let trainer = try Trainer(config: config, source: try config.data.makeSource(flip: config.flip), initialWeights: initialWeights,
                                  teacher: teacher)
        try group.map { try checkShards(config, for: $0) }
        trainer.parallel = group
        let writes = group?.isRoot ?? true
        if writes { try folder.prepare() }
        let log = writes ? try TrainingLog(path: folder.log, keepThrough: nil, countsSolves: config.objective.kind == .cnf) : nil
        return TrainingRun(folder: folder, trainer: trainer, log: log, previousElapsed: 0, lastCheckpointStep: nil)
    }

    /// Continues the run saved in `folder` (optionally extended to `steps`), with `threads`
    /// compute threads or, by default, as many as the run used before.
    /// With a data-parallel `group` of any size up to the run's shard count (the steps do not
    /// depend on it: see `DataParallelGroup`), every rank trains its shards and rank 0 alone writes.
    public static func resume(_ folder: RunFolder, steps: Int? = nil, threads: Int? = nil, keepEvery: Int? = nil,
                              group: DataParallelGroup? = nil, teacher: (any DiffusionModel)? = nil) throws -> TrainingRun {
        guard FileManager.default.fileExists(atPath: folder.checkpoint) else {
            throw TrainingError.invalidSetting("no checkpoint to resume in \(folder.url.path) (expected \(folder.checkpoint))")
        }
        let checkpoint = try Checkpoint.read(from: folder.checkpoint)
        guard !checkpoint.isEMAOnly else {
            throw TrainingError.invalidSetting("\(folder.checkpoint) holds EMA weights only (an export for sampling); --resume needs the run's full checkpoint")
        }
        if let n = threads ?? checkpoint.threads { ComputeThreads.set(n) }
        try group.map { try checkShards(checkpoint.training, for: $0) }
        let writes = group?.isRoot ?? true
        if writes { try folder.prepare() }
        let source = try checkpoint.training.data.makeSource(flip: checkpoint.training.flip)
        let trainer = try Trainer(resuming: checkpoint, source: source, steps: steps, keepEvery: keepEvery, teacher: teacher)
        trainer.parallel = group
        let log = writes ? try TrainingLog(path: folder.log, keepThrough: checkpoint.step,
                                                 countsSolves: checkpoint.training.objective.kind == .cnf) : nil
        return TrainingRun(folder: folder, trainer: trainer, log: log, previousElapsed: checkpoint.elapsedSeconds,
                          lastCheckpointStep: checkpoint.step)
    }

    /// Every rank needs at least one whole shard of the batch (a CNF's batch is one shard, so it
    /// runs in one process).
    static func checkShards(_ config: TrainingConfig, for group: DataParallelGroup) throws {
        let layout = config.shardLayout
        guard group.size > layout.count else { return }
        if config.objective.kind == .cnf {
            throw TrainingError.invalidSetting("cnf trains in one process (its ODE solve spans the whole batch): run drift train without mpirun")
        }
        guard let rows = config.shardRows else {
            throw TrainingError.invalidSetting("this run's batch is one shard (its checkpoint predates --shard-rows): continue it in one process, without mpirun")
        }
        let remedy = "every process needs a whole shard: --batch ≥ \(group.size * rows)"
            + (config.batchSize >= group.size ? ", or --shard-rows ≤ \(config.batchSize / group.size)" : "")
        if config.batchSize < group.size {
            throw TrainingError.invalidSetting("--batch \(config.batchSize) is smaller than the \(group.size) processes sharing it: \(remedy)")
        }
        throw TrainingError.invalidSetting("--batch \(config.batchSize) in shards of \(rows) rows makes \(layout.count) shard\(layout.count == 1 ? "" : "s"), "
                                           + "fewer than the \(group.size) processes sharing it: \(remedy)")
    }

    /// Trains to the last step, or until `shouldStop()` turns true (checked after every step).
    /// - Throws: `TrainingRunError.diverged` on a NaN/Inf loss or a failed CNF solve (the last checkpoint on disk is
    ///   kept as is), or file errors.
    public func run(shouldStop: () -> Bool = { false }, onStep: (RunProgress) -> Void = { _ in }) throws -> RunOutcome {
        let config = trainer.config
        let started = Date()
        let startStep = trainer.step
        var window: [(step: Int, time: Double)] = [(startStep, 0)]
        var lastLearningRate: Float = 0
        func elapsed() -> Double { previousElapsed + Date().timeIntervalSince(started) }

        while !trainer.isFinished {
            if shouldStop() {
                log?.flush(step: trainer.step, learningRate: lastLearningRate, time: elapsed())
                try saveCheckpoint(elapsed: elapsed())
                return .interrupted(step: trainer.step)
            }
            let result: StepResult
            do {
                result = try trainer.trainStep()
            } catch let error as TrainingError {
                switch error {
                case .nonFinite, .solveFailed: break
                default: throw error
                }
                log?.flush(step: trainer.step, learningRate: lastLearningRate, time: elapsed())
                throw TrainingRunError.diverged(error, checkpoint: lastCheckpointStep.map { (folder.checkpoint, $0) })
            }
            log?.record(result)
            lastLearningRate = result.learningRate
            let step = trainer.step
            let now = Date().timeIntervalSince(started)
            if (config.logEvery > 0 && step % config.logEvery == 0) || trainer.isFinished {
                log?.flush(step: step, learningRate: result.learningRate, time: elapsed())
            }
            if config.checkpointEvery > 0 && step % config.checkpointEvery == 0 && !trainer.isFinished {
                try saveCheckpoint(elapsed: elapsed())
            }
            if let keep = config.keepEvery, keep > 0, step % keep == 0 {
                try saveSnapshot(elapsed: elapsed())
            }
            if let posthoc = config.posthocEMA, step % posthoc.every == 0 || trainer.isFinished {
                try saveProfileSnapshots(elapsed: elapsed())
            }
            if config.sampleEvery > 0 && step % config.sampleEvery == 0 && !trainer.isFinished {
                try renderPreview()
            }
            window.append((step, now))
            if window.count > 50 { window.removeFirst() }
            let dt = now - window[0].time, ds = Double(step - window[0].step)
            let stepsPerSecond = dt > 0 ? ds / dt : 0
            onStep(RunProgress(result: result, totalSteps: config.steps,
                               samplesPerSecond: stepsPerSecond * Double(config.batchSize),
                               secondsRemaining: stepsPerSecond > 0 ? Double(config.steps - step) / stepsPerSecond : .infinity,
                               elapsed: elapsed()))
        }
        if lastCheckpointStep != trainer.step { try saveCheckpoint(elapsed: elapsed()) }
        try renderPreview()
        return .finished(step: trainer.step)
    }

    /// Writes the checkpoint (atomically).
    public func saveCheckpoint(elapsed: Double) throws {
        guard writesFiles else { lastCheckpointStep = trainer.step; return }
        var checkpoint = trainer.checkpoint()
        checkpoint.elapsedSeconds = elapsed
        checkpoint.threads = ComputeThreads.count
        checkpoint.worldSize = trainer.parallel?.size ?? 1
        try checkpoint.write(to: folder.checkpoint)
        lastCheckpointStep = trainer.step
        try LossCurve.write(log: folder.log, to: folder.lossPlot)
    }

    /// Writes the EMA weights alone to `snapshots/step-NNNNNNNN.h5` (atomically).
    func saveSnapshot(elapsed: Double) throws {
        guard writesFiles else { return }
        try FileManager.default.createDirectory(at: folder.snapshots, withIntermediateDirectories: true)
        try snapshot(of: trainer.ema.averages, elapsed: elapsed).write(to: folder.snapshot(step: trainer.step))
    }

    /// Writes each post-hoc EMA profile's average to `snapshots/ema-<σ_rel>/step-NNNNNNNN.h5` (atomically).
    func saveProfileSnapshots(elapsed: Double) throws {
        guard writesFiles, let settings = trainer.config.posthocEMA else { return }
        for ((profile, average), sigmaRel) in zip(trainer.profiles, settings.sigmaRels) {
            var snapshot = snapshot(of: average.averages, elapsed: elapsed)
            snapshot.snapshotProfile = profile
            try FileManager.default.createDirectory(at: folder.profileSnapshots(sigmaRel: sigmaRel), withIntermediateDirectories: true)
            try snapshot.write(to: folder.profileSnapshot(sigmaRel: sigmaRel, step: trainer.step))
        }
    }

    /// An EMA-only checkpoint of the current step holding `averages`, written at once (so neither the
    /// averages nor the rest of the training state is copied).
    private func snapshot(of averages: [String: Tensor], elapsed: Double) -> Checkpoint {
        var c = Checkpoint(training: trainer.config, step: trainer.step, dataPosition: trainer.dataPosition, rootKey: trainer.rootKey,
                           parameters: averages, ema: averages, optimizer: nil, elapsedSeconds: elapsed)
        c.isEMAOnly = true
        c.threads = ComputeThreads.count
        return c
    }

    private func renderPreview() throws {
        guard let preview, writesFiles else { return }
        try preview(trainer, folder.preview(step: trainer.step))
    }
}

/// A run that had to stop with an error.
public enum TrainingRunError: Error, CustomStringConvertible {
    /// NaN/Inf loss; `checkpoint` is the last good checkpoint on disk (file, step), if any.
    case diverged(TrainingError, checkpoint: (String, Int)?)

    public var description: String {
        switch self {
        case .diverged(let error, let checkpoint):
            let kept = checkpoint.map { "the last good checkpoint \($0.0) (step \($0.1)) is kept" }
                ?? "no checkpoint had been written yet"
            return "\(error); \(kept)"
        }
    }
}
