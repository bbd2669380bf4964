import Generative
import Samplers
import TensorCore

/// A sampler set to spend at most a budget of evaluations.
public struct FittedSampler: Sendable {
    public var sampler: Sampler
    /// Steps of a fixed grid, nil for adaptive stepping.
    public var steps: Int?
    /// Relative tolerance of an adaptive solver, nil for fixed grids.
    public var rtol: Double?
}

/// Fitting a sampler to an NFE budget: the most steps whose planned NFE (the solver's own per-step
/// counts) stays within the budget; for adaptive solvers the tightest tolerance of a fixed ladder
/// whose measured NFE on the given noise does (adaptive NFE is known only by running).
public enum BudgetFit {
    /// Relative tolerances tried for adaptive solvers, loosest first (atol = rtol/100).
    public static let toleranceLadder: [Double] = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6]

    /// The fixed-grid sampler with the most steps whose planned NFE is at most `budget`, or nil.
    public static func fixed(_ sampler: Sampler, budget: Int, model: any DiffusionModel) -> FittedSampler? {
        var best: FittedSampler?
        var s = sampler
        for steps in 1...Swift.max(1, budget) {
            s.grid.steps = steps
            guard let planned = s.plannedEvaluations(for: model), planned <= budget else { break }
            best = FittedSampler(sampler: s, steps: steps, rtol: nil)
        }
        return best
    }

    /// The adaptive sampler with the tightest ladder tolerance whose NFE on `noise` is at most `budget`,
    /// with that run's result (nil if even the loosest tolerance needs more).
    public static func adaptive(_ sampler: Sampler, budget: Int, model: any DiffusionModel, noise: Tensor,
                                key: RandomKey) throws -> (FittedSampler, SolveResult)? {
        guard let base = sampler.controller else { return nil }
        var best: (FittedSampler, SolveResult)?
        for rtol in toleranceLadder {
            var s = sampler
            var c = base
            (c.rtol, c.atol, c.maxSteps) = (rtol, rtol / 100, Swift.max(budget, 1))   // each attempt costs ≥ 1 NFE
            s.controller = c
            let r: SolveResult
            do { r = try s.sample(model, noise: noise, key: key) } catch is SolveError { break }
            guard r.evaluations <= budget else { break }
            best = (FittedSampler(sampler: s, steps: nil, rtol: rtol), r)
        }
        return best
    }
}
