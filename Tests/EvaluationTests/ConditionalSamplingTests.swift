import XCTest
import TensorCore
import Generative
import Samplers
import Presets
@testable import Evaluation

/// Class-conditional and guided sampling on the analytic mixture (class = component), where the
/// answer is known: unguided samples of class k are samples of component k alone, and guided ODE
/// samples end where the exact guided probability-flow ODE (float64, rtol 1e-10) ends.
final class ConditionalSamplingTests: XCTestCase {
    static let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samplers")

    /// Three overlapping components, so the conditional fields differ from the mixture's everywhere.
    func mixture(_ path: GaussianPath = .standard(.vp)) throws -> GaussianMixture {
        try GaussianMixture(weights: [0.5, 0.3, 0.2], means: [[-1, 0], [1, 0.5], [0, -1.5]],
                            stds: [[0.4, 0.5], [0.3, 0.3], [0.5, 0.4]], path: path)
    }

    func sample(_ preset: String, _ model: GuidedModel, count: Int, seed: UInt64 = 0,
                overrides: [String: JSONValue] = [:]) throws -> Tensor {
        let p = try PresetLibrary.resolve(preset, in: [Self.presets], overrides: overrides)
        let key = RandomKey(seed: seed)
        return try p.sampler.sample(model, noise: Sampler.initialNoise(count: count, sampleShape: [2], key: key), key: key).samples
    }

    /// Mean and standard deviation of every coordinate within 4 standard errors (+ `bias`) of
    /// component k's, and every sample within 5 stds of its mean: the samples are component k.
    func assertComponent(_ x: Tensor, _ g: GaussianMixture, _ k: Int, bias: Double, _ name: String) {
        let c = g.component(k), n = x.shape[0], v = x.scalars
        for j in 0..<2 {
            let mu = c.mean[j], s = c.covariance[j][j].squareRoot()
            let column = (0..<n).map { Double(v[2 * $0 + j]) }
            let mean = column.reduce(0, +) / Double(n)
            let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
            print(String(format: "%@ class %d coordinate %d: mean %.4f (exact %.4f, SE %.4f), std %.4f (exact %.4f, SE %.4f)",
                         name, k, j, mean, mu, s / Double(n).squareRoot(), sd, s, s / (2 * Double(n)).squareRoot()))
            XCTAssertEqual(mean, mu, accuracy: 4 * s / Double(n).squareRoot() + bias, "\(name): mean[\(j)]")
            XCTAssertEqual(sd, s, accuracy: 4 * s / (2 * Double(n)).squareRoot() + bias, "\(name): std[\(j)]")
            XCTAssertTrue(column.allSatisfy { Swift.abs($0 - mu) < 5 * s }, "\(name): a sample lies outside component \(k)")
        }
    }

    func testUnguidedClassSamplesAreTheirComponentWithAnODEAndAnSDESampler() throws {
        let g = try mixture()
        for k in 0..<3 {
            let model = GuidedModel(g, classes: [Int?](repeating: k, count: 2000))
            assertComponent(try sample("heun-karras-18", model, count: 2000), g, k, bias: 0.01, "heun-karras-18")
            assertComponent(try sample("em-500", model, count: 2000, seed: 1), g, k, bias: 0.02, "em-500")
        }
    }

    /// A guided SDE batch mixing classes and unconditional rows gives the same bits split in two
    /// (noise and Brownian motion keyed by sample index, rows evaluated independently).
    func testGuidedBatchesDoNotDependOnTheSplit() throws {
        let g = try mixture()
        let classes: [Int?] = (0..<300).map { $0 % 4 == 3 ? nil : $0 % 4 }
        let p = try PresetLibrary.resolve("dpmpp-2m-sde-20", in: [Self.presets])
        let key = RandomKey(seed: 7)
        func run(_ r: Range<Int>) throws -> Tensor {
            let noise = Sampler.initialNoise(count: r.count, sampleShape: [2], key: key, firstSample: r.lowerBound)
            return try p.sampler.sample(GuidedModel(g, classes: Array(classes[r]), guidance: 1), noise: noise, key: key,
                                        firstSample: r.lowerBound).samples
        }
        let whole = try run(0..<300)
        XCTAssertEqual(Tensor.concat([try run(0..<100), try run(100..<300)], axis: 0).scalars, whole.scalars)
    }

    /// Guided ODE sampling (w = 1, 3) converges to the exact guided flow's endpoints, sample by sample.
    func testGuidedODESamplesMatchTheExactGuidedFlow() throws {
        let g = try mixture(.standard(.rectified)).with(parametrization: .velocity)
        let n = 64, key = RandomKey(seed: 5)
        let noise = Sampler.initialNoise(count: n, sampleShape: [2], key: key)
        let classes: [Int?] = (0..<n).map { $0 % 3 }
        for w in [1.0, 3.0] {
            let model = GuidedModel(g, classes: classes, guidance: w)
            var errors = [Double]()
            for steps in [10, 40] {
                let sampler = Sampler(solver: RungeKutta(.rk4), grid: TimeGrid(.uniform, steps: steps))
                let out = try sampler.sample(model, noise: noise, key: key).samples
                let exact = try MixtureFlowOracle(model: g, guidance: w).endpoints(of: sampler, noise: noise, classes: classes)
                errors.append(rmsRowDistance(FeatureSet(out), exact))
            }
            // The guided samples really moved: far from the unguided exact conditional flow.
            let sampler = Sampler(solver: RungeKutta(.rk4), grid: TimeGrid(.uniform, steps: 40))
            let unguided = try MixtureFlowOracle(model: g).endpoints(of: sampler, noise: noise, classes: classes)
            let exact = try MixtureFlowOracle(model: g, guidance: w).endpoints(of: sampler, noise: noise, classes: classes)
            let moved = rmsRowDistance(exact, unguided)
            print(String(format: "guidance %.0f: rk4 vs the exact guided flow, 10 steps %.2e, 40 steps %.2e; guided vs unguided endpoints %.3f",
                         w, errors[0], errors[1], moved))
            XCTAssertLessThan(errors[1], 1e-5)
            XCTAssertLessThan(errors[1], errors[0] / 4)
            XCTAssertGreaterThan(moved, 0.05)
        }
    }

    /// Guided SDE sampling: a 50-step SDE-DPM-Solver++ and a 500-step Euler–Maruyama (the
    /// fine-step reference of the guided reverse SDE) agree in mean and std within sampling error.
    func testGuidedSDESamplersAgreeWithTheFineStepReference() throws {
        let g = try mixture()
        let n = 3000
        let model = GuidedModel(g, classes: (0..<n).map { _ in 1 as Int? }, guidance: 2)
        let fast = try sample("dpmpp-2m-sde-20", model, count: n, seed: 2, overrides: ["steps": .number(50)])
        let fine = try sample("em-500", model, count: n, seed: 3)
        for j in 0..<2 {
            let a = (0..<n).map { Double(fast.scalars[2 * $0 + j]) }, b = (0..<n).map { Double(fine.scalars[2 * $0 + j]) }
            func stats(_ c: [Double]) -> (Double, Double) {
                let m = c.reduce(0, +) / Double(c.count)
                return (m, (c.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c.count - 1)).squareRoot())
            }
            let (ma, sa) = stats(a), (mb, sb) = stats(b)
            let seMean = (sa * sa / Double(n) + sb * sb / Double(n)).squareRoot()
            let seStd = (sa * sa / Double(2 * n) + sb * sb / Double(2 * n)).squareRoot()
            print(String(format: "guided SDE coordinate %d: dpmpp-2m-sde-50 mean %.4f std %.4f, em-500 mean %.4f std %.4f; component mean %.4f std %.4f",
                         j, ma, sa, mb, sb, g.component(1).mean[j], g.component(1).covariance[j][j].squareRoot()))
            XCTAssertEqual(ma, mb, accuracy: 4 * seMean + 0.01)
            XCTAssertEqual(sa, sb, accuracy: 4 * seStd + 0.01)
        }
    }
}
