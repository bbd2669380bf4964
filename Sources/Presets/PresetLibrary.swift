import Foundation
import Samplers

/// Finding presets by short name (`heun-karras-18`) or by path (`my/sampler.json`).
public enum PresetLibrary {
    /// Names of the presets (`*.json` without the extension) in `directory`, sorted.
    public static func names(in directory: URL) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The preset `nameOrPath`: an existing file path (or anything ending in `.json`), else a
    /// name looked up as `<name>.json` in `directories` (first match wins).
    /// - Throws: `SamplerError` for a missing file, an unknown name (listing the available
    ///   presets) or an invalid preset.
    public static func resolve(_ nameOrPath: String, in directories: [URL], overrides: [String: JSONValue] = [:]) throws -> SamplerPreset {
        let fm = FileManager.default
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            guard fm.fileExists(atPath: nameOrPath) else {
                throw SamplerError("sampler preset file '\(nameOrPath)' does not exist")
            }
            return try SamplerPreset.load(from: URL(fileURLWithPath: nameOrPath), overrides: overrides)
        }
        for dir in directories {
            let file = dir.appendingPathComponent(nameOrPath + ".json")
            if fm.fileExists(atPath: file.path) {
                return try SamplerPreset.load(from: file, source: nameOrPath, overrides: overrides)
            }
        }
        let available = Array(Set(directories.flatMap { names(in: $0) })).sorted()
        if available.isEmpty {
            let looked = directories.map(\.path).joined(separator: ", ")
            throw SamplerError("unknown sampler '\(nameOrPath)': no presets found (looked in \(looked.isEmpty ? "nowhere" : looked); set DRIFT_SAMPLERS to the samplers/ folder)")
        }
        throw SamplerError("unknown sampler '\(nameOrPath)'; available presets: \(available.joined(separator: ", "))")
    }
}
