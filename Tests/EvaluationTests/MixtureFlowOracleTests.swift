import XCTest
import TensorCore
import Generative
import Samplers
@testable import Evaluation

final class MixtureFlowOracleTests: XCTestCase {
    /// One Gaussian N(μ, s²): the PF-ODE keeps z = (x − αμ)/√(α²s² + σ²) constant, so the flow map
    /// is x₁ = α₁μ + (x₀ − α₀μ)·√(v₁/v₀) in closed form.
    func testFlowOfOneGaussianIsTheClosedForm() throws {
        for path in [GaussianPath.standard(.rectified), .standard(.vp), .standard(.cosine)] {
            let g = try GaussianMixture(weights: [1], means: [[0.7, -1.2]], stds: [[0.3, 0.8]], path: path)
            let reference = MixtureFlowOracle(model: g)
            let (t0, t1) = (0.9, 0.05)
            let x: [Double] = [0.4, 1.5]
            let y = try reference.flow(x, from: t0, to: t1)
            for j in 0..<2 {
                let mu = [0.7, -1.2][j], s = [0.3, 0.8][j]
                func v(_ t: Double) -> Double { let a = path.alpha(t) * s, b = path.sigma(t); return a * a + b * b }
                let exact = path.alpha(t1) * mu + (x[j] - path.alpha(t0) * mu) * (v(t1) / v(t0)).squareRoot()
                XCTAssertEqual(y[j], exact, accuracy: 1e-9, "\(path.kind)")
            }
        }
    }

    /// On the ring, the Float32 solvers converge to the float64 reference as steps grow (RK4: fast).
    func testSamplerErrorAgainstTheReferenceShrinksWithSteps() throws {
        let ring = try GaussianMixture.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json"))
        let key = RandomKey(seed: 3)
        let noise = Sampler.initialNoise(count: 64, sampleShape: [2], key: key)
        var errors = [Double]()
        for steps in [10, 40] {
            let sampler = Sampler(solver: RungeKutta(.rk4), grid: TimeGrid(.uniform, steps: steps))
            let out = try sampler.sample(ring, noise: noise, key: key).samples
            let exact = try MixtureFlowOracle(model: ring).endpoints(of: sampler, noise: noise)
            errors.append(rmsRowDistance(FeatureSet(out), exact))
        }
        print("rk4 on the ring vs the float64 reference: 10 steps \(errors[0]), 40 steps \(errors[1])")
        XCTAssertLessThan(errors[1], errors[0] / 8)
        XCTAssertLessThan(errors[1], 1e-3)
    }
}
