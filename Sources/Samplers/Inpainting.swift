import Foundation
import TensorCore
import Generative

/// How inpainting keeps the known part of a sample: replacement, with particles or RePaint jumps.
///
/// Inpainting runs inside `solve`, the one integration loop: `Sampler.inpaint` wraps the sampler's
/// solver in a step that, after each of the solver's own steps, applies the constraint below. Its
/// noise is `solve`'s (Brownian paths keyed by seed and sample) and its NFE is counted as for any
/// sampler: one evaluation of the batch, whose rows are all particles of all samples.
///
/// Inpainting samples the unknown coordinates u of x given the known ones, p(x_u | x_k = y), with
/// the model's own reverse dynamics. The known coordinates follow one forward-noised trajectory of
/// y, y_t ~ q(y_t | y_{t'}) (the path's Markov forward process, x_t = (α_t/α_{t'})·x_{t'} + noise of
/// variance σ_t² − (α_t/α_{t'})²σ_{t'}²), and replace the state's known part after every step.
///
/// - `particles` = 1 is plain replacement (Song et al. 2021, "Score-based generative modeling
///   through SDEs", App. I.2): not exact — the unknown part never learns how likely the known
///   trajectory was under it.
/// - `particles` = K > 1 is SMCDiff (Trippe et al. 2022, "Diffusion probabilistic modeling of
///   protein backbones in 3D for the motif-scaffolding problem", Algorithm 2): each output sample
///   is one of K particles, weighted at every step by the reverse step's density of the next
///   known value, p(y_s | x_t) (the step is Gaussian and factorizes over coordinates, so the known
///   and unknown parts of x_s are independent given x_t: a fully adapted particle filter).
///   Resampling (systematic) happens when the effective sample size falls below
///   `resampleBelow`·K; the output is one particle drawn by its weight. As K grows and steps
///   shrink, the samples follow the exact conditional (the paper's Theorem 1).
/// - `repaint` = R > 1 is RePaint (Lugmayr et al. 2022, Algorithm 1 with jump length 1): each
///   step is taken R times, forward-noising back to the step's start in between, so the unknown
///   part harmonizes with the known one; R times the evaluations, still not exact.
public struct Inpainting: Sendable, Equatable {
    public var particles: Int
    public var repaint: Int
    /// Resample when the effective sample size is below this fraction of K.
    public var resampleBelow: Double

    public init(particles: Int = 1, repaint: Int = 1, resampleBelow: Double = 0.5) throws {
        guard particles >= 1 && particles <= 4096 else { throw SamplerError("particles must be in 1…4096, got \(particles)") }
        guard repaint >= 1 && repaint <= 100 else { throw SamplerError("repaint must be in 1…100 resamplings per step, got \(repaint)") }
        guard particles == 1 || repaint == 1 else {
            throw SamplerError("choose particles (SMC) or repaint (RePaint jumps), not both")
        }
        guard resampleBelow > 0 && resampleBelow <= 1 else { throw SamplerError("resampleBelow must be in (0, 1], got \(resampleBelow)") }
        self.particles = particles
        self.repaint = repaint
        self.resampleBelow = resampleBelow
    }
}

/// The outcome of `Sampler.inpaint`.
public struct InpaintResult {
    /// The completed samples, [B] + sample shape; the known coordinates equal the input's.
    public var samples: Tensor
    /// Function evaluations (NFE) as `solve` counts them: evaluations of the whole batch (all
    /// particles of all samples at once), including RePaint's retaken steps and a final denoising.
    public var evaluations: Int
    /// Mean over samples and steps of the effective sample size before each step's
    /// resampling decision, as a fraction of K (1 without particles).
    public var meanEffectiveFraction: Double
    /// Resampling events, over all samples.
    public var resamplings: Int
}

extension Sampler {
    /// Inpaints `data` ([B] + sample shape; only the known coordinates are read): `known[j]` says
    /// whether element j of a sample (row-major, the same for every row) is given.
    ///
    /// Runs `solve` on the sampler's own solver, grid and final step, wrapped in the inpainting
    /// step (`Inpainting`); the batch is B·K rows, row p·K + q being particle q of sample
    /// firstSample + p, started from σ(t_start)·ε like `sample`'s noise. The solver must declare a
    /// Gaussian step (`Solver.hasGaussianStep`: the ancestral step, DDIM η > 0), whose density
    /// particles are weighed by. Row i's result depends only on (key, firstSample + i).
    /// - Throws: `SamplerError` for another kind of sampler, a mask of the wrong size, or one
    ///   with nothing (or everything) to fill in.
    public func inpaint(_ model: any DiffusionModel, data: Tensor, known: [Bool], settings: Inpainting,
                        key: RandomKey, firstSample: Int = 0,
                        progress: ((SolveProgress) -> Void)? = nil) throws -> InpaintResult {
        let solver = self.solver
        guard solver.hasGaussianStep, controller == nil else {
            throw SamplerError("inpainting steps with the ancestral Gaussian step (its density weighs particles): "
                               + "use an ancestral preset (e.g. ancestral-100) or a DDIM preset with eta > 0")
        }
        let shape = model.sampleShape
        let d = shape.reduce(1, *)
        precondition(Array(data.shape.dropFirst()) == shape, "Sampler.inpaint: data shape \(data.shape) does not match \(shape)")
        guard known.count == d else { throw SamplerError("the mask has \(known.count) elements; the model's samples have \(d)") }
        guard known.contains(false) else { throw SamplerError("the mask keeps every element: there is nothing to fill in") }
        guard known.contains(true) else { throw SamplerError("the mask keeps no element: that is plain sampling (drift sample)") }
        let path = model.path
        try validate(for: model)
        let times = try fixedTimes(on: path)
        let b = data.shape[0], k = settings.particles
        let knownIndex = known.enumerated().compactMap { $0.element ? $0.offset : nil }
        let y = data.scalars
        let noise = Sampler.initialNoise(count: b * k, sampleShape: shape, key: key, firstSample: firstSample * k)
        let statistics = InpaintingStatistics()
        func run<S: Solver>(_ inner: S) throws -> SolveResult {
            let step = InpaintingStep(inner: inner, settings: settings, data: y, dimension: d, knownIndex: knownIndex,
                                      times: times, statistics: statistics)
            return try solve(.reverse(model, level: inner.diffusionLevel), solver: step, from: noise * Float(path.sigma(times[0])),
                             stepping: .fixed(times), denoise: grid.finalStep == .denoise, key: key.fold("solve"),
                             firstSample: firstSample * k, progress: progress)
        }
        let result = try run(solver)

        // The last step copied each sample's picked particle into all its rows: take the first.
        let x = result.samples.scalars
        var out = [Float](repeating: 0, count: b * d)
        for p in 0..<b {
            for e in 0..<d { out[p * d + e] = x[p * k * d + e] }
            for j in knownIndex { out[p * d + j] = y[p * d + j] }
        }
        return InpaintResult(samples: Tensor(out, shape: [b] + shape), evaluations: result.evaluations,
                             meanEffectiveFraction: statistics.effectiveCount > 0
                                ? statistics.effectiveSum / Double(statistics.effectiveCount) : 1,
                             resamplings: statistics.resamplings)
    }
}

/// What the particle steps of one inpainting run observed (its steps are all accepted: a fixed grid):
/// counters the steps of one `solve` add to, one step after another (never concurrently).
final class InpaintingStatistics: @unchecked Sendable {
    var effectiveSum = 0.0
    var effectiveCount = 0
    var resamplings = 0
}

/// Inpainting as a step wrapper: `solve` steps the particles with `inner` (the sampler's solver),
/// and after each inner step this applies the constraint of `Inpainting`.
///
/// The known coordinates follow one forward-noised trajectory of y per sample (shared by the
/// sample's K particles), drawn on the first step at every distinct time of the run: at the lowest
/// time τ₀, y_τ₀ = α·y + σ·ε; above it, the path's forward Markov transition
/// y_τ = (α_τ/α_τ′)·y_τ′ + √(σ_τ² − (α_τ/α_τ′)²σ_τ′²)·z. ε and each z are normalized increments of
/// the context's per-sample Brownian streams (over the whole span for ε, over [τ′, τ] for z), so
/// they are independent standard normals keyed by (seed, sample) — whatever the batch split.
///
/// - Replacement (K = 1, R = 1): the inner step, then the known part set to y at t₁.
/// - RePaint (R > 1): the inner step is taken R times (pass r draws from the context's pass-r
///   Brownian paths), forward-noising back from t₁ to t₀ in between (stream "inpainting.repaint").
/// - SMC (K > 1): the inner solver's Gaussian step (`gaussianStep`) gives each particle's mean and
///   spread; particles are weighed by the density of the next known values, resampled
///   (systematic, one uniform per sample and step) when the effective sample size falls below
///   `resampleBelow`·K, then the step's noise (Brownian path 0) is added. The last step picks one
///   particle per sample by its weight and copies it into all of the sample's rows. Uniforms are
///   Φ(z) of the first element of a per-sample Brownian stream's normalized increment over the step.
struct InpaintingStep<Inner: Solver>: Solver {
    let inner: Inner
    let settings: Inpainting
    /// y, the B samples' data [B·d] (only the known coordinates are read).
    let data: [Float]
    let dimension: Int
    let knownIndex: [Int]
    /// The run's times: the known trajectory is drawn at each distinct one; the last step picks.
    let times: [Double]
    let statistics: InpaintingStatistics

    struct State {
        var inner: Inner.State
        /// The known coordinates' trajectory, [B·|known|] per time (empty before the first step).
        var known: [Double: [Float]]
        /// One log-weight per particle (row).
        var logWeights: [Double]
    }

    var order: Double { inner.order }
    var isStochastic: Bool { inner.isStochastic }
    var diffusionLevel: DiffusionLevel { inner.diffusionLevel }

    func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        inner.evaluations(from: t0, to: t1, isFirst: isFirst, on: equation) * settings.repaint
    }

    func validate(start t0: Double, on path: GaussianPath) throws { try inner.validate(start: t0, on: path) }

    func initialState() -> State { State(inner: inner.initialState(), known: [:], logWeights: []) }

    func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        var state = state, x = x
        if state.known.isEmpty {
            state.known = knownTrajectory(context)
            state.logWeights = [Double](repeating: 0, count: x.shape[0])
            x = replacingKnown(x, with: state.known[t0]!)
        }
        guard let y0 = state.known[t0], let y1 = state.known[t1] else {
            preconditionFailure("inpainting: step from \(t0) to \(t1) is not between two of the run's times")
        }
        if settings.particles > 1 { return particleStep(x, from: t0, to: t1, known: y1, state: state, context: context) }
        let path = context.path
        for r in 0..<settings.repaint {
            context.pass = r
            let stepped = inner.step(x, from: t0, to: t1, state: state.inner, context: context)
            x = replacingKnown(stepped.x, with: y1)
            if r == settings.repaint - 1 {
                state.inner = stepped.state
            } else {
                // RePaint: forward-noise back from t₁ to t₀ and take the step again.
                let ratio = path.alpha(t0) / path.alpha(t1)
                let back = Swift.max(0, path.sigma(t0) * path.sigma(t0) - ratio * ratio * path.sigma(t1) * path.sigma(t1)).squareRoot()
                let z = context.brownianNormal(from: t1, to: t0, stream: "inpainting.repaint")
                x = replacingKnown(Tensor.combination([(ratio, x), (back, z)]), with: y0)
            }
        }
        context.pass = 0
        return SolverStep(x: x, state: state)
    }

    /// One SMC step: weigh, resample when degenerate, add the noise, replace; pick on the last step.
    func particleStep(_ x: Tensor, from t0: Double, to t1: Double, known y1: [Float], state: State,
                      context: StepContext) -> SolverStep<State> {
        guard let g = inner.gaussianStep(x, from: t0, to: t1, state: state.inner, context: context) else {
            preconditionFailure("inpainting: particles need a solver with a Gaussian step (Solver.hasGaussianStep)")
        }
        var state = state
        state.inner = g.state
        let k = settings.particles, d = dimension, m = knownIndex.count
        let rows = x.shape[0], b = rows / k
        var mean = g.mean.scalars
        // Weigh by the step's density of the next known values, then resample if degenerate.
        if g.spread > 0 {
            let inverseVariance = 1 / (2 * g.spread * g.spread)
            for row in 0..<rows {
                let p = row / k
                var q = 0.0
                for (i, j) in knownIndex.enumerated() {
                    let diff = Double(y1[p * m + i] - mean[row * d + j])
                    q += diff * diff
                }
                state.logWeights[row] -= q * inverseVariance
            }
        }
        let u = uniforms(from: t0, to: t1, stream: "inpainting.resample", context: context)
        for p in 0..<b {
            let w = Self.normalized(Array(state.logWeights[(p * k)..<((p + 1) * k)]))
            let effective = 1 / w.reduce(0) { $0 + $1 * $1 } / Double(k)
            statistics.effectiveSum += effective
            statistics.effectiveCount += 1
            guard effective < settings.resampleBelow else { continue }
            statistics.resamplings += 1
            let ancestors = Self.systematicResample(w, u: u[p])
            let block = Array(mean[(p * k * d)..<((p + 1) * k * d)])
            for (slot, a) in ancestors.enumerated() {
                for e in 0..<d { mean[(p * k + slot) * d + e] = block[a * d + e] }
                state.logWeights[p * k + slot] = 0
            }
        }

        // The step itself: mean plus the step's noise; then the known part is replaced.
        var next = Tensor(mean, shape: x.shape)
        if g.spread > 0 { next = Tensor.combination([(1, next), (g.spread, context.brownianNormal(from: t0, to: t1))]) }
        next = replacingKnown(next, with: y1)
        guard t1 == times[times.count - 1] else { return SolverStep(x: next, state: state) }

        // The last step: one particle per sample, drawn by its final weight, in all of its rows.
        var v = next.scalars
        let pickU = uniforms(from: t0, to: t1, stream: "inpainting.pick", context: context)
        for p in 0..<b {
            let w = Self.normalized(Array(state.logWeights[(p * k)..<((p + 1) * k)]))
            var pick = k - 1, cumulative = 0.0
            for (a, wa) in w.enumerated() {
                cumulative += wa
                if pickU[p] < cumulative { pick = a; break }
            }
            let chosen = Array(v[((p * k + pick) * d)..<((p * k + pick + 1) * d)])
            for slot in 0..<k {
                for e in 0..<d { v[(p * k + slot) * d + e] = chosen[e] }
                state.logWeights[p * k + slot] = 0
            }
        }
        return SolverStep(x: Tensor(v, shape: x.shape), state: state)
    }

    /// The known coordinates' forward-noised trajectory at every distinct time of the run.
    func knownTrajectory(_ context: StepContext) -> [Double: [Float]] {
        let path = context.path, k = settings.particles, d = dimension
        let b = data.count / d
        let ts = Array(Set(times)).sorted()
        /// The known coordinates of a per-sample draw [B] + sample shape.
        func knownPart(_ z: Tensor) -> [Float] {
            let v = z.scalars
            return (0..<b).flatMap { p in knownIndex.map { v[p * d + $0] } }
        }
        let span = context.brownianSpan
        let eps = knownPart(context.brownianNormal(from: span.lowerBound, to: span.upperBound, stream: "inpainting.known-start",
                                                   rowsPerSample: k))
        let (a, s) = (Float(path.alpha(ts[0])), Float(path.sigma(ts[0])))
        var value = (0..<b).flatMap { p in knownIndex.map { a * data[p * d + $0] } }
        for i in value.indices { value[i] += s * eps[i] }
        var trajectory = [ts[0]: value]
        for i in 1..<ts.count {
            let (lo, hi) = (ts[i - 1], ts[i])
            let (a0, s0, a1, s1) = (path.alpha(lo), path.sigma(lo), path.alpha(hi), path.sigma(hi))
            let ratio = a1 / a0
            let spread = Float(Swift.max(0, s1 * s1 - ratio * ratio * s0 * s0).squareRoot())
            let z = knownPart(context.brownianNormal(from: lo, to: hi, stream: "inpainting.known", rowsPerSample: k))
            value = (0..<value.count).map { Float(ratio) * value[$0] + spread * z[$0] }
            trajectory[hi] = value
        }
        return trajectory
    }

    /// x with every particle's known coordinates set to its sample's values y ([B·|known|]).
    func replacingKnown(_ x: Tensor, with y: [Float]) -> Tensor {
        var v = x.scalars
        let k = settings.particles, d = dimension, m = knownIndex.count
        for r in 0..<x.shape[0] {
            let p = r / k
            for (i, j) in knownIndex.enumerated() { v[r * d + j] = y[p * m + i] }
        }
        return Tensor(v, shape: x.shape)
    }

    /// One uniform in (0, 1) per sample for the step: Φ(z) of the first element of the named
    /// per-sample stream's normalized increment over [t₁, t₀].
    func uniforms(from t0: Double, to t1: Double, stream: String, context: StepContext) -> [Double] {
        let z = context.brownianNormal(from: t0, to: t1, stream: stream, rowsPerSample: settings.particles).scalars
        return (0..<(data.count / dimension)).map { 0.5 * Foundation.erfc(-Double(z[$0 * dimension]) / 2.0.squareRoot()) }
    }

    /// Weights from log-weights, summing to 1 (shifted by the maximum for range).
    static func normalized(_ logWeights: [Double]) -> [Double] {
        let top = logWeights.max() ?? 0
        let w = logWeights.map { Foundation.exp($0 - top) }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// Systematic resampling (Kitagawa 1996): K ancestors at the points (u + m)/K, m = 0…K−1,
    /// of the weights' cumulative sum — one uniform per population, low variance.
    static func systematicResample(_ w: [Double], u: Double) -> [Int] {
        let k = w.count
        var ancestors = [Int](), cumulative = w[0], a = 0
        ancestors.reserveCapacity(k)
        for m in 0..<k {
            let point = (u + Double(m)) / Double(k)
            while point > cumulative && a < k - 1 { a += 1; cumulative += w[a] }
            ancestors.append(a)
        }
        return ancestors
    }
}
