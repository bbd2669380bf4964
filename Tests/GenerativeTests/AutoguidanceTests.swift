import XCTest
import TensorCore
@testable import Generative

/// Autoguidance (Karras et al. 2024) on the analytic mixture: the guide is the same data seen
/// through a worse model — here the same mixture with its components widened — and every field is exact.
final class AutoguidanceTests: XCTestCase {
    /// Two components (classes 0 and 1) with stds `scale` times the model's.
    func mixture(scale: Double = 1, _ path: GaussianPath = .standard(.rectified), _ p: Parametrization = .score) throws -> GaussianMixture {
        try GaussianMixture(weights: [0.6, 0.4], means: [[-1, 0.5], [1.5, -0.5]], stds: [[0.4 * scale, 0.3 * scale], [0.5 * scale, 0.6 * scale]],
                            path: path, parametrization: p)
    }

    /// N(μ, s²) in every coordinate.
    func gaussian(_ s: Double, _ path: GaussianPath = .standard(.rectified)) throws -> GaussianMixture {
        try GaussianMixture(weights: [1], means: [[0.7, -0.3]], stds: [[s, s]], path: path)
    }

    func points(_ n: Int, seed: UInt64) -> Tensor { Tensor.randomNormal([n, 2], key: RandomKey(seed: seed)) * 1.5 }

    func maxAbs(_ t: Tensor) -> Float { t.scalars.map { Swift.abs($0) }.max() ?? 0 }

    /// For N(μ, s²) guided by N(μ, s_g²) the guided score at t is that of a Gaussian of precision
    /// P_t = (1 + w)/v − w/v_g (v = α²s² + σ², v_g = α²s_g² + σ²) about αμ, on every path.
    func testAGaussianGuidedByAWiderGaussianHasTheTiltedPrecision() throws {
        let s = 0.5, sg = 0.8, w = 1.5
        for path in [GaussianPath.standard(.rectified), .standard(.vp), .standard(.edm)] {
            let model = try gaussian(s, path), guide = Guide(try gaussian(sg, path), name: "wide")
            let x = points(12, seed: 1)
            for t in path.kind == .edm ? [0.05, 0.7, 3] : [0.1, 0.5, 0.9] {
                let a = path.alpha(t), sd = path.sigma(t)
                let v = a * a * s * s + sd * sd, vg = a * a * sg * sg + sd * sd
                let precision = (1 + w) / v - w / vg
                let f = GuidedModel(model, classes: [Int?](repeating: nil, count: 12), guidance: w, guide: guide).fields(x, t: t)
                let xs = x.scalars, mean = [0.7, -0.3]
                let expected = Tensor(xs.indices.map { Float(-precision * (Double(xs[$0]) - a * mean[$0 % 2])) }, shape: [12, 2])
                XCTAssertLessThan(maxAbs(f.score - expected), 2e-5 * Float(max(1, precision)), "\(path.kind) t = \(t)")
            }
        }
    }

    /// Guided fields are (1 + w)·F − w·F_guide in every parametrization, which is one guided score:
    /// x̂₀, ε̂ and û equal the closed-form conversions of the guided score.
    func testAutoguidedFieldsAgreeAcrossParametrizations() throws {
        for path in [GaussianPath.standard(.rectified), .standard(.vp), .standard(.edm)] {
            let model = try mixture(scale: 1, path), guide = Guide(try mixture(scale: 1.6, path), name: "wide")
            let x = points(16, seed: 2)
            let classes: [Int?] = (0..<16).map { $0 % 3 == 2 ? nil : $0 % 3 }
            let t = path.kind == .edm ? 0.3 : 0.5, w = 2.0
            let f = GuidedModel(model, classes: classes, guidance: w, guide: guide).fields(x, t: t)
            let expected = model.fields(x, t: t, classes: classes).score * Float(1 + w) - guide.model.fields(x, t: t, classes: classes).score * Float(w)
            assertGuidedFields(f, score: expected, path: path, x: x, t: t)
        }
    }

    /// The guide is evaluated at each row's class (component k widened), and unconditional rows
    /// are guided too (the whole mixture against the whole widened mixture).
    func testTheGuideIsEvaluatedAtEachRowsClassAndUnconditionalRowsAreGuided() throws {
        let model = try mixture(), wide = try mixture(scale: 1.6), w = 1.0, t = 0.4
        let x = points(6, seed: 3)
        let classes: [Int?] = [0, 1, nil, 1, 0, nil]
        let f = GuidedModel(model, classes: classes, guidance: w, guide: Guide(wide, name: "wide")).fields(x, t: t)
        for (i, c) in classes.enumerated() {
            let row = x.rows(i..<(i + 1))
            let m = c.map { model.component($0) } ?? model, g = c.map { wide.component($0) } ?? wide
            let expected = m.fields(row, t: t).velocity * Float(1 + w) - g.fields(row, t: t).velocity * Float(w)
            XCTAssertLessThan(maxAbs(f.velocity.rows(i..<(i + 1)) - expected), 1e-5, "row \(i)")
        }
    }

    /// A guide that is the model itself changes nothing: autoguidance only corrects where the two differ.
    func testAGuideEqualToTheModelChangesNothing() throws {
        let model = try mixture(), x = points(10, seed: 4)
        let classes: [Int?] = (0..<10).map { $0 % 2 }
        let plain = model.fields(x, t: 0.6, classes: classes).velocity
        let guided = GuidedModel(model, classes: classes, guidance: 3, guide: Guide(model, name: "itself")).fields(x, t: 0.6).velocity
        XCTAssertLessThan(maxAbs(guided - plain), 1e-5)
    }

    /// Every guided evaluation runs the model and the guide: two passes, unconditional rows included.
    func testAutoguidanceCountsTwoPassesPerEvaluation() throws {
        let model = try mixture(), guide = Guide(try mixture(scale: 2), name: "wide")
        let unconditional = GuidedModel(model, classes: [nil, nil], guidance: 1, guide: guide)
        XCTAssertTrue(unconditional.isGuided)
        XCTAssertEqual(unconditional.networkPasses, 2)
        _ = unconditional.fields(points(2, seed: 5), t: 0.5)
        _ = unconditional.evaluate(points(2, seed: 5), t: 0.3)
        XCTAssertEqual(unconditional.passes.count, 4)
        XCTAssertEqual(GuidedModel(model, classes: [0], guidance: 0, guide: guide).networkPasses, 1)
        XCTAssertEqual(unconditional.conditioning?.method, .autoguidance)
        XCTAssertEqual(GuidedModel(model, classes: [0], guidance: 2).conditioning?.method, .classifierFree)
    }

    /// A guide must predict the same thing as the model: one line says what differs.
    func testAGuideThatDoesNotMatchTheModelIsRefused() throws {
        let model = try mixture()
        func refusal(_ guide: any DiffusionModel, classes: [Int?] = [0]) -> String {
            do { try Guide(guide, name: "g.json").check(guiding: model, classes: classes); return "" } catch { return "\(error)" }
        }
        let threeD = try GaussianMixture(weights: [1], means: [[0, 0, 0]], stds: [[1, 1, 1]], path: .standard(.rectified))
        XCTAssertTrue(refusal(threeD).contains("shape [3]"), refusal(threeD))
        XCTAssertTrue(refusal(try mixture(scale: 2, .standard(.vp))).contains("vp path"))
        XCTAssertTrue(refusal(try mixture(scale: 2).with(path: GaussianPath(kind: .rectified))).isEmpty)
        XCTAssertTrue(refusal(try mixture(scale: 2, .standard(.rectified), .velocity)).contains("predicts velocity"))
        let unconditional = NoClasses(mixture: try mixture(scale: 2))
        XCTAssertTrue(refusal(unconditional).contains("is unconditional"), refusal(unconditional))
        XCTAssertTrue(refusal(unconditional, classes: [nil]).isEmpty)
        let three = try GaussianMixture(weights: [0.3, 0.3, 0.4], means: [[0, 0], [1, 1], [2, 2]], stds: [[1, 1], [1, 1], [1, 1]], path: .standard(.rectified))
        XCTAssertTrue(refusal(three).contains("has classes 0, 1, 2"), refusal(three))
        for message in [refusal(threeD), refusal(unconditional), refusal(three)] { XCTAssertFalse(message.contains("\n")) }
    }
}

/// A mixture seen as an unconditional model (no classes).
private struct NoClasses: DiffusionModel {
    let mixture: GaussianMixture
    var path: GaussianPath { mixture.path }
    var parametrization: Parametrization { mixture.parametrization }
    var sampleShape: [Int] { mixture.sampleShape }
    func evaluate(_ x: Tensor, t: Double) -> Tensor { mixture.evaluate(x, t: t) }
}
