import ArgumentParser
import DriftIO
import Foundation
import Generative
import Samplers
import Training

/// `drift inspect FILE`: what a checkpoint, a Gaussian-mixture spec or a PNG of drift sample holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a Drift file holds: a checkpoint, a Gaussian-mixture spec, or how drift sample drew a PNG.",
        discussion: """
            A checkpoint (.h5) is validated in full, then its format, configuration, step, parameters and datasets are
            listed; a Gaussian-mixture spec (.json) its path, parametrization and components; a PNG (.png) the settings
            drift sample recorded in it (drift sample --like draws it again). Every file's SHA-256 is shown: it is what a
            PNG records of its model.
            """)

    @Argument(help: "A checkpoint (.h5) written by drift train, a Gaussian-mixture spec (.json), or a PNG written by drift sample.")
    var file: String

    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw CLIError("no such file '\(file)'") }
        do {
            switch URL(fileURLWithPath: file).pathExtension.lowercased() {
            case "json": print(try Self.mixture(file), terminator: "")
            case "png": print(try Self.picture(file), terminator: "")
            default: print(try Self.checkpoint(file), terminator: "")
            }
        } catch { throw CLIError(error) }
    }

    /// Rows of "name  value", the names padded to one width.
    static func table(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }

    /// The checkpoint summary, with the file's SHA-256 under its name.
    static func checkpoint(_ file: String) throws -> String {
        let text = try CheckpointSummary(file: file).text
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let first = lines.first, first.hasSuffix(file) {
            let label = first.dropLast(file.count).count
            lines.insert("sha256".padding(toLength: label, withPad: " ", startingAt: 0) + (try SHA256.hex(ofFile: file)), at: 1)
        }
        return lines.joined(separator: "\n")
    }

    /// An analytic Gaussian mixture: its path, parametrization, shape and components.
    static func mixture(_ file: String) throws -> String {
        let gmm: GaussianMixture
        do { gmm = try GaussianMixture.load(from: URL(fileURLWithPath: file)) } catch { throw CLIError("\(file): \(CLIError(error).description)") }
        let spec = gmm.spec
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let path = (try? encoder.encode(spec.path)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        let k = spec.componentCount
        var rows: [(String, String)] = [
            ("file", file),
            ("sha256", try SHA256.hex(ofFile: file)),
            ("format", "Gaussian-mixture spec (an analytic model: exact scores and likelihoods under every path)"),
        ]
        if let name = spec.name { rows.append(("name", name)) }
        rows += [
            ("sample shape", "\(gmm.sampleShape) (dimension \(spec.dimension))"),
            ("path", path),
            ("parametrization", gmm.parametrization.rawValue),
            ("components", "\(k), diagonal (classes 0–\(k - 1): drift sample --class K draws component K)"),
        ]
        var out = table(rows)
        let indexWidth = String(k - 1).count
        for i in 0..<k {
            out += "  " + String(i).padding(toLength: indexWidth, withPad: " ", startingAt: 0)
                + String(format: "  weight %.6g", spec.weights[i]) + "  mean " + vector(spec.means[i]) + "  std " + vector(spec.stds[i]) + "\n"
        }
        return out
    }

    /// A short text for a vector: every value up to 6, else the first three and the range.
    static func vector(_ v: [Double]) -> String {
        let f = { (x: Double) in String(format: "%.6g", x) }
        if v.count <= 6 { return "[" + v.map(f).joined(separator: ", ") + "]" }
        return "[" + v.prefix(3).map(f).joined(separator: ", ") + ", …] (\(v.count) values in [\(f(v.min()!)), \(f(v.max()!))])"
    }

    /// A PNG: its size and, for one drift sample wrote, the recorded settings and whether the model here is the one.
    static func picture(_ file: String) throws -> String {
        let png = try PNG.read(file)
        let kind = [1: "grey", 2: "grey + alpha", 3: "RGB", 4: "RGBA"][png.image.channels] ?? "\(png.image.channels) channels"
        var rows: [(String, String)] = [
            ("file", file),
            ("sha256", try SHA256.hex(ofFile: file)),
            ("format", "PNG, \(png.image.width)×\(png.image.height) \(kind), \(png.bitDepth)-bit"),
        ]
        guard png.text(SampleRecipe.key) != nil else {
            rows.append(("drawn by", "not drift sample (no Drift metadata: drift sample --like cannot draw it again)"))
            var out = table(rows)
            out += "text chunks (\(png.text.count)):\n"
            for t in png.text { out += "  \(t.key): \(t.text)\n" }
            return out
        }
        let r = try SampleRecipe.recipe(in: png, path: file, flag: "inspect")
        let here: String
        if !FileManager.default.fileExists(atPath: r.model) {
            here = "not here (drift sample --like needs --model PATH to that file)"
        } else {
            here = (try? SHA256.hex(ofFile: r.model)) == r.modelSHA256 ? "the file here matches" : "the file here differs (drift sample --like will refuse it)"
        }
        rows += [
            ("drawn by", "drift sample, Drift \(r.version)"),
            ("model", r.model),
            ("model sha256", "\(r.modelSHA256) (\(here))"),
            ("sampler", r.sampler),
            ("preset", JSONValue.text(r.preset)),
            ("n", r.class == "all" ? "\(r.n) of each class" : "\(r.n)"),
            ("seed", "\(r.seed)"),
            ("class", r.class ?? "none (unconditional)"),
            ("guidance", String(format: "%g", r.guidance)),
            ("batch", "\(r.batch)"),
        ]
        if let guide = r.guide { rows.append(("guide", "\(guide) (autoguidance; sha256 \(r.guideSHA256 ?? "?"))")) }
        if let i = r.guidanceInterval { rows.append(("guidance interval", String(format: "σ/α ∈ [%g, %g]", i.low, i.high))) }
        if let noise = r.initNoise { rows.append(("init noise", "\(noise) (sha256 \(r.initNoiseSHA256 ?? "?"))")) }
        rows.append(("shows", r.index.map { "sample \($0) alone, at the model's size" } ?? "the picture of the run"))
        let again = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent + "-again.png"
        rows.append(("draw it again", "drift sample --like \(file) --out \(again)"))
        return table(rows)
    }
}
