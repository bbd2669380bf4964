import XCTest
import TensorCore
import Generative
@testable import Samplers
import Presets

/// Encoding (PF-ODE inversion), SDEdit and spherical interpolation on the analytic mixture.
final class EditingTests: XCTestCase {
    let ring = separatedMixture(.standard(.rectified), .velocity)

    func preset(_ name: String, _ overrides: [String: JSONValue] = [:]) throws -> Sampler {
        try PresetLibrary.resolve(name, in: [presetDirectory], overrides: overrides).sampler
    }

    /// Encoding then decoding with the same sampler returns the data: to the tolerance with dopri5,
    /// to the discretization error with DDIM inversion.
    func testEncodingThenDecodingReturnsTheData() throws {
        let key = RandomKey(seed: 1)
        let x = ring.sample(200, key: key)
        let tight = try preset("dopri5", ["rtol": .number(1e-6), "atol": .number(1e-8)])
        let noise = try tight.encode(ring, data: x, key: key)
        let back = try tight.sample(ring, noise: noise, key: key).samples
        let error = maxRowDistance(back, x)
        let ddim = try preset("ddim-50")
        let ddimBack = try ddim.sample(ring, noise: try ddim.encode(ring, data: x, key: key), key: key).samples
        let d = zip(ddimBack.scalars, x.scalars).map { Double($0 - $1) }
        let ddimRMS = (d.map { $0 * $0 }.reduce(0, +) / Double(d.count)).squareRoot()
        print("encode → decode: dopri5 rtol 1e-6 largest row error \(error); ddim-50 (DDIM inversion) RMS error \(ddimRMS), largest row \(maxRowDistance(ddimBack, x))")
        XCTAssertLessThan(error, 1e-3)
        XCTAssertLessThan(ddimRMS, 0.05)
        // The encoded noise of exact data samples is standard normal (the PF-ODE maps p₀ to the prior).
        let v = noise.scalars.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count), variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
        XCTAssertEqual(mean, 0, accuracy: 0.15)
        XCTAssertEqual(variance, 1, accuracy: 0.2)
    }

    func testAnSDESamplerCannotEncode() throws {
        XCTAssertThrowsError(try preset("em-500").encode(ring, data: ring.sample(4, key: RandomKey(seed: 2)), key: RandomKey(seed: 2))) {
            XCTAssertTrue("\($0)".contains("needs an ODE sampler"))
        }
    }

    /// SDEdit of exact data with the reverse SDE keeps the data distribution (forward noise, then
    /// the exact time reversal), at any strength; small strengths keep each sample close to its input.
    func testSDEditOfDataKeepsTheDistributionAndSmallStrengthsStayClose() throws {
        let vp = separatedMixture(.standard(.vp))
        let key = RandomKey(seed: 3)
        let x = vp.sample(1500, key: key)
        let em = try preset("em-500")
        for s in [0.3, 0.7] {
            let y = try em.edit(vp, data: x, strength: s, key: key).samples
            let m = columnMeans(y), exact = vp.mean
            for j in 0..<2 {
                let se = (vp.covariance[j][j] / 1500).squareRoot()
                XCTAssertEqual(m[j], exact[j], accuracy: 4 * se + 0.02, "strength \(s) mean[\(j)]")
            }
        }
        let close = try preset("dpmpp-2m-20").edit(vp, data: x.rows(0..<100), strength: 0.05, key: key).samples
        XCTAssertLessThan(maxRowDistance(close, x.rows(0..<100)), 0.5)
        XCTAssertThrowsError(try em.edit(vp, data: x, strength: 0, key: key))
        XCTAssertThrowsError(try em.edit(vp, data: x, strength: 1.5, key: key))
    }

    func testSphericalInterpolationKeepsEndsAndRadius() {
        let a = Tensor([3, 0, 0, 0], shape: [1, 4]), b = Tensor([0, 3, 0, 0], shape: [1, 4])
        let path = sphericalInterpolation(a, b, fractions: [0, 0.25, 0.5, 1])
        XCTAssertEqual(path.rows(0..<1).scalars, a.scalars)
        XCTAssertEqual(path.rows(3..<4).scalars, b.scalars.map { $0 }, "end b")
        for i in 0..<4 {
            let r = path.rows(i..<(i + 1)).scalars.map { Double($0 * $0) }.reduce(0, +).squareRoot()
            XCTAssertEqual(r, 3, accuracy: 1e-5)
        }
        XCTAssertEqual(Double(path.scalars[4]), 3 * cos(Double.pi / 8), accuracy: 1e-5)
    }
}
