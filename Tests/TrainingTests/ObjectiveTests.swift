import Foundation
import XCTest
import Generative
import NN
import TensorCore
import Datasets
@testable import Training

final class ObjectiveTests: XCTestCase {
    /// An MLP whose output is exactly zero (all weights zero): the loss is then E‖target‖².
    func zeroNetwork() throws -> any Network {
        let net = try MLP(MLPConfig(inputDimension: 2, width: 8, depth: 1, timeEmbeddingDimension: 8), key: RandomKey(seed: 0))
        net.updateParameters { _, t in Tensor.zeros(t.shape) }
        return net
    }

    func testImportanceSamplerIsUnbiasedForTheWeightedLoss() {
        // w(t) = 1/t on [1e-3, 1]: E_U[w·f]/mean(w) for f(t) = t is (1/(b − a)) / mean(w) = 1/∫w.
        let sampler = ImportanceTimeSampler(range: 1e-3...1) { 1 / $0 }
        let n = 200_000
        let u = (0..<n).map { (Double($0) + 0.5) / Double(n) }
        let (t, w) = sampler.sample(u)
        let estimate = zip(t, w).reduce(0) { $0 + $1.0 * $1.1 } / Double(n)
        // (The normaliser is the trapezoid-rule ∫w of the table, 0.1 % above ln 1000: a constant loss scale.)
        XCTAssertEqual(estimate, 1 / Foundation.log(1000), accuracy: 3e-3 / Foundation.log(1000))
        // p ∝ 1/t puts a third of the times below 0.01 (log-uniform over three decades).
        XCTAssertEqual(Double(t.filter { $0 < 0.01 }.count) / Double(n), 1.0 / 3, accuracy: 1e-3)
        XCTAssertTrue(t.allSatisfy { $0 >= 1e-3 && $0 <= 1 })
        // Weights stay near 1: that is the point of importance sampling.
        XCTAssertLessThan(w.max()! / w.min()!, 1.1)
    }

    func testLikelihoodWeightingOnVEIsUniform() {
        // On VE, g²/σ² = 2 log(σ_max/σ_min) is constant: the sampler must be uniform with unit weights.
        let path = GaussianPath.standard(.ve)
        let sampler = ImportanceTimeSampler(range: TrainingObjective.timeRange(path)) { t in
            path.forwardDiffusionSquared(t) / (path.sigma(t) * path.sigma(t))
        }
        let (t, w) = sampler.sample([0.25, 0.5, 0.75])
        for (a, b) in zip(t, [0.25, 0.5, 0.75]) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        for x in w { XCTAssertEqual(x, 1, accuracy: 1e-6) }
    }

    func testMinibatchOTLowersTheRegressionTarget() throws {
        // With a zero network the flow-matching loss is E‖ε − x₀‖²/D: exactly the transport cost
        // the OT coupling minimises, so OT-CFM's loss is lower on the same draws.
        let net = try zeroNetwork()
        let x0 = ToyDistribution.eightGaussians.sample(256, key: RandomKey(seed: 1))
        let key = RandomKey(seed: 2)
        let cfm = try TrainingObjective(ObjectiveConfig(kind: .cfm), path: .standard(.rectified)).loss(net, data: x0, key: key).item
        let ot = try TrainingObjective(ObjectiveConfig(kind: .otcfm), path: .standard(.rectified)).loss(net, data: x0, key: key).item
        XCTAssertLessThan(ot, 0.5 * cfm, "OT-CFM \(ot) vs CFM \(cfm)")
    }

    func testZeroNetworkLossesMatchTheirClosedForms() throws {
        // DSM (ε target): E‖ε‖²/D = 1.
        let net = try zeroNetwork()
        let x0 = ToyDistribution.moons.sample(4096, key: RandomKey(seed: 3))
        let dsm = try TrainingObjective(ObjectiveConfig(kind: .dsm), path: .standard(.vp)).loss(net, data: x0, key: RandomKey(seed: 4)).item
        XCTAssertEqual(dsm, 1, accuracy: 0.05)
        // EDM at x₀ = 0 with F ≡ 0: the target is −c_skip·σε/c_out and
        // c_skip·σ/c_out = σ_d²σ/(σ² + σ_d²) · √(σ² + σ_d²)/(σσ_d) = σ_d/√(σ² + σ_d²), so with unit weight
        // (λ·c_out² = 1) the loss is E[σ_d²/(σ² + σ_d²)] over ln σ ~ N(P_mean, P_std²): computed here by
        // quadrature (midpoint rule over ±8 standard deviations; 0.634). Standard error at 4096 rows: ~0.012
        // (per-row variance E[c⁴]·E[(χ²₂/2)²] − E[c²]² ≈ 0.6); measured 0.646.
        let zeros = Tensor.zeros([4096, 2])
        let edm = try TrainingObjective(ObjectiveConfig(kind: .edm), path: .standard(.edm)).loss(net, data: zeros, key: RandomKey(seed: 5)).item
        let (pMean, pStd, sd) = (-1.2, 1.2, 0.5)
        let nodes = 4000, width = 16.0 / Double(nodes)
        let expected = (0..<nodes).map { i -> Double in
            let z = -8 + (Double(i) + 0.5) * width, sigma = Foundation.exp(pMean + pStd * z)
            return Foundation.exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() * width * sd * sd / (sigma * sigma + sd * sd)
        }.reduce(0, +)
        print("EDM zero-network loss \(edm), closed form \(expected)")
        XCTAssertEqual(Double(edm), expected, accuracy: 0.04)
    }

    func testObjectivesRefusePathsTheyCannotTrainOn() {
        XCTAssertThrowsError(try TrainingObjective(ObjectiveConfig(kind: .dsm), path: .standard(.edm))) {
            XCTAssertTrue("\($0)".contains("--path vp"), "\($0)")
        }
        XCTAssertThrowsError(try TrainingObjective(ObjectiveConfig(kind: .cfm), path: .standard(.ve))) {
            XCTAssertTrue("\($0)".contains("--path rectified"), "\($0)")
        }
        XCTAssertNoThrow(try TrainingObjective(ObjectiveConfig(kind: .edm), path: .standard(.vp)))
        XCTAssertEqual(ObjectiveKind.cfm.parametrization, .velocity)
        XCTAssertEqual(ObjectiveKind.dsm.parametrization, .epsilon)
        XCTAssertEqual(ObjectiveKind.edm.parametrization, .x0)
    }

    func testFlowTimesStayInTheDomain() throws {
        let objective = try TrainingObjective(ObjectiveConfig(kind: .cfm, timeSampling: .logitNormal(mean: 0, std: 1)),
                                              path: .standard(.vp))
        let t = objective.flowTimes((0..<1000).map { (Double($0) + 0.5) / 1000 }, key: RandomKey(seed: 1))
        XCTAssertTrue(t.allSatisfy { $0 > 1e-5 && $0 < 1 })
        let mean = t.reduce(0, +) / Double(t.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.05)   // logit-normal(0, 1) is symmetric about ½
    }
}
