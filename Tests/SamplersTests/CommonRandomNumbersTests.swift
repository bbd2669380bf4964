import XCTest
import TensorCore
import Generative
@testable import Samplers
import Presets

/// Every stochastic sampler draws its noise from the per-sample Brownian path, so one seed is
/// one Brownian motion at every step count: as the step count grows, the samples of a seed
/// converge (pathwise) to the solution driven by that motion. With noise keyed by the step's time
/// (as before), N and 4N steps would see unrelated noise and stay O(1) apart whatever N.
/// Measured (seed 7, 200 samples, RMS distance to 1024 steps at 16/64/256 steps): ancestral
/// 0.79/0.42/0.25, EDM churn 2.18/1.06/0.68, predictor 0.88/0.34/0.19, Euler–Maruyama 0.94/0.44/0.016.
final class CommonRandomNumbersTests: XCTestCase {
    let model = separatedMixture(.standard(.vp))
    let count = 200

    func samples(_ preset: String, steps: Int, _ overrides: [String: JSONValue] = [:]) throws -> Tensor {
        var o = overrides
        o["steps"] = .number(Double(steps))
        let p = try PresetLibrary.resolve(preset, in: [presetDirectory], overrides: o)
        let key = RandomKey(seed: 7)
        let noise = Sampler.initialNoise(count: count, sampleShape: model.sampleShape, key: key)
        return try p.sampler.sample(model, noise: noise, key: key).samples
    }

    /// RMS distance of the N-step samples from the 1024-step ones, for N = 16, 64, 256.
    func distances(_ preset: String, _ overrides: [String: JSONValue] = [:]) throws -> [Double] {
        let reference = try samples(preset, steps: 1024, overrides)
        return try [16, 64, 256].map { rmsRowDistance(try samples(preset, steps: $0, overrides), reference) }
    }

    func assertConverges(_ preset: String, _ overrides: [String: JSONValue] = [:], file: StaticString = #filePath, line: UInt = #line) throws {
        let d = try distances(preset, overrides)
        print("\(preset) \(overrides): RMS distance to 1024 steps at 16/64/256 steps: \(d.map { String(format: "%.4f", $0) })")
        // Unrelated noise per step count would keep the three distances about equal (ratios ≈ 1).
        XCTAssertLessThan(d[1], 0.7 * d[0], "\(preset): 64 steps not closer than 16", file: file, line: line)
        XCTAssertLessThan(d[2], 0.8 * d[1], "\(preset): 256 steps not closer than 64", file: file, line: line)
        XCTAssertLessThan(d[2], 0.4 * d[0], "\(preset): 256 steps not much closer than 16", file: file, line: line)
    }

    func testAncestralSamplingSeesOneBrownianMotion() throws {
        try assertConverges("ancestral-100")
    }

    func testEDMChurnSeesOneBrownianMotion() throws {
        try assertConverges("edm-churn", ["sTmax": .number(1e9)])
    }

    func testPredictorSeesOneBrownianMotion() throws {
        try assertConverges("pc-langevin", ["correctorSteps": .number(0)])
    }

    func testEulerMaruyamaSeesOneBrownianMotion() throws {
        try assertConverges("em-500")
    }

    /// The Langevin corrector's noise is an independent Brownian path (path 1), not path 0's:
    /// with the predictor alone and with a corrector of snr 0 (a no-op step that still draws
    /// noise scaled by 0) the results agree bitwise, so the corrector never consumes path 0.
    func testCorrectorNoiseIsItsOwnPath() throws {
        let alone = try samples("pc-langevin", steps: 50, ["correctorSteps": .number(0)])
        let silent = try samples("pc-langevin", steps: 50, ["correctorSteps": .number(2), "snr": .number(0)])
        XCTAssertEqual(alone.scalars, silent.scalars)
    }
}
