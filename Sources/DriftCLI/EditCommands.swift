import ArgumentParser
import DriftIO
import Foundation
import Generative
import Samplers
import Presets
import TensorCore
import TensorIO

/// The sampler of an editing command (--sampler or `defaultName`, with the override flags), checked against the model.
private func editingSampler(_ options: SamplerOptions, default defaultName: String, model: any DiffusionModel, needsODE: Bool,
                            command: String) throws -> SamplerPreset {
    let preset = try options.preset(default: defaultName)
    try preset.validate(for: model)
    preset.warnIfUniformInSigma(on: model.path)
    if needsODE, preset.sampler.isStochastic {
        throw CLIError("--sampler \(preset.source) is stochastic; \(command) integrates the probability-flow ODE: use an ODE sampler (e.g. dopri5, heun-karras-18, dpmpp-2m-20)")
    }
    return preset
}

/// The model an editing command runs: `m` itself, or with `--class` (one class for every row),
/// `--guidance` and `--guide` a `GuidedModel` for batches of `rows` rows.
private func conditioned(_ m: any DiffusionModel, _ options: ClassOptions, model: String) throws -> (Int) -> any DiffusionModel {
    var k: Int?
    if let choice = options.classChoice {
        let parsed = try ClassChoice.parse(choice, classNames: m.classNames, model: model)
        guard case .one(let one) = parsed else { throw CLIError("--class all is for drift sample; give one class (an index or a name)") }
        k = one
    }
    let settings = try GuidanceSettings(options, model: m, modelName: model, choice: k.map { .one($0) })
    if k == nil, settings.guide == nil { return { _ in m } }
    return { rows in settings.model(m, classes: [Int?](repeating: k, count: rows)) }
}

/// Root mean square and largest absolute difference of two tensors.
private func differences(_ a: Tensor, _ b: Tensor) -> (rms: Double, max: Double) {
    let d = zip(a.scalars, b.scalars).map { Double($0 - $1) }
    return ((d.map { $0 * $0 }.reduce(0, +) / Double(Swift.max(d.count, 1))).squareRoot(), d.map { Swift.abs($0) }.max() ?? 0)
}

/// `drift encode`: images → their noise along the probability-flow ODE (PF-ODE inversion).
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode PNG images to noise by integrating the probability-flow ODE from data to noise; HDF5 /noise out.",
        discussion: """
            Example:
              drift sample --model checkpoints/fashion-cfm-unet28.h5 --n 4 --out samples/
              drift encode --model checkpoints/fashion-cfm-unet28.h5 --image samples/sample-0000.png --sampler dopri5 --rtol 1e-5 --out shoe-noise.h5
              drift sample --model checkpoints/fashion-cfm-unet28.h5 --sampler dopri5 --init-noise shoe-noise.h5 --n 1 --out back.png
            The image is taken as the state at the sampler's end time and integrated with the sampler's own solver over its
            grid reversed (adaptive solvers: between the same endpoints) to the start time; /noise is x(t_start)/σ(t_start), the
            standard normal noise drift sample --init-noise expects. The images are then decoded with the same sampler and the
            reconstruction error printed and stored (attributes reconstruction_rms, reconstruction_max; pixels in [−1, 1]).
            """)

    @OptionGroup var modelOption: ModelOption
    @Option(name: .customLong("image"), help: "PNG image of the model's size and channels (repeat for several).") var images: [String] = []
    @Option(help: "Output HDF5 file (dataset /noise).") var out: String
    @OptionGroup var classes: ClassOptions
    @OptionGroup var threading: ThreadOptions
    @OptionGroup(title: "Sampler (an ODE preset)") var sampling: SamplerOptions

    var model: String { modelOption.model }

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one --image") }
    }

    func run() throws {
        do { try encode() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func encode() throws {
        threading.apply()
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let preset = try editingSampler(sampling, default: "dopri5", model: m, needsODE: true, command: "encode")
        let runModel = try conditioned(m, classes, model: model)(images.count)
        let x = try ImageInput.read(images, sampleShape: m.sampleShape, flag: "--image")
        let writer = try HDF5Writer(path: out)
        let key = RandomKey(seed: 0)
        let start = Date()
        let noise = try preset.sampler.encode(runModel, data: x, key: key)
        let decoded = try preset.sampler.sample(runModel, noise: noise, key: key).samples
        let error = differences(decoded, x)
        try writer.write(noise, to: "/noise")
        try writer.setAttribute("sampler", .string(preset.json))
        try writer.setAttribute("model", .string(loaded.description))
        try writer.setAttribute("images", .strings(images))
        try writer.setAttribute("reconstruction_rms", .double(error.rms))
        try writer.setAttribute("reconstruction_max", .double(error.max))
        try writer.commit()
        print(String(format: "encoded %d image(s) with %@ in %.2f s → %@; decoded again: RMS error %.3g, max %.3g (pixels in [−1, 1])",
                     images.count, preset.source, Date().timeIntervalSince(start), out, error.rms, error.max))
    }
}

/// `drift edit`: SDEdit — noise an image part of the way, then run the reverse dynamics back —
/// and inpainting — fill in the masked pixels, the rest kept at every step.
struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit PNG images through the model's reverse dynamics: SDEdit at several strengths, or inpainting under a mask; a PNG grid out.",
        discussion: """
            Examples:
              drift edit --model checkpoints/fashion-cfm-unet28.h5 --image sketch.png --strength 0.2,0.4,0.6,0.8 --out sdedit.png
              drift edit --mode inpaint --model checkpoints/fashion-cfm-unet28.h5 --image shoe.png --mask top-half.png --out filled.png
            SDEdit (Meng et al. 2022): the image is forward-noised to the time t_s = t_end + s·(t_start − t_end) of the sampler's
            range, x = α(t_s)·image + σ(t_s)·ε, and the sampler (ODE or SDE) runs from there with its own step count. Small s keeps
            the layout, s = 1 draws a new sample. The grid has one row per image: the input, then one result per strength.
            Inpainting: white mask pixels (≥ 128) are filled in, black ones kept. The kept pixels follow one forward-noised
            trajectory of the image and replace the state's at every step of the ancestral sampler (default ancestral-100);
            --particles K > 1 (default 8) weighs K particles per result by how likely each makes the kept pixels' next values and
            resamples them (SMCDiff, Trippe et al. 2022): exact as K grows, where replacement alone (--particles 1) is not.
            --repaint R retakes each step R times (RePaint, Lugmayr et al. 2022). The grid has one row per image: the input, the
            kept pixels (the rest grey), then --samples results.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case sdedit, inpaint }

    @OptionGroup var modelOption: ModelOption
    @Option(name: .customLong("image"), help: "PNG image of the model's size and channels (repeat for several).") var images: [String] = []
    @Option(help: "Editing mode.") var mode: Mode = .sdedit
    @Option(parsing: .unconditional, help: "SDEdit strengths in (0, 1], comma-separated (default 0.5).") var strength: String?
    @Option(help: "Inpainting: PNG mask of the images' size; white pixels are filled in, black ones kept.") var mask: String?
    @Option(help: "Inpainting: particles per result (1: replacement only; default 8).") var particles: Int?
    @Option(help: "Inpainting: times each step is taken, RePaint-style (default 1; only with --particles 1).") var repaint: Int?
    @Option(help: "Inpainting: results per image (default 4).") var samples: Int?
    @OptionGroup var seeding: SeedOption
    @Option(help: "Output PNG grid.") var out: String
    @OptionGroup var classes: ClassOptions
    @OptionGroup var threading: ThreadOptions
    @OptionGroup(title: "Sampler") var sampling: SamplerOptions

    static let inpaintingSampler = "ancestral-100"

    var model: String { modelOption.model }
    /// The seed of the added noise (and of an SDE sampler's Brownian motion).
    var seed: UInt64 { seeding.seed ?? 0 }

    static func strengths(_ text: String) throws -> [Double] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let v = Double($0.trimmingCharacters(in: .whitespaces)), v > 0, v <= 1 else {
                throw ValidationError("--strength: '\($0)' is not in (0, 1] (give strengths like 0.3 or 0.2,0.5,0.8)")
            }
            return v
        }
    }

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one --image") }
        switch mode {
        case .sdedit:
            _ = try Self.strengths(strength ?? "0.5")
            for (flag, given) in [("--mask", mask != nil), ("--particles", particles != nil), ("--repaint", repaint != nil),
                                  ("--samples", samples != nil)] where given {
                throw ValidationError("\(flag) is for --mode inpaint")
            }
        case .inpaint:
            if strength != nil { throw ValidationError("--strength is for --mode sdedit") }
            if mask == nil { throw ValidationError("--mode inpaint needs --mask MASK.png (white: fill in, black: keep)") }
            if let samples, samples < 1 || samples > 64 { throw ValidationError("--samples must be in 1…64, got \(samples)") }
            _ = try inpainting()
        }
        if URL(fileURLWithPath: out).pathExtension.lowercased() != "png" { throw ValidationError("--out must be a .png file, got \(out)") }
    }

    /// The inpainting settings the flags give.
    func inpainting() throws -> Inpainting {
        do {
            return try Inpainting(particles: particles ?? (repaint.map { $0 > 1 ? 1 : 8 } ?? 8), repaint: repaint ?? 1)
        } catch let e as SamplerError {
            throw ValidationError("--particles/--repaint: \(e.message)")
        }
    }

    func run() throws {
        do {
            switch mode {
            case .sdedit: try sdedit()
            case .inpaint: try inpaint()
            }
        } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func sdedit() throws {
        threading.apply()
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let preset = try editingSampler(sampling, default: SampleCommand.defaultSampler, model: m, needsODE: false, command: "edit")
        let runModel = try conditioned(m, classes, model: model)(images.count)
        let x = try ImageInput.read(images, sampleShape: m.sampleShape, flag: "--image")
        try checkOutputFolder()
        let levels = try Self.strengths(strength ?? "0.5")
        let key = RandomKey(seed: seed)
        let start = Date()
        let results = try levels.map { try preset.sampler.edit(runModel, data: x, strength: $0, key: key).samples }
        // Row i: image i, then its edit at each strength.
        let per = x.count / x.shape[0]
        var grid = [Float]()
        for i in 0..<x.shape[0] {
            grid += x.scalars[(i * per)..<((i + 1) * per)]
            for r in results { grid += r.scalars[(i * per)..<((i + 1) * per)] }
        }
        try ImageInput.writeGrid(Tensor(grid, shape: [x.shape[0] * (levels.count + 1)] + m.sampleShape), perRow: levels.count + 1,
                                 to: out, text: [PNGText("drift.edit", "sdedit"), PNGText("drift.strengths", strength ?? "0.5"),
                                                 PNGText("drift.sampler", preset.source), PNGText("drift.model", model)])
        print(String(format: "SDEdit of %d image(s) at strength %@ with %@ in %.2f s → %@ (rows: input, then each strength)",
                     images.count, strength ?? "0.5", preset.source, Date().timeIntervalSince(start), out))
    }

    func inpaint() throws {
        threading.apply()
        let settings = try inpainting()
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let preset = try editingSampler(sampling, default: Self.inpaintingSampler, model: m, needsODE: false, command: "edit")
        let x = try ImageInput.read(images, sampleShape: m.sampleShape, flag: "--image")
        let known = try ImageInput.readMask(mask!, sampleShape: m.sampleShape)
        try checkOutputFolder()
        let perImage = samples ?? 4
        let (b, d) = (x.shape[0], x.count / x.shape[0])
        // Each image repeated once per result: result j of image i is sample i·S + j.
        var rows = [Float]()
        for i in 0..<b { for _ in 0..<perImage { rows += x.scalars[(i * d)..<((i + 1) * d)] } }
        let data = Tensor(rows, shape: [b * perImage] + m.sampleShape)
        let runModel = try conditioned(m, classes, model: model)(b * perImage * settings.particles)
        let start = Date()
        let result: InpaintResult
        do {
            result = try preset.sampler.inpaint(runModel, data: data, known: known, settings: settings, key: RandomKey(seed: seed))
        } catch let e as SamplerError {
            throw CLIError("--mode inpaint with --sampler \(preset.source): \(e.message)")
        }
        // Row i: image i, its kept pixels (the rest mid-grey), then its results.
        var grid = [Float]()
        for i in 0..<b {
            let image = Array(x.scalars[(i * d)..<((i + 1) * d)])
            grid += image
            grid += zip(image, known).map { $1 ? $0 : 0 }
            grid += result.samples.scalars[(i * perImage * d)..<((i + 1) * perImage * d)]
        }
        let method = settings.particles > 1 ? "SMC, \(settings.particles) particles" : settings.repaint > 1 ? "RePaint, \(settings.repaint) jumps" : "replacement"
        try ImageInput.writeGrid(Tensor(grid, shape: [b * (perImage + 2)] + m.sampleShape), perRow: perImage + 2, to: out,
                                 text: [PNGText("drift.edit", "inpaint"), PNGText("drift.method", method), PNGText("drift.mask", mask!),
                                        PNGText("drift.sampler", preset.source), PNGText("drift.model", model)])
        let fill = known.filter { !$0 }.count
        print(String(format: "inpainted %d of %d pixels in %d image(s), %d result(s) each (%@; mean ESS %.2f K, %d resamplings), with %@: %d evaluations in %.2f s → %@ (rows: input, kept pixels, results)",
                     fill, known.count, b, perImage, method, result.meanEffectiveFraction, result.resamplings, preset.source,
                     result.evaluations, Date().timeIntervalSince(start), out))
    }

    func checkOutputFolder() throws {
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder) else { throw CLIError("--out \(out): no such folder '\(folder)'") }
    }
}

/// `drift interpolate`: encode two images, interpolate their noises on the sphere, decode.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Interpolate between two PNG images through the model's noise: encode, spherical interpolation, decode; a PNG strip.",
        discussion: """
            Example:
              drift interpolate a.png b.png --model checkpoints/fashion-cfm-unet28.h5 --frames 8 --out strip.png
            Both images are encoded along the probability-flow ODE with the sampler (drift encode), the noises interpolated by
            slerp at K evenly spaced fractions from 0 to 1, and every frame decoded with the same sampler. The first and last
            frames are the two reconstructions.
            """)

    @Argument(help: "The two PNG images.") var ends: [String] = []
    @OptionGroup var modelOption: ModelOption
    @Option(help: "Frames K ≥ 2, both ends included.") var frames: Int = 8
    @Option(help: "Output PNG strip.") var out: String
    @OptionGroup var classes: ClassOptions
    @OptionGroup var threading: ThreadOptions
    @OptionGroup(title: "Sampler (an ODE preset)") var sampling: SamplerOptions

    var model: String { modelOption.model }

    func validate() throws {
        if ends.count != 2 { throw ValidationError("give exactly two images, got \(ends.count)") }
        if frames < 2 || frames > 256 { throw ValidationError("--frames must be in 2…256, got \(frames)") }
        if URL(fileURLWithPath: out).pathExtension.lowercased() != "png" { throw ValidationError("--out must be a .png file, got \(out)") }
    }

    func run() throws {
        do { try interpolate() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func interpolate() throws {
        threading.apply()
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let preset = try editingSampler(sampling, default: SampleCommand.defaultSampler, model: m, needsODE: true, command: "interpolate")
        let runModel = try conditioned(m, classes, model: model)
        let x = try ImageInput.read(ends, sampleShape: m.sampleShape, flag: "image")
        let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder) else { throw CLIError("--out \(out): no such folder '\(folder)'") }
        let key = RandomKey(seed: 0)
        let start = Date()
        let noise = try preset.sampler.encode(runModel(2), data: x, key: key)
        let fractions = (0..<frames).map { Double($0) / Double(frames - 1) }
        let path = sphericalInterpolation(noise.rows(0..<1), noise.rows(1..<2), fractions: fractions)
        let decoded = try preset.sampler.sample(runModel(frames), noise: path, key: key).samples
        try ImageInput.writeGrid(decoded, perRow: frames, to: out,
                                 text: [PNGText("drift.interpolate", ends.joined(separator: " → ")), PNGText("drift.sampler", preset.source),
                                        PNGText("drift.model", model)])
        print(String(format: "interpolated %@ → %@ in %d frames with %@ in %.2f s → %@", ends[0], ends[1], frames, preset.source,
                     Date().timeIntervalSince(start), out))
    }
}
