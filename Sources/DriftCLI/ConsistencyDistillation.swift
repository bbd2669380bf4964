import Datasets
import Foundation
import Generative
import NN
import TensorCore
import Training

/// `drift distill --method consistency` (Song et al. 2023, consistency distillation): one student,
/// trained on the teacher's own data against one Heun step of the teacher's ODE per example.
///
///     DIR/distill.json              the settings
///     DIR/round-1/student/          the student's training run (checkpoint.h5 is the model)
///
/// The student's network: an EDM teacher's, started from its EMA weights (the preconditioning's
/// c_in and c_noise are the same, so the student starts as the teacher's denoiser away from σ_min);
/// any other teacher's architecture (a fresh MLP for an analytic mixture) from the seed.
struct ConsistencyDistillation {
    let settings: DistillSettings
    let folder: DistillFolder
    let teacher: any DiffusionModel
    let teacherSHA256: String
    /// The teacher's checkpoint (nil for an analytic mixture).
    let teacherCheckpoint: Checkpoint?

    init(settings: DistillSettings, folder: DistillFolder) throws {
        self.settings = settings
        self.folder = folder
        teacher = try ModelLoader.load(settings.teacher, flag: "--teacher").model
        teacherSHA256 = try SHA256.hex(ofFile: settings.teacher)
        teacherCheckpoint = teacher is TrainedModel ? try Checkpoint.read(from: settings.teacher, includeOptimizer: false) : nil
        if let c = teacherCheckpoint, c.training.objective.kind == .consistency {
            throw CLIError("--teacher \(settings.teacher) is a consistency student, which has no ODE to step along (its output is a sample, not a posterior mean): give its own teacher")
        }
        if (settings.consistency?.guidance ?? 0) > 0 {
            guard let trained = teacher as? TrainedModel, !trained.classNames.isEmpty else {
                throw CLIError("--guidance needs a class-conditional teacher; \(settings.teacher) has no classes")
            }
            guard trained.labelDropout > 0 else {
                throw CLIError("--guidance: \(settings.teacher) was trained without label dropout, so it has no unconditional field to guide against")
            }
        }
    }

    var classNames: [String]? { teacherCheckpoint?.training.conditioning?.classNames }
    var isImage: Bool { teacher.sampleShape.count == 3 }
    /// Whether the teacher is an EDM model, whose network and weights start the student.
    var startsFromTeacher: Bool { teacherCheckpoint?.training.objective.kind == .edm }

    /// The student's training configuration.
    func studentConfig() throws -> TrainingConfig {
        guard let consistency = settings.consistency else { throw CLIError("\(folder.settings.path): a consistency distillation without its settings") }
        let data: DataSpec, model: ModelConfig
        if let c = teacherCheckpoint {
            data = c.training.data
            model = c.model
        } else {
            data = try DataSpec.parse("gmm:" + settings.teacher)
            model = .mlp(MLPConfig(inputDimension: teacher.sampleShape.reduce(1, *), width: MLPConfig.mlp2d.width,
                                   depth: MLPConfig.mlp2d.depth, timeEmbeddingDimension: MLPConfig.mlp2d.timeEmbeddingDimension))
        }
        let objective = ObjectiveConfig(kind: .consistency, consistency: consistency)
        let record = DistillationRecord(method: .consistency, round: 1, teacher: settings.teacher, teacherSHA256: teacherSHA256,
                                        teacherLedger: teacherCheckpoint?.training.distillation.map { [$0] } ?? [], pairs: 0, generation: nil,
                                        teacherPassesPerExample: consistency.guidance > 0 ? 4 : 2, trainingCPU: CPUInfo.identity)
        let config = TrainingConfig(
            data: data, model: model, objective: objective, path: teacher.path,
            steps: settings.steps, batchSize: settings.batch, learningRate: settings.learningRate, flip: teacherCheckpoint?.training.flip ?? false,
            seed: settings.seed &+ 1, checkpointEvery: isImage ? 250 : 1000, sampleEvery: isImage ? 500 : 1000, logEvery: 50,
            conditioning: classNames.map { ClassConditioning(classNames: $0, labelDropout: 0) },
            warmStart: startsFromTeacher ? teacherCheckpoint.map { WarmStart(from: $0, path: settings.teacher) } : nil,
            shardRows: ShardLayout.defaultShardRows(images: isImage, batch: settings.batch), distillation: record)
        do { try config.validate() } catch { throw CLIError(error) }
        return config
    }

    /// Trains (or continues) the student, then says how to sample it.
    func run() throws {
        let stop = StopSignals.install()
        defer { stop.uninstall() }
        let runFolder = RunFolder(folder.student(round: 1).path)
        let run: TrainingRun
        if FileManager.default.fileExists(atPath: runFolder.checkpoint) {
            let existing = try Checkpoint.read(from: runFolder.checkpoint, includeOptimizer: false)
            guard existing.training.distillation?.teacherSHA256 == teacherSHA256 else {
                throw CLIError("\(runFolder.checkpoint) was distilled from another teacher (SHA-256 \(existing.training.distillation?.teacherSHA256.prefix(12) ?? "none")…, "
                               + "not \(teacherSHA256.prefix(12))… of \(settings.teacher)): restore the teacher or use another --out")
            }
            run = try TrainingRun.resume(runFolder, threads: ComputeThreads.count, teacher: teacher)
        } else {
            run = try TrainingRun.start(try studentConfig(), in: runFolder, initialWeights: startsFromTeacher ? teacherCheckpoint?.ema : nil, teacher: teacher)
        }
        run.preview = TrainingPreview.render
        let config = run.trainer.config
        let grid = config.objective.consistency!
        stderrLine("student: \(config.model.summary) by consistency distillation (\(grid.summary)), "
                   + "step \(run.trainer.step)/\(config.steps) → \(runFolder.url.path)")
        if !run.trainer.isFinished {
            let display = ProgressLine(every: max(config.logEvery, 1))
            let outcome = try run.run(shouldStop: { stop.requested }, onStep: display.update)
            display.finish()
            if case .interrupted = outcome {
                return stderrLine("stopped; everything so far is saved (continue with drift distill --resume \(folder.url.path))")
            }
        }
        let file = folder.studentCheckpoint(round: 1)
        print("student: \(file) (sample it with --sampler consistency-1 or consistency-2)")
    }
}
