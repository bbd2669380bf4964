import ArgumentParser
import DriftIO
import Foundation
import Generative
import MessagePassing
import NN
import Samplers
import Training
import TensorCore
import TensorIO

/// `drift sample`: draw samples from a model with a sampler preset.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample a model (checkpoint or Gaussian-mixture spec) with a sampler preset; write HDF5 (+ PNG).",
        discussion: """
            Examples:
              drift sample --model checkpoints/gmm-ring8.json --sampler heun-karras-18 --n 2000 --seed 0 --out ring.h5
              drift sample --model run/checkpoint.h5 --sampler em-500 --steps 200 --n 64 --out em.h5
              drift sample --model m.json --sampler my-sampler.json --init-noise noise.h5 --n 100 --out s.h5
              drift sample --model checkpoints/fashion-cfm-unet28.h5 --n 64 --out grid.png
              drift sample --model runs/fm-cond/checkpoint.h5 --class sneaker --guidance 2 --n 16 --out sneakers.png
              drift sample --model runs/fm-cond/checkpoint.h5 --class all --guidance 1 --n 8 --out classes.png
            --sampler takes a preset name (a file of samplers/, or of $DRIFT_SAMPLERS) or a path to a preset JSON; without
            it, dpmpp-2m-20 (the ODE preset with the smallest flow-map error at 20 NFE on the analytic ring in drift compare).
            An --out ending in .png writes only the picture. --class (a class-conditional model) takes an index, a name or
            all (--n samples of each class, one grid row per class); --guidance W ≥ 0 is classifier-free guidance,
            (1 + W)·f(x, c) − W·f(x, ∅): each evaluation then runs the network on a doubled batch (twice the work per NFE).
            Options below --batch override the preset's fields. Output: dataset /samples [N, ...] with attributes
            sampler (JSON), nfe, seed, model; beside it a PNG (image grid, or scatter plot for 2-D data).
            """)

    @Option(help: "Model: a checkpoint (.h5) or a Gaussian-mixture spec (.json).") var model: String
    @Option(help: "Sampler preset name or path to a preset JSON (default: \(SampleCommand.defaultSampler)).")
    var sampler: String = SampleCommand.defaultSampler
    @Option(help: "Number of samples (with --class all: of each class).") var n: Int
    @Option(name: .customLong("class"), help: "Class of a class-conditional model: an index, a name (e.g. sneaker) or all (default: unconditional).")
    var classChoice: String?
    @Option(parsing: .unconditional, help: "Classifier-free guidance weight W ≥ 0 with --class (default 0: plain conditional sampling).")
    var guidance: Double = 0
    @Option(help: "Seed: sample i depends only on (seed, i).") var seed: UInt64 = 0
    @Option(help: "Output: an HDF5 file (+ PNG beside it), or a .png file for the picture alone.") var out: String
    @Option(name: .customLong("init-noise"), help: "HDF5 file whose dataset /noise [N, sample shape…] is the standard normal initial noise.")
    var initNoise: String?
    @Option(help: "Samples per batch (default 64 for images, 4096 otherwise: memory stays flat whatever --n is). Results do not depend on it.") var batch: Int?
    @Option(help: "Compute threads (default: all cores). Results do not depend on it.") var threads: Int?
    @Option(help: "Picture file (default: OUT with .png). 'none' to skip.") var png: String?

    @Option(parsing: .unconditional, help: "Override: number of steps.") var steps: Int?
    @Option(help: "Override: grid spacing (uniform, karras, logsnr, quadratic).") var grid: String?
    @Option(parsing: .unconditional, help: "Override: Karras ρ.") var rho: Double?
    @Option(name: .customLong("t-start"), parsing: .unconditional, help: "Override: start time (near noise).") var tStart: Double?
    @Option(name: .customLong("t-end"), parsing: .unconditional, help: "Override: end time (near data).") var tEnd: Double?
    @Option(name: .customLong("sigma-max"), parsing: .unconditional, help: "Override: start noise level σ/α.") var sigmaMax: Double?
    @Option(name: .customLong("sigma-min"), parsing: .unconditional, help: "Override: end noise level σ/α.") var sigmaMin: Double?
    @Option(name: .customLong("final-step"), help: "Override: none, zero or denoise.") var finalStep: String?
    @Option(parsing: .unconditional, help: "Override: η (ddim, ancestral, dpmpp-2m-sde).") var eta: Double?
    @Option(help: "Override: diffusion level (forward, zero, scaled:k, constant:c) of euler-maruyama.") var diffusion: String?
    @Option(parsing: .unconditional, help: "Override: EDM S_churn.") var churn: Double?
    @Option(name: .customLong("s-tmin"), parsing: .unconditional, help: "Override: EDM S_tmin.") var sTmin: Double?
    @Option(name: .customLong("s-tmax"), parsing: .unconditional, help: "Override: EDM S_tmax.") var sTmax: Double?
    @Option(name: .customLong("s-noise"), parsing: .unconditional, help: "Override: EDM S_noise.") var sNoise: Double?
    @Option(parsing: .unconditional, help: "Override: Langevin signal-to-noise ratio (pc).") var snr: Double?
    @Option(name: .customLong("corrector-steps"), parsing: .unconditional, help: "Override: Langevin corrector steps (pc).") var correctorSteps: Int?
    @Option(parsing: .unconditional, help: "Override: relative tolerance (bosh3, dopri5).") var rtol: Double?
    @Option(parsing: .unconditional, help: "Override: absolute tolerance (bosh3, dopri5).") var atol: Double?
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Override: most adaptive steps (bosh3, dopri5).") var maxSteps: Int?

    func validate() throws {
        if n < 1 { throw ValidationError("--n must be ≥ 1, got \(n)") }
        if let batch, batch < 1 { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        if !(guidance >= 0 && guidance.isFinite) { throw ValidationError("--guidance must be a number ≥ 0, got \(guidance)") }
        if guidance > 0 && classChoice == nil { throw ValidationError("--guidance needs --class (guidance pushes samples toward a class)") }
    }

    /// Preset fields set by the override options.
    var overrides: [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        let numbers: [(String, Double?)] = [
            ("steps", steps.map(Double.init)), ("rho", rho), ("tStart", tStart), ("tEnd", tEnd), ("sigmaMax", sigmaMax),
            ("sigmaMin", sigmaMin), ("eta", eta), ("sChurn", churn), ("sTmin", sTmin), ("sTmax", sTmax), ("sNoise", sNoise),
            ("snr", snr), ("correctorSteps", correctorSteps.map(Double.init)), ("rtol", rtol), ("atol", atol),
            ("maxSteps", maxSteps.map(Double.init)),
        ]
        for case let (k, v?) in numbers { o[k] = .number(v) }
        for case let (k, v?) in [("grid", grid), ("finalStep", finalStep), ("diffusion", diffusion)] { o[k] = .string(v) }
        return o
    }

    func run() throws {
        do { try sample() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func sample() throws {
        if let threads { ComputeThreads.set(threads) }
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let preset = try PresetLibrary.resolve(sampler, in: Self.presetDirectories(), overrides: overrides)
        try preset.validate(for: m)
        let choice = try classChoice.map { try ClassChoice.parse($0, classNames: m.classNames, model: model) }
        let total = choice == .all ? n * m.classNames.count : n
        func classes(_ rows: Range<Int>) -> [Int?] { rows.map { choice?.classOf(sample: $0, perClass: n) } }
        try Self.checkUnconditional(m, choice: choice, guidance: guidance, model: model)
        let passes = GuidedModel(m, classes: classes(0..<1), guidance: guidance).networkPasses
        let batchSize = min(batch ?? (m.sampleShape.count > 1 ? 64 : 4096), total)
        try Self.checkMemory(n: total, batch: batchSize * passes, model: loaded)
        let noise = try initNoise.map { try Self.readNoise($0, count: total, sampleShape: m.sampleShape) }

        // Open the output first (a bad folder fails before the work); it appears only on commit.
        // Under mpirun every rank checks (so all agree), rank 0 alone opens and writes.
        let world = World.shared
        let pictureOnly = URL(fileURLWithPath: out).pathExtension.lowercased() == "png"
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder) else { throw CLIError("--out \(out): no such folder '\(folder)'") }
        if pictureOnly {
            guard SamplePicture.canDraw(sampleShape: m.sampleShape) else {
                throw CLIError("--out \(out): samples of shape \(m.sampleShape) have no picture; write an .h5 file")
            }
        }
        let writer = pictureOnly || !world.isRoot ? nil : try HDF5Writer(path: out)
        let key = RandomKey(seed: seed)
        var rows = [Tensor]()
        var evaluations = 0
        let start = Date()
        // This rank's share of the batches (all of them in a world of one): the batches are the
        // ones a single process runs, so even adaptive solvers (whose error norm spans a batch)
        // see the same rows; sample i depends only on (seed, i) and its batch, and the shares
        // gathered in rank order are what one process draws.
        let mine = world.shareOfBatches(count: total, batch: batchSize)
        let progress = SampleProgress(total: mine.count)
        var first = mine.lowerBound
        while first < mine.upperBound {
            let b = min(batchSize, mine.upperBound - first)
            let eps = noise.map { Self.rows($0, first, b) }
                ?? Sampler.initialNoise(count: b, sampleShape: m.sampleShape, key: key, firstSample: first)
            let guided = GuidedModel(m, classes: classes(first..<(first + b)), guidance: guidance)
            let r = try preset.sampler.sample(guided, noise: eps, key: key, firstSample: first) { p in
                progress.update(done: first - mine.lowerBound, batch: b, p)
            }
            rows.append(r.samples)
            evaluations = max(evaluations, r.evaluations)
            first += b
        }
        progress.finish()
        let local = Self.concatenate(rows, count: mine.count, sampleShape: m.sampleShape)
        evaluations = try world.maximum(evaluations)
        guard let everything = try world.gather(local.scalars) else { return }  // ranks > 0: rank 0 writes
        let seconds = Date().timeIntervalSince(start)
        let samples = Tensor(everything, shape: [total] + m.sampleShape)

        var sampler = preset.fields
        sampler["name"] = .string(preset.source)
        if let writer {
            try writer.write(samples, to: "/samples")
            try writer.setAttribute("sampler", .string(JSONValue.text(sampler)))
            try writer.setAttribute("nfe", .int64(Int64(evaluations)))
            try writer.setAttribute("seed", .int64(Int64(bitPattern: seed)))
            try writer.setAttribute("model", .string(loaded.description))
            if choice != nil {
                try writer.write(classes(0..<total).map { Int64($0!) }, shape: [total], to: "/classes")
                try writer.setAttribute("class_names", .strings(m.classNames))
                try writer.setAttribute("guidance", .double(guidance))
            }
            try writer.commit()
        }

        var picture = pictureOnly ? out : png ?? (URL(fileURLWithPath: out).deletingPathExtension().path + ".png")
        if png == "none" && !pictureOnly { picture = "" }
        var text = [PNGText("sampler", preset.source), PNGText("seed", "\(seed)"), PNGText("model", model)]
        if let classChoice { text += [PNGText("class", classChoice), PNGText("guidance", "\(guidance)")] }
        let drawn = choice == .all
            ? try SamplePicture.writeClassRows(samples, perClass: n, classCount: m.classNames.count, sampleShape: m.sampleShape, to: picture, text: text)
            : try SamplePicture.write(samples, sampleShape: m.sampleShape, to: picture, text: text)
        if !picture.isEmpty, drawn { print("picture: \(picture)") }
        let kind = preset.sampler.isStochastic ? "SDE" : "ODE"
        let what = choice.map { c -> String in
            let name = { (k: Int) in m.classNames[k] == String(k) ? "\(k)" : "\(k) (\(m.classNames[k]))" }
            switch c {
            case .one(let k): return ", class \(name(k))"
            case .all: return ", \(n) of each of \(m.classNames.count) classes"
            }
        } ?? ""
        let cost = passes > 1 ? String(format: ", guidance %g: each evaluation runs the network on a doubled batch (%d network passes per sample)", guidance, evaluations * passes) : ""
        print(String(format: "sampled %d%@ with %@ (%@, NFE %d%@) in %.2f s → %@", total, what, preset.source, kind, evaluations, cost, seconds, out))
    }

    /// Refuses what a model cannot do: unconditional sampling or guidance of a conditional model
    /// trained without label dropout (it never learned the null class).
    static func checkUnconditional(_ m: any DiffusionModel, choice: ClassChoice?, guidance: Double, model: String) throws {
        guard let trained = m as? TrainedModel, !trained.classNames.isEmpty, trained.labelDropout == 0 else { return }
        if choice == nil {
            throw CLIError("\(model) was trained with --label-dropout 0, so it has no unconditional mode: give --class (an index, a name or all)")
        }
        if guidance > 0 {
            throw CLIError("--guidance \(guidance): \(model) was trained with --label-dropout 0 (no null class to guide against); use --guidance 0")
        }
    }

    /// The preset used without --sampler.
    static let defaultSampler = "dpmpp-2m-20"

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
