import XCTest
import TensorCore
import Generative
@testable import Samplers
import Presets

/// SDE samplers on the analytic mixture at large N: the sample mean, covariance and mixture
/// weights (nearest-mean assignment; the components are ≥ 8 std apart) match the exact ones
/// within sampling error (4 standard errors) plus a small allowance for the discretization bias.
final class SDESamplerTests: XCTestCase {
    static let count = 4000

    struct Moments {
        var mean: [Double], covariance: [[Double]], weights: [Double]
    }

    static func moments(_ x: Tensor, model: GaussianMixture) -> Moments {
        let d = model.dimension, k = model.componentCount, n = x.shape[0], v = x.scalars
        let means = model.marginal(at: 0).means
        var counts = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let nearest = (0..<k).min { a, b in
                let da = (0..<d).map { Double(v[i * d + $0]) - means[a][$0] }.map { $0 * $0 }.reduce(0, +)
                let db = (0..<d).map { Double(v[i * d + $0]) - means[b][$0] }.map { $0 * $0 }.reduce(0, +)
                return da < db
            }!
            counts[nearest] += 1
        }
        return Moments(mean: columnMeans(x), covariance: covariance(x), weights: counts.map { $0 / Double(n) })
    }

    /// Asserts the samples' moments match the model's p₀; `bias` is the allowance for discretization.
    func assertMatches(_ x: Tensor, _ model: GaussianMixture, bias: Double, _ name: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        let n = Double(x.shape[0])
        let m = Self.moments(x, model: model)
        let (mean, cov, w) = (model.mean, model.covariance, model.weights)
        var worst = 0.0   // in standard errors, for the report
        for j in 0..<mean.count {
            let se = (cov[j][j] / n).squareRoot()
            worst = max(worst, abs(m.mean[j] - mean[j]) / se)
            XCTAssertEqual(m.mean[j], mean[j], accuracy: 4 * se + bias, "\(name): mean[\(j)]", file: file, line: line)
            for l in 0..<mean.count {
                let se = ((cov[j][j] * cov[l][l] + cov[j][l] * cov[j][l]) / n).squareRoot()
                worst = max(worst, abs(m.covariance[j][l] - cov[j][l]) / se)
                XCTAssertEqual(m.covariance[j][l], cov[j][l], accuracy: 4 * se + 2 * bias, "\(name): cov[\(j)][\(l)]", file: file, line: line)
            }
        }
        for c in 0..<w.count {
            let se = (w[c] * (1 - w[c]) / n).squareRoot()
            worst = max(worst, abs(m.weights[c] - w[c]) / se)
            XCTAssertEqual(m.weights[c], w[c], accuracy: 4 * se + bias / 2, "\(name): weight[\(c)]", file: file, line: line)
        }
        let f = { (a: [Double]) in a.map { String(format: "%.3f", $0) }.joined(separator: ", ") }
        print("\(name): mean [\(f(m.mean))] vs [\(f(mean))]; cov [\(f(m.covariance.flatMap { $0 }))] vs [\(f(cov.flatMap { $0 }))]; weights [\(f(m.weights))] vs [\(f(w))]; worst deviation \(String(format: "%.2f", worst)) SE")
    }

    func run(_ preset: String, _ model: any DiffusionModel, count: Int = SDESamplerTests.count,
             overrides: [String: JSONValue] = [:], seed: UInt64 = 0) throws -> SolveResult {
        let p = try PresetLibrary.resolve(preset, in: [presetDirectory], overrides: overrides)
        let key = RandomKey(seed: seed)
        let noise = Sampler.initialNoise(count: count, sampleShape: model.sampleShape, key: key)
        return try p.sampler.sample(model, noise: noise, key: key)
    }

    func testExactSamplesPassTheCheck() {
        // The check itself: exact samples of p₀ pass with no bias allowance.
        let model = separatedMixture(.standard(.vp))
        assertMatches(model.sample(Self.count, key: RandomKey(seed: 1)), model, bias: 0, "exact samples")
    }

    func testEulerMaruyamaOnTheReverseSDE() throws {
        let model = separatedMixture(.standard(.vp))
        assertMatches(try run("em-500", model).samples, model, bias: 0.02, "em-500 (VP, score)")
    }

    func testAncestralSampling() throws {
        let model = separatedMixture(.standard(.vp))
        assertMatches(try run("ancestral-100", model).samples, model, bias: 0.02, "ancestral-100 (VP, score)")
    }

    func testPredictorCorrector() throws {
        let model = separatedMixture(.standard(.ve))
        assertMatches(try run("pc-langevin", model).samples, model, bias: 0.02, "pc-langevin (VE, score)")
    }

    func testEDMStochasticSampler() throws {
        let model = separatedMixture(.standard(.edm), .x0)
        assertMatches(try run("edm-churn", model).samples, model, bias: 0.02, "edm-churn (EDM, x0)")
    }

    /// At 20 steps the variance comes out ~8% high on these narrow components (discretization:
    /// 4–5 SE whatever the seed); at 50 steps it is within sampling error.
    func testSDEDPMSolverPlusPlus() throws {
        let model = separatedMixture(.standard(.vp), .epsilon)
        let r = try run("dpmpp-2m-sde-20", model, overrides: ["steps": .number(50)])
        assertMatches(r.samples, model, bias: 0.02, "dpmpp-2m-sde 50 steps (VP, epsilon)")
    }

    func testSDEDPMSolverPlusPlus3M() throws {
        let model = separatedMixture(.standard(.vp), .epsilon)
        let r = try run("dpmpp-3m-sde-20", model, overrides: ["steps": .number(50)])
        assertMatches(r.samples, model, bias: 0.02, "dpmpp-3m-sde 50 steps (VP, epsilon)")
    }

    /// On few steps the quadratic term of the 3M SDE amplifies the noise its predictions carry (on
    /// the ring at 10 NFE, bias-corrected SW₂² 0.71 with it against 0.12 without): below 15 steps
    /// it takes SDE-DPM-Solver++(2M)'s steps; from 15 on, its own third-order ones.
    func testTheThirdOrderSDEOnFewStepsTakesTheSecondOrderSteps() throws {
        let model = separatedMixture(.standard(.vp), .epsilon)
        for steps in [5, 10, 14] {
            let third = try run("dpmpp-3m-sde-20", model, count: 256, overrides: ["steps": .number(Double(steps))]).samples.scalars
            let second = try run("dpmpp-2m-sde-20", model, count: 256, overrides: ["steps": .number(Double(steps))]).samples.scalars
            XCTAssertEqual(zip(third, second).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5, "\(steps) steps")
        }
        let third = try run("dpmpp-3m-sde-20", model, count: 256, overrides: ["steps": .number(15)]).samples.scalars
        let second = try run("dpmpp-2m-sde-20", model, count: 256, overrides: ["steps": .number(15)]).samples.scalars
        XCTAssertGreaterThan(zip(third, second).map { abs($0 - $1) }.max()!, 1e-3, "15 steps: order 3")
    }

    func testRestartSampling() throws {
        let model = separatedMixture(.standard(.vp))
        assertMatches(try run("restart-50", model).samples, model, bias: 0.02, "restart-50 (VP, score)")
    }

    /// The restart loops sit where the grid first reaches σ/α ≤ sigmaMin: t_min, then K × (jump up to t_max, steps down to t_min).
    func testRestartTimesInsertTheLoops() throws {
        let path = GaussianPath.standard(.vp)
        let r = RestartSampler(.init(sigmaMin: 0.1, sigmaMax: 0.5, restarts: 2, steps: 3))
        let main = try TimeGrid(.karras(rho: 7), steps: 8, start: .noiseLevel(80), end: .noiseLevel(0.002)).times(on: path)
        let times = try r.stepTimes(main, on: path)
        let tMin = path.time(logSNR: -Foundation.log(0.1)), tMax = path.time(logSNR: -Foundation.log(0.5))
        XCTAssertEqual(times.count, main.count + 1 + 2 * 4)
        let ups = zip(times, times.dropFirst()).filter { $0.1 > $0.0 }
        XCTAssertEqual(ups.count, 2)
        for (from, to) in ups {
            XCTAssertEqual(from, tMin, accuracy: 1e-12)
            XCTAssertEqual(to, tMax, accuracy: 1e-12)
        }
        XCTAssertEqual(Array(times.suffix(main.count - main.firstIndex { $0 <= tMin }!)), Array(main.suffix(main.count - main.firstIndex { $0 <= tMin }!)))
    }

    func testDDIMWithPartialNoise() throws {
        let model = separatedMixture(.standard(.cosine), .v)
        let r = try run("ddim-50", model, overrides: ["eta": .number(0.5)])
        assertMatches(r.samples, model, bias: 0.02, "ddim-50 eta 0.5 (cosine, v)")
    }

    // MARK: Cross-parametrization: fields from a network-like model's single output

    func testVelocityModelWithAnSDESampler() throws {
        // A flow-matching velocity model (rectified path) sampled with the reverse SDE.
        let model = separatedMixture(.standard(.rectified), .velocity)
        assertMatches(try run("em-500", NetworkLike(mixture: model)).samples, model, bias: 0.02, "em-500 on a velocity model")
        assertMatches(try run("ancestral-100", NetworkLike(mixture: model)).samples, model, bias: 0.02, "ancestral-100 on a velocity model")
    }

    func testScoreAndEpsilonModelsWithODESamplers() throws {
        let score = separatedMixture(.standard(.vp), .score)
        assertMatches(try run("heun-karras-18", NetworkLike(mixture: score)).samples, score, bias: 0.02, "heun-karras-18 on a score model")
        let eps = separatedMixture(.standard(.vp), .epsilon)
        assertMatches(try run("dpmpp-2m-20", NetworkLike(mixture: eps)).samples, eps, bias: 0.02, "dpmpp-2m-20 on an epsilon model")
    }
}
