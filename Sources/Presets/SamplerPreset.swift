import Foundation
import Samplers
import Generative

/// A sampler preset: one JSON file of `samplers/` (or a CLI's overrides of one), decoded with
/// strict validation into a `Sampler`.
///
///     {"description": "EDM Algorithm 1", "solver": "heun", "steps": 18,
///      "grid": "karras", "rho": 7, "sigmaMax": 80, "sigmaMin": 0.002, "finalStep": "zero"}
///
/// | field | for | meaning (default) |
/// |---|---|---|
/// | `solver` | all | a name in `SolverRegistry.standard` (required) |
/// | `description` | all | free text |
/// | `steps` | fixed-step solvers | number of steps ≥ 1 (required) |
/// | `grid` | fixed-step solvers | uniform, karras, logsnr, quadratic (uniform) |
/// | `rho` | grid karras | ρ > 0 (7) |
/// | `tStart`, `tEnd` | all | path times (noise time, lower end of the domain; see `TimeGrid`) |
/// | `sigmaMax`, `sigmaMin` | all | the same endpoints as EDM noise levels σ/α (instead of tStart/tEnd) |
/// | `finalStep` | all | none, zero, denoise (none) |
/// | `rtol`, `atol`, `maxSteps`, `minStep` | bosh3, dopri5 | step-size control (1e-3, 1e-5, 10000, 1e-10) |
/// | `eta` | ddim (0), ancestral (1, > 0), dpmpp-2m-sde (1), dpmpp-3m-sde (1, > 0) | stochasticity η ≥ 0 |
/// | `diffusion` | euler-maruyama | "forward", "zero", "scaled:k", "constant:c" (forward) |
/// | `snr`, `correctorSteps` | pc | Langevin signal-to-noise ratio (0.16), corrector steps (1) |
/// | `sChurn`, `sTmin`, `sTmax`, `sNoise` | edm | S_churn (0), S_tmin (0), S_tmax (∞), S_noise (1) |
/// | `order` | ipndm (4, ≤ 4), deis (3, ≤ 3), unipc (2, ≤ 3: the predictor's order) | multistep order |
/// | `variant` | unipc | B(h): bh1 or bh2 (bh2) |
/// | `restartSigmaMin`, `restartSigmaMax`, `restarts`, `restartSteps` | restart | restart interval as σ/α (0.06, 0.30), restarts K (2), Heun steps per restart pass (4) |
///
/// Unknown fields, fields that do not apply to the solver, wrong types and out-of-range values
/// are errors naming the field and the preset.
public struct SamplerPreset: Sendable {
    /// Preset name (file name without `.json`) or the path it came from.
    public var source: String
    public var description: String?
    /// The solver name as written.
    public var solverName: String
    public var sampler: Sampler
    /// The effective fields (after overrides), for provenance (HDF5 attributes, reports).
    public var fields: [String: JSONValue]

    /// The JSON text of `fields`, keys sorted.
    public var json: String { JSONValue.text(fields) }

    /// Decodes preset JSON, applying `overrides` (field → value) first.
    /// `registry` lists the solvers the `solver` field may name (default: every solver Drift ships).
    public static func decode(_ data: Data, source: String, overrides: [String: JSONValue] = [:],
                              registry: SolverRegistry = .standard) throws -> SamplerPreset {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw SamplerError("sampler preset '\(source)': not valid JSON (\(Self.reason(error)))")
        }
        guard case .object(var fields) = value else {
            throw SamplerError("sampler preset '\(source)': expected a JSON object, got \(value.kindDescription)")
        }
        for (k, v) in overrides { fields[k] = v }
        // An override replaces what the preset said about the same thing: another grid drops the
        // preset's Karras ρ, and an endpoint given as a time drops the preset's noise level for it
        // (and the other way round), unless the overrides give both.
        if let grid = overrides["grid"], grid != .string("karras"), overrides["rho"] == nil { fields["rho"] = nil }
        for (a, b) in [("tStart", "sigmaMax"), ("tEnd", "sigmaMin")] {
            if overrides[a] != nil, overrides[b] == nil { fields[b] = nil }
            if overrides[b] != nil, overrides[a] == nil { fields[a] = nil }
        }
        do {
            var reader = PresetFields(fields)
            let (sampler, solver) = try reader.sampler(registry: registry)
            let description: String? = if case .string(let s)? = fields["description"] { s } else { nil }
            return SamplerPreset(source: source, description: description, solverName: solver, sampler: sampler, fields: fields)
        } catch let e as SamplerError {
            throw SamplerError("sampler preset '\(source)': \(e.message)")
        }
    }

    /// Loads a preset file; `source` names it in messages (default: its path).
    public static func load(from url: URL, source: String? = nil, overrides: [String: JSONValue] = [:]) throws -> SamplerPreset {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SamplerError("cannot read sampler preset '\(url.path)': no such file or not readable")
        }
        return try decode(data, source: source ?? url.path, overrides: overrides)
    }

    /// Checks the preset against a model: its path (endpoints in the domain, the solver's needs) and, for a
    /// stochastic sampler, that the model has a score.
    public func validate(for model: any DiffusionModel) throws {
        do { try sampler.validate(for: model) } catch let e as SamplerError {
            throw SamplerError("sampler preset '\(source)': \(e.message)")
        }
    }

    /// Checks the preset against a path alone (any model on it).
    public func validate(for path: GaussianPath) throws {
        do { try sampler.validate(for: path) } catch let e as SamplerError {
            throw SamplerError("sampler preset '\(source)': \(e.message)")
        }
    }

    static func reason(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let c) = error {
            let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? c.debugDescription
        }
        return "\(error)"
    }
}
