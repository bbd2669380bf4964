import ArgumentParser
import DriftIO
import Foundation
import Generative
import MessagePassing
import NN
import Samplers
import Presets
import Training
import TensorCore
import TensorIO

/// `drift sample`: draw samples from a model with a sampler preset.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample a model (checkpoint or Gaussian-mixture spec) with a sampler preset; write HDF5, a PNG, or one PNG per sample.",
        discussion: """
            Examples:
              drift sample --model checkpoints/gmm-ring8.json --sampler heun-karras-18 --n 2000 --seed 0 --out ring.h5
              drift sample --model run/checkpoint.h5 --sampler em-500 --steps 200 --n 64 --out em.h5
              drift sample --model m.json --sampler my-sampler.json --init-noise noise.h5 --n 100 --out s.h5
              drift sample --model checkpoints/fashion-cfm-unet28.h5 --n 64 --out grid.png
              drift sample --model checkpoints/fashion-cfm-unet28.h5 --n 16 --out shoes/
              drift sample --like grid.png --out again.png
              drift sample --model runs/fm-cond/checkpoint.h5 --class sneaker --guidance 2 --n 16 --out sneakers.png
              drift sample --model runs/fm-cond/checkpoint.h5 --class all --guidance 1 --n 8 --out classes.png
              drift sample --model runs/fm-kept/checkpoint.h5 --class 7 --guide runs/fm-kept/snapshots/step-00002000.h5 --guidance 1.5 --n 16 --out auto.png
              drift sample --model checkpoints/fashion-edm-unet28.h5 --class all --guidance 1 --guidance-interval 0.28,5.42 --n 8 --out interval.png
            --sampler takes a preset name (a file of samplers/, or of $DRIFT_SAMPLERS) or a path to a preset JSON; without
            it, dpmpp-2m-20 (the ODE preset with the smallest flow-map error at 20 NFE on the analytic ring in drift compare),
            or consistency-2 for a consistency student (drift distill --method consistency).
            The options under SAMPLER below --sampler override the preset's fields. Sample i depends only on the seed, i and
            its batch (and on the batch only for adaptive solvers, whose steps follow the error of a whole batch).
            --class (a class-conditional model) takes an index, a name or all (--n samples of each class, one grid row per
            class); --guidance W ≥ 0 is classifier-free guidance, (1 + W)·f(x, c) − W·f(x, ∅): each evaluation then runs
            the network on a doubled batch (twice the work per NFE). --guide CKPT makes it autoguidance,
            (1 + W)·f(x, c) − W·f_guide(x, c), with a weaker model of the same data (an earlier snapshot or a smaller model:
            same path, parametrization and classes; with or without --class). --guidance-interval LO,HI guides only where
            the noise level σ/α lies in [LO, HI] (one plain pass elsewhere). The summary line and the attribute
            network_passes give the network passes per sample behind the NFE.
            Output: an --out ending in .h5 writes dataset /samples [N, ...] with attributes sampler (JSON), nfe, seed, model,
            model_sha256, drift_version, and beside it a PNG (image grid, or scatter plot for 2-D data); an --out ending in
            .png writes only the picture; an --out that is a folder (ends in /, or exists) writes each image sample as its
            own PNG at the model's size, DIR/sample-0000.png …, which drift encode, edit and interpolate take as they are.
            Every PNG records how it was drawn (text chunk drift.sample: the preset's fields after overrides, n, seed, class,
            guidance, batch, --init-noise and its SHA-256, the model path and its file's SHA-256, Drift's version, and a
            single image's index; drift inspect shows it). drift sample --like PNG --out NEW.png draws it again, bit for bit,
            from the same model file: only --out, --model (the same file at another path: its SHA-256 must match) and
            --threads may be given with --like; any other setting is an error, since it would change the pixels.
            """)

    @Option(help: "Model: a checkpoint (.h5) or a Gaussian-mixture spec (.json) (with --like: the model the PNG names).")
    var model: String?
    @Option(help: "Draw again a PNG drift sample wrote, bit for bit, with the settings recorded in it (then only --out, --model and --threads may be given).")
    var like: String?
    @Option(help: "Number of samples (with --class all: of each class).") var n: Int?
    @OptionGroup var classes: ClassOptions
    @OptionGroup var seeding: SeedOption
    @Option(help: "Output: an HDF5 file (+ PNG beside it), a .png file for the picture alone, or a folder (DIR/) for one PNG per sample.")
    var out: String
    @Option(name: .customLong("init-noise"), help: "HDF5 file whose dataset /noise [N, sample shape…] is the standard normal initial noise.")
    var initNoise: String?
    @Option(help: "Samples per batch (default 64 for images, 4096 otherwise: memory stays flat whatever --n is).") var batch: Int?
    @OptionGroup var threading: ThreadOptions
    @Option(help: "Picture file (default: OUT with .png). 'none' to skip.") var png: String?
    @OptionGroup(title: "Sampler") var sampling: SamplerOptions

    func validate() throws {
        if let n, n < 1 { throw ValidationError("--n must be ≥ 1, got \(n)") }
        if let batch, batch < 1 { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        if let like {
            let given = [("--n", n != nil), ("--class", classes.classChoice != nil), ("--guidance", classes.guidance != nil),
                         ("--guide", classes.guide != nil), ("--guidance-interval", classes.guidanceInterval != nil),
                         ("--seed", seeding.seed != nil), ("--init-noise", initNoise != nil), ("--batch", batch != nil),
                         ("--png", png != nil)].filter(\.1).map(\.0) + sampling.given
            if let flag = given.first {
                throw ValidationError("--like \(like) draws with the settings recorded in it: drop \(flag) (only --out, --model and --threads may be given)")
            }
            if URL(fileURLWithPath: out).pathExtension.lowercased() != "png" {
                throw ValidationError("--like draws one PNG: give --out FILE.png, got \(out)")
            }
        } else {
            if model == nil { throw ValidationError("Missing expected argument '--model <model>' (or give --like IMAGE.png)") }
            if n == nil { throw ValidationError("Missing expected argument '--n <n>' (or give --like IMAGE.png)") }
        }
    }

    func run() throws {
        do { try sample() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    /// What a run draws: from the flags, or from a PNG's recipe (--like).
    struct Plan {
        var loaded: ModelLoader.Loaded
        var preset: SamplerPreset
        /// The recipe every PNG of the run records (`index` set per single image).
        var recipe: SampleRecipe
        var choice: ClassChoice?
        /// The guidance weight, guide and interval, checked against the model.
        var guidance: GuidanceSettings
        /// Samples in the run (--n, or --n of each class).
        var total: Int
        var noise: Tensor?
    }

    /// Where the run's samples go.
    enum Output {
        /// An HDF5 file, and the picture beside it unless `picture` is empty.
        case hdf5(String, picture: String)
        /// The picture alone.
        case picture(String)
        /// One PNG per sample in a folder.
        case images(String)
        /// One sample (--like of a single image) as its own PNG.
        case image(String, index: Int)
    }

    /// The plan the flags describe.
    func planFromFlags() throws -> Plan {
        let model = model!, n = n!
        let loaded = try ModelLoader.load(model)
        let preset = try sampling.preset(default: Self.defaultSampler(for: loaded.model))
        try preset.validate(for: loaded.model)
        preset.warnIfUniformInSigma(on: loaded.model.path)
        let choice = try classes.classChoice.map { try ClassChoice.parse($0, classNames: loaded.model.classNames, model: model) }
        let guidance = try GuidanceSettings(classes, model: loaded.model, modelName: model, choice: choice)
        let total = choice == .all ? n * loaded.model.classNames.count : n
        let batchSize = min(batch ?? (loaded.model.sampleShape.count > 1 ? 64 : 4096), total)
        let noise = try initNoise.map { try Self.readNoise($0, count: total, sampleShape: loaded.model.sampleShape) }
        let recipe = SampleRecipe(version: DriftVersion.current, model: model, modelSHA256: try Self.hash(model, flag: "--model"),
                                  sampler: preset.source, preset: preset.fields, n: n, seed: seeding.seed ?? 0, class: classes.classChoice,
                                  guidance: classes.weight, batch: batchSize, initNoise: initNoise,
                                  initNoiseSHA256: try initNoise.map { try Self.hash($0, flag: "--init-noise") },
                                  guide: classes.guide, guideSHA256: try classes.guide.map { try Self.hash($0, flag: "--guide") },
                                  guidanceInterval: classes.interval)
        return Plan(loaded: loaded, preset: preset, recipe: recipe, choice: choice, guidance: guidance, total: total, noise: noise)
    }

    /// The plan recorded in the PNG `like`, checked against the model file (and the --init-noise file) it names.
    func planFromPNG(_ like: String) throws -> Plan {
        var recipe = try SampleRecipe.read(png: like, flag: "--like")
        let path = model ?? recipe.model
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("--like \(like): it was drawn from the model '\(recipe.model)', which is not here; pass --model PATH to that file")
        }
        let hash = try Self.hash(path, flag: "--model")
        guard hash == recipe.modelSHA256 else {
            throw CLIError("--like \(like): the model '\(path)' is not the file that drew it (SHA-256 \(hash.prefix(12))…, recorded \(recipe.modelSHA256.prefix(12))…)")
        }
        recipe.model = path
        if recipe.version != DriftVersion.current {
            stderrLine("note: \(like) was drawn by Drift \(recipe.version), this is Drift \(DriftVersion.current): pixels may differ where the samplers changed")
        }
        let loaded = try ModelLoader.load(path)
        let preset: SamplerPreset
        do {
            preset = try SamplerPreset.decode(Data(JSONValue.text(recipe.preset).utf8), source: recipe.sampler)
        } catch {
            throw CLIError("--like \(like): its recorded preset does not decode in Drift \(DriftVersion.current): \(CLIError(error).description)")
        }
        try preset.validate(for: loaded.model)
        let choice = try recipe.class.map { try ClassChoice.parse($0, classNames: loaded.model.classNames, model: path) }
        if let guide = recipe.guide {
            guard FileManager.default.fileExists(atPath: guide) else {
                throw CLIError("--like \(like): it was guided by the model '\(guide)', which is not here")
            }
            guard try Self.hash(guide, flag: "--guide") == recipe.guideSHA256 else {
                throw CLIError("--like \(like): the guide '\(guide)' is not the file that guided it (its SHA-256 differs)")
            }
        }
        let guidance = try GuidanceSettings(weight: recipe.guidance, guide: recipe.guide, interval: recipe.guidanceInterval,
                                            model: loaded.model, modelName: path, classRows: choice != nil)
        let total = choice == .all ? recipe.n * loaded.model.classNames.count : recipe.n
        guard recipe.n >= 1, recipe.batch >= 1, recipe.index.map({ (0..<total).contains($0) }) ?? true else {
            throw CLIError("--like \(like): its Drift metadata is damaged (n \(recipe.n), batch \(recipe.batch), index \(recipe.index ?? 0))")
        }
        var noise: Tensor?
        if let file = recipe.initNoise {
            guard FileManager.default.fileExists(atPath: file) else {
                throw CLIError("--like \(like): it was drawn from the initial noise '\(file)', which is not here")
            }
            guard try Self.hash(file, flag: "--init-noise") == recipe.initNoiseSHA256 else {
                throw CLIError("--like \(like): the initial noise '\(file)' is not the file that drew it (its SHA-256 differs)")
            }
            noise = try Self.readNoise(file, count: total, sampleShape: loaded.model.sampleShape)
        }
        return Plan(loaded: loaded, preset: preset, recipe: recipe, choice: choice, guidance: guidance, total: total, noise: noise)
    }

    /// The lower-case hex SHA-256 of a file the run reads.
    static func hash(_ path: String, flag: String) throws -> String {
        do { return try SHA256.hex(ofFile: path) } catch { throw CLIError("\(flag) \(path): \(CLIError(error).description)") }
    }

    /// Where --out (and --png) send the samples, checked before any work: a missing folder, or a
    /// picture of samples that have none, fails here.
    func output(for plan: Plan) throws -> Output {
        let shape = plan.loaded.model.sampleShape
        let url = URL(fileURLWithPath: out)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory)
        if like == nil, out.hasSuffix("/") || (exists && isDirectory.boolValue) {
            guard !exists || isDirectory.boolValue else { throw CLIError("--out \(out) is a file, not a folder") }
            guard SamplePicture.isImage(sampleShape: shape) else {
                throw CLIError("--out \(out): samples of shape \(shape) are not images; write an .h5 file (or a .png picture)")
            }
            if png != nil { throw CLIError("--png names the picture beside an .h5 --out; a folder --out holds one PNG per sample") }
            let parent = url.deletingLastPathComponent().path
            guard exists || FileManager.default.fileExists(atPath: parent) else { throw CLIError("--out \(out): no such folder '\(parent)'") }
            return .images(out)
        }
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder) else { throw CLIError("--out \(out): no such folder '\(folder)'") }
        if let index = plan.recipe.index { return .image(out, index: index) }
        if url.pathExtension.lowercased() == "png" {
            guard SamplePicture.canDraw(sampleShape: shape) else {
                throw CLIError("--out \(out): samples of shape \(shape) have no picture; write an .h5 file")
            }
            return .picture(out)
        }
        let picture = png == "none" ? "" : png ?? (url.deletingPathExtension().path + ".png")
        return .hdf5(out, picture: picture)
    }

    /// The samples the output needs: all of them, except that --like draws only the batches
    /// that hold what its picture shows (the first 64 samples of a grid, or one sample).
    func rowsToDraw(_ plan: Plan, output: Output) -> Range<Int> {
        let b = plan.recipe.batch, total = plan.total
        if case .image(_, let index) = output { return (index / b * b)..<min((index / b + 1) * b, total) }
        if like != nil, plan.choice != .all, SamplePicture.isImage(sampleShape: plan.loaded.model.sampleShape) {
            let shown = min(total, SamplePicture.gridLimit)
            return 0..<min((shown + b - 1) / b * b, total)
        }
        return 0..<total
    }

    func sample() throws {
        threading.apply()
        let plan = try like.map(planFromPNG) ?? planFromFlags()
        let m = plan.loaded.model, recipe = plan.recipe, preset = plan.preset, choice = plan.choice, total = plan.total
        func classes(_ rows: Range<Int>) -> [Int?] { rows.map { choice?.classOf(sample: $0, perClass: recipe.n) } }
        let passes = plan.guidance.model(m, classes: classes(0..<1)).networkPasses
        let batchSize = recipe.batch
        let output = try output(for: plan)
        let drawn = rowsToDraw(plan, output: output)
        try Self.checkMemory(n: drawn.count, batch: batchSize * passes, model: plan.loaded)

        // Open the output first (a bad folder fails before the work); it appears only on commit.
        // Under mpirun every rank checks (so all agree), rank 0 alone opens and writes.
        let world = World.shared
        var writer: HDF5Writer?
        if case .hdf5(let file, _) = output, world.isRoot { writer = try HDF5Writer(path: file) }
        let key = RandomKey(seed: recipe.seed)
        var rows = [Tensor]()
        var evaluations = 0, networkPasses = 0
        let start = Date()
        // This rank's share of the batches (all of them in a world of one): the batches are the
        // ones a single process runs, so even adaptive solvers (whose error norm spans a batch)
        // see the same rows; sample i depends only on (seed, i) and its batch, and the shares
        // gathered in rank order are what one process draws. `drawn` starts on a batch boundary.
        let share = world.shareOfBatches(count: drawn.count, batch: batchSize)
        let mine = (drawn.lowerBound + share.lowerBound)..<(drawn.lowerBound + share.upperBound)
        let progress = SampleProgress(total: mine.count)
        var first = mine.lowerBound
        while first < mine.upperBound {
            let b = min(batchSize, mine.upperBound - first)
            let eps = plan.noise.map { Self.rows($0, first, b) }
                ?? Sampler.initialNoise(count: b, sampleShape: m.sampleShape, key: key, firstSample: first)
            let guided = plan.guidance.model(m, classes: classes(first..<(first + b)))
            let r = try preset.sampler.sample(guided, noise: eps, key: key, firstSample: first) { p in
                progress.update(done: first - mine.lowerBound, batch: b, p)
            }
            rows.append(r.samples)
            evaluations = max(evaluations, r.evaluations)
            networkPasses = max(networkPasses, guided.passes.count)
            first += b
        }
        progress.finish()
        let local = Self.concatenate(rows, count: mine.count, sampleShape: m.sampleShape)
        evaluations = try world.maximum(evaluations)
        networkPasses = try world.maximum(networkPasses)
        guard let everything = try world.gather(local.scalars) else { return }  // ranks > 0: rank 0 writes
        let seconds = Date().timeIntervalSince(start)
        let samples = Tensor(everything, shape: [drawn.count] + m.sampleShape)

        var picture = ""
        switch output {
        case .hdf5(_, let beside):
            var sampler = preset.fields
            sampler["name"] = .string(preset.source)
            guard let writer else { return }  // rank 0 holds the writer
            try writer.write(samples, to: "/samples")
            try writer.setAttribute("sampler", .string(JSONValue.text(sampler)))
            try writer.setAttribute("nfe", .int64(Int64(evaluations)))
            try writer.setAttribute("seed", .int64(Int64(bitPattern: recipe.seed)))
            try writer.setAttribute("model", .string(plan.loaded.description))
            try writer.setAttribute("model_sha256", .string(recipe.modelSHA256))
            try writer.setAttribute("drift_version", .string(DriftVersion.current))
            if choice != nil {
                try writer.write(classes(0..<total).map { Int64($0!) }, shape: [total], to: "/classes")
                try writer.setAttribute("class_names", .strings(m.classNames))
            }
            if choice != nil || recipe.guidance > 0 { try writer.setAttribute("guidance", .double(recipe.guidance)) }
            if let guide = recipe.guide, let hash = recipe.guideSHA256 {
                try writer.setAttribute("guide", .string(guide))
                try writer.setAttribute("guide_sha256", .string(hash))
            }
            if let interval = recipe.guidanceInterval {
                try writer.setAttribute("guidance_interval", .doubles([interval.low, interval.high]))
            }
            try writer.setAttribute("network_passes", .int64(Int64(networkPasses)))
            try writer.commit()
            if try drawPicture(samples, plan: plan, to: beside) { picture = beside }
        case .picture(let file):
            if try drawPicture(samples, plan: plan, to: file) { picture = file }
        case .images(let folder):
            try writeImages(samples, recipe: recipe, to: folder)
        case .image(let file, let index):
            var one = recipe
            one.index = index
            try SamplePicture.writeImage(Self.rows(samples, index - drawn.lowerBound, 1), to: file, text: one.pngText)
        }
        if !picture.isEmpty { print("picture: \(picture)") }
        let kind = preset.sampler.isStochastic ? "SDE" : "ODE"
        let what = choice.map { c -> String in
            let name = { (k: Int) in m.classNames[k] == String(k) ? "\(k)" : "\(k) (\(m.classNames[k]))" }
            switch c {
            case .one(let k): return ", class \(name(k))"
            case .all: return ", \(recipe.n) of each of \(m.classNames.count) classes"
            }
        } ?? ""
        let cost = plan.guidance.summary(evaluations: evaluations, passes: networkPasses, isGuided: passes > 1)
        let count = drawn.count == total ? "\(total)" : "\(drawn.count) of \(total)"
        let verb = like.map { "redrew \($0): sampled" } ?? "sampled"
        print(String(format: "%@ %@%@ with %@ (%@, NFE %d%@) in %.2f s → %@", verb, count, what, preset.source, kind, evaluations, cost, seconds, out))
    }

    /// The picture of the run (grid, class rows or scatter plot) with the run's recipe; false when
    /// `path` is empty or the samples have no picture.
    func drawPicture(_ samples: Tensor, plan: Plan, to path: String) throws -> Bool {
        let shape = plan.loaded.model.sampleShape, text = plan.recipe.pngText
        return plan.choice == .all
            ? try SamplePicture.writeClassRows(samples, perClass: plan.recipe.n, classCount: plan.loaded.model.classNames.count,
                                               sampleShape: shape, to: path, text: text)
            : try SamplePicture.write(samples, sampleShape: shape, to: path, text: text)
    }

    /// Each sample as its own PNG, `folder`/sample-0000.png …, with the recipe and its index. All
    /// or nothing: every image is written under a temporary name first and renamed only when all
    /// are written; on an error the temporary files (and a folder this run created) are removed.
    func writeImages(_ samples: Tensor, recipe: SampleRecipe, to folder: String) throws {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: folder)
        var created = false
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: false); created = true } catch {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError("--out \(folder): cannot create the folder (\(CLIError(error).description))")
            }
        }
        let count = samples.shape[0]
        let names = (0..<count).map { dir.appendingPathComponent(Self.imageName($0, count: count)).path }
        let temporary = names.map { $0 + ".tmp.\(getpid())" }
        do {
            for i in 0..<count {
                var one = recipe
                one.index = i
                try SamplePicture.writeImage(Self.rows(samples, i, 1), to: temporary[i], text: one.pngText)
            }
        } catch {
            for t in temporary { try? fm.removeItem(atPath: t) }
            if created { try? fm.removeItem(at: dir) }
            throw error
        }
        for (t, name) in zip(temporary, names) {
            guard rename(t, name) == 0 else {
                throw CLIError("--out \(folder): cannot rename \(t) to \(name) (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// sample-0000.png …: four digits, more when the run has more samples.
    static func imageName(_ i: Int, count: Int) -> String {
        let digits = max(4, String(max(count - 1, 0)).count)
        let number = String(i)
        return "sample-" + String(repeating: "0", count: max(0, digits - number.count)) + number + ".png"
    }

    /// Refuses what a model cannot do: unconditional sampling or classifier-free guidance of a
    /// conditional model trained without label dropout (it never learned the null class).
    static func checkUnconditional(_ m: any DiffusionModel, classRows: Bool, guidance: Double, model: String) throws {
        guard let trained = m as? TrainedModel, !trained.classNames.isEmpty, trained.labelDropout == 0 else { return }
        if !classRows {
            throw CLIError("\(model) was trained with --label-dropout 0, so it has no unconditional mode: give --class (an index, a name or all)")
        }
        if guidance > 0 {
            throw CLIError("--guidance \(guidance): \(model) was trained with --label-dropout 0 (no null class to guide against); use --guidance 0")
        }
    }

    /// The preset used without --sampler.
    static let defaultSampler = "dpmpp-2m-20"

    /// The preset used without --sampler for `model`: a consistency student's own two-step
    /// consistency sampling, `defaultSampler` for every other model.
    static func defaultSampler(for model: any DiffusionModel) -> String {
        (model as? TrainedModel)?.isConsistencyModel == true ? "consistency-2" : defaultSampler
    }

    /// Where presets are looked up by name: $DRIFT_SAMPLERS, ./samplers, and samplers/ beside the
    /// executable's ancestors (so `.build/release/drift` finds the repository's presets).
    static func presetDirectories() -> [URL] {
        var dirs = [URL]()
        if let env = ProcessInfo.processInfo.environment["DRIFT_SAMPLERS"] { dirs.append(URL(fileURLWithPath: env)) }
        dirs.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("samplers"))
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var dir = exe.deletingLastPathComponent()
            for _ in 0..<5 {
                dir = dir.deletingLastPathComponent()
                dirs.append(dir.appendingPathComponent("samplers"))
            }
        }
        return dirs.filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Dataset /noise of `file`, which must have shape [count] + sampleShape.
    static func readNoise(_ file: String, count: Int, sampleShape: [Int]) throws -> Tensor {
        guard FileManager.default.fileExists(atPath: file) else { throw CLIError("--init-noise: no such file '\(file)'") }
        let reader: HDF5Reader
        do { reader = try HDF5Reader(path: file) } catch { throw CLIError("--init-noise \(file): \(CLIError(error).description)") }
        defer { reader.close() }
        guard reader.contains("/noise") else { throw CLIError("--init-noise \(file): no dataset /noise") }
        let expected = [count] + sampleShape
        let info: HDF5DatasetInfo
        do { info = try reader.info("/noise") } catch { throw CLIError("--init-noise \(file): \(CLIError(error).description)") }
        guard info.shape == expected else {
            throw CLIError("--init-noise \(file): /noise has shape \(info.shape), expected \(expected) (--n \(count) × the model's sample shape)")
        }
        do { return try reader.readTensor("/noise", shape: expected) } catch {
            throw CLIError("--init-noise \(file): \(CLIError(error).description)")
        }
    }

    /// Rows first ..< first + count of x.
    /// Refuses an `--n` whose samples (kept, then written) or a `--batch` whose working memory
    /// would not fit in this machine's memory, naming the flag and what it would need.
    static func checkMemory(n: Int, batch: Int, model loaded: ModelLoader.Loaded) throws {
        let sampleBytes = Double(loaded.model.sampleShape.reduce(1, *)) * 4
        let shape = loaded.model.sampleShape.map(String.init).joined(separator: "×")
        let output = 2 * Double(n) * sampleBytes   // the batches' rows and the joined /samples
        if output > physicalMemoryBytes / 2 {
            throw CLIError("--n \(n): the samples alone (float32 [\(shape)] each) would need about \(formatBytes(output)) of memory, "
                           + "more than half of this machine's \(formatBytes(physicalMemoryBytes)); draw fewer (several runs with other seeds)")
        }
        let working = Double(batch) * workingBytesPerSample(loaded)
        if working > physicalMemoryBytes / 2 {
            throw CLIError("--batch \(batch): one batch of [\(shape)] samples would need about \(formatBytes(working)) of memory, "
                           + "more than half of this machine's \(formatBytes(physicalMemoryBytes)); use a smaller --batch")
        }
    }

    /// Bytes one sample costs in a forward pass of the loaded model (a network's calibrated
    /// estimate; 64 sample sizes for an analytic mixture).
    static func workingBytesPerSample(_ loaded: ModelLoader.Loaded) -> Double {
        (loaded.model as? TrainedModel)?.network.config.workingBytesPerSample(training: false)
            ?? 64 * Double(loaded.model.sampleShape.reduce(1, *)) * 4
    }

    static func rows(_ x: Tensor, _ first: Int, _ count: Int) -> Tensor {
        let per = x.count / x.shape[0]
        return Tensor(Array(x.scalars[(first * per)..<((first + count) * per)]), shape: [count] + Array(x.shape.dropFirst()))
    }

    static func concatenate(_ parts: [Tensor], count: Int, sampleShape: [Int]) -> Tensor {
        if parts.count == 1 { return parts[0] }
        return Tensor(parts.flatMap(\.scalars), shape: [count] + sampleShape)
    }
}

/// Progress of `drift sample` on standard error: one line rewritten in place on a terminal.
final class SampleProgress {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let total: Int
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(total: Int) { self.total = total }

    func update(done: Int, batch: Int, _ p: SolveProgress) {
        guard isTerminal, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let steps = p.stepCount.map { "step \(p.step)/\($0)" } ?? String(format: "step %d (t = %.4g)", p.step, p.time)
        let line = "samples \(done)–\(done + batch) of \(total)  \(steps)  NFE \(p.evaluations)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
