import XCTest
import TensorCore
import Generative
@testable import Samplers

/// Autoguided sampling where the answer is known in closed form. For data N(μ, s²) per coordinate
/// guided by N(μ, s_g²), every guided field is linear in y = x − α(t)μ: ε̂ = σ·P_t·y with
/// P_t = (1 + w)/v − w/v_g (v = α²s² + σ², v_g = α²s_g² + σ²), x̂₀ − μ = α·((1 + w)s²/v − w·s_g²/v_g)·y,
/// so the probability-flow ODE is dy/dt = a(t)·y with a = α′α·((1+w)s²/v − w s_g²/v_g) + σσ′·P_t
/// = ½·d/dt[(1 + w)·log v − w·log v_g]. Its flow map is y(t_end) = G·y(t_start) with
///
///     log G = −½·[(1 + w)·log(v(t_start)/v(t_end)) − w·log(v_g(t_start)/v_g(t_end))]
///
/// (summed over the pieces where guidance is on, w = 0 elsewhere). On the rectified path from
/// t = 1 to 0 that is G = s^{1+w}/s_g^w: the samples' std, not 1/√P₀ of the "tilted" Gaussian
/// p^{1+w}/p_g^w — guidance does not sample the tilted density.
final class GuidedGaussianSamplingTests: XCTestCase {
    let mu = [0.7, -0.3]

    /// N(μ, diag(s²)) on `path`.
    func gaussian(_ s: [Double], _ path: GaussianPath) throws -> GaussianMixture {
        try GaussianMixture(weights: [1], means: [mu], stds: [s], path: path, parametrization: .velocity)
    }

    /// The exact flow-map gain G of the guided ODE from `t0` down to `t1` for one coordinate.
    func gain(s: Double, sg: Double, w: Double, path: GaussianPath, from t0: Double, to t1: Double, interval: GuidanceInterval? = nil) -> Double {
        func v(_ t: Double, _ std: Double) -> Double { let a = path.alpha(t), sd = path.sigma(t); return a * a * std * std + sd * sd }
        var cuts = [t1, t0]
        if let interval {
            for level in [interval.low, interval.high] {
                let t = path.time(logSNR: -Foundation.log(level))
                if t > t1 && t < t0 { cuts.append(t) }
            }
        }
        cuts.sort()
        var logGain = 0.0
        for (lo, hi) in zip(cuts, cuts.dropFirst()) {
            let weight = interval.map { $0.contains((lo + hi) / 2, on: path) } ?? true ? w : 0
            logGain -= 0.5 * ((1 + weight) * Foundation.log(v(hi, s) / v(lo, s)) - weight * Foundation.log(v(hi, sg) / v(lo, sg)))
        }
        return Foundation.exp(logGain)
    }

    /// dopri5 at rtol 1e-6: accurate to Float32's few ulps per unit of the state.
    var sampler: Sampler { Sampler(solver: RungeKutta(.dormandPrince), grid: TimeGrid(.uniform, steps: 1), controller: PIController(rtol: 1e-6, atol: 1e-8)) }

    /// Runs `model` from σ(t_start)·noise; returns the samples and the start state.
    func run(_ model: any DiffusionModel, count: Int, seed: UInt64) throws -> (x: Tensor, start: Tensor, t0: Double, t1: Double) {
        let key = RandomKey(seed: seed), (t0, t1) = try sampler.endpoints(on: model.path)
        let start = Sampler.initialNoise(count: count, sampleShape: [2], key: key) * Float(model.path.sigma(t0))
        return (try sampler.run(model, from: start, key: key).samples, start, t0, t1)
    }

    /// Largest |x_end − (α(t_end)μ + G·(x_start − α(t_start)μ))| over samples and coordinates.
    func flowMapError(_ r: (x: Tensor, start: Tensor, t0: Double, t1: Double), path: GaussianPath, mean: [Double], gains: [Double]) -> Double {
        let x = r.x.scalars, start = r.start.scalars
        return x.indices.map { i -> Double in
            let j = i % 2
            let expected = path.alpha(r.t1) * mean[j] + gains[j] * (Double(start[i]) - path.alpha(r.t0) * mean[j])
            return Swift.abs(Double(x[i]) - expected)
        }.max() ?? .infinity
    }

    func std(_ x: Tensor, coordinate j: Int) -> Double {
        let c = stride(from: j, to: x.count, by: 2).map { Double(x.scalars[$0]) }
        let m = c.reduce(0, +) / Double(c.count)
        return (c.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c.count - 1)).squareRoot()
    }

    /// Unconditional autoguidance of N(μ, s²) by N(μ, s_g²): every ODE sample lands where the exact
    /// linear flow map sends its noise, and the samples' std is G = s^{1+w}/s_g^w on the rectified path.
    func testAutoguidedGaussianODESamplesFollowTheExactFlowMap() throws {
        let s = [0.5, 0.3], sg = [0.8, 0.45]
        for path in [GaussianPath.standard(.rectified), .standard(.edm)] {
            let model = try gaussian(s, path), guide = Guide(try gaussian(sg, path), name: "wide")
            for w in [1.0, 3.0] {
                let guided = GuidedModel(model, classes: [Int?](repeating: nil, count: 2000), guidance: w, guide: guide)
                let r = try run(guided, count: 2000, seed: 1)
                let gains = (0..<2).map { gain(s: s[$0], sg: sg[$0], w: w, path: path, from: r.t0, to: r.t1) }
                let error = flowMapError(r, path: path, mean: mu, gains: gains)
                let tilted = 1 / ((1 + w) / (s[0] * s[0]) - w / (sg[0] * sg[0])).squareRoot()
                print(String(format: "%@ w = %g: flow-map gain %.6f (s^{1+w}/s_g^w = %.6f), sample std %.4f, tilted-density std %.4f; largest sample error %.2e",
                             path.kind.rawValue, w, gains[0], Foundation.pow(s[0], 1 + w) / Foundation.pow(sg[0], w), std(r.x, coordinate: 0), tilted, error))
                XCTAssertLessThan(error, 2e-4, "\(path.kind) w = \(w)")
                if path.kind == .rectified {
                    XCTAssertEqual(gains[0], Foundation.pow(s[0], 1 + w) / Foundation.pow(sg[0], w), accuracy: 1e-12)
                    XCTAssertEqual(std(r.x, coordinate: 0), gains[0], accuracy: 4 * gains[0] / (2.0 * 2000).squareRoot())
                }
            }
        }
    }

    /// Conditional autoguidance: rows of class 1 are guided by the widened mixture at class 1, so
    /// they follow component 1's exact guided flow map (the other component plays no part).
    func testConditionalAutoguidanceFollowsTheGuidedComponentsFlowMap() throws {
        let path = GaussianPath.standard(.rectified)
        let model = try GaussianMixture(weights: [0.5, 0.5], means: [[-2, 1], mu], stds: [[0.6, 0.6], [0.5, 0.3]], path: path)
        let wide = try GaussianMixture(weights: [0.5, 0.5], means: [[-2, 1], mu], stds: [[0.9, 0.9], [0.8, 0.45]], path: path)
        let w = 2.0
        let guided = GuidedModel(model, classes: [Int?](repeating: 1, count: 500), guidance: w, guide: Guide(wide, name: "wide"))
        let r = try run(guided, count: 500, seed: 2)
        let gains = [(0.5, 0.8), (0.3, 0.45)].map { gain(s: $0.0, sg: $0.1, w: w, path: path, from: r.t0, to: r.t1) }
        let error = flowMapError(r, path: path, mean: mu, gains: gains)
        print(String(format: "class 1, w = 2: gains %.5f %.5f, largest sample error %.2e", gains[0], gains[1], error))
        XCTAssertLessThan(error, 2e-4)
    }

    /// Guidance in σ/α ∈ [0.5, 2] only: the flow map is the guided one inside the interval and the
    /// plain one outside (t ∈ [1/3, 2/3] on the rectified path), and an adaptive solver lands on it.
    func testIntervalAutoguidanceFollowsThePiecewiseFlowMap() throws {
        let s = [0.5, 0.3], sg = [0.8, 0.45], w = 2.0
        let interval = try GuidanceInterval(low: 0.5, high: 2)
        for path in [GaussianPath.standard(.rectified), .standard(.edm)] {
            let model = try gaussian(s, path), guide = Guide(try gaussian(sg, path), name: "wide")
            let guided = GuidedModel(model, classes: [Int?](repeating: nil, count: 1000), guidance: w, guide: guide, interval: interval)
            let r = try run(guided, count: 1000, seed: 3)
            let gains = (0..<2).map { gain(s: s[$0], sg: sg[$0], w: w, path: path, from: r.t0, to: r.t1, interval: interval) }
            let everywhere = gain(s: s[0], sg: sg[0], w: w, path: path, from: r.t0, to: r.t1)
            let error = flowMapError(r, path: path, mean: mu, gains: gains)
            print(String(format: "%@ w = 2 in σ/α ∈ [0.5, 2]: gain %.5f (everywhere %.5f, unguided %.5f), largest sample error %.2e",
                         path.kind.rawValue, gains[0], everywhere, s[0], error))
            XCTAssertLessThan(error, 2e-4, "\(path.kind)")
            if path.kind == .rectified {
                // Closed form: guided between t = 1/3 and 2/3 only.
                let v = { (t: Double, std: Double) in (1 - t) * (1 - t) * std * std + t * t }
                let inside = -0.5 * (w * Foundation.log(v(2.0 / 3, 0.5) / v(1.0 / 3, 0.5)) - w * Foundation.log(v(2.0 / 3, 0.8) / v(1.0 / 3, 0.8)))
                XCTAssertEqual(gains[0], 0.5 * Foundation.exp(inside), accuracy: 1e-12)
            }
        }
    }

    /// Counting: a fixed grid's guided evaluations are exactly those whose time's σ/α is in the interval.
    func testNetworkPassesCountTheGuidedEvaluations() throws {
        let path = GaussianPath.standard(.rectified), interval = try GuidanceInterval(low: 0.45, high: 2.2)
        let model = try gaussian([0.5, 0.3], path), guide = Guide(try gaussian([0.8, 0.45], path), name: "wide")
        let guided = GuidedModel(model, classes: [nil, nil], guidance: 1, guide: guide, interval: interval)
        let euler = Sampler(solver: RungeKutta(.euler), grid: TimeGrid(.uniform, steps: 30))
        let r = try euler.sample(guided, noise: Tensor.randomNormal([2, 2], key: RandomKey(seed: 4)), key: RandomKey(seed: 4))
        // Euler on 30 uniform steps evaluates at t = 1, 29/30, …, 1/30: those in [0.310, 0.688] are 10/30 … 20/30.
        let inside = (1...30).filter { interval.contains(Double($0) / 30, on: path) }.count
        XCTAssertEqual(inside, 11)
        XCTAssertEqual(r.evaluations, 30)
        XCTAssertEqual(guided.passes.count, 30 + inside)
    }

    /// Autoguided, interval-limited SDE batches give the same bits however they are split (noise and
    /// Brownian motion keyed by sample index, rows evaluated independently, the interval a function of t).
    func testAutoguidedIntervalBatchesDoNotDependOnTheSplit() throws {
        let path = GaussianPath.standard(.vp)
        let model = try GaussianMixture(weights: [0.5, 0.5], means: [[-1, 0], [1, 0.5]], stds: [[0.4, 0.5], [0.3, 0.3]], path: path)
        let wide = try GaussianMixture(weights: [0.5, 0.5], means: [[-1, 0], [1, 0.5]], stds: [[0.7, 0.8], [0.5, 0.5]], path: path)
        let classes: [Int?] = (0..<90).map { $0 % 3 == 2 ? nil : $0 % 3 }
        let sampler = Sampler(solver: EulerMaruyama(), grid: TimeGrid(.uniform, steps: 40))
        let key = RandomKey(seed: 9), interval = try GuidanceInterval(low: 0.3, high: 4)
        func run(_ r: Range<Int>) throws -> Tensor {
            let noise = Sampler.initialNoise(count: r.count, sampleShape: [2], key: key, firstSample: r.lowerBound)
            let guided = GuidedModel(model, classes: Array(classes[r]), guidance: 1.5, guide: Guide(wide, name: "wide"), interval: interval)
            return try sampler.sample(guided, noise: noise, key: key, firstSample: r.lowerBound).samples
        }
        let whole = try run(0..<90)
        XCTAssertEqual(Tensor.concat([try run(0..<31), try run(31..<90)], axis: 0).scalars, whole.scalars)
    }
}
