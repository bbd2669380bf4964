import XCTest
import TensorCore
@testable import Generative

/// Class conditioning and classifier-free guidance on the analytic mixture, where every field is exact.
final class GuidedModelTests: XCTestCase {
    /// Three overlapping components (guidance changes the field where they overlap).
    func mixture(_ path: GaussianPath = .standard(.rectified), _ p: Parametrization = .score) throws -> GaussianMixture {
        try GaussianMixture(weights: [0.5, 0.3, 0.2], means: [[-1, 0], [1, 0.5], [0, -1.5]],
                            stds: [[0.4, 0.5], [0.3, 0.3], [0.5, 0.4]], path: path, parametrization: p)
    }

    func points(_ n: Int, seed: UInt64) -> Tensor { Tensor.randomNormal([n, 2], key: RandomKey(seed: seed)) * 1.5 }

    func testTheMixtureClassesAreItsComponents() throws {
        let g = try mixture()
        XCTAssertEqual(g.classNames, ["0", "1", "2"])
        let c = g.component(1)
        XCTAssertEqual(c.weights, [1])
        XCTAssertEqual(c.mean, [1, 0.5])
    }

    /// Unguided class k is exactly component k's field; a nil class is the whole mixture's.
    func testConditionalFieldsAreTheComponentsOwn() throws {
        let g = try mixture()
        let x = points(9, seed: 1)
        let classes: [Int?] = [0, 1, 2, nil, 2, 1, 0, nil, 1]
        let t = 0.4
        let f = GuidedModel(g, classes: classes).fields(x, t: t)
        for (i, c) in classes.enumerated() {
            let row = x.rows(i..<(i + 1))
            let exact = (c.map { g.component($0) } ?? g).fields(row, t: t)
            XCTAssertEqual(f.score.rows(i..<(i + 1)).scalars, exact.score.scalars, "row \(i) score")
            XCTAssertEqual(f.velocity.rows(i..<(i + 1)).scalars, exact.velocity.scalars, "row \(i) velocity")
        }
    }

    /// Guided fields are (1 + w)·F(x | c) − w·F(x) in every parametrization, which is one guided score:
    /// x̂₀, ε̂ and û of the guided model equal the closed-form conversions of its guided score.
    func testGuidedFieldsCombineTheTwoPredictionsAndAgreeAcrossParametrizations() throws {
        for path in [GaussianPath.standard(.rectified), .standard(.vp), .standard(.edm)] {
            let g = try mixture(path)
            let x = points(16, seed: 2)
            let classes: [Int?] = (0..<16).map { $0 % 3 }
            let w = 2.5, t = path.kind == .edm ? 0.3 : 0.5
            let f = GuidedModel(g, classes: classes, guidance: w).fields(x, t: t)
            let conditional = g.fields(x, t: t, classes: classes), unconditional = g.fields(x, t: t)
            assertGuidedFields(f, score: conditional.score * Float(1 + w) - unconditional.score * Float(w), path: path, x: x, t: t)
        }
    }

    /// A guided model predicting ε (or velocity) samples the same guided field as one predicting the score.
    func testGuidanceDoesNotDependOnTheModelsParametrization() throws {
        let x = points(12, seed: 3)
        let classes: [Int?] = (0..<12).map { $0 % 3 }
        let t = 0.6
        let reference = GuidedModel(try mixture(.standard(.vp), .score), classes: classes, guidance: 1.5).fields(x, t: t)
        for p in [Parametrization.epsilon, .x0, .v, .velocity] {
            let m = GuidedModel(NetworkLike(mixture: try mixture(.standard(.vp), p)), classes: classes, guidance: 1.5)
            XCTAssertLessThan(maxAbs(m.fields(x, t: t).velocity - reference.velocity), 1e-4, "\(p)")
        }
    }

    /// Each row's guided output depends on that row alone: any split of the batch gives the same bits.
    func testGuidedRowsDoNotDependOnTheBatch() throws {
        let g = try mixture()
        let x = points(10, seed: 4)
        let classes: [Int?] = [2, 0, nil, 1, 1, 0, 2, nil, 0, 1]
        let model = GuidedModel(g, classes: classes, guidance: 3)
        let whole = model.fields(x, t: 0.7).velocity
        let parts = [0..<3, 3..<4, 4..<10].map { model.rows($0).fields(x.rows($0), t: 0.7).velocity }
        XCTAssertEqual(Tensor.concat(parts, axis: 0).scalars, whole.scalars)
    }

    func testCostCountsTheDoubledBatch() throws {
        let g = try mixture()
        XCTAssertEqual(GuidedModel(g, classes: [0, 1], guidance: 0).networkPasses, 1)
        XCTAssertEqual(GuidedModel(g, classes: [nil, nil], guidance: 2).networkPasses, 1)
        XCTAssertEqual(GuidedModel(g, classes: [0, nil], guidance: 2).networkPasses, 2)
    }

    /// A wrapper says what its model can do: nobody asks which type it is.
    func testAGuidedModelForwardsItsModelsFacts() throws {
        let g = try mixture(.standard(.rectified), .score)
        let guided = GuidedModel(g, classes: [0, nil], guidance: 1.5)
        XCTAssertTrue(guided.isExact)
        XCTAssertEqual(guided.conditioning, Conditioning(classes: [0, nil], guidance: 1.5))
        XCTAssertNil(g.conditioning)
        // The exact score mixture has a velocity at t = 1 (α = 0); a network predicting the score does not.
        XCTAssertTrue(guided.gives(.velocity, at: 1))
        let network = NetworkLike(mixture: g)
        XCTAssertFalse(network.isExact)
        XCTAssertFalse(network.gives(.velocity, at: 1))
        XCTAssertFalse(GuidedModel(network, classes: [nil]).gives(.velocity, at: 1))
        XCTAssertTrue(GuidedModel(network, classes: [nil]).gives(.velocity, at: 0.5))
    }

    func maxAbs(_ t: Tensor) -> Float { t.scalars.map { Swift.abs($0) }.max() ?? 0 }
}

/// A model that only has `evaluate` (like a network): fields come from the default conversion.
private struct NetworkLike: DiffusionModel {
    let mixture: GaussianMixture
    var path: GaussianPath { mixture.path }
    var parametrization: Parametrization { mixture.parametrization }
    var sampleShape: [Int] { mixture.sampleShape }
    var classNames: [String] { mixture.classNames }
    func evaluate(_ x: Tensor, t: Double) -> Tensor { mixture.evaluate(x, t: t) }
    func evaluate(_ x: Tensor, t: Double, classes: [Int?]) -> Tensor { mixture.evaluate(x, t: t, classes: classes) }
}
