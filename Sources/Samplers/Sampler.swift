import Foundation
import TensorCore
import Generative

/// A complete sampler: the solver (with its own parameters), its time grid (or step-size
/// control) and its noise settings — what one preset file in `samplers/` describes. Independent
/// of any model: it is checked against a model's path and run by `sample(_:noise:key:firstSample:progress:)`.
/// Every fact about the sampler (stochastic, adaptive, evaluations per step, extra grid times,
/// what it needs of the path) is the solver's own.
public struct Sampler: Sendable {
    /// The integration method: one `step`, and its facts.
    public var solver: any Solver
    /// Endpoints and final step always; spacing and step count for fixed-step methods.
    public var grid: TimeGrid
    /// Step-size control: set for adaptive Runge–Kutta (embedded tableaus), nil otherwise.
    public var controller: PIController?

    /// The grid's spacing name, or "adaptive" for a step-size controller (report legends, results.csv).
    public var gridName: String { controller == nil ? grid.spacing.name : "adaptive" }

    public init(solver: any Solver, grid: TimeGrid, controller: PIController? = nil) {
        self.solver = solver
        self.grid = grid
        self.controller = controller
    }

    /// Whether the method injects noise (an SDE sampler).
    public var isStochastic: Bool { solver.isStochastic }

    /// Evaluations for a fixed grid on `model` (the sum of the solver's per-step counts, plus the
    /// final denoising), or nil for adaptive stepping (known only after the run) and grids that
    /// do not fit the model's path.
    public func plannedEvaluations(for model: any DiffusionModel) -> Int? {
        if controller != nil { return nil }
        let s = solver
        guard let times = try? fixedTimes(on: model.path) else { return nil }
        let equation = Equation.reverse(model, level: s.diffusionLevel)
        let steps = (0..<(times.count - 1)).map { s.evaluations(from: times[$0], to: times[$0 + 1], isFirst: $0 == 0, on: equation) }
        return steps.reduce(0, +) + (grid.finalStep == .denoise ? 1 : 0)
    }

    /// The times a fixed-grid run visits: the grid's, with whatever the solver inserts (restart
    /// sampling's loops).
    public func fixedTimes(on path: GaussianPath) throws -> [Double] {
        try solver.stepTimes(try grid.times(on: path, edmDefaults: isStochastic), on: path)
    }

    /// Checks the sampler against a path: grid endpoints in the domain, and the solver's needs.
    /// - Throws: `SamplerError` naming the field.
    public func validate(for path: GaussianPath) throws {
        let (t0, _) = try endpoints(on: path)
        if controller == nil { _ = try grid.times(on: path, edmDefaults: isStochastic) }
        try solver.validate(start: t0, on: path)
    }

    /// (t_start, t_end) on `path`: stochastic samplers default to EDM's noise-level range (see `TimeGrid`).
    public func endpoints(on path: GaussianPath) throws -> (start: Double, end: Double) {
        try grid.endpoints(on: path, edmDefaults: isStochastic)
    }

    /// Checks the sampler against a model: its path (`validate(for:)`), and that a stochastic
    /// sampler has a score to follow (a CNF has none).
    /// - Throws: `SamplerError` saying what to use instead.
    public func validate(for model: any DiffusionModel) throws {
        try validate(for: model.path)
        if isStochastic && !model.hasScore {
            throw SamplerError("the model has no score (a CNF is an ODE-only model), so a stochastic sampler cannot run it: use an ODE sampler (e.g. dopri5, dpmpp-2m-20, heun-karras-18)")
        }
    }

    /// Standard normal initial noise ε for rows firstSample ..< firstSample + count (keyed by sample).
    public static func initialNoise(count: Int, sampleShape: [Int], key: RandomKey, firstSample: Int = 0) -> Tensor {
        Tensor.randomNormal([count] + sampleShape, key: key.fold("init"), firstSample: firstSample)
    }

    /// Samples `model` from x_start = σ(t_start)·`noise` (noise: [B] + sampleShape, standard normal;
    /// the prior N(0, σ²I) neglects α(t_start)·x₀, exact where α(t_start) = 0).
    ///
    /// Row i's result depends only on (key, firstSample + i) and its noise row.
    public func sample(_ model: any DiffusionModel, noise: Tensor, key: RandomKey, firstSample: Int = 0,
                       saveAt: SaveAt = .final, progress: ((SolveProgress) -> Void)? = nil) throws -> SolveResult {
        let path = model.path
        precondition(Array(noise.shape.dropFirst()) == model.sampleShape,
                     "Sampler.sample: noise shape \(noise.shape) does not match sample shape \(model.sampleShape)")
        try validate(for: model)
        let (t0, _) = try endpoints(on: path)
        guard Equation.probabilityFlow(model).isDefined(t0) else {
            throw SamplerError("a \(model.parametrization.rawValue) model on the \(path.kind.rawValue) path cannot be evaluated "
                               + "at tStart = \(t0); start below it (tStart or sigmaMax)")
        }
        return try run(model, from: noise * Float(path.sigma(t0)), key: key, firstSample: firstSample, saveAt: saveAt, progress: progress)
    }

    /// Runs the reverse dynamics of `model` from the state `x` at the grid's start time t_start
    /// to its end (and final step): sampling from x = σ·ε, or editing from any other starting
    /// point (SDEdit's noised image, an encoded noise).
    public func run(_ model: any DiffusionModel, from x: Tensor, key: RandomKey, firstSample: Int = 0,
                    saveAt: SaveAt = .final, progress: ((SolveProgress) -> Void)? = nil) throws -> SolveResult {
        let path = model.path
        try validate(for: model)
        let stepping = try self.stepping(on: path, fixed: { try fixedTimes(on: path) })
        let denoise = grid.finalStep == .denoise
        let k = key.fold("solve")
        func run<S: Solver>(_ s: S) throws -> SolveResult {
            try solve(.reverse(model, level: s.diffusionLevel), solver: s, from: x, stepping: stepping, saveAt: saveAt,
                      denoise: denoise, key: k, firstSample: firstSample, progress: progress)
        }
        return try run(solver)
    }

    /// How `solve` steps between the sampler's endpoints on `path`: the controller's adaptive
    /// steps from t_start to t_end (`forward`: from t_end up to t_start, as encoding does), or
    /// the fixed `times`.
    func stepping(on path: GaussianPath, fixed times: () throws -> [Double], forward: Bool = false) throws -> Stepping {
        let (t0, t1) = try endpoints(on: path)
        guard let c = controller else { return .fixed(try times()) }
        return forward ? .adaptive(from: t1, to: t0, controller: c) : .adaptive(from: t0, to: t1, controller: c)
    }
}
