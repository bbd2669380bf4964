import DriftIO
import Foundation
import Generative
import Samplers

/// Everything that decides the pixels of a PNG `drift sample` writes, stored in the PNG (text
/// chunk `drift.sample`, compact JSON with sorted keys) so that `drift sample --like FILE` can draw
/// it again bit for bit, and `drift inspect FILE` can show it.
///
///     {"batch":64,"class":"2","guidance":1,"model":"m.json","modelSHA256":"9f…","n":1,
///      "preset":{"grid":"karras","rho":7,"solver":"heun","steps":7,…},"sampler":"heun-karras-18","seed":3,"version":"0.1.0"}
///
/// `preset` holds the preset's fields after the override flags, so the preset file need not
/// exist (or be unchanged) to redraw. `batch` is recorded because adaptive solvers' steps follow
/// the error of a whole batch. `index` marks a single image (`--out DIR/`): sample `index` alone.
/// The output path, the threads, the kernel path and the number of MPI processes are not
/// recorded: they do not change a pixel.
struct SampleRecipe: Codable, Equatable {
    /// The Drift version that drew it.
    var version: String
    /// --model as given, and the SHA-256 of the file's bytes.
    var model: String
    var modelSHA256: String
    /// The preset's name or path (as --sampler gave it), and its fields after overrides.
    var sampler: String
    var preset: [String: JSONValue]
    var n: Int
    var seed: UInt64
    /// --class as given (an index, a name or all), nil for unconditional sampling.
    var `class`: String?
    var guidance: Double
    /// Samples per batch.
    var batch: Int
    /// --init-noise as given and the SHA-256 of its file.
    var initNoise: String?
    var initNoiseSHA256: String?
    /// The sample a single image shows (nil: the picture of the whole run).
    var index: Int?
    /// --guide as given and the SHA-256 of its file (nil: classifier-free guidance).
    var guide: String?
    var guideSHA256: String?
    /// --guidance-interval (nil: guidance at every noise level).
    var guidanceInterval: GuidanceInterval?

    /// The PNG text key of the recipe.
    static let key = "drift.sample"

    /// The recipe's JSON, keys sorted (the same recipe, the same bytes).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The text chunks of a picture: the recipe and, for any PNG viewer, the main settings as plain keys.
    var pngText: [PNGText] {
        var text = [PNGText("Software", "Drift \(version)"), PNGText("sampler", sampler), PNGText("seed", "\(seed)"), PNGText("model", model)]
        if let c = `class` { text += [PNGText("class", c), PNGText("guidance", "\(guidance)")] }
        if let guide { text += (`class` == nil ? [PNGText("guidance", "\(guidance)")] : []) + [PNGText("guide", guide)] }
        if let i = guidanceInterval { text.append(PNGText("guidance interval", "\(i.low),\(i.high)")) }
        if let index { text.append(PNGText("index", "\(index)")) }
        text.append(PNGText(Self.key, json))
        return text
    }

    /// The recipe stored in a PNG file's text chunks.
    /// - Throws: one line when the file is missing or not a PNG, has no Drift recipe, or a damaged one.
    static func read(png path: String, flag: String) throws -> SampleRecipe {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(flag): no such file '\(path)'") }
        let file: PNG.File
        do { file = try PNG.read(path) } catch { throw CLIError("\(flag) \(path): \(CLIError(error).description)") }
        return try recipe(in: file, path: path, flag: flag)
    }

    /// The recipe among a read PNG's text chunks.
    static func recipe(in file: PNG.File, path: String, flag: String) throws -> SampleRecipe {
        guard let text = file.text(key) else {
            throw CLIError("\(flag) \(path): no Drift metadata (only the PNGs drift sample writes record how they were drawn)")
        }
        do {
            return try JSONDecoder().decode(SampleRecipe.self, from: Data(text.utf8))
        } catch {
            throw CLIError("\(flag) \(path): its Drift metadata is damaged (\(CLIError(error).description))")
        }
    }
}
