import Foundation
import XCTest
import Evaluation
import Generative
import NN
import Samplers
import TensorCore
import Datasets
@testable import Training

/// Maximum-likelihood training of a continuous normalizing flow: its loss is the NLL that
/// `drift likelihood` scores, its gradient is right by two methods and by finite differences.
final class CNFObjectiveTests: XCTestCase {
    func smallNetwork(seed: UInt64 = 3) throws -> MLP {
        try MLP(MLPConfig(inputDimension: 2, width: 8, depth: 1, timeEmbeddingDimension: 4), key: RandomKey(seed: seed))
    }

    func batch(_ count: Int = 6) -> Tensor {
        Tensor.randomNormal([count, 2], key: RandomKey(seed: 11))
    }

    func relativeDifference(_ a: [String: Tensor], _ b: [String: Tensor], excluding prefix: String? = nil) -> Double {
        var diff = 0.0, norm = 0.0
        for (k, x) in a where prefix.map({ !k.hasPrefix($0) }) ?? true {
            let y = b[k]!.scalars
            for (i, v) in x.scalars.enumerated() {
                diff += Double(v - y[i]) * Double(v - y[i])
                norm += Double(v) * Double(v)
            }
        }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    func testAdjointAndBackpropGradientsAgreeOnAFixedGrid() throws {
        let net = try smallNetwork()
        for divergence in CNFSettings.Divergence.allCases {
            var settings = CNFSettings(divergence: divergence, solver: "rk4", steps: 12, kinetic: 0.1, jacobian: 0.05)
            let adjoint = try CNFObjective(settings).lossAndGradients(net, data: batch(), key: RandomKey(seed: 5))
            settings.gradient = .backprop
            let backprop = try CNFObjective(settings).lossAndGradients(net, data: batch(), key: RandomKey(seed: 5))
            XCTAssertEqual(adjoint.loss, backprop.loss, accuracy: 1e-5, "\(divergence)")
            // The adjoint integrates the continuous adjoint ODE with RK4 on the same grid: O(h⁴) apart.
            XCTAssertLessThan(relativeDifference(adjoint.gradients, backprop.gradients), 1e-3, "\(divergence)")
            XCTAssertEqual(adjoint.forwardEvaluations, 48)
            XCTAssertEqual(adjoint.backwardEvaluations, 48)
            XCTAssertEqual(backprop.backwardEvaluations, 0)
        }
    }

    /// With dopri5 both methods agree with each other and with a converged fixed-grid gradient
    /// (RK4, 100 steps) to float32 level. The time-embedding weights are left out of the comparison
    /// and scaled down in the field: the MLP embeds 1000·t, so their gradient integrand oscillates
    /// with period ~6e-3 in t, which steps controlled by the state's error do not resolve.
    func testAdaptiveAdjointGradientMatchesBackpropWithinTheTolerance() throws {
        let net = try smallNetwork()
        net.updateParameters { key, t in key == "time_proj.weight" ? t * Tensor(repeating: 1e-3, shape: [1]) : t }
        let x = batch(3), key = RandomKey(seed: 5)
        let reference = try CNFObjective(CNFSettings(gradient: .backprop, solver: "rk4", steps: 100)).lossAndGradients(net, data: x, key: key)
        for rtol in [1e-3, 1e-5] {
            var settings = CNFSettings(rtol: rtol, atol: rtol)
            let adjoint = try CNFObjective(settings).lossAndGradients(net, data: x, key: key)
            settings.gradient = .backprop
            let backprop = try CNFObjective(settings).lossAndGradients(net, data: x, key: key)
            let bound = max(10 * rtol, 2e-4)
            XCTAssertLessThan(relativeDifference(adjoint.gradients, backprop.gradients, excluding: "time_proj"), bound, "rtol \(rtol)")
            XCTAssertLessThan(relativeDifference(adjoint.gradients, reference.gradients, excluding: "time_proj"), bound, "rtol \(rtol)")
            XCTAssertLessThan(relativeDifference(backprop.gradients, reference.gradients, excluding: "time_proj"), bound, "rtol \(rtol)")
            XCTAssertEqual(Double(adjoint.loss), Double(reference.loss), accuracy: 10 * rtol)
            XCTAssertGreaterThan(adjoint.backwardEvaluations, 0)
        }
    }

    /// Backpropagation through a fixed RK4 grid is the exact derivative of the discrete loss:
    /// central differences of that loss in single parameters agree.
    func testGradientMatchesFiniteDifferencesOfTheLoss() throws {
        let net = try smallNetwork()
        let settings = CNFSettings(divergence: .hutchinson, gradient: .backprop, solver: "rk4", steps: 8, kinetic: 0.2, jacobian: 0.1)
        let objective = try CNFObjective(settings)
        let x = batch(), key = RandomKey(seed: 2)
        let g = try objective.lossAndGradients(net, data: x, key: key).gradients
        let original = net.parameterSnapshot()
        for (name, index) in [("in_proj.weight", 3), ("blocks.0.weight", 10), ("out.bias", 1), ("time_proj.weight", 5)] {
            let h: Float = 2e-3
            func loss(_ delta: Float) throws -> Double {
                var p = original[name]!.scalars
                p[index] += delta
                try net.setParameter(name, to: Tensor(p, shape: original[name]!.shape))
                defer { try? net.setParameter(name, to: original[name]!) }
                return Double(try objective.lossAndGradients(net, data: x, key: key).loss)
            }
            let numeric = (try loss(h) - loss(-h)) / Double(2 * h)
            let analytic = Double(g[name]!.scalars[index])
            XCTAssertEqual(analytic, numeric, accuracy: 0.03 * abs(numeric) + 2e-3, name)
        }
    }

    /// The divergence of the CNF's velocity and its Frobenius term, differentiated again in z:
    /// the second derivatives of every op on that path (affine, SiLU, add, slice, square, sum,
    /// mul) against central differences of the first.
    func testSecondDerivativesOfTheCNFRatesMatchFiniteDifferences() throws {
        let net = try smallNetwork()
        let probe = CNFSettings.Divergence.hutchinson.estimator.probes(batch: 5, dimension: 2, key: RandomKey(seed: 1))
        for probes in [[], probe] {
            let report = checkSecondGradient(at: [batch(5)], h: 1e-2) { xs in
                let v = net(x: xs[0], t: Tensor(repeating: 0.3, shape: [5]))
                let (div, frob) = Divergence.evaluate(v, at: xs[0], probes: probes, frobenius: true, createGraph: true)
                return div + frob!
            }
            XCTAssertTrue(report.passed, "\(report)")
        }
    }

    /// The NLL in the loss is the probability-flow likelihood of the same network read as a
    /// velocity model on the rectified path (what `drift likelihood` computes).
    func testTheLossIsTheNLLThatTheLikelihoodCommandScores() throws {
        let net = try smallNetwork()
        let x = batch(8)
        let settings = CNFSettings(rtol: 1e-7, atol: 1e-7)
        let outcome = try CNFObjective(settings).lossAndGradients(net, data: x, key: RandomKey(seed: 0))
        let model = try TrainedModel(network: net, path: .standard(.rectified), objective: ObjectiveConfig(kind: .cnf, cnf: settings))
        let scored = try ProbabilityFlowLikelihood(model: model, estimator: .exact, controller: PIController(rtol: 1e-7, atol: 1e-7))
            .negativeLogLikelihood(x, key: RandomKey(seed: 0))
        XCTAssertEqual(Double(outcome.nll), scored.nll.reduce(0, +) / 8, accuracy: 1e-4)
        XCTAssertEqual(outcome.loss, outcome.nll)
    }

    func testACNFHasNoScoreAndStochasticSamplersRefuseIt() throws {
        let model = try TrainedModel(network: smallNetwork(), path: .standard(.rectified), objective: ObjectiveConfig(kind: .cnf))
        XCTAssertFalse(model.hasScore)
        let sde = Sampler(solver: EulerMaruyama(level: .forward), grid: TimeGrid(.uniform, steps: 10))
        XCTAssertThrowsError(try sde.sample(model, noise: batch(), key: RandomKey(seed: 0))) { error in
            XCTAssertTrue("\(error)".contains("the model has no score"), "\(error)")
        }
        let ode = Sampler(solver: RungeKutta(.heun), grid: TimeGrid(.uniform, steps: 10))
        XCTAssertNoThrow(try ode.sample(model, noise: batch(), key: RandomKey(seed: 0)))
    }

    func testASolveOverItsStepLimitThrows() throws {
        let settings = CNFSettings(rtol: 1e-9, atol: 1e-9, maxSteps: 3)
        XCTAssertThrowsError(try CNFObjective(settings).lossAndGradients(smallNetwork(), data: batch(), key: RandomKey(seed: 0))) { error in
            XCTAssertTrue(error is SolveError, "\(error)")
        }
    }

    func testSettingsOutOfRangeAreRefused() {
        let bad: [(CNFSettings, String)] = [
            (CNFSettings(rtol: 0), "--rtol"), (CNFSettings(atol: -1), "--atol"), (CNFSettings(kinetic: -0.1), "--kinetic"),
            (CNFSettings(jacobian: -1), "--jacobian"), (CNFSettings(solver: "edm"), "--ode-solver"),
            (CNFSettings(steps: 0), "--ode-steps"), (CNFSettings(maxSteps: 0), "--ode-max-steps"),
        ]
        for (settings, flag) in bad {
            XCTAssertThrowsError(try CNFObjective(settings)) { XCTAssertTrue("\($0)".contains(flag), "\($0)") }
        }
        XCTAssertThrowsError(try ObjectiveConfig(kind: .cnf).validate(on: .standard(.vp))) {
            XCTAssertTrue("\($0)".contains("--path rectified"), "\($0)")
        }
    }

    /// A step is a pure function of (parameters, batch, key, position): two calls agree bitwise,
    /// and the Hutchinson probe of an example does not depend on its row in the batch.
    func testStepsAreReproducibleAndProbesAreKeyedByPosition() throws {
        let net = try smallNetwork()
        let objective = try CNFObjective(CNFSettings(divergence: .hutchinson, solver: "heun", steps: 4))
        let a = try objective.lossAndGradients(net, data: batch(), key: RandomKey(seed: 9), firstSample: 40)
        let b = try objective.lossAndGradients(net, data: batch(), key: RandomKey(seed: 9), firstSample: 40)
        XCTAssertEqual(a.loss, b.loss)
        for (k, g) in a.gradients { XCTAssertEqual(g.scalars, b.gradients[k]!.scalars, k) }
        let hutchinson = CNFSettings.Divergence.hutchinson.estimator
        let whole = hutchinson.probes(batch: 6, dimension: 2, key: RandomKey(seed: 9), firstSample: 40)[0].scalars
        let tail = hutchinson.probes(batch: 2, dimension: 2, key: RandomKey(seed: 9), firstSample: 44)[0].scalars
        XCTAssertEqual(Array(whole[8...]), tail)
    }

    /// The README's claim, on the shipped models: the CNF trained on exact samples of the ring
    /// (`scripts/cnf-vs-fm.sh`) is within 0.1 nats of the mixture's entropy on fresh samples, and
    /// closer than flow matching with the same network, data and steps (paired on the same points).
    func testTheShippedCNFIsWithinATenthOfANatOfTheRingsEntropy() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let ring = root.appendingPathComponent("checkpoints/gmm-ring8.json")
        let gmm = try GaussianMixture.load(from: ring)
        let x = try DataSpec.parse("gmm:" + ring.path).makeSource().examples(at: 0, count: 1000, key: RandomKey(seed: 7).fold("data"))
        let exact = gmm.logDensityValues(x, t: 0).map { -$0 }.reduce(0, +) / 1000
        func excess(_ file: String) throws -> (Double, Bool) {
            let model = try TrainedModel.load(root.appendingPathComponent("checkpoints/\(file)").path)
            let r = try ProbabilityFlowLikelihood(model: model, estimator: .exact).negativeLogLikelihood(x, key: RandomKey(seed: 0))
            return (r.nll.reduce(0, +) / 1000 - exact, model.hasScore)
        }
        let (cnf, cnfScore) = try excess("ring8-cnf.h5"), (fm, fmScore) = try excess("ring8-fm.h5")
        XCTAssertLessThan(cnf, 0.1)
        XCTAssertGreaterThan(cnf, -0.05, "a model cannot beat the entropy by more than the sampling noise")
        XCTAssertLessThan(cnf, fm)
        XCTAssertFalse(cnfScore)
        XCTAssertTrue(fmScore)
        print(String(format: "shipped ring models, NLL − exact on 1,000 fresh points: cnf %+.4f, fm %+.4f", cnf, fm))
    }
}
