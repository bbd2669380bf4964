import Foundation
import XCTest
import TensorCore
@testable import Generative

/// The analytic Gaussian mixture: exact density, score, posterior mean and samples under every path.
final class GaussianMixtureTests: XCTestCase {
    /// The example: weights [0.3, 0.7], means [[-2,0],[2,1]], stds [[0.5,0.5],[0.3,0.8]].
    func asymmetric(_ path: GaussianPath = .standard(.rectified), _ p: Parametrization = .score) throws -> GaussianMixture {
        try GaussianMixture(weights: [0.3, 0.7], means: [[-2, 0], [2, 1]], stds: [[0.5, 0.5], [0.3, 0.8]],
                            path: path, parametrization: p)
    }

    func interiorTimes(_ p: GaussianPath) -> [Double] {
        let d = p.domain
        return [0.1, 0.5, 0.9].map { u in
            p.kind == .edm ? d.lowerBound * pow(d.upperBound / d.lowerBound, u) : d.lowerBound + u * (d.upperBound - d.lowerBound)
        }
    }

    /// log p_t by direct summation of the marginal's densities (independent of the kernel).
    func directLogDensity(_ g: GaussianMixture, _ x: [Double], t: Double) -> Double {
        let m = g.marginal(at: t)
        var total = 0.0
        for k in m.weights.indices {
            var density = m.weights[k]
            for j in x.indices {
                let s = m.stds[k][j], r = (x[j] - m.means[k][j]) / s
                density *= exp(-0.5 * r * r) / (s * sqrt(2 * .pi))
            }
            total += density
        }
        return log(total)
    }

    func testLogDensityMatchesDirectSummation() throws {
        for path in GaussianPathTests.paths {
            let g = try asymmetric(path)
            let x = Tensor([-2, 0, 0.3, 0.4, 2, 1, 5, -3], shape: [4, 2])
            for t in [0] + interiorTimes(path) where path.domain.contains(t) || t == 0 {
                let got = g.logDensityValues(x, t: t)
                for r in 0..<4 {
                    let xr = [Double(x.scalars[2 * r]), Double(x.scalars[2 * r + 1])]
                    XCTAssertEqual(got[r], directLogDensity(g, xr, t: t), accuracy: 1e-10, "\(path.kind) t=\(t) row \(r)")
                }
                XCTAssertEqual(g.logDensity(x, t: t).shape, [4])
            }
        }
    }

    func testLogDensityIsStableFarFromEveryComponent() throws {
        let g = try asymmetric()
        let far = g.logDensityValues(Tensor([300, -400], shape: [1, 2]), t: 0)[0]
        XCTAssertTrue(far.isFinite)
        XCTAssertLessThan(far, -1e5)
        let fields = g.fields(Tensor([300, -400], shape: [1, 2]), t: 0)
        XCTAssertTrue(fields.score.scalars.allSatisfy(\.isFinite))
        XCTAssertTrue(fields.x0.scalars.allSatisfy(\.isFinite))
    }

    func testScoreIsTheGradientOfTheLogDensity() throws {
        for path in GaussianPathTests.paths {
            let g = try asymmetric(path)
            for t in interiorTimes(path) {
                let x: [Float] = [-1.7, 0.4, 1.2, 0.9, 0.1, -0.3]
                let score = g.fields(Tensor(x, shape: [3, 2]), t: t).score.scalars
                for i in x.indices {
                    // Central difference in Double on the exact, Double-accumulated log-density.
                    let h = Float(1e-2) * max(1, Float(path.sigma(t)))
                    var xp = x, xm = x
                    xp[i] += h; xm[i] -= h
                    let fp = g.logDensityValues(Tensor(xp, shape: [3, 2]), t: t)[i / 2]
                    let fm = g.logDensityValues(Tensor(xm, shape: [3, 2]), t: t)[i / 2]
                    let fd = (fp - fm) / Double(xp[i] - xm[i])
                    XCTAssertEqual(Double(score[i]), fd, accuracy: 2e-3 * max(1, abs(fd)), "\(path.kind) t=\(t) [\(i)]")
                }
            }
        }
    }

    /// For one Gaussian N(μ, s²) the posterior is closed form: E[x₀|x_t] = μ + αs²/(α²s² + σ²)·(x − αμ),
    /// and the exact PF-ODE velocity is that of the moving Gaussian N(αμ, v): u = α′μ + (v′/2v)(x − αμ).
    func testSingleGaussianPosteriorAndVelocityMatchClosedForms() throws {
        let mu = [0.7, -1.2], s = [0.4, 1.3]
        for path in GaussianPathTests.paths {
            let g = try GaussianMixture(weights: [1], means: [mu], stds: [s], path: path)
            for t in interiorTimes(path) {
                let a = path.alpha(t), sg = path.sigma(t), da = path.alphaDot(t), ds = path.sigmaDot(t)
                let x: [Float] = [0.3, 2.1, -1, -0.5]
                let f = g.fields(Tensor(x, shape: [2, 2]), t: t)
                for i in x.indices {
                    let j = i % 2, xi = Double(x[i])
                    let v = a * a * s[j] * s[j] + sg * sg, dv = 2 * a * da * s[j] * s[j] + 2 * sg * ds
                    let x0 = mu[j] + a * s[j] * s[j] / v * (xi - a * mu[j])
                    let u = da * mu[j] + dv / (2 * v) * (xi - a * mu[j])
                    XCTAssertEqual(Double(f.x0.scalars[i]), x0, accuracy: 1e-5 * max(1, abs(x0)), "\(path.kind) t=\(t) x̂₀")
                    XCTAssertEqual(Double(f.velocity.scalars[i]), u, accuracy: 1e-5 * max(1, abs(u)), "\(path.kind) t=\(t) û")
                    XCTAssertEqual(Double(f.score.scalars[i]), -(xi - a * mu[j]) / v, accuracy: 1e-5 * max(1, abs(xi) / v))
                }
            }
        }
    }

    /// The exact velocity carries the marginals: ∂p/∂t + ∂(p·u)/∂x = 0 (continuity equation), in 1-D.
    func testVelocitySatisfiesTheContinuityEquation() throws {
        for kind in [PathKind.rectified, .vp, .cosine, .edm] {
            let path = GaussianPath.standard(kind)
            let g = try GaussianMixture(weights: [0.25, 0.75], means: [[-1.5], [1]], stds: [[0.4], [0.7]], path: path)
            for t in interiorTimes(path) {
                for x: Float in [-2, -0.75, 0.25, 1.375] {
                    func p(_ x: Float, _ t: Double) -> Double { exp(g.logDensityValues(Tensor([x], shape: [1, 1]), t: t)[0]) }
                    func flux(_ x: Float) -> Double { p(x, t) * Double(g.fields(Tensor([x], shape: [1, 1]), t: t).velocity.item) }
                    let dpdt = timeDerivative({ p(x, $0) }, at: t, h: 1e-4 * max(1, t))
                    let dflux = derivatives(flux, at: x, h: 1.0 / 64).first
                    XCTAssertEqual(dpdt + dflux, 0, accuracy: 1e-4 * (abs(dpdt) + abs(dflux)) + 1e-8, "\(kind) t=\(t) x=\(x)")
                }
            }
        }
    }

    /// The same mixture expressed as an ε-, x₀-, v-, velocity- or score-model gives the same fields.
    func testEveryParametrizationDescribesTheSameModel() throws {
        let x = Tensor.randomNormal([5, 2], key: RandomKey(seed: 11))
        for path in GaussianPathTests.paths {
            let exact = try asymmetric(path)
            for t in interiorTimes(path) {
                let reference = exact.fields(x, t: t)
                for p in Parametrization.allCases {
                    let model = exact.with(parametrization: p)
                    let y = model.evaluate(x, t: t)
                    XCTAssertEqual(y.shape, x.shape)
                    let f = path.fields(from: y, as: p, x: x, t: t)
                    for (name, target, got, want) in [("x0", Parametrization.x0, f.x0, reference.x0),
                                                      ("eps", .epsilon, f.epsilon, reference.epsilon),
                                                      ("u", .velocity, f.velocity, reference.velocity),
                                                      ("s", .score, f.score, reference.score)] {
                        // Conversions can be ill-conditioned (x₀ → score divides by σ²): allow the
                        // Float rounding of y and x amplified by the conversion coefficients.
                        let (cx, cy) = path.conversionCoefficients(from: p, to: target, t: t)
                        for i in 0..<10 {
                            let w = Double(want.scalars[i])
                            let amplified = abs(cx * Double(x.scalars[i])) + abs(cy * Double(y.scalars[i]))
                            XCTAssertEqual(Double(got.scalars[i]), w, accuracy: 1e-5 * max(1, abs(w)) + 1e-6 * amplified,
                                           "\(path.kind) t=\(t) \(p)→\(name)")
                        }
                    }
                }
            }
        }
    }

    func testFieldsStayFiniteAtThePathEnds() throws {
        let x = Tensor([0.5, -0.5, 3, 1], shape: [2, 2])
        for kind in [PathKind.rectified, .cosine] {
            let g = try asymmetric(.standard(kind))
            let noise = g.fields(x, t: 1)     // α = 0: x̂₀ = E[x₀], ŝ = −x/σ²
            for i in 0..<4 { XCTAssertEqual(Double(noise.x0.scalars[i]), g.mean[i % 2], accuracy: 1e-6) }
            XCTAssertEqual(noise.score.scalars, (-x).scalars)
            let data = g.fields(x, t: 0)      // σ = 0: x̂₀ = x, ε̂ = 0, ŝ = data score
            XCTAssertEqual(data.x0.scalars, x.scalars)
            XCTAssertEqual(data.epsilon.scalars.map(abs), [0, 0, 0, 0])
            XCTAssertTrue(data.score.scalars.allSatisfy(\.isFinite))
        }
    }

    func testRowsAreIndependentOfTheBatch() throws {
        let g = try GaussianMixture.load(from: checkpoint("gmm-16d.json"))
        let x = Tensor.randomNormal([9, 16], key: RandomKey(seed: 12))
        let whole = g.evaluate(x, t: 0.3).scalars
        let row = Tensor(Array(x.scalars[(4 * 16)..<(5 * 16)]), shape: [1, 16])
        XCTAssertEqual(Array(whole[(4 * 16)..<(5 * 16)]), g.evaluate(row, t: 0.3).scalars)
        XCTAssertEqual(g.logDensityValues(x, t: 0.3)[4], g.logDensityValues(row, t: 0.3)[0])
    }

    func testMeanAndCovarianceOfTheData() throws {
        let g = try asymmetric()
        XCTAssertEqual(g.mean[0], 0.3 * -2 + 0.7 * 2, accuracy: 1e-12)
        XCTAssertEqual(g.mean[1], 0.7, accuracy: 1e-12)
        // Var = Σ w (s² + μ²) − m²; Cov = Σ w μ_i μ_j − m_i m_j.
        XCTAssertEqual(g.covariance[0][0], 0.3 * (0.25 + 4) + 0.7 * (0.09 + 4) - 0.64, accuracy: 1e-12)
        XCTAssertEqual(g.covariance[1][1], 0.3 * 0.25 + 0.7 * (0.64 + 1) - 0.49, accuracy: 1e-12)
        XCTAssertEqual(g.covariance[0][1], 0.7 * 2 - 0.8 * 0.7, accuracy: 1e-12)
        XCTAssertEqual(g.covariance[1][0], g.covariance[0][1])
    }

    func testSamplesHaveTheMixtureMomentsAndDoNotDependOnTheSplit() throws {
        let g = try asymmetric()
        let n = 40_000
        let x = g.sample(n, key: RandomKey(seed: 5))
        XCTAssertEqual(x.shape, [n, 2])
        let v = x.scalars.map(Double.init)
        for i in 0..<2 {
            let m = stride(from: i, to: 2 * n, by: 2).map { v[$0] }.reduce(0, +) / Double(n)
            XCTAssertEqual(m, g.mean[i], accuracy: 0.03)
        }
        let c01 = (0..<n).map { (v[2 * $0] - g.mean[0]) * (v[2 * $0 + 1] - g.mean[1]) }.reduce(0, +) / Double(n)
        XCTAssertEqual(c01, g.covariance[0][1], accuracy: 0.04)
        let tail = g.sample(5, key: RandomKey(seed: 5), firstSample: 100)
        XCTAssertEqual(tail.scalars, Array(x.scalars[200..<210]))
        // Samples of p_t: mean α·m, variance α²·Var + σ² per dimension.
        let t = 0.6, a = g.path.alpha(t), s = g.path.sigma(t)
        let xt = g.sample(n, at: t, key: RandomKey(seed: 6)).scalars.map(Double.init)
        let m1 = (0..<n).map { xt[2 * $0 + 1] }.reduce(0, +) / Double(n)
        let v1 = (0..<n).map { pow(xt[2 * $0 + 1] - m1, 2) }.reduce(0, +) / Double(n)
        XCTAssertEqual(m1, a * g.mean[1], accuracy: 0.02)
        XCTAssertEqual(v1, a * a * g.covariance[1][1] + s * s, accuracy: 0.02)
    }

    func testSampleShapeFollowsTheSpec() throws {
        let spec = GaussianMixtureSpec(weights: [1], means: [Array(repeating: 0, count: 4)], stds: [Array(repeating: 1, count: 4)],
                                       path: .standard(.vp), shape: [1, 2, 2])
        let g = try GaussianMixture(spec: spec)
        XCTAssertEqual(g.sampleShape, [1, 2, 2])
        XCTAssertEqual(g.sample(3, key: RandomKey(seed: 1)).shape, [3, 1, 2, 2])
        XCTAssertEqual(g.evaluate(.zeros([3, 1, 2, 2]), t: 0.5).shape, [3, 1, 2, 2])
        XCTAssertEqual(g.spec, GaussianMixtureSpec(weights: [1], means: spec.means, stds: spec.stds, path: .standard(.vp),
                                                   parametrization: .score, shape: [1, 2, 2]))
    }
}

/// URL of a shipped file under the repository's `checkpoints/`.
func checkpoint(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("checkpoints").appendingPathComponent(name)
}
