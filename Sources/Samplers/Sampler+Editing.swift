import Foundation
import TensorCore
import Generative

/// Editing through the same dynamics that sample: inversion of data to noise along the
/// probability-flow ODE, and SDEdit (Meng et al. 2022, "SDEdit: guided image synthesis and
/// editing with stochastic differential equations", Algorithm 1).
extension Sampler {
    /// The grid's times from t_start down to t_end, without the final step to t = 0 (encoding
    /// treats the data as the state at t_end, where sampling would stop before that step).
    func encodingTimes(on path: GaussianPath) throws -> [Double] {
        var times = try grid.times(on: path, edmDefaults: isStochastic)
        if grid.finalStep == .zero, times.count > 2 { times.removeLast() }
        return times
    }

    /// Encodes data x (taken as the state at t_end) to the noise ε with x(t_start) = σ(t_start)·ε by
    /// integrating the probability-flow ODE forward in time with this sampler's own solver and
    /// grid, reversed (DDIM inversion for `ddim`; any adaptive solver between the same endpoints).
    /// Decoding ε with the same sampler (`sample(noise:)`) returns x up to the solver's error.
    /// - Throws: `SamplerError` for a stochastic sampler (an SDE has no inverse map).
    public func encode(_ model: any DiffusionModel, data x: Tensor, key: RandomKey, firstSample: Int = 0,
                       progress: ((SolveProgress) -> Void)? = nil) throws -> Tensor {
        guard !isStochastic else {
            throw SamplerError("encoding needs an ODE sampler (a deterministic map from noise to data); this one is stochastic")
        }
        let path = model.path
        try validate(for: path)
        let (t0, _) = try endpoints(on: path)
        let stepping = try self.stepping(on: path, fixed: { Array(try encodingTimes(on: path).reversed()) }, forward: true)
        func run<S: Solver>(_ s: S) throws -> SolveResult {
            try solve(.reverse(model, level: .zero), solver: s, from: x, stepping: stepping, key: key.fold("encode"),
                      firstSample: firstSample, progress: progress)
        }
        return try run(solver).samples * Float(1 / path.sigma(t0))
    }

    /// SDEdit at strength s ∈ (0, 1]: forward-noise x to the time t_s = t_end + s·(t_start − t_end) of
    /// this sampler's range, x_s = α(t_s)·x + σ(t_s)·ε (ε keyed by (key, sample), as initial noise
    /// is), then run the sampler's reverse dynamics (ODE or SDE) from t_s with its own step count.
    /// s = 1 is sampling from (almost) pure noise; small s keeps the input's layout.
    public func edit(_ model: any DiffusionModel, data x: Tensor, strength s: Double, key: RandomKey, firstSample: Int = 0,
                     progress: ((SolveProgress) -> Void)? = nil) throws -> SolveResult {
        guard s > 0 && s <= 1 else { throw SamplerError("the strength must be in (0, 1], got \(s)") }
        let path = model.path
        let (t0, t1) = try endpoints(on: path)
        let ts = t1 + s * (t0 - t1)
        var shortened = self
        shortened.grid.start = .time(ts)
        let eps = Sampler.initialNoise(count: x.shape[0], sampleShape: Array(x.shape.dropFirst()), key: key.fold("sdedit"),
                                       firstSample: firstSample)
        let noised = Tensor.combination([(path.alpha(ts), x), (path.sigma(ts), eps)])
        return try shortened.run(model, from: noised, key: key, firstSample: firstSample, progress: progress)
    }
}
