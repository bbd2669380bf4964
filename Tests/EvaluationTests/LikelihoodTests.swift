import XCTest
import Foundation
import TensorCore
import Generative
import Samplers
@testable import Evaluation

/// `drift likelihood`'s claims on the analytic ring, whose PF-ODE transports p₀ to N(0, I) exactly:
/// the exact divergence recovers the exact log-density to 1e-3 nats, and Hutchinson's estimate is
/// within 3 standard errors of it.
final class LikelihoodTests: XCTestCase {
    let ring = try! GaussianMixture.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json"))

    func testTheMixtureVelocityOnTheTapeIsItsExactVelocity() {
        let x = ring.sample(50, key: RandomKey(seed: 1)) * 1.3
        for t in [0.0, 0.3, 0.9, 1.0] {
            let tape = ring.differentiableVelocity(x, t: t).scalars, exact = ring.fields(x, t: t).velocity.scalars
            for (a, b) in zip(tape, exact) { XCTAssertEqual(a, b, accuracy: 2e-4 * max(1, abs(b)), "t = \(t)") }
        }
    }

    func testExactDivergenceRecoversTheExactLogDensity() throws {
        let x = ring.sample(200, key: RandomKey(seed: 2))
        let exact = ring.logDensityValues(x, t: 0).map { -$0 }
        let r = try ProbabilityFlowLikelihood(model: ring, estimator: .exact).negativeLogLikelihood(x, key: RandomKey(seed: 3))
        let errors = zip(r.nll, exact).map { $0 - $1 }
        let meanError = errors.reduce(0, +) / Double(errors.count)
        print("exact divergence: mean NLL \(r.nll.reduce(0, +) / 200) vs exact \(exact.reduce(0, +) / 200), mean error \(meanError), worst \(errors.map(abs).max()!), NFE \(r.evaluations)")
        XCTAssertLessThan(abs(meanError), 1e-3)
        XCTAssertLessThan(errors.map(abs).max()!, 1e-2)
    }

    func testHutchinsonIsWithinThreeStandardErrors() throws {
        let x = ring.sample(400, key: RandomKey(seed: 4))
        let exact = ring.logDensityValues(x, t: 0).map { -$0 }
        for distribution in ProbeDistribution.allCases {
            let r = try ProbabilityFlowLikelihood(model: ring, estimator: .hutchinson(probes: 1, distribution: distribution))
                .negativeLogLikelihood(x, key: RandomKey(seed: 5))
            // The paired standard error: the estimator's own noise, not the spread of the data's NLL.
            let difference = Estimate(mean: zip(r.nll, exact).map { $0 - $1 })
            print("hutchinson \(distribution): mean NLL − exact = \(difference.value) ± \(difference.standardError)")
            XCTAssertLessThan(abs(difference.value), 3 * difference.standardError, "\(distribution)")
            XCTAssertGreaterThan(difference.standardError, 1e-4, "\(distribution): probes must add noise")
        }
    }

    func testProbesDependOnlyOnTheSeedAndSampleIndex() throws {
        let x = ring.sample(20, key: RandomKey(seed: 6))
        let l = ProbabilityFlowLikelihood(model: ring, estimator: .hutchinson(probes: 2, distribution: .rademacher))
        let a = try l.negativeLogLikelihood(x, key: RandomKey(seed: 7)).nll
        XCTAssertEqual(a, try l.negativeLogLikelihood(x, key: RandomKey(seed: 7)).nll, "same seed, same result")
        XCTAssertNotEqual(a, try l.negativeLogLikelihood(x, key: RandomKey(seed: 8)).nll)
    }
}
