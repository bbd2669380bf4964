import Datasets
import Foundation
import Generative
import TensorCore
import Training
import XCTest

/// How rough a flow model's velocity is in t, and what the time scale of its embedding has to do
/// with it (#31, time conditioning for continuous time).
///
/// Roughness at spacing h: at states of the path's marginal, x = α(t) x₀ + σ(t) ε, the second
/// difference of the velocity in t against its first difference,
///
///     ρ(h) = ‖v(x, t+h) − 2 v(x, t) + v(x, t−h)‖ / ‖v(x, t+h) − v(x, t−h)‖,
///
/// summed over samples and t ∈ {0.1, 0.2, …, 0.9}. A field smooth in t has ρ ≈ h |∂²v| / (2 |∂v|),
/// small and linear in h; a field that oscillates in t at a period near h has ρ of order 1.
/// A multistep solver (iPNDM, DEIS), which extrapolates the field from earlier times, turns such
/// oscillations into error.
final class TimeRoughnessTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func roughness(_ model: TrainedModel, data x0: Tensor, h: Double) -> Double {
        var second = 0.0, first = 0.0
        for (i, t) in stride(from: 0.1, through: 0.9, by: 0.1).enumerated() {
            let eps = Tensor.randomNormal(x0.shape, key: RandomKey(seed: 11).fold(UInt64(i)))
            let x = x0 * Float(model.path.alpha(t)) + eps * Float(model.path.sigma(t))
            let (a, b, c) = (model.fields(x, t: t - h).velocity.scalars, model.fields(x, t: t).velocity.scalars,
                             model.fields(x, t: t + h).velocity.scalars)
            for k in a.indices {
                let d2 = Double(c[k]) - 2 * Double(b[k]) + Double(a[k]), d1 = Double(c[k]) - Double(a[k])
                second += d2 * d2
                first += d1 * d1
            }
        }
        return (second / first).squareRoot()
    }

    func testATimeScaleOfOneGivesAFieldSmoothInTAndAThousandARoughOne() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ring = Self.root.appendingPathComponent("checkpoints/gmm-ring8.json").path
        let mixture = try GaussianMixture(spec: try GaussianMixtureSpec.load(from: URL(fileURLWithPath: ring)))
        let x0 = mixture.sample(256, key: RandomKey(seed: 5)).reshaped([256, 2])
        var rho = [String: [Double]]()
        for scale in ["1", "1000"] {
            let run = folder.appendingPathComponent("fm-\(scale)")
            let r = try DriftProcess.run(["train", "--data", "gmm:\(ring)", "--width", "64", "--depth", "3", "--steps", "1500", "--warmup", "100",
                                          "--seed", "1", "--threads", "1", "--sample-every", "0", "--time-scale", scale, "--out", run.path], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let model = try TrainedModel.load(run.appendingPathComponent("checkpoint.h5").path)
            rho[scale] = [0.001, 0.003, 0.01].map { Self.roughness(model, data: x0, h: $0) }
        }
        print("ring, flow matching, MLP 64×3, 1,500 steps: roughness ρ(h) at h = 0.001, 0.003, 0.01: time scale 1 \(rho["1"]!), 1000 \(rho["1000"]!)")
        for i in 0..<3 { XCTAssertLessThan(5 * rho["1"]![i], rho["1000"]![i], "time scale 1 is far smoother in t") }
        XCTAssertLessThan(rho["1"]![0], 0.05, "at time scale 1 the second difference is small beside the first")
    }

    /// The shipped flow model was re-timed from DDPM's 1000 to 1 by a fine-tune (its card); at 1000
    /// its ρ(h) was 0.32–0.72 at these spacings, the embedding's fastest period showing in the field.
    func testTheShippedFlowModelsFieldIsSmoothInT() throws {
        let file = Self.root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path
        let model = try TrainedModel.load(file)
        XCTAssertEqual(try Checkpoint.read(from: file, includeOptimizer: false).training.model.timeScale, 1)
        let images = try DataSpec.parse("fashion-mnist:test").makeSource().examples(at: 0, count: 16, key: RandomKey(seed: 3))
        let rho = [0.001, 0.003, 0.01].map { Self.roughness(model, data: images, h: $0) }
        print("fashion-cfm-unet28 (time scale 1): roughness ρ(h) at h = 0.001, 0.003, 0.01: \(rho)")
        XCTAssertLessThan(rho[0], 0.05, "the second difference is small beside the first")
    }
}
