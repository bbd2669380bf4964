import XCTest
import Foundation
import TensorCore
import Generative
@testable import Samplers
import Presets

/// The exact consistency function of 1-D Gaussian data N(μ, s²) on the EDM path: the probability-flow
/// ODE keeps (x − μ)/√(s² + σ²) constant, so f(x, σ) = μ + (x − μ)·√(s² + σ_min²)/√(s² + σ²)
/// maps every point of a trajectory to its end at σ_min.
struct ExactGaussianConsistency: DiffusionModel {
    let mean: Double, std: Double, sigmaMin: Double
    var path: GaussianPath { .standard(.edm) }
    var parametrization: Parametrization { .x0 }
    var sampleShape: [Int] { [1] }
    func evaluate(_ x: Tensor, t: Double) -> Tensor {
        let scale = ((std * std + sigmaMin * sigmaMin) / (std * std + t * t)).squareRoot()
        return (x - Float(mean)) * Float(scale) + Float(mean)
    }
}

/// Multistep consistency sampling (Song et al. 2023, Algorithm 1) on a model whose consistency
/// function is known exactly: one step and several steps both draw the data.
final class ConsistencySamplerTests: XCTestCase {
    func moments(_ t: Tensor) -> (mean: Double, std: Double) {
        let v = t.scalars.map(Double.init)
        let m = v.reduce(0, +) / Double(v.count)
        return (m, (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
    }

    func testOneAndTwoStepsOfAnExactConsistencyFunctionDrawTheData() throws {
        let model = ExactGaussianConsistency(mean: 1.5, std: 0.7, sigmaMin: 0.002)
        let n = 20_000
        let key = RandomKey(seed: 11)
        let noise = Sampler.initialNoise(count: n, sampleShape: [1], key: key)
        for name in ["consistency-1", "consistency-2"] {
            let preset = try PresetLibrary.resolve(name, in: [presetDirectory])
            XCTAssertTrue(preset.sampler.isStochastic, "steps after the first draw fresh noise")
            XCTAssertEqual(preset.sampler.plannedEvaluations(for: model), name == "consistency-1" ? 1 : 2, "one NFE per step")
            let r = try preset.sampler.sample(model, noise: noise, key: key)
            XCTAssertEqual(r.evaluations, name == "consistency-1" ? 1 : 2)
            let m = moments(r.samples)
            // The prior N(0, 80²) neglects the data: x_T lacks μ, which pulls the mean toward 0 by at most
            // μ·s/80 = 0.013, and the spread is short by a relative 4e-5.
            XCTAssertEqual(m.mean, 1.5, accuracy: 4 * 0.7 / Double(n).squareRoot() + 1.5 * 0.7 / 80, name)
            XCTAssertEqual(m.std, 0.7, accuracy: 4 * 0.7 / Double(2 * n).squareRoot(), name)
        }
        // Same seed, same samples; the second step's noise is the Brownian path's, so another seed differs.
        let two = try PresetLibrary.resolve("consistency-2", in: [presetDirectory]).sampler
        let a = try two.sample(model, noise: noise, key: key).samples, b = try two.sample(model, noise: noise, key: key).samples
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertNotEqual(try two.sample(model, noise: noise, key: RandomKey(seed: 12)).samples.scalars, a.scalars)
    }

    func testOnADenoiserOneStepIsThePosteriorMean() throws {
        // The exact mixture is a denoiser, not a consistency model: one step returns E[x₀ | x_T], near the data's mean.
        let ring = try GaussianMixture.load(from: presetDirectory.deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json"))
        let key = RandomKey(seed: 2)
        let noise = Sampler.initialNoise(count: 500, sampleShape: [2], key: key)
        let one = try PresetLibrary.resolve("consistency-1", in: [presetDirectory]).sampler
        let samples = try one.sample(ring, noise: noise, key: key).samples
        let spread = samples.scalars.map { abs(Double($0)) }.max()!
        XCTAssertLessThan(spread, 0.5, "the ring's radius is 2; the posterior mean at σ = 80 is close to its centre")
    }
}
