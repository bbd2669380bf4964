import Foundation
import TensorCore
import Generative

/// How inpainting keeps the known part of a sample: replacement, with particles or RePaint jumps.
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

    /// Network evaluations per output sample on a grid of `steps` steps.
    public func evaluations(steps: Int) -> Int { steps * particles * repaint }
}

/// The outcome of `Sampler.inpaint`.
public struct InpaintResult {
    /// The completed samples, [B] + sample shape; the known coordinates equal the input's.
    public var samples: Tensor
    /// Network evaluations, over all particles and resamplings.
    public var evaluations: Int
    /// Mean over samples and steps of the effective sample size before each step's
    /// resampling decision, as a fraction of K (1 without particles).
    public var meanEffectiveFraction: Double
    /// Resampling events, over all samples.
    public var resamplings: Int
}

extension Sampler {
    /// Inpaints `data` ([B] + sample shape; only the known coordinates are read): `known[j]` says
    /// whether element j of a sample (row-major, the same for every row) is given. Steps with the
    /// sampler's grid and its ancestral (DDIM η > 0) Gaussian step — the only step whose density
    /// particles can be weighted by. Row i's result depends only on (key, firstSample + i).
    /// - Throws: `SamplerError` for another kind of sampler, a mask of the wrong size, or one
    ///   with nothing (or everything) to fill in.
    public func inpaint(_ model: any DiffusionModel, data: Tensor, known: [Bool], settings: Inpainting,
                        key: RandomKey, firstSample: Int = 0,
                        progress: ((SolveProgress) -> Void)? = nil) throws -> InpaintResult {
        guard let eta = (solver as? DDIM)?.eta, eta > 0, controller == nil else {
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
        let times = try grid.times(on: path, edmDefaults: isStochastic)
        let b = data.shape[0], k = settings.particles, rows = b * k
        let knownIndex = known.enumerated().compactMap { $0.element ? $0.offset : nil }
        let y = data.scalars

        // The known part's forward trajectory, one per output sample, from t_end up to t_start.
        let n = times.count
        var trajectory = [[Float]](repeating: [], count: n)
        do {
            let tEnd = times[n - 1]
            let end = Tensor.randomNormal([b] + shape, key: key.fold("inpaint-known").fold(UInt64(n - 1)), firstSample: firstSample).scalars
            let (aE, sE) = (Float(path.alpha(tEnd)), Float(path.sigma(tEnd)))
            trajectory[n - 1] = (0..<(b * d)).map { aE * y[$0] + sE * end[$0] }
            for i in stride(from: n - 2, through: 0, by: -1) {
                let (a0, s0, a1, s1) = (path.alpha(times[i + 1]), path.sigma(times[i + 1]), path.alpha(times[i]), path.sigma(times[i]))
                let ratio = a1 / a0
                let spread = Float(Swift.max(0, s1 * s1 - ratio * ratio * s0 * s0).squareRoot())
                let z = Tensor.randomNormal([b] + shape, key: key.fold("inpaint-known").fold(UInt64(i)), firstSample: firstSample).scalars
                let previous = trajectory[i + 1]
                trajectory[i] = (0..<(b * d)).map { Float(ratio) * previous[$0] + spread * z[$0] }
            }
        }
        /// Sets the known coordinates of every particle of sample p to the trajectory at step i.
        func replaceKnown(_ x: inout [Float], step i: Int) {
            for r in 0..<rows {
                let p = r / k
                for j in knownIndex { x[r * d + j] = trajectory[i][p * d + j] }
            }
        }

        // Particles start from the prior N(0, σ²I) (as sampling does), known part replaced.
        let firstRow = firstSample * k
        var x = (Tensor.randomNormal([rows] + shape, key: key.fold("inpaint-init"), firstSample: firstRow)
                 * Float(path.sigma(times[0]))).scalars
        replaceKnown(&x, step: 0)
        var logWeight = [Double](repeating: 0, count: rows)
        var evaluations = 0, resamplings = 0
        var effectiveSum = 0.0, effectiveCount = 0

        for i in 0..<(n - 1) {
            let (t0, t1) = (times[i], times[i + 1])
            let c = DDIM.coefficients(path: path, from: t0, to: t1, eta: eta)
            for r in 0..<settings.repaint {
                let f = model.fields(Tensor(x, shape: [rows] + shape), t: t0)
                evaluations += rows
                let x0 = f.x0.scalars, eps = f.epsilon.scalars
                var mean = [Float](repeating: 0, count: rows * d)
                for e in 0..<(rows * d) { mean[e] = Float(c.alpha) * x0[e] + Float(c.keep) * eps[e] }

                if k > 1 {
                    // Weigh by the step's density of the next known values, then resample if degenerate.
                    if c.spread > 0 {
                        let inverseVariance = 1 / (2 * c.spread * c.spread)
                        for row in 0..<rows {
                            let p = row / k
                            var q = 0.0
                            for j in knownIndex {
                                let diff = Double(trajectory[i + 1][p * d + j] - mean[row * d + j])
                                q += diff * diff
                            }
                            logWeight[row] -= q * inverseVariance
                        }
                    }
                    let u = Tensor.randomUniform([b, 1], key: key.fold("inpaint-resample").fold(UInt64(i)), firstSample: firstSample).scalars
                    for p in 0..<b {
                        let w = Self.normalized(Array(logWeight[(p * k)..<((p + 1) * k)]))
                        let effective = 1 / w.reduce(0) { $0 + $1 * $1 } / Double(k)
                        effectiveSum += effective
                        effectiveCount += 1
                        guard effective < settings.resampleBelow else { continue }
                        resamplings += 1
                        let ancestors = Self.systematicResample(w, u: Double(u[p]))
                        let block = Array(mean[(p * k * d)..<((p + 1) * k * d)])
                        for (slot, a) in ancestors.enumerated() {
                            for e in 0..<d { mean[(p * k + slot) * d + e] = block[a * d + e] }
                            logWeight[p * k + slot] = 0
                        }
                    }
                }

                // The step itself: mean plus the step's noise; then the known part is replaced.
                let noiseKey = key.fold("inpaint-step").fold(UInt64(i)).fold(UInt64(r))
                if c.spread > 0 {
                    let z = Tensor.randomNormal([rows] + shape, key: noiseKey, firstSample: firstRow).scalars
                    for e in 0..<(rows * d) { x[e] = mean[e] + Float(c.spread) * z[e] }
                } else {
                    x = mean
                }
                replaceKnown(&x, step: i + 1)
                if r < settings.repaint - 1 {
                    // RePaint: forward-noise back from t1 to t0 and take the step again.
                    let ratio = path.alpha(t0) / path.alpha(t1)
                    let back = Float(Swift.max(0, path.sigma(t0) * path.sigma(t0) - ratio * ratio * path.sigma(t1) * path.sigma(t1)).squareRoot())
                    let z = Tensor.randomNormal([rows] + shape, key: noiseKey.fold("back"), firstSample: firstRow).scalars
                    for e in 0..<(rows * d) { x[e] = Float(ratio) * x[e] + back * z[e] }
                    replaceKnown(&x, step: i)
                }
            }
            progress?(SolveProgress(step: i + 1, stepCount: n - 1, time: t1, evaluations: evaluations))
        }

        if grid.finalStep == .denoise {
            x = model.fields(Tensor(x, shape: [rows] + shape), t: times[n - 1]).x0.scalars
            evaluations += rows
        }

        // One particle per sample, drawn by its final weight.
        var out = [Float](repeating: 0, count: b * d)
        let u = Tensor.randomUniform([b, 1], key: key.fold("inpaint-pick"), firstSample: firstSample).scalars
        for p in 0..<b {
            let w = Self.normalized(Array(logWeight[(p * k)..<((p + 1) * k)]))
            var pick = k - 1, cumulative = 0.0
            for (a, wa) in w.enumerated() {
                cumulative += wa
                if Double(u[p]) < cumulative { pick = a; break }
            }
            for e in 0..<d { out[p * d + e] = x[(p * k + pick) * d + e] }
            for j in knownIndex { out[p * d + j] = y[p * d + j] }
        }
        return InpaintResult(samples: Tensor(out, shape: [b] + shape), evaluations: evaluations,
                             meanEffectiveFraction: effectiveCount > 0 ? effectiveSum / Double(effectiveCount) : 1,
                             resamplings: resamplings)
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
