import Foundation
import XCTest
import TensorCore
@testable import Generative

/// EDM preconditioning (Karras et al. 2022, Table 1) and the preconditioned x₀-model on EDM and VP paths.
final class EDMPreconditioningTests: XCTestCase {
    func testCoefficientsFollowTableOne() {
        let p = EDMPreconditioning(sigmaData: 0.5)
        let s = 1.3, sd = 0.5
        XCTAssertEqual(p.cSkip(s), sd * sd / (s * s + sd * sd), accuracy: 1e-15)
        XCTAssertEqual(p.cOut(s), s * sd / sqrt(s * s + sd * sd), accuracy: 1e-15)
        XCTAssertEqual(p.cIn(s), 1 / sqrt(s * s + sd * sd), accuracy: 1e-15)
        XCTAssertEqual(p.cNoise(s), log(s) / 4, accuracy: 1e-15)
        XCTAssertEqual(p.lossWeight(s), (s * s + sd * sd) / (s * sd * s * sd), accuracy: 1e-12)
    }

    /// The design goal: for data of std σ_d, the network input c_in·(x₀ + σn) and the effective
    /// target (x₀ − c_skip·x)/c_out both have unit variance at every σ.
    func testInputAndTargetHaveUnitVariance() {
        let p = EDMPreconditioning(sigmaData: 0.7), sd = 0.7
        for s in [0.002, 0.1, 1, 80] {
            XCTAssertEqual(p.cIn(s) * p.cIn(s) * (sd * sd + s * s), 1, accuracy: 1e-12)
            let k = p.cSkip(s)
            let targetVariance = ((1 - k) * (1 - k) * sd * sd + k * k * s * s) / (p.cOut(s) * p.cOut(s))
            XCTAssertEqual(targetVariance, 1, accuracy: 1e-12)
        }
    }

    /// The ideal F for a known mixture, computed from what F sees (its input and c_noise) only:
    /// σ̃ = e^{4·c_noise}, x/α = input/c_in, t from λ = −log σ̃, F = (x̂₀ − c_skip·x/α)/c_out.
    func idealNetwork(_ g: GaussianMixture, _ p: EDMPreconditioning) -> (Tensor, Double) -> Tensor {
        { input, cNoise in
            let s = exp(4 * cNoise)
            let t = g.path.time(logSNR: -log(s))
            let scaled = input * Float(1 / p.cIn(s))
            let x = scaled * Float(g.path.alpha(t))
            let x0 = g.fields(x, t: t).x0
            return (x0 - scaled * Float(p.cSkip(s))) * Float(1 / p.cOut(s))
        }
    }

    func testPreconditionedModelIsTheDenoiserOnEDMAndVP() throws {
        for kind in [PathKind.edm, .vp] {
            let g = try GaussianMixture(weights: [0.3, 0.7], means: [[-2, 0], [2, 1]], stds: [[0.5, 0.5], [0.3, 0.8]],
                                        path: .standard(kind))
            let pre = EDMPreconditioning(sigmaData: 1)
            let model = PreconditionedModel(path: g.path, sampleShape: [2], preconditioning: pre, network: idealNetwork(g, pre))
            XCTAssertEqual(model.parametrization, .x0)
            let x = Tensor.randomNormal([6, 2], key: RandomKey(seed: 21))
            for t in kind == .edm ? [0.01, 0.5, 3, 40] : [0.02, 0.3, 0.6, 0.9] {
                if kind == .vp { XCTAssertEqual(model.edmSigma(t), exp(-g.path.logSNR(t)), accuracy: 1e-9 * model.edmSigma(t)) }
                let xt = x * Float(g.path.sigma(t) + g.path.alpha(t))
                let got = model.evaluate(xt, t: t).scalars, want = g.fields(xt, t: t).x0.scalars
                for i in got.indices { XCTAssertEqual(got[i], want[i], accuracy: 2e-4 * max(1, abs(want[i])), "\(kind) t=\(t)") }
                // Through the generic fields: the same score as the mixture.
                let s = model.fields(xt, t: t).score.scalars, exact = g.fields(xt, t: t).score.scalars
                for i in s.indices { XCTAssertEqual(s[i], exact[i], accuracy: 1e-2 * max(1, abs(exact[i])), "\(kind) t=\(t) score") }
            }
        }
    }
}
