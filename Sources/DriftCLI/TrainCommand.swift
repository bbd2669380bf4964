import ArgumentParser
import Datasets
import Foundation
import Generative
import MessagePassing
import NN
import TensorCore
import Training

/// `drift train`: train a flow-matching or diffusion model from the command line.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a flow-matching or score model; checkpoints, logs and previews go to --out.",
        discussion: """
            Examples:
              drift train --data toy:moons --model mlp2d --objective cfm --steps 3000 --out runs/moons
              drift train --data fashion-mnist --model unet28 --objective cfm --steps 20000 --batch 64 --lr 2e-4 --out runs/fm
              drift train --data fashion-mnist --classes 10 --label-dropout 0.1 --steps 20000 --out runs/fm-cond
              drift train --data gmm:checkpoints/gmm-ring8.json --objective cnf --out runs/cnf
              drift train --resume runs/fm            (continues exactly where it stopped)
            Ctrl-C (or SIGTERM) finishes the current step, saves DIR/checkpoint.h5 and exits 0.
            """)

    enum ModelChoice: String, ExpressibleByArgument, CaseIterable { case mlp2d, unet28, unet, mlp }

    @Option(help: "Training data: fashion-mnist[:test], toy:NAME (\(ToyDistribution.allCases.map(\.rawValue).joined(separator: ", "))), gmm:FILE.json, folder:PATH.")
    var data: String?
    @Option(help: "Network: mlp2d, unet28 (presets), or unet / mlp configured by the options below (default: unet for images, mlp for points).")
    var model: ModelChoice?
    @Option(help: "Objective: dsm, edm, cfm (default), ot-cfm or cnf (maximum likelihood through the ODE; MLP only).")
    var objective: ObjectiveKind?
    // Parsed by a closure, not as an ExpressibleByArgument enum: with six values ArgumentParser
    // would list them on six lines after a bad one, where this names them all in one.
    @Option(help: "Gaussian path: \(PathKind.allCases.map(\.rawValue).joined(separator: ", ")) (default: rectified for cfm, vp for dsm, edm for edm).",
            completion: .list(PathKind.allCases.map(\.rawValue)), transform: { try GaussianPath.kind(named: $0) })
    var path: PathKind?
    @Option(name: .customLong("time-sampling"), help: "Flow-matching times: uniform (default) or logit-normal(0, 1).")
    var timeSampling: TimeSamplingChoice?
    @Flag(name: .customLong("likelihood-weighting"), help: "DSM: weight the loss by g²/σ² (maximum-likelihood training).")
    var likelihoodWeighting = false
    @Option(help: "Class-conditional model: the data's class count, or auto (Fashion-MNIST 10, toys and mixtures their parts, a folder one class per sub-folder).")
    var classes: String?
    @Option(name: .customLong("label-dropout"), help: "Probability of training an example as the null class, for classifier-free guidance (default 0.1 with --classes; implies --classes auto).")
    var labelDropout: Double?

    @Option(help: "cnf: divergence exact (default up to 16 dimensions) or hutchinson (one Rademacher probe per example).")
    var divergence: CNFSettings.Divergence?
    @Option(help: "cnf: parameter gradients by the adjoint method (default; memory flat in the steps) or backprop through the solver.")
    var gradient: CNFSettings.Gradient?
    @Option(name: .customLong("ode-solver"), help: "cnf: \(CNFSettings.solverNames.joined(separator: ", ")) (default dopri5; bosh3 and dopri5 adaptive).")
    var odeSolver: String?
    @Option(name: .customLong("ode-steps"), help: "cnf: steps of a fixed-step solver on [0, 1] (default 20).") var odeSteps: Int?
    @Option(parsing: .unconditional, help: "cnf: relative tolerance of the adaptive solves (default 1e-4).") var rtol: Double?
    @Option(parsing: .unconditional, help: "cnf: absolute tolerance of the adaptive solves (default 1e-4).") var atol: Double?
    @Option(name: .customLong("ode-max-steps"), help: "cnf: step limit of each adaptive solve (default 1000); beyond it training stops, keeping the last checkpoint.") var odeMaxSteps: Int?
    @Option(parsing: .unconditional, help: "cnf: RNODE weight of the kinetic energy ∫‖v‖² dt (default 0.01).") var kinetic: Double?
    @Option(parsing: .unconditional, help: "cnf: RNODE weight of the Jacobian Frobenius norm ∫‖∂v/∂z‖² dt (default 0.01).") var jacobian: Double?

    @Option(help: "Optimizer steps (default 10000; 1500 for cnf).") var steps: Int?
    @Option(help: "Batch size (default 256 for points, 64 for images).") var batch: Int?
    @Option(help: "Optimizer: adam (default; AdamW with --weight-decay) or sgd.") var optimizer: OptimizerName?
    @Option(help: "Adam's β₁,β₂ (default 0.9,0.999).") var betas: String?
    @Option(help: "SGD momentum (default 0.9).") var momentum: Double?
    @Flag(help: "SGD: Nesterov momentum.") var nesterov = false
    @Option(help: "Peak learning rate (default 1e-3 for points, 2e-4 for images).") var lr: Double?
    @Option(help: "Linear warm-up steps (default 0; 100 for cnf).") var warmup: Int?
    @Option(help: "Learning-rate decay after warm-up: cosine (default) or constant.") var decay: LearningRateDecay?
    @Option(name: .customLong("weight-decay"), help: "Weight decay: decoupled for Adam (AdamW), L2 for SGD (default 0).") var weightDecay: Double?
    @Option(help: "Clip the global gradient norm (default 1; 0: no clipping).") var clip: Double?
    @Option(name: .customLong("shard-rows"), help: "Rows per shard of each batch (default 8 for images; for points a quarter of the batch, at least 64): shards' gradients are summed in a fixed tree, so any number of processes (up to the shard count) and threads takes bitwise the same steps.") var shardRows: Int?
    @Option(help: "EMA decay of the sampling weights (default 0.999).") var ema: Double?
    @Option(name: .customLong("posthoc-ema"), help: "Post-hoc EMA (EDM2): track power-function EMA profiles of these lengths σ_rel, e.g. 0.05,0.10, and snapshot them to snapshots/ema-<σ>/, so drift export --ema-length rebuilds any length afterwards.") var posthocEMA: String?
    @Option(name: .customLong("posthoc-every"), help: "Steps between post-hoc EMA snapshots (default: --checkpoint-every).") var posthocEvery: Int?
    @OptionGroup var seeding: SeedOption
    @Flag(help: "Random horizontal flips (image data).") var flip = false

    @Option(help: "U-Net base channels (default 32).") var channels: Int?
    @Option(help: "U-Net channel multipliers per level (default 1,2,4).") var mults: String?
    @Option(help: "U-Net residual blocks per level (default 1).") var blocks: Int?
    @Option(help: "U-Net resolutions with self-attention, e.g. 14 or 14,7 (the middle always has one).") var attn: String?
    @Option(help: "MLP width (default 256; 64 for cnf).") var width: Int?
    @Option(help: "MLP hidden blocks (default 3).") var depth: Int?
    @Option(name: .customLong("time-scale"), help: "Time scale s of the network's sinusoidal time embedding, sin(s·t·f_k): the checkpoint records it (default 1 for MLPs, 1000 for U-Nets; with --init, the checkpoint's unless given: a fine-tune may re-time a network).") var timeScale: Double?
    @OptionGroup var folderImages: FolderImageOptions

    @Option(help: "Output folder (checkpoint.h5, log.csv, samples/).") var out: String?
    @Option(name: .customLong("init"), help: "Fine-tune: start the weights (and EMA) from this checkpoint's EMA weights, with a fresh optimizer and step 0; the model, objective, path and classes are the checkpoint's (its time scale too, unless --time-scale).") var initFrom: String?
    @Option(help: "Continue the run in this folder exactly (only --steps, --threads and --keep-every may change).") var resume: String?
    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints (default 1000; one is always written at the end).") var checkpointEvery: Int?
    @Option(name: .customLong("sample-every"), help: "Steps between preview PNGs (default 1000, 0: only at the end).") var sampleEvery: Int?
    @Option(name: .customLong("keep-every"), help: "Steps between kept EMA snapshots, snapshots/step-N.h5 (for curves over training, e.g. scripts/fd-curve.sh; default 0: none; may change on --resume).") var keepEvery: Int?
    @Option(name: .customLong("log-every"), help: "Steps between log.csv lines (default 50).") var logEvery: Int?
    @Option(name: .customLong("preview-steps"), help: "Heun steps for previews (default 32).") var previewSteps: Int?
    @OptionGroup var threading: ThreadOptions

    enum TimeSamplingChoice: String, ExpressibleByArgument, CaseIterable { case uniform, logitNormal = "logit-normal" }
    enum OptimizerName: String, ExpressibleByArgument, CaseIterable { case adam, sgd }

    var seed: UInt64? { seeding.seed }
    var threads: Int? { threading.threads }

    func validate() throws {
        if let keepEvery, keepEvery < 0 { throw ValidationError("--keep-every must be ≥ 0, got \(keepEvery)") }
        if resume != nil {
            let fixed: [(String, Bool)] = [
                ("--data", data != nil), ("--model", model != nil), ("--objective", objective != nil), ("--path", path != nil),
                ("--time-sampling", timeSampling != nil), ("--likelihood-weighting", likelihoodWeighting),
                ("--classes", classes != nil), ("--label-dropout", labelDropout != nil), ("--optimizer", optimizer != nil),
                ("--betas", betas != nil), ("--momentum", momentum != nil), ("--nesterov", nesterov),
                ("--batch", batch != nil), ("--lr", lr != nil), ("--warmup", warmup != nil), ("--decay", decay != nil),
                ("--weight-decay", weightDecay != nil), ("--clip", clip != nil), ("--shard-rows", shardRows != nil), ("--ema", ema != nil), ("--seed", seed != nil),
                ("--posthoc-ema", posthocEMA != nil), ("--posthoc-every", posthocEvery != nil),
                ("--flip", flip), ("--channels", channels != nil), ("--mults", mults != nil), ("--blocks", blocks != nil),
                ("--attn", attn != nil), ("--width", width != nil), ("--depth", depth != nil), ("--time-scale", timeScale != nil), ("--image-size", folderImages.imageSize != nil),
                ("--color", folderImages.color != nil), ("--out", out != nil), ("--init", initFrom != nil), ("--checkpoint-every", checkpointEvery != nil),
                ("--sample-every", sampleEvery != nil), ("--log-every", logEvery != nil), ("--preview-steps", previewSteps != nil)]
                + cnfFlags
            if let given = fixed.first(where: { $0.1 }) {
                throw ValidationError("--resume continues with the run's own settings: drop \(given.0) (only --steps, --threads and --keep-every may be given)")
            }
        } else {
            guard data != nil, out != nil else { throw ValidationError("give --data and --out (or --resume DIR)") }
        }
        if let timeScale, !(timeScale > 0 && timeScale.isFinite && timeScale <= 1e6) {
            throw ValidationError("--time-scale must be a positive number (at most 1e6), got \(timeScale)")
        }
        if posthocEvery != nil, posthocEMA == nil, resume == nil {
            throw ValidationError("--posthoc-every needs --posthoc-ema (the EMA lengths to track)")
        }
        if initFrom != nil {
            let fixed: [(String, Bool)] = [
                ("--model", model != nil), ("--objective", objective != nil), ("--path", path != nil), ("--classes", classes != nil),
                ("--channels", channels != nil), ("--mults", mults != nil), ("--blocks", blocks != nil), ("--attn", attn != nil),
                ("--width", width != nil), ("--depth", depth != nil)]
            if let given = fixed.first(where: { $0.1 }) {
                throw ValidationError("--init takes the model, objective, path and classes from the checkpoint: drop \(given.0)")
            }
        }
        if objective == .consistency {
            throw ValidationError("--objective consistency distils a teacher: use drift distill --teacher CKPT --method consistency --out DIR")
        }
        if resume == nil, objective != .cnf, let given = cnfFlags.first(where: { $0.1 }) {
            throw ValidationError("\(given.0) is a setting of --objective cnf")
        }
        if objective == .cnf, timeSampling != nil || likelihoodWeighting {
            throw ValidationError("--objective cnf integrates the whole ODE (no time sampling, no loss weighting): drop \(timeSampling != nil ? "--time-sampling" : "--likelihood-weighting")")
        }
        // The values of the CNF flags are checked by CNFSettings.validate, before anything is written.
        if optimizer != .sgd, momentum != nil || nesterov { throw ValidationError("--momentum and --nesterov are SGD settings: add --optimizer sgd") }
        if optimizer == .sgd, betas != nil { throw ValidationError("--betas is an Adam setting; SGD takes --momentum") }
        if let labelDropout, !(labelDropout >= 0 && labelDropout < 1) {
            throw ValidationError("--label-dropout must be in [0, 1), got \(labelDropout)")
        }
        if let classes, classes != "auto", (Int(classes) ?? 0) < 1 {
            throw ValidationError("--classes takes a positive class count or auto, got '\(classes)'")
        }
    }

    /// The flags of `--objective cnf` and whether each was given.
    var cnfFlags: [(String, Bool)] {
        [("--divergence", divergence != nil), ("--gradient", gradient != nil), ("--ode-solver", odeSolver != nil),
         ("--ode-steps", odeSteps != nil), ("--rtol", rtol != nil), ("--atol", atol != nil), ("--ode-max-steps", odeMaxSteps != nil),
         ("--kinetic", kinetic != nil), ("--jacobian", jacobian != nil)]
    }

    /// The CNF settings the flags describe for `dimension`-dimensional data. The defaults are the
    /// measured recipe of docs/likelihood-and-cnf.md ("With the defaults"): dopri5 at rtol = atol =
    /// 1e-4 and RNODE's regularisers at λ_K = λ_J = 0.01 (Finlay et al. 2020), beside `cnfDefaults`.
    func cnfSettings(dimension: Int) -> CNFSettings {
        let base = CNFSettings()
        return CNFSettings(divergence: divergence ?? (dimension <= 16 ? .exact : .hutchinson), gradient: gradient ?? base.gradient,
                           solver: odeSolver ?? base.solver, steps: odeSteps ?? base.steps, rtol: rtol ?? 1e-4,
                           atol: atol ?? 1e-4, maxSteps: odeMaxSteps ?? base.maxSteps, kinetic: kinetic ?? 0.01, jacobian: jacobian ?? 0.01)
    }

    /// The training defaults of `--objective cnf` that differ from the other objectives': a 64-wide
    /// MLP (3 hidden blocks), 1,500 steps, 100 warm-up steps. With the time scale 1 of MLPs they
    /// reached a test NLL 0.074 nats above the ring's entropy in 8 minutes on one shared thread
    /// (docs/likelihood-and-cnf.md, "With the defaults").
    static let cnfDefaults = (width: 64, steps: 1_500, warmup: 100)

    func run() throws {
        // Under mpirun the ranks share every step's batch (rank 0 writes); otherwise one process.
        let world = World.shared
        let group = world.size > 1
            ? DataParallelGroup(rank: world.rank, size: world.size, allToAll: { try world.allToAll($0, receiving: $1) },
                                allGather: { try world.allGather($0, counts: $1) })
            : nil
        let run: TrainingRun
        do {
            if let resume {
                run = try TrainingRun.resume(RunFolder(resume), steps: steps, threads: threads, keepEvery: keepEvery, group: group)
            } else {
                ComputeThreads.set(threads ?? ProcessInfo.processInfo.activeProcessorCount)
                let source = try initFrom.map { try Checkpoint.read(from: $0) }
                run = try TrainingRun.start(try makeConfig(warmStartingFrom: source), in: RunFolder(out!), group: group,
                                            initialWeights: source?.ema)
            }
        } catch let error as ValidationError { throw error } catch { throw CLIError(error) }
        run.preview = TrainingPreview.render
        let config = run.trainer.config
        let display = ProgressLine(every: max(config.logEvery, 1))
        let stop = StopSignals.install()
        defer { stop.uninstall() }
        stderrLine("training \(config.model.summary) (\(run.trainer.network.parameterCount) parameters) with \(config.objective.kind.rawValue) on \(config.data.name), step \(run.trainer.step)/\(config.steps) → \(run.folder.url.path)")
        let outcome: RunOutcome
        do {
            // Every rank stops after the same step: a stop request on any rank counts for all.
            outcome = try run.run(shouldStop: { ((try? world.maximum(stop.requested ? 1 : 0)) ?? 1) > 0 }, onStep: display.update)
        } catch {
            display.finish()
            throw CLIError(error)
        }
        display.finish()
        switch outcome {
        case .finished(let step): stderrLine("done: \(step) steps; checkpoint \(run.folder.checkpoint)")
        case .interrupted(let step): stderrLine("stopped at step \(step); checkpoint \(run.folder.checkpoint) (continue with drift train --resume \(run.folder.url.path))")
        }
    }

    /// The training configuration the flags describe; fine-tuning from `source` (`--init`), its
    /// model, objective, path and classes.
    func makeConfig(warmStartingFrom source: Checkpoint? = nil) throws -> TrainingConfig {
        let spec = try DataSpec.parse(data!, imageSize: folderImages.imageSize ?? 32, color: folderImages.color ?? .rgb)
        let kind = objective ?? .cfm
        let sampling: TimeSampling = timeSampling == .logitNormal ? .logitNormal(mean: 0, std: 1) : .uniform
        let isImage = spec.isImage
        let defaults = (batch: isImage ? 64 : 256, lr: isImage ? 2e-4 : 1e-3)
        let model: ModelConfig, objectiveConfig: ObjectiveConfig, gaussianPath: GaussianPath, conditioning: ClassConditioning?
        if let source {
            let was = source.training
            guard was.data.sampleShape == spec.sampleShape else {
                throw CLIError("--init \(initFrom!): the checkpoint's model takes samples of shape \(was.data.sampleShape) but \(spec.name) gives \(spec.sampleShape)")
            }
            var m = was.model
            if let timeScale { m.timeScale = Float(timeScale) }
            model = m
            gaussianPath = was.path
            var o = was.objective
            if timeSampling != nil { o.timeSampling = sampling }
            if likelihoodWeighting { o.likelihoodWeighting = true }
            objectiveConfig = o
            conditioning = was.conditioning.map { ClassConditioning(classNames: $0.classNames, labelDropout: labelDropout ?? $0.labelDropout) }
            if labelDropout != nil, conditioning == nil {
                throw CLIError("--label-dropout: \(initFrom!) is an unconditional model; drop --label-dropout")
            }
        } else {
            conditioning = try classConditioning(for: spec)
            var m = try modelConfig(for: spec)
            m.classCount = conditioning?.classCount ?? 0
            model = m
            objectiveConfig = ObjectiveConfig(kind: kind, timeSampling: sampling, likelihoodWeighting: likelihoodWeighting,
                                              cnf: kind == .cnf ? cnfSettings(dimension: spec.sampleShape.reduce(1, *)) : nil)
            gaussianPath = .standard(path ?? kind.defaultPath)
        }
        return TrainingConfig(
            data: spec, model: model, objective: objectiveConfig, path: gaussianPath, steps: steps ?? (kind == .cnf ? Self.cnfDefaults.steps : 10_000), batchSize: batch ?? defaults.batch, learningRate: lr ?? defaults.lr,
            warmupSteps: warmup ?? (kind == .cnf ? Self.cnfDefaults.warmup : 0), decay: decay ?? .cosine, weightDecay: weightDecay ?? 0,
            gradientClip: (clip ?? 1) > 0 ? (clip ?? 1) : nil, emaDecay: ema ?? 0.999, flip: flip, seed: seed ?? 0,
            checkpointEvery: checkpointEvery ?? 1000, sampleEvery: sampleEvery ?? 1000, logEvery: logEvery ?? 50,
            previewSteps: previewSteps ?? 32, conditioning: conditioning, optimizer: try optimizerChoice(),
            keepEvery: keepEvery.flatMap { $0 > 0 ? $0 : nil }, warmStart: source.map { WarmStart(from: $0, path: initFrom!) },
            posthocEMA: try posthocSettings(),
            shardRows: objectiveConfig.kind == .cnf ? shardRows : shardRows ?? ShardLayout.defaultShardRows(images: isImage, batch: batch ?? defaults.batch))
    }

    /// --posthoc-ema and --posthoc-every (nil: no post-hoc EMA).
    func posthocSettings() throws -> PostHocEMASettings? {
        guard let posthocEMA else { return nil }
        let lengths = posthocEMA.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !lengths.isEmpty, lengths.allSatisfy({ $0 != nil }) else {
            throw CLIError("--posthoc-ema takes EMA lengths σ_rel like 0.05,0.10, got '\(posthocEMA)'")
        }
        return PostHocEMASettings(sigmaRels: lengths.map { $0! }, every: posthocEvery ?? checkpointEvery ?? 1000)
    }

    /// --optimizer and its settings (nil: the default Adam).
    func optimizerChoice() throws -> OptimizerChoice? {
        switch optimizer {
        case nil where betas == nil: return nil
        case .sgd?: return .sgd(momentum: momentum ?? 0.9, nesterov: nesterov)
        case .adam?, nil:
            guard let betas else { return .adamDefault }
            let b = betas.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard b.count == 2, let b1 = b[0], let b2 = b[1] else { throw CLIError("--betas takes two numbers like 0.9,0.999, got '\(betas)'") }
            return .adam(beta1: b1, beta2: b2)
        }
    }

    /// The class conditioning --classes and --label-dropout ask for (nil: unconditional).
    func classConditioning(for spec: DataSpec) throws -> ClassConditioning? {
        guard classes != nil || labelDropout != nil else { return nil }
        let flag = classes.map { "--classes \($0)" } ?? "--label-dropout"
        guard let names = try spec.classNames() else {
            throw CLIError("\(flag): \(spec.name) has no labels (a folder: needs one sub-folder of PNGs per class); drop --classes and --label-dropout")
        }
        if let classes, let count = Int(classes), count != names.count {
            throw CLIError("--classes \(count): \(spec.name) has \(names.count) classes (\(names.joined(separator: ", "))); give --classes \(names.count) or auto")
        }
        return ClassConditioning(classNames: names, labelDropout: labelDropout ?? ClassConditioning.defaultLabelDropout)
    }

    /// The network configuration from --model and its options, sized to the data.
    func modelConfig(for spec: DataSpec) throws -> ModelConfig {
        var config = try architecture(for: spec)
        config.timeScale = Float(timeScale ?? Self.defaultTimeScale(config))
        return config
    }

    /// The time scale of a new network without --time-scale: 1 for MLPs on points, whose
    /// fields came out smooth in t at 1 and rough at 1000 (docs/training.md, "Time scale": on
    /// the ring, dopri5 needed 73 NFE against 469, a CNF step 122 NFE against 728); DDPM's 1000
    /// for U-Nets, as every shipped image model was trained.
    static func defaultTimeScale(_ config: ModelConfig) -> Double {
        switch config {
        case .mlp: return 1
        case .unet: return Double(SinusoidalEmbedding.legacyScale)
        }
    }

    /// The network of --model and its options, sized to the data, before the time scale.
    func architecture(for spec: DataSpec) throws -> ModelConfig {
        let shape = spec.sampleShape
        let choice = model ?? (spec.isImage ? .unet : .mlp)
        func needImages() throws -> (channels: Int, size: Int) {
            guard shape.count == 3 else {
                throw CLIError("--model \(choice.rawValue) needs image data; \(spec.name) gives points of dimension \(shape[0]) (use --model mlp2d or mlp)")
            }
            return (shape[0], shape[1])
        }
        func needPoints() throws -> Int {
            guard shape.count == 1 else {
                throw CLIError("--model \(choice.rawValue) needs point data; \(spec.name) gives images \(shape) (use --model unet28 or unet)")
            }
            return shape[0]
        }
        switch choice {
        case .mlp2d:
            let d = try needPoints()
            guard d == 2 else { throw CLIError("--model mlp2d takes 2-D points; \(spec.name) has dimension \(d) (use --model mlp)") }
            return .mlp(.mlp2d)
        case .mlp:
            let d = try needPoints()
            let base = MLPConfig.mlp2d
            return .mlp(MLPConfig(inputDimension: d, width: width ?? (objective == .cnf ? Self.cnfDefaults.width : base.width), depth: depth ?? base.depth,
                                  timeEmbeddingDimension: base.timeEmbeddingDimension))
        case .unet28:
            let (c, s) = try needImages()
            guard c == 1, s == 28 else { throw CLIError("--model unet28 takes 1×28×28 images; \(spec.name) gives \(shape) (use --model unet)") }
            return .unet(.unet28)
        case .unet:
            let (c, s) = try needImages()
            var config = UNetConfig.unet28
            config.inputChannels = c
            config.imageSize = s
            if let channels { config.baseChannels = channels }
            if let mults { config.channelMultipliers = try Self.integers(mults, flag: "--mults") }
            if let blocks { config.blocksPerLevel = blocks }
            if let attn { config.attentionResolutions = try Self.integers(attn, flag: "--attn") }
            do { try config.validate() } catch { throw CLIError("\(error)") }
            return .unet(config)
        }
    }

    /// "1,2,4" → [1, 2, 4] ("" → []).
    static func integers(_ text: String, flag: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map {
            guard let v = Int($0), v >= 1 else { throw CLIError("\(flag) takes positive integers separated by commas, got '\(text)'") }
            return v
        }
    }
}

extension ObjectiveKind: ExpressibleByArgument {}
extension CNFSettings.Divergence: ExpressibleByArgument {}
extension CNFSettings.Gradient: ExpressibleByArgument {}
extension LearningRateDecay: ExpressibleByArgument {}
extension ImageColor: ExpressibleByArgument {}

extension ModelConfig {
    /// "mlp (dimension 2, width 256, depth 3)" / "unet (1×28×28, channels 32×[1, 2, 4])", with ", time scale 1"
    /// where the time scale is not the legacy 1000.
    var summary: String {
        let scale = timeScale == SinusoidalEmbedding.legacyScale ? "" : ", time scale \(Self.format(timeScale))"
        switch self {
        case .mlp(let c): return "mlp (dimension \(c.inputDimension), width \(c.width), depth \(c.depth)\(scale))"
        case .unet(let c): return "unet (\(c.inputChannels)×\(c.imageSize)×\(c.imageSize), channels \(c.baseChannels)×\(c.channelMultipliers)\(scale))"
        }
    }

    /// 1 → "1", 0.5 → "0.5".
    static func format(_ value: Float) -> String {
        value == value.rounded() && Swift.abs(value) < 1e7 ? String(Int(value)) : String(value)
    }
}
