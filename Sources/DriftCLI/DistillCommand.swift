import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Generative
import NN
import Presets
import Samplers
import TensorCore
import Training

/// `drift distill`: a few-step student from a teacher by reflow (Liu, Gong & Liu 2022, "Flow
/// straight and fast"): the teacher's probability-flow ODE maps noise to samples, and a student
/// (the teacher's network and weights, or a fresh MLP for an analytic mixture) learns the straight
/// line between each pair by flow matching. Rounds repeat it with the last student as teacher.
///
/// The folder holds everything, so `--resume DIR` continues wherever it stopped:
///
///     DIR/distill.json              the settings
///     DIR/round-K/pairs.h5          the pairs (teacher's SHA-256, sampler, NFE and seconds recorded)
///     DIR/round-K/student/          the student's training run (checkpoint.h5 is the model)
///     DIR/straightness.csv          Liu et al.'s straightness of the teacher and of every student
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distil a few-step student from a teacher (reflow or consistency distillation).",
        discussion: """
          The teacher's ODE sampler turns --pairs noise draws into samples (stored, so a run resumes \
          without regenerating them); the student, started from the teacher's weights, learns the \
          straight path from each noise to its sample (flow matching on that coupling); --rounds \
          repeats it with each student as the next teacher. Prints and writes the straightness of \
          teacher and students (Liu et al. 2022: the mean squared deviation of the velocity from the \
          chord of its path, per dimension). Sample a student with one Euler step:
            drift sample --model DIR/round-1/student/checkpoint.h5 --sampler euler-50 --steps 1 --n 64
          --method consistency (Song et al. 2023) trains a student f(x, t) on the teacher's data so \
          that its outputs agree across one teacher Heun step between adjacent noise levels of an \
          --intervals grid, against a target network that follows it by an EMA (--target-ema); \
          f(x, σ_min) = x by construction. An EDM teacher's network and weights start the student; \
          any other teacher's architecture starts fresh. Sample it in one or two steps:
            drift sample --model DIR/round-1/student/checkpoint.h5 --sampler consistency-2 --n 64
          Examples:
            drift distill --teacher checkpoints/ring8-fm.h5 --method reflow --out runs/ring-reflow
            drift distill --teacher checkpoints/ring8-fm.h5 --method consistency --out runs/ring-cd
            drift distill --resume runs/ring-reflow
          """)

    @Option(help: "The teacher: for reflow a flow-matching or CNF checkpoint on the rectified path, for consistency any trained generator but a consistency student (.h5; a class-conditional one draws every class, see --guidance), or an analytic Gaussian mixture (.json).")
    var teacher: String?
    @Option(help: "How the student learns: reflow or consistency.")
    var method: DistillationRecord.Method?
    @Option(help: "Folder of the distillation (pairs, students, straightness).")
    var out: String?
    @Option(help: "Continue the distillation in this folder (only --threads may be given with it).")
    var resume: String?
    @Option(parsing: .unconditional, help: "Noise–sample pairs per round (default 10,000 for points, 4,096 for images).")
    var pairs: Int?
    @Option(name: .customLong("pairs-batch"), help: "Pairs the teacher samples at once (default 4,096 for points, 64 for images); an adaptive sampler's steps follow its batch, so it is recorded.")
    var pairsBatch: Int?
    @Option(help: "The teacher's ODE sampler preset for the pairs (default dopri5 for points, dpmpp-2m-20 for images).")
    var sampler: String?
    @Option(parsing: .unconditional, help: "Reflow rounds, each student the next round's teacher (default 1).")
    var rounds: Int?
    @Option(parsing: .unconditional, help: "Student training steps per round (default 10,000 for points, 2,000 for images).")
    var steps: Int?
    @Option(parsing: .unconditional, help: "Student batch size (default 256 for points, 64 for images).")
    var batch: Int?
    @Option(help: "Student peak learning rate (default 1e-3 for points, 1e-4 for images).")
    var lr: Double?
    @Option(parsing: .unconditional, help: "A class-conditional teacher: classifier-free guidance weight of its pairs (default 0). Row i is drawn for class i mod K; the student learns that guided map, so it samples each class with the guidance baked in, at one pass per step.")
    var guidance: Double?
    @Option(name: .customLong("straightness-paths"), help: "Paths the straightness is averaged over (default 1,000 for points, 64 for images).")
    var straightnessPaths: Int?
    @Option(name: .customLong("straightness-steps"), help: "Euler steps along each path when measuring straightness (default 100).")
    var straightnessSteps: Int?
    @Option(parsing: .unconditional, help: "Consistency: intervals N of the noise-level grid (Karras ρ = 7 over σ ∈ [0.002, 80]; default 18).")
    var intervals: Int?
    @Option(name: .customLong("target-ema"), help: "Consistency: decay μ of the target network's EMA of the student (default 0.95; 0: the student itself).")
    var targetEMA: Double?
    @Option(help: "Consistency: the distance between student and target per example: squared (mean squared difference, the default) or pseudo-huber (Song & Dhariwal 2023: √(‖Δ‖² + c²) − c, c = 0.00054·√d).")
    var distance: DistanceChoice?
    @Option(name: .customLong("interval-sampling"), help: "Consistency: how each example's grid interval is drawn: uniform (the default) or lognormal (Song & Dhariwal 2023: the mass of N(−1.1, 2²) over ln σ in each interval).")
    var intervalSampling: IntervalSamplingChoice?
    @Option(name: .customLong("interval-weighting"), help: "Consistency: the weight of an example's distance: uniform (the default) or inverse-step (1/(σ_{n+1} − σ_n), Song & Dhariwal 2023).")
    var intervalWeighting: IntervalWeighting?
    @OptionGroup var seeding: SeedOption
    @OptionGroup var threading: ThreadOptions

    /// `--distance`'s values.
    enum DistanceChoice: String, ExpressibleByArgument, CaseIterable {
        case squared
        case pseudoHuber = "pseudo-huber"
        var distance: ConsistencyDistance { self == .squared ? .squared : .pseudoHuber(c: nil) }
    }

    /// `--interval-sampling`'s values.
    enum IntervalSamplingChoice: String, ExpressibleByArgument, CaseIterable {
        case uniform, lognormal
        var sampling: IntervalSampling { self == .uniform ? .uniform : .improved }
    }

    var consistencyFlags: [(String, Bool)] {
        [("--intervals", intervals != nil), ("--target-ema", targetEMA != nil), ("--distance", distance != nil),
         ("--interval-sampling", intervalSampling != nil), ("--interval-weighting", intervalWeighting != nil)]
    }

    func validate() throws {
        if resume != nil {
            let fixed: [(String, Bool)] = [("--teacher", teacher != nil), ("--method", method != nil), ("--out", out != nil), ("--pairs", pairs != nil), ("--pairs-batch", pairsBatch != nil),
                                           ("--sampler", sampler != nil), ("--guidance", guidance != nil), ("--rounds", rounds != nil), ("--steps", steps != nil), ("--batch", batch != nil),
                                           ("--lr", lr != nil), ("--straightness-paths", straightnessPaths != nil),
                                           ("--straightness-steps", straightnessSteps != nil), ("--seed", seeding.seed != nil),
                                          ] + consistencyFlags
            if let given = fixed.first(where: { $0.1 }) {
                throw ValidationError("--resume continues with the distillation's own settings: drop \(given.0) (only --threads may be given)")
            }
        } else {
            guard teacher != nil, out != nil else { throw ValidationError("give --teacher, --method and --out (or --resume DIR)") }
            guard let method else { throw ValidationError("give --method (reflow or consistency)") }
            let reflowOnly: [(String, Bool)] = [("--pairs", pairs != nil), ("--pairs-batch", pairsBatch != nil), ("--sampler", sampler != nil),
                                                ("--rounds", rounds != nil), ("--straightness-paths", straightnessPaths != nil),
                                                ("--straightness-steps", straightnessSteps != nil)]
            let consistencyOnly = consistencyFlags
            if method == .consistency, let given = reflowOnly.first(where: { $0.1 }) {
                throw ValidationError("\(given.0) is a reflow setting: consistency distillation steps the teacher's ODE itself, in one round; drop it")
            }
            if method == .reflow, let given = consistencyOnly.first(where: { $0.1 }) {
                throw ValidationError("\(given.0) is a consistency setting: drop it, or use --method consistency")
            }
        }
        for (flag, value) in [("--pairs", pairs), ("--pairs-batch", pairsBatch), ("--rounds", rounds), ("--steps", steps), ("--batch", batch),
                              ("--straightness-paths", straightnessPaths), ("--straightness-steps", straightnessSteps), ("--intervals", intervals)] {
            if let value, value < 1 { throw ValidationError("\(flag) must be at least 1, got \(value)") }
        }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let guidance, !(guidance >= 0 && guidance.isFinite) { throw ValidationError("--guidance must be ≥ 0, got \(guidance)") }
        if let targetEMA, !(targetEMA >= 0 && targetEMA < 1) { throw ValidationError("--target-ema must be in [0, 1), got \(targetEMA)") }
    }

    func run() throws {
        do {
            if let resume {
                let folder = DistillFolder(resume)
                let settings = try folder.readSettings()
                ComputeThreads.set(threading.threads ?? ProcessInfo.processInfo.activeProcessorCount)
                if settings.method == .consistency { return try ConsistencyDistillation(settings: settings, folder: folder).run() }
                try distill(settings, in: folder)
            } else {
                ComputeThreads.set(threading.threads ?? ProcessInfo.processInfo.activeProcessorCount)
                let folder = DistillFolder(out!)
                let settings = try newSettings()
                if FileManager.default.fileExists(atPath: folder.settings.path) {
                    throw CLIError("\(folder.url.path) already holds a distillation (distill.json): continue it with drift distill --resume \(folder.url.path), or choose another --out")
                }
                if settings.method == .consistency {
                    // Everything that can fail is checked before the settings are written: a refused start writes nothing.
                    let distillation = try ConsistencyDistillation(settings: settings, folder: folder)
                    _ = try distillation.studentConfig()
                    try folder.writeSettings(settings)
                    return try distillation.run()
                }
                // Everything that can fail before the first pair is checked first: a refused start writes nothing.
                let round1 = try DistillRound(settings: settings, round: 1, folder: folder)
                _ = try round1.generator(try round1.samplerPreset)
                _ = try round1.studentConfig(pairs: DataSpec.pairs(file: folder.pairs(round: 1).path, sampleShape: round1.teacher.model.sampleShape))
                try folder.writeSettings(settings)
                try distill(settings, in: folder)
            }
        } catch let error as CLIError { throw error } catch let error as ValidationError { throw error } catch { throw CLIError(error) }
    }

    /// The settings of a new distillation: the flags and the defaults for the teacher's data.
    func newSettings() throws -> DistillSettings {
        let loaded = try ModelLoader.load(teacher!, flag: "--teacher")
        let isImage = loaded.model.sampleShape.count == 3
        if method == .consistency {
            // The reflow fields record what consistency distillation does instead: the teacher's
            // Heun step, one round, no pairs and no straightness.
            return DistillSettings(
                teacher: teacher!, method: .consistency, pairs: 0, pairsBatch: 0, sampler: "heun", guidance: guidance,
                rounds: 1, steps: steps ?? (isImage ? 2_000 : 10_000), batch: batch ?? (isImage ? 64 : 256), learningRate: lr ?? (isImage ? 1e-4 : 1e-3),
                seed: seeding.seed ?? 0, straightnessPaths: 0, straightnessSteps: 0,
                consistency: ConsistencySettings(intervals: intervals ?? 18, targetDecay: targetEMA ?? 0.95, guidance: guidance ?? 0,
                                                 distance: distance?.distance ?? .squared, intervalSampling: intervalSampling?.sampling ?? .uniform,
                                                 intervalWeighting: intervalWeighting ?? .uniform))
        }
        return DistillSettings(
            teacher: teacher!, method: method!, pairs: pairs ?? (isImage ? 4_096 : 10_000), pairsBatch: pairsBatch ?? (isImage ? 64 : 4_096), sampler: sampler ?? (isImage ? "dpmpp-2m-20" : "dopri5"), guidance: guidance,
            rounds: rounds ?? 1, steps: steps ?? (isImage ? 2_000 : 10_000), batch: batch ?? (isImage ? 64 : 256), learningRate: lr ?? (isImage ? 1e-4 : 1e-3),
            seed: seeding.seed ?? 0, straightnessPaths: straightnessPaths ?? (isImage ? 64 : 1_000), straightnessSteps: straightnessSteps ?? 100)
    }

    /// Runs every round that is not done: pairs, student, straightness.
    func distill(_ settings: DistillSettings, in folder: DistillFolder) throws {
        let stop = StopSignals.install()
        defer { stop.uninstall() }
        var table = try StraightnessTable(folder.straightness)
        for r in 1...settings.rounds {
            let round = try DistillRound(settings: settings, round: r, folder: folder)
            stderrLine("round \(r) of \(settings.rounds): teacher \(round.teacherFile)")
            guard try round.makePairs(shouldStop: { stop.requested }) else { return interrupted(folder) }
            guard try round.trainStudent(shouldStop: { stop.requested }) else { return interrupted(folder) }
            if r == 1, table.value(round: 0) == nil {
                table.set(round: 0, file: round.teacherFile, try round.straightness(of: round.teacher.model, guidance: settings.guidance ?? 0))
                try table.write(folder.straightness)
            }
            if table.value(round: r) == nil {
                let student = try TrainedModel.load(folder.studentCheckpoint(round: r))
                table.set(round: r, file: folder.studentCheckpoint(round: r), try round.straightness(of: student))
                try table.write(folder.straightness)
            }
        }
        for line in table.summary() { print(line) }
        print("students: " + (1...settings.rounds).map { folder.studentCheckpoint(round: $0) }.joined(separator: ", "))
    }

    func interrupted(_ folder: DistillFolder) {
        stderrLine("stopped; everything so far is saved (continue with drift distill --resume \(folder.url.path))")
    }
}

extension DistillationRecord.Method: ExpressibleByArgument {}
extension IntervalWeighting: ExpressibleByArgument {}

/// What `drift distill` was asked to do (DIR/distill.json), so `--resume` needs nothing else.
struct DistillSettings: Codable, Equatable {
    var teacher: String
    var method: DistillationRecord.Method
    var pairs: Int
    var pairsBatch: Int
    var sampler: String
    /// A conditional teacher's guidance weight (nil: 0).
    var guidance: Double?
    var rounds: Int
    var steps: Int
    var batch: Int
    var learningRate: Double
    var seed: UInt64
    var straightnessPaths: Int
    var straightnessSteps: Int
    /// Consistency distillation's grid, target EMA and guidance (nil for reflow).
    var consistency: ConsistencySettings?
}

/// The files of a distillation folder.
struct DistillFolder {
    let url: URL
    init(_ path: String) { url = URL(fileURLWithPath: path) }

    var settings: URL { url.appendingPathComponent("distill.json") }
    var straightness: URL { url.appendingPathComponent("straightness.csv") }
    func round(_ r: Int) -> URL { url.appendingPathComponent("round-\(r)") }
    func pairs(round r: Int) -> URL { round(r).appendingPathComponent("pairs.h5") }
    func student(round r: Int) -> URL { round(r).appendingPathComponent("student") }
    func studentCheckpoint(round r: Int) -> String { student(round: r).appendingPathComponent("checkpoint.h5").path }

    func readSettings() throws -> DistillSettings {
        guard FileManager.default.fileExists(atPath: settings.path) else {
            throw CLIError("--resume \(url.path): no distillation there (expected \(settings.path), written by drift distill --out)")
        }
        do { return try JSONDecoder().decode(DistillSettings.self, from: Data(contentsOf: settings)) } catch {
            throw CLIError("\(settings.path): not a valid distillation settings file (\(error.localizedDescription))")
        }
    }

    func writeSettings(_ s: DistillSettings) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(s).write(to: settings, options: .atomic)
    }
}

/// One round: its teacher (the given one, or the last round's student), pairs and student.
struct DistillRound {
    let settings: DistillSettings
    let round: Int
    let folder: DistillFolder
    let teacherFile: String
    let teacher: ModelLoader.Loaded
    let teacherSHA256: String
    /// The teacher's checkpoint (nil for an analytic mixture).
    let teacherCheckpoint: Checkpoint?

    init(settings: DistillSettings, round: Int, folder: DistillFolder) throws {
        (self.settings, self.round, self.folder) = (settings, round, folder)
        teacherFile = round == 1 ? settings.teacher : folder.studentCheckpoint(round: round - 1)
        teacher = try ModelLoader.load(teacherFile, flag: "--teacher")
        teacherSHA256 = try SHA256.hex(ofFile: teacherFile)
        teacherCheckpoint = teacher.model is TrainedModel ? try Checkpoint.read(from: teacherFile, includeOptimizer: false) : nil
        try checkTeacher()
    }

    /// Reflow's student keeps the teacher's network, so the teacher must be a flow on the rectified path.
    func checkTeacher() throws {
        guard let c = teacherCheckpoint else { return }
        if c.training.objective.kind == .consistency {
            throw CLIError("--teacher \(teacherFile) is a consistency student, which has no ODE to take pairs from (its output is a sample, not a velocity): give its flow-matching teacher")
        }
        let kind = c.training.objective.kind
        guard [.cfm, .otcfm, .cnf].contains(kind), c.path.kind == .rectified else {
            throw CLIError("--teacher \(teacherFile) is a \(kind.rawValue) model on the \(c.path.kind.rawValue) path; reflow's student keeps the teacher's network "
                           + "and learns a rectified flow: give a cfm, ot-cfm or cnf teacher on the rectified path")
        }
    }

    /// A class-conditional teacher checkpoint's classes (nil: unconditional; an analytic mixture's
    /// components are not classes here — its pairs are unconditional samples).
    var classNames: [String]? { teacherCheckpoint?.training.conditioning?.classNames }

    var samplerPreset: SamplerPreset {
        get throws {
            do { return try PresetLibrary.resolve(settings.sampler, in: SampleCommand.presetDirectories()) } catch {
                throw CLIError("--sampler \(settings.sampler): \(CLIError(error).description)")
            }
        }
    }

    /// The teacher's pair maker with `preset` (refuses a stochastic sampler or one the teacher's path cannot run).
    func generator(_ preset: SamplerPreset) throws -> PairGenerator {
        do {
            return try PairGenerator(teacher: teacher.model, sampler: preset.sampler, batch: settings.pairsBatch, seed: settings.seed &+ UInt64(round),
                                     classCount: classNames?.count ?? 0, guidance: round == 1 ? settings.guidance ?? 0 : 0)
        } catch let error as CLIError { throw error } catch { throw CLIError("--sampler \(settings.sampler): \(CLIError(error).description)") }
    }

    /// Generates (or finishes) this round's pairs. False when stopped by a signal (saved).
    func makePairs(shouldStop: () -> Bool) throws -> Bool {
        let file = folder.pairs(round: round).path
        let shape = teacher.model.sampleShape
        let preset = try samplerPreset
        let isImage = shape.count == 3
        let generator = try self.generator(preset)
        var noise: [Float] = [], samples: [Float] = [], done = 0
        var record = ReflowPairs.Record(teacher: teacherFile, teacherSHA256: teacherSHA256, sampler: settings.sampler, samplerJSON: preset.json,
                                        seed: settings.seed &+ UInt64(round), classNames: classNames, guidance: classNames == nil ? nil : generator.guidance,
                                        cpu: CPUInfo.identity)
        if FileManager.default.fileExists(atPath: file) {
            let existing = try ReflowPairs.read(from: file)
            guard existing.record.teacherSHA256 == teacherSHA256 else {
                throw CLIError("\(file) was made by another teacher (SHA-256 \(existing.record.teacherSHA256.prefix(12))…, not \(teacherSHA256.prefix(12))… of \(teacherFile)): move it away or use another --out")
            }
            guard existing.sampleShape == shape, existing.target == settings.pairs else {
                throw CLIError("\(file) holds pairs of shape \(existing.sampleShape) toward \(existing.target), not \(shape) toward \(settings.pairs): move it away or use another --out")
            }
            if existing.isComplete { return true }
            guard existing.count % settings.pairsBatch == 0 else {
                throw CLIError("\(file) holds \(existing.count) pairs, not whole batches of \(settings.pairsBatch): it was not written by this distillation; move it away")
            }
            (noise, samples, done) = (existing.noise.scalars, existing.samples.scalars, existing.count)
            record = existing.record
        }
        try FileManager.default.createDirectory(at: folder.round(round), withIntermediateDirectories: true)
        stderrLine("pairs: \(done)/\(settings.pairs) by \(settings.sampler) → \(file)")
        var saved = done
        try generator.extend(noise: noise, samples: samples, done: done, target: settings.pairs, saveEvery: max(settings.pairsBatch, isImage ? 512 : 10_000),
                             shouldStop: shouldStop, checkpoint: { n, s, rows, passes, nfe, seconds in
            record.nfePerSample = nfe
            record.evaluations += passes
            record.seconds += seconds
            saved = rows
            let pairs = ReflowPairs(noise: Tensor(n, shape: [rows] + shape), samples: Tensor(s, shape: [rows] + shape),
                                    labels: generator.labels(first: 0, count: rows), target: settings.pairs, record: record)
            try pairs.write(to: file)
            stderrLine("pairs: \(rows)/\(settings.pairs) (\(nfe) NFE each, \(Int(record.seconds.rounded())) s so far)")
        })
        return saved == settings.pairs
    }

    /// The student's training configuration on `pairs`.
    func studentConfig(pairs: DataSpec) throws -> TrainingConfig {
        let record = DistillationRecord(method: settings.method, round: round, teacher: teacherFile, teacherSHA256: teacherSHA256,
                                        teacherLedger: teacherCheckpoint?.training.distillation.map { [$0] } ?? [], pairs: settings.pairs,
                                        generation: ReflowPairs.Record(teacher: teacherFile, teacherSHA256: teacherSHA256, sampler: settings.sampler,
                                                                       samplerJSON: "", seed: 0, cpu: CPUInfo.identity),
                                        trainingCPU: CPUInfo.identity)
        let model: ModelConfig, timeSampling: TimeSampling
        if let c = teacherCheckpoint {
            model = c.model
            timeSampling = c.training.objective.kind == .cnf ? .uniform : c.training.objective.timeSampling
        } else {
            let d = teacher.model.sampleShape.reduce(1, *)
            var m = MLPConfig(inputDimension: d, width: MLPConfig.mlp2d.width, depth: MLPConfig.mlp2d.depth,
                              timeEmbeddingDimension: MLPConfig.mlp2d.timeEmbeddingDimension)
            m.timeScale = 1
            model = .mlp(m)
            timeSampling = .uniform
        }
        let isImage = teacher.model.sampleShape.count == 3
        let config = TrainingConfig(
            data: pairs, model: model, objective: ObjectiveConfig(kind: .cfm, timeSampling: timeSampling), path: .standard(.rectified),
            steps: settings.steps, batchSize: settings.batch, learningRate: settings.learningRate, seed: settings.seed &+ UInt64(round),
            checkpointEvery: isImage ? 250 : 1000, sampleEvery: isImage ? 500 : 1000, logEvery: 50,
            conditioning: classNames.map { ClassConditioning(classNames: $0, labelDropout: 0) },
            warmStart: teacherCheckpoint.map { WarmStart(from: $0, path: teacherFile) },
            shardRows: ShardLayout.defaultShardRows(images: isImage, batch: settings.batch), distillation: record)
        do { try config.validate() } catch { throw CLIError(error) }
        return config
    }

    /// Trains (or continues) this round's student. False when stopped by a signal (checkpointed).
    func trainStudent(shouldStop: () -> Bool) throws -> Bool {
        let runFolder = RunFolder(folder.student(round: round).path)
        let run: TrainingRun
        if FileManager.default.fileExists(atPath: runFolder.checkpoint) {
            run = try TrainingRun.resume(runFolder, threads: ComputeThreads.count)
            if run.trainer.isFinished { return true }
        } else {
            var config = try studentConfig(pairs: try DataSpec.parse("pairs:" + folder.pairs(round: round).path))
            let made = try ReflowPairs.header(of: folder.pairs(round: round).path).record
            config.distillation?.generation = made
            run = try TrainingRun.start(config, in: runFolder, initialWeights: teacherCheckpoint?.ema)
        }
        run.preview = TrainingPreview.render
        let config = run.trainer.config
        stderrLine("student: \(config.model.summary) with cfm on the pairs, step \(run.trainer.step)/\(config.steps) → \(runFolder.url.path)")
        let display = ProgressLine(every: max(config.logEvery, 1))
        let outcome = try run.run(shouldStop: shouldStop, onStep: display.update)
        display.finish()
        if case .interrupted = outcome { return false }
        return true
    }

    /// Straightness of `model` from this distillation's fixed straightness noise; for a
    /// class-conditional distillation, path i for class i mod K at guidance `guidance` (the
    /// teacher's map the pairs followed, or a student's baked-in one at 0).
    func straightness(of model: any DiffusionModel, guidance: Double = 0) throws -> Straightness.Measurement {
        let n = settings.straightnessPaths
        let noise = Sampler.initialNoise(count: n, sampleShape: model.sampleShape, key: RandomKey(seed: settings.seed).fold("straightness"))
        let measured: any DiffusionModel = classNames.map { names in
            GuidedModel(model, classes: (0..<n).map { $0 % names.count }, guidance: guidance)
        } ?? model
        return try Straightness.measure(measured, noise: noise, steps: settings.straightnessSteps)
    }
}

/// DIR/straightness.csv: round (0 = the teacher), model file, S, its standard error, paths, steps.
struct StraightnessTable {
    var rows: [Int: (file: String, m: Straightness.Measurement)] = [:]

    init(_ url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 6, let r = Int(f[0]), let v = Double(f[2]), let se = Double(f[3]), let p = Int(f[4]), let s = Int(f[5]) else {
                throw CLIError("\(url.path): a damaged line '\(line)'; delete the file and resume to measure again")
            }
            rows[r] = (f[1], Straightness.Measurement(value: v, standardError: se, paths: p, steps: s))
        }
    }

    func value(round r: Int) -> Straightness.Measurement? { rows[r]?.m }
    mutating func set(round r: Int, file: String, _ m: Straightness.Measurement) { rows[r] = (file, m) }

    func write(_ url: URL) throws {
        var text = "round,model,straightness,se,paths,steps\n"
        for r in rows.keys.sorted() {
            let (file, m) = rows[r]!
            text += "\(r),\(file),\(m.value),\(m.standardError),\(m.paths),\(m.steps)\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// "teacher …: straightness 0.41 ± 0.02" and "round 1 student …: 0.03 ± 0.002 (13.7× straighter)".
    func summary() -> [String] {
        rows.keys.sorted().map { r in
            let (file, m) = rows[r]!
            let base = String(format: "straightness %.4g ± %.2g", m.value, m.standardError)
            guard r > 0, let teacher = rows[0]?.m, m.value > 0 else { return "\(r == 0 ? "teacher" : "round \(r) student") \(file): \(base)" }
            return "round \(r) student \(file): \(base) (\(String(format: "%.1f", teacher.value / m.value))× straighter than the teacher)"
        }
    }
}
