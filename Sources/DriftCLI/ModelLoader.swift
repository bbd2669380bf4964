import Foundation
import Generative
import Training

/// The seam between `--model ARG` and a `DiffusionModel`: every kind of model file the CLI can
/// sample. Add a case here (and nowhere else) for a new kind.
enum ModelLoader {
    /// A loaded model and how to name it in outputs.
    struct Loaded {
        var model: any DiffusionModel
        /// What the `model` attribute of the samples file records.
        var description: String
    }

    /// Loads `argument` by its extension: `.json` an analytic Gaussian mixture spec,
    /// `.h5`/`.hdf5` a trained checkpoint (EMA weights). Errors name `flag` (--model, --guide).
    static func load(_ argument: String, flag: String = "--model") throws -> Loaded {
        guard FileManager.default.fileExists(atPath: argument) else {
            throw CLIError("\(flag): no such file '\(argument)'")
        }
        switch URL(fileURLWithPath: argument).pathExtension.lowercased() {
        case "json":
            let gmm: GaussianMixture
            do { gmm = try GaussianMixture.load(from: URL(fileURLWithPath: argument)) } catch {
                throw CLIError("\(flag) \(argument): \(CLIError(error).description)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let spec = (try? encoder.encode(gmm.spec)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return Loaded(model: gmm, description: "gmm \(argument) \(spec)")
        case "h5", "hdf5":
            do {
                return Loaded(model: try TrainedModel.load(argument), description: "checkpoint \(argument) (ema)")
            } catch {
                throw CLIError("\(flag) \(argument): \(CLIError(error).description)")
            }
        default:
            throw CLIError("\(flag) \(argument): expected a checkpoint (.h5) or a Gaussian-mixture spec (.json)")
        }
    }
}
