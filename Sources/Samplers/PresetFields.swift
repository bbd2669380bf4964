import Foundation
import Generative

/// The field-by-field decoding of a preset object into a `Sampler` (see `SamplerPreset`): the
/// fields every sampler shares (grid, endpoints, final step, step-size control) here, each
/// solver's own fields by its `SolverEntry`, through the typed readers below.
public struct PresetFields {
    let fields: [String: JSONValue]
    /// Fields read so far; anything else left at the end is an error.
    private var used: Set<String> = ["description", "solver"]

    public init(_ fields: [String: JSONValue]) { self.fields = fields }

    /// The fields every preset may hold; each solver reads those of its own it needs.
    static let known: Set<String> = ["description", "solver", "steps", "grid", "rho", "tStart", "tEnd", "sigmaMax",
                                     "sigmaMin", "finalStep", "rtol", "atol", "maxSteps", "minStep", "eta",
                                     "diffusion", "snr", "correctorSteps", "sChurn", "sTmin", "sTmax", "sNoise",
                                     "order", "variant", "restartSigmaMin", "restartSigmaMax", "restarts", "restartSteps"]

    /// The sampler the fields describe, and its solver's name as written.
    public mutating func sampler(registry: SolverRegistry) throws -> (Sampler, String) {
        if let unknown = fields.keys.filter({ !Self.known.contains($0) }).sorted().first {
            throw SamplerError("unknown field '\(unknown)' (known fields: \(Self.known.sorted().joined(separator: ", ")))")
        }
        let names = registry.names.joined(separator: ", ")
        guard let solverValue = fields["solver"] else {
            throw SamplerError("missing field 'solver' (one of \(names))")
        }
        guard case .string(let solverName) = solverValue else {
            throw SamplerError("field 'solver' must be a string, got \(solverValue.kindDescription)")
        }
        if let d = fields["description"], case .string = d {} else if let d = fields["description"] {
            throw SamplerError("field 'description' must be a string, got \(d.kindDescription)")
        }
        guard let entry = registry.entry(named: solverName) else {
            throw SamplerError("unknown solver '\(solverName)' (one of \(names))")
        }
        let solver = try entry.solver(&self)
        var grid = TimeGrid(.uniform, steps: 1)
        var controller: PIController?
        let adaptive = solver.isAdaptive
        if adaptive {
            let rtol = try number("rtol", default: 1e-3, min: 0), atol = try number("atol", default: 1e-5, min: 0)
            guard rtol + atol > 0 else { throw SamplerError("fields 'rtol' and 'atol' must not both be 0") }
            controller = PIController(rtol: rtol, atol: atol, maxSteps: try integer("maxSteps", default: 10_000, min: 1),
                                      minStep: try number("minStep", default: 1e-10, min: 0))
        } else {
            guard fields["steps"] != nil else { throw SamplerError("missing field 'steps' (solver '\(solverName)' uses a fixed grid)") }
            grid.steps = try integer("steps", default: 1, min: 1)
            let spacing = try string("grid", default: "uniform", allowed: ["uniform", "karras", "logsnr", "quadratic"])
            switch spacing {
            case "karras": grid.spacing = .karras(rho: try number("rho", default: 7, min: 0, exclusive: true))
            case "logsnr": grid.spacing = .logSNR
            case "quadratic": grid.spacing = .quadratic
            default: grid.spacing = .uniform
            }
        }
        grid.start = try endpoint(time: "tStart", level: "sigmaMax")
        grid.end = try endpoint(time: "tEnd", level: "sigmaMin")
        let final = try string("finalStep", default: "none", allowed: TimeGrid.FinalStep.allCases.map(\.rawValue))
        grid.finalStep = TimeGrid.FinalStep(rawValue: final)!
        if adaptive && grid.finalStep == .zero {
            throw SamplerError("field 'finalStep' = \"zero\" needs a fixed grid; adaptive solvers integrate to tEnd (use \"denoise\" or set tEnd)")
        }
        if let unused = fields.keys.filter({ !used.contains($0) }).sorted().first {
            throw SamplerError("field '\(unused)' does not apply to solver '\(solverName)'"
                               + (unused == "rho" ? " with grid '\(fieldText("grid") ?? "uniform")'" : ""))
        }
        return (Sampler(solver: solver, grid: grid, controller: controller), solverName)
    }

    func fieldText(_ name: String) -> String? {
        if case .string(let s)? = fields[name] { return s }
        return nil
    }

    public mutating func number(_ name: String, default value: Double, min: Double, exclusive: Bool = false) throws -> Double {
        used.insert(name)
        guard let v = fields[name] else { return value }
        guard case .number(let x) = v else { throw SamplerError("field '\(name)' must be a number, got \(v.kindDescription)") }
        guard x.isFinite, exclusive ? x > min : x >= min else {
            throw SamplerError("field '\(name)' must be \(exclusive ? ">" : "≥") \(min), got \(x)")
        }
        return x
    }

    public mutating func integer(_ name: String, default value: Int, min: Int, max: Int = Int.max) throws -> Int {
        used.insert(name)
        guard let v = fields[name] else { return value }
        guard case .number(let x) = v, x == x.rounded(), Swift.abs(x) < 1e9 else {
            let got: String = if case .number(let x) = v { "\(x)" } else { v.kindDescription }
            throw SamplerError("field '\(name)' must be an integer, got \(got)")
        }
        guard Int(x) >= min else { throw SamplerError("field '\(name)' must be at least \(min), got \(Int(x))") }
        guard Int(x) <= max else { throw SamplerError("field '\(name)' must be at most \(max), got \(Int(x))") }
        return Int(x)
    }

    public mutating func string(_ name: String, default value: String, allowed: [String]) throws -> String {
        used.insert(name)
        guard let v = fields[name] else { return value }
        guard case .string(let s) = v else { throw SamplerError("field '\(name)' must be a string, got \(v.kindDescription)") }
        guard allowed.contains(s) else {
            throw SamplerError("field '\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(s)'")
        }
        return s
    }

    /// A time or EDM noise-level endpoint (`tStart` or `sigmaMax`, not both).
    mutating func endpoint(time: String, level: String) throws -> TimeGrid.Endpoint? {
        let hasTime = fields[time] != nil, hasLevel = fields[level] != nil
        if hasTime && hasLevel { throw SamplerError("give '\(time)' or '\(level)', not both") }
        if hasTime { return .time(try number(time, default: 0, min: 0)) }
        if hasLevel { return .noiseLevel(try number(level, default: 1, min: 0, exclusive: true)) }
        used.insert(time)
        used.insert(level)
        return nil
    }

    /// "forward", "zero", "scaled:k" or "constant:c".
    public mutating func level() throws -> DiffusionLevel {
        let text = try string("diffusion", default: "forward", allowed: [fieldText("diffusion") ?? "forward"])
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let bad = SamplerError("field 'diffusion' must be \"forward\", \"zero\", \"scaled:k\" or \"constant:c\" (k, c ≥ 0), got '\(text)'")
        switch (parts.first, parts.count) {
        case ("forward", 1): return .forward
        case ("zero", 1): return .zero
        case ("scaled", 2), ("constant", 2):
            guard let v = Double(parts[1]), v.isFinite, v >= 0 else { throw bad }
            return parts[0] == "scaled" ? .scaled(v) : .constant(v)
        default: throw bad
        }
    }
}
