import Foundation
import XCTest
import Generative
import TensorCore
@testable import Samplers

/// Inpainting on the analytic mixture, where the conditional is known exactly: with one coordinate
/// given, the other follows a 1-D Gaussian mixture whose weights, means and stds are those of
/// the components, reweighted by how likely each makes the given value.
final class InpaintingTests: XCTestCase {
    /// The issue's 2-component example: weights 0.3, 0.7; means (−2, 0), (2, 1); stds (0.5, 0.5), (0.3, 0.8).
    let mixture = try! GaussianMixture(weights: [0.3, 0.7], means: [[-2, 0], [2, 1]], stds: [[0.5, 0.5], [0.3, 0.8]],
                                       path: .standard(.rectified), parametrization: .velocity)
    let given = 0.2

    /// p(x₀ | x₁ = y): component weights ∝ w_k·N(y; μ_k1, s_k1²), each N(μ_k0, s_k0²).
    func exactConditional() -> (weights: [Double], means: [Double], stds: [Double]) {
        let spec = mixture.spec
        let raw: [Double] = (0..<2).map { k in
            let z: Double = (given - spec.means[k][1]) / spec.stds[k][1]
            return spec.weights[k] * Foundation.exp(-0.5 * z * z) / spec.stds[k][1]
        }
        let total = raw.reduce(0, +)
        return (raw.map { $0 / total }, spec.means.map { $0[0] }, spec.stds.map { $0[0] })
    }

    /// The upper mode's weight, and each mode's mean and std, of the filled-in coordinate.
    func summary(_ samples: Tensor) -> (weight: Double, means: [Double], stds: [Double]) {
        let v = samples.scalars
        let xs = stride(from: 0, to: v.count, by: 2).map { Double(v[$0]) }
        let modes = [xs.filter { $0 < 0 }, xs.filter { $0 >= 0 }]
        let means = modes.map { $0.reduce(0, +) / Double(max($0.count, 1)) }
        let stds = zip(modes, means).map { m, mu in (m.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(max(m.count - 1, 1))).squareRoot() }
        return (Double(modes[1].count) / Double(xs.count), means, stds)
    }

    func inpaint(particles: Int, repaint: Int = 1, steps: Int, n: Int, seed: UInt64 = 7) throws -> (Tensor, InpaintResult) {
        let sampler = Sampler(solver: DDIM(eta: 1), grid: TimeGrid(.uniform, steps: steps, finalStep: .zero))
        let data = Tensor([Float](repeating: 0, count: n * 2).enumerated().map { $0.offset % 2 == 1 ? Float(given) : 0 }, shape: [n, 2])
        let r = try sampler.inpaint(mixture, data: data, known: [false, true],
                                    settings: try Inpainting(particles: particles, repaint: repaint), key: RandomKey(seed: seed))
        return (r.samples, r)
    }

    func testParticlesFollowTheExactConditionalWhereReplacementAloneDoesNot() throws {
        let exact = exactConditional()
        let n = 2000
        let (smcSamples, smc) = try inpaint(particles: 32, steps: 200, n: n)
        let (plainSamples, _) = try inpaint(particles: 1, steps: 200, n: n)
        let (repaintSamples, _) = try inpaint(particles: 1, repaint: 5, steps: 100, n: n)
        let s = summary(smcSamples), p = summary(plainSamples), rp = summary(repaintSamples)
        print(String(format: "inpainting, x1 = %.2f: exact upper weight %.3f, means %@, stds %@", given, exact.weights[1],
                     exact.means.description, exact.stds.description))
        print(String(format: "  SMC K=32: weight %.3f, means %@, stds %@ (mean ESS %.2f K, %d resamplings)", s.weight,
                     s.means.map { String(format: "%.3f", $0) }.description, s.stds.map { String(format: "%.3f", $0) }.description,
                     smc.meanEffectiveFraction, smc.resamplings))
        print(String(format: "  replacement: weight %.3f, means %@, stds %@", p.weight,
                     p.means.map { String(format: "%.3f", $0) }.description, p.stds.map { String(format: "%.3f", $0) }.description))
        print(String(format: "  RePaint R=5: weight %.3f", rp.weight))
        XCTAssertEqual(smcSamples.scalars.enumerated().filter { $0.offset % 2 == 1 }.map(\.element), [Float](repeating: Float(given), count: n),
                       "the known coordinate is the input's")
        let se = (exact.weights[1] * exact.weights[0] / Double(n)).squareRoot()
        XCTAssertEqual(s.weight, exact.weights[1], accuracy: 4 * se)
        XCTAssertGreaterThan(abs(p.weight - exact.weights[1]), 4 * se, "replacement alone is biased toward the prior's weights")
        for m in 0..<2 {
            let count = Double(n) * (m == 1 ? s.weight : 1 - s.weight)
            XCTAssertEqual(s.means[m], exact.means[m], accuracy: 4 * exact.stds[m] / count.squareRoot() + 0.01)
            XCTAssertEqual(s.stds[m], exact.stds[m], accuracy: 4 * exact.stds[m] / (2 * count).squareRoot() + 0.01)
        }
    }

    func testSampleIDependsOnlyOnTheSeedAndIWhateverTheBatch() throws {
        let sampler = Sampler(solver: DDIM(eta: 1), grid: TimeGrid(.uniform, steps: 30, finalStep: .zero))
        let data = Tensor((0..<12).map { Float($0) * 0.1 - 0.5 }, shape: [6, 2])
        let settings = try Inpainting(particles: 8)
        let key = RandomKey(seed: 3)
        let whole = try sampler.inpaint(mixture, data: data, known: [false, true], settings: settings, key: key).samples
        let first = try sampler.inpaint(mixture, data: data.rows(0..<2), known: [false, true], settings: settings, key: key)
        let rest = try sampler.inpaint(mixture, data: data.rows(2..<6), known: [false, true], settings: settings, key: key, firstSample: 2)
        XCTAssertEqual(whole.scalars, first.samples.scalars + rest.samples.scalars)
        // NFE as `solve` counts it: one evaluation of the batch (2 samples × 8 particles) per step.
        XCTAssertEqual(first.evaluations, 30)
    }

    /// Replacement and RePaint run inside `solve` too: keyed by sample, and counted as `solve` counts
    /// (R evaluations of the batch per step, plus the final denoising).
    func testReplacementAndRePaintAreKeyedBySampleAndCountedLikeAnySampler() throws {
        let sampler = Sampler(solver: DDIM(eta: 1), grid: TimeGrid(.uniform, steps: 12, finalStep: .denoise))
        let data = Tensor((0..<12).map { Float($0) * 0.1 - 0.5 }, shape: [6, 2])
        let key = RandomKey(seed: 4)
        for repaint in [1, 3] {
            let settings = try Inpainting(repaint: repaint)
            let whole = try sampler.inpaint(mixture, data: data, known: [false, true], settings: settings, key: key)
            let first = try sampler.inpaint(mixture, data: data.rows(0..<4), known: [false, true], settings: settings, key: key)
            let rest = try sampler.inpaint(mixture, data: data.rows(4..<6), known: [false, true], settings: settings, key: key, firstSample: 4)
            XCTAssertEqual(whole.samples.scalars, first.samples.scalars + rest.samples.scalars, "repaint \(repaint)")
            XCTAssertEqual(whole.evaluations, 12 * repaint + 1)
            XCTAssertEqual(whole.meanEffectiveFraction, 1)
        }
    }

    func testWhatInpaintingCannotDoIsOneClearError() throws {
        let ancestral = Sampler(solver: DDIM(eta: 1), grid: TimeGrid(.uniform, steps: 10, finalStep: .zero))
        let data = Tensor([0, 0.5], shape: [1, 2])
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return "no error"
        }
        let one = try Inpainting()
        XCTAssertTrue(message { _ = try ancestral.inpaint(self.mixture, data: data, known: [true], settings: one, key: RandomKey(seed: 0)) }
            .contains("the mask has 1 elements; the model's samples have 2"))
        XCTAssertTrue(message { _ = try ancestral.inpaint(self.mixture, data: data, known: [true, true], settings: one, key: RandomKey(seed: 0)) }
            .contains("nothing to fill in"))
        XCTAssertTrue(message { _ = try ancestral.inpaint(self.mixture, data: data, known: [false, false], settings: one, key: RandomKey(seed: 0)) }
            .contains("plain sampling"))
        let ode = Sampler(solver: DPMSolverPlusPlus2M(), grid: TimeGrid(.uniform, steps: 10, finalStep: .zero))
        XCTAssertTrue(message { _ = try ode.inpaint(self.mixture, data: data, known: [false, true], settings: one, key: RandomKey(seed: 0)) }
            .contains("ancestral preset"))
        XCTAssertTrue(message { _ = try Inpainting(particles: 4, repaint: 3) }.contains("not both"))
        XCTAssertTrue(message { _ = try Inpainting(particles: 0) }.contains("particles must be in 1…4096"))
        XCTAssertTrue(message { _ = try Inpainting(repaint: 0) }.contains("repaint must be in 1…100"))
    }
}
