import ArgumentParser
import Datasets
import Foundation
import Generative
import MessagePassing
import Samplers
import Presets
import TensorCore

// Options several commands share, declared once: the same flag, help, defaults and checks everywhere.

/// `--threads`: compute threads (sample, compare, encode, edit, interpolate, likelihood, train, train-classifier).
struct ThreadOptions: ParsableArguments {
    @Option(help: "Compute threads (default: all cores; train --resume: as many as the run used). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
    }

    /// Sets the compute threads when --threads was given.
    func apply() {
        if let threads { ComputeThreads.set(threads) }
    }
}

/// `--image-size` and `--color`: how a `folder:PATH` of PNGs is read (train, train-classifier, compare).
struct FolderImageOptions: ParsableArguments {
    @Option(name: .customLong("image-size"), help: "folder: data: images are centre-cropped and resized to this size (default 32; compare: the model's).")
    var imageSize: Int?
    @Option(help: "folder: data: gray or rgb (default rgb; compare: the model's).") var color: ImageColor?
}

/// `--model`: the model a command runs (compare, encode, edit, interpolate, likelihood; sample
/// declares its own, optional with --like).
struct ModelOption: ParsableArguments {
    @Option(help: "Model: a checkpoint (.h5) or a Gaussian-mixture spec (.json).") var model: String
}

/// `--seed`: the seed of a command's random draws.
struct SeedOption: ParsableArguments {
    @Option(help: "Seed of every random draw (noise, Brownian motion, data order, initial weights; default 0): the same seed, the same results.")
    var seed: UInt64?
}

/// `--class`, `--guidance`, `--guide` and `--guidance-interval`: class-conditional sampling with
/// classifier-free guidance or autoguidance, in all noise levels or an interval (sample, encode,
/// edit, interpolate).
struct ClassOptions: ParsableArguments {
    @Option(name: .customLong("class"), help: "Class of a class-conditional model: an index, a name (e.g. sneaker), or all (drift sample: --n of each class; default: unconditional).")
    var classChoice: String?
    @Option(parsing: .unconditional, help: "Guidance weight W ≥ 0: classifier-free with --class, (1 + W)·f(x, c) − W·f(x, ∅), or autoguidance with --guide (default 0: plain sampling; W > 0 runs two network passes per evaluation).")
    var guidance: Double?
    @Option(help: "Autoguidance: guide with this weaker model of the same data (an earlier checkpoint, or a smaller model; same path, parametrization and classes) instead of the null class, (1 + W)·f(x, c) − W·f_guide(x, c); with or without --class.")
    var guide: String?
    @Option(name: .customLong("guidance-interval"), help: "Guide only where the noise level σ/α lies in [LO, HI] (LO,HI, e.g. 0.28,5.42); elsewhere one plain pass.")
    var guidanceInterval: String?

    /// The guidance weight (0 when not given).
    var weight: Double { guidance ?? 0 }

    /// The --guidance-interval given (checked in `validate`).
    var interval: GuidanceInterval? { guidanceInterval.flatMap { try? Self.interval($0) } }

    func validate() throws {
        if let guidance, !(guidance >= 0 && guidance.isFinite) { throw ValidationError("--guidance must be a number ≥ 0, got \(guidance)") }
        if weight > 0 && classChoice == nil && guide == nil {
            throw ValidationError("--guidance needs --class (guidance pushes samples toward a class) or --guide (autoguidance)")
        }
        if let guide, weight == 0 { throw ValidationError("--guide \(guide) needs --guidance W > 0 (the autoguidance weight)") }
        if let guidanceInterval {
            _ = try Self.interval(guidanceInterval)
            if weight == 0 { throw ValidationError("--guidance-interval needs --guidance W > 0 (it says where guidance applies)") }
        }
    }

    /// "0.28,5.42" → the interval [0.28, 5.42] of noise levels σ/α (positive, low < high).
    static func interval(_ text: String) throws -> GuidanceInterval {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1] else {
            throw ValidationError("--guidance-interval \(text): give two noise levels LO,HI, e.g. 0.28,5.42")
        }
        do { return try GuidanceInterval(low: low, high: high) } catch {
            throw ValidationError("--guidance-interval \(text): \(CLIError(error).description)")
        }
    }
}

/// Grid spacings a preset's `grid` field takes.
enum GridSpacing: String, ExpressibleByArgument, CaseIterable { case uniform, karras, logsnr, quadratic }

extension TimeGrid.FinalStep: ExpressibleByArgument {}

/// `--sampler` and the options that override its preset's fields (sample, encode, edit, interpolate).
struct SamplerOptions: ParsableArguments {
    @Option(help: "Sampler preset: a name (a file of samplers/ or of $DRIFT_SAMPLERS) or a path to a preset JSON (default: \(SampleCommand.defaultSampler); encode: dopri5; edit --mode inpaint: \(EditCommand.inpaintingSampler)).")
    var sampler: String?

    @Option(parsing: .unconditional, help: "Override: number of steps.") var steps: Int?
    @Option(help: "Override: grid spacing.") var grid: GridSpacing?
    @Option(parsing: .unconditional, help: "Override: Karras ρ.") var rho: Double?
    @Option(name: .customLong("t-start"), parsing: .unconditional, help: "Override: start time (near noise).") var tStart: Double?
    @Option(name: .customLong("t-end"), parsing: .unconditional, help: "Override: end time (near data).") var tEnd: Double?
    @Option(name: .customLong("sigma-max"), parsing: .unconditional, help: "Override: start noise level σ/α.") var sigmaMax: Double?
    @Option(name: .customLong("sigma-min"), parsing: .unconditional, help: "Override: end noise level σ/α.") var sigmaMin: Double?
    @Option(name: .customLong("final-step"), help: "Override: the last step.") var finalStep: TimeGrid.FinalStep?
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

    /// Each override: its flag, the preset field it sets, and the value given (nil: not given).
    var fields: [(flag: String, field: String, value: JSONValue?)] {
        func number(_ v: Double?) -> JSONValue? { v.map { .number($0) } }
        func integer(_ v: Int?) -> JSONValue? { v.map { .number(Double($0)) } }
        return [
            ("--steps", "steps", integer(steps)), ("--grid", "grid", grid.map { .string($0.rawValue) }), ("--rho", "rho", number(rho)),
            ("--t-start", "tStart", number(tStart)), ("--t-end", "tEnd", number(tEnd)), ("--sigma-max", "sigmaMax", number(sigmaMax)),
            ("--sigma-min", "sigmaMin", number(sigmaMin)), ("--final-step", "finalStep", finalStep.map { .string($0.rawValue) }),
            ("--eta", "eta", number(eta)), ("--diffusion", "diffusion", diffusion.map { .string($0) }), ("--churn", "sChurn", number(churn)),
            ("--s-tmin", "sTmin", number(sTmin)), ("--s-tmax", "sTmax", number(sTmax)), ("--s-noise", "sNoise", number(sNoise)),
            ("--snr", "snr", number(snr)), ("--corrector-steps", "correctorSteps", integer(correctorSteps)),
            ("--rtol", "rtol", number(rtol)), ("--atol", "atol", number(atol)), ("--max-steps", "maxSteps", integer(maxSteps)),
        ]
    }

    /// The preset fields the override options set.
    var overrides: [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        for case let (_, field, value?) in fields { o[field] = value }
        return o
    }

    /// The flags of this group that were given (--sampler first).
    var given: [String] { (sampler == nil ? [] : ["--sampler"]) + fields.filter { $0.value != nil }.map(\.flag) }

    /// The preset --sampler names (or `defaultName`) with the overrides applied.
    func preset(default defaultName: String) throws -> SamplerPreset {
        try PresetLibrary.resolve(sampler ?? defaultName, in: SampleCommand.presetDirectories(), overrides: overrides)
    }
}

extension SamplerPreset {
    /// One warning line (stderr) when this preset steps evenly in σ on `path` (`TimeGrid.isUniformInSigma`):
    /// it runs, but measured far worse than on a noise-level grid.
    func warnIfUniformInSigma(on path: GaussianPath, name: String? = nil) {
        guard sampler.controller == nil, sampler.grid.isUniformInSigma(on: path), World.shared.rank == 0 else { return }
        stderrLine("warning: \(name ?? source) steps uniformly in t, which on the EDM path (t = σ) is uniformly in σ: nearly every step "
                   + "at high noise (on the ring mixture at 20–50 NFE, SW₂² 0.04–62 against at most 0.03 on a Karras or log-SNR grid; docs/sampling.md); add --grid karras or --grid logsnr")
    }
}
