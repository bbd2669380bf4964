import XCTest
import TensorCore
@testable import Generative

/// Guidance limited to an interval of noise levels (Kynkäänniemi et al. 2024).
final class GuidanceIntervalTests: XCTestCase {
    func mixture(_ path: GaussianPath) throws -> GaussianMixture {
        try GaussianMixture(weights: [0.5, 0.3, 0.2], means: [[-1, 0], [1, 0.5], [0, -1.5]],
                            stds: [[0.4, 0.5], [0.3, 0.3], [0.5, 0.4]], path: path)
    }

    /// σ/α: t/(1 − t) on the rectified path, t on EDM's; the domain's noise levels run from data to noise.
    func testTheNoiseLevelIsSigmaOverAlpha() {
        let rectified = GaussianPath.standard(.rectified)
        for t in [0.01, 0.25, 0.5, 0.8, 0.99] { XCTAssertEqual(rectified.noiseLevel(t), t / (1 - t), accuracy: 1e-12 * t / (1 - t)) }
        XCTAssertEqual(rectified.noiseLevels.lowerBound, 0)
        XCTAssertEqual(rectified.noiseLevels.upperBound, .infinity)
        XCTAssertEqual(GaussianPath.standard(.edm).noiseLevel(3.5), 3.5, accuracy: 1e-12)
        let edm = GaussianPath.standard(.edm).noiseLevels
        XCTAssertEqual(edm.lowerBound, 0.002, accuracy: 1e-15)
        XCTAssertEqual(edm.upperBound, 80, accuracy: 1e-12)
        let vp = GaussianPath.standard(.vp)
        XCTAssertEqual(vp.noiseLevel(0.5), vp.sigma(0.5) / vp.alpha(0.5), accuracy: 1e-12)
    }

    /// Just inside [σ_lo, σ_hi] an evaluation is guided (two passes); just outside it is the plain
    /// conditional field, bit for bit (one pass) — on the rectified, VP and EDM paths, for
    /// classifier-free guidance and autoguidance.
    func testGuidanceSwitchesExactlyAtTheIntervalsNoiseLevels() throws {
        let interval = try GuidanceInterval(low: 0.5, high: 2)
        for path in [GaussianPath.standard(.rectified), .standard(.vp), .standard(.edm)] {
            let g = try mixture(path)
            let wide = try GaussianMixture(weights: [0.5, 0.3, 0.2], means: [[-1, 0], [1, 0.5], [0, -1.5]],
                                           stds: [[0.8, 1], [0.6, 0.6], [1, 0.8]], path: path)
            let x = Tensor.randomNormal([6, 2], key: RandomKey(seed: 1))
            let classes: [Int?] = [0, 1, 2, 0, 1, 2]
            for guide in [nil, Guide(wide, name: "wide")] {
                let model = GuidedModel(g, classes: classes, guidance: 2, guide: guide, interval: interval)
                for level in [interval.low, interval.high] {
                    let t = path.time(logSNR: -Foundation.log(level))
                    let (below, above) = (t * (1 - 1e-9), t * (1 + 1e-9))
                    XCTAssertLessThan(path.noiseLevel(below), level)
                    XCTAssertGreaterThan(path.noiseLevel(above), level)
                    let (inside, outside) = level == interval.low ? (above, below) : (below, above)
                    let plain = g.fields(x, t: outside, classes: classes).velocity
                    let before = model.passes.count
                    XCTAssertEqual(model.fields(x, t: outside).velocity.scalars, plain.scalars, "\(path.kind) σ = \(level) outside")
                    XCTAssertEqual(model.passes.count - before, 1)
                    let guided = model.fields(x, t: inside).velocity
                    XCTAssertEqual(model.passes.count - before, 3)
                    let unlimited = GuidedModel(g, classes: classes, guidance: 2, guide: guide).fields(x, t: inside).velocity
                    XCTAssertEqual(guided.scalars, unlimited.scalars, "\(path.kind) σ = \(level) inside")
                    XCTAssertGreaterThan(zip(guided.scalars, g.fields(x, t: inside, classes: classes).velocity.scalars)
                                            .map { Swift.abs($0 - $1) }.max()!, 1e-3, "guidance changes the field")
                }
            }
        }
    }

    /// Non-positive, reversed, empty and out-of-range intervals are one-line errors.
    func testBadIntervalsAreRefused() throws {
        XCTAssertThrowsError(try GuidanceInterval(low: 0, high: 1))
        XCTAssertThrowsError(try GuidanceInterval(low: -1, high: 1))
        XCTAssertThrowsError(try GuidanceInterval(low: 2, high: 1))
        XCTAssertThrowsError(try GuidanceInterval(low: 1, high: 1))
        XCTAssertThrowsError(try GuidanceInterval(low: .nan, high: 1))
        XCTAssertThrowsError(try GuidanceInterval(low: 1, high: .infinity))
        let inside = try GuidanceInterval(low: 0.28, high: 5.42)
        for kind in PathKind.allCases { XCTAssertNoThrow(try inside.validate(on: .standard(kind)), "\(kind)") }
        let wide = try GuidanceInterval(low: 0.001, high: 100)
        XCTAssertNoThrow(try wide.validate(on: .standard(.rectified)))
        do {
            try wide.validate(on: .standard(.edm))
            XCTFail("EDM's σ runs from 0.002 to 80")
        } catch {
            XCTAssertEqual("\(error)", "the guidance interval [0.001, 100] is outside the edm path's noise levels σ/α ∈ [0.002, 80]")
        }
        XCTAssertThrowsError(try GuidanceInterval(low: 1, high: 1000).validate(on: .standard(.vp)))
        let json = try JSONEncoder().encode(inside)
        XCTAssertEqual(try JSONDecoder().decode(GuidanceInterval.self, from: json), inside)
        XCTAssertThrowsError(try JSONDecoder().decode(GuidanceInterval.self, from: Data(#"{"low": 3, "high": 1}"#.utf8)))
    }
}
