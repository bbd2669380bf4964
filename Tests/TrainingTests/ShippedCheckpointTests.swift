import Foundation
import Generative
import TensorCore
import XCTest
@testable import Training

/// The trained checkpoint shipped in `checkpoints/` stays loadable and usable.
final class ShippedCheckpointTests: XCTestCase {
    func testFashionMNISTCheckpointLoadsAndPredictsFiniteVelocities() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path
        let model = try TrainedModel.load(file)
        XCTAssertEqual(model.sampleShape, [1, 28, 28])
        XCTAssertEqual(model.parametrization, .velocity)
        XCTAssertEqual(model.path.kind, .rectified)
        let x = Tensor.randomNormal([2, 1, 28, 28], key: RandomKey(seed: 1))
        let v = model.evaluate(x, t: 0.5)
        XCTAssertEqual(v.shape, [2, 1, 28, 28])
        XCTAssertTrue(v.scalars.allSatisfy(\.isFinite))
        // Golden values printed by this test on the committed checkpoint (seed-1 input, t = 0.5) (relative tolerance 1e-3 leaves room
        // for kernels that sum in another order, not for other weights or another input convention).
        let meanSquare = Double(v.square().mean().item), firsts = Array(v.scalars.prefix(3)).map(Double.init)
        print("shipped checkpoint: mean v² \(meanSquare), v[0..<3] \(firsts)")
        XCTAssertEqual(meanSquare, Self.goldenMeanSquare, accuracy: 1e-3 * Self.goldenMeanSquare)
        for (a, b) in zip(firsts, Self.goldenFirst) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b))) }
    }

    static let goldenMeanSquare = 1.1554960012435913
    static let goldenFirst: [Double] = [2.396906614303589, 1.1257998943328857, -0.8384876847267151]

    /// At t = 1 on the rectified path x = ε, so û = ε̂ − x̂₀ = x − x̂₀: the mean of x − û over noise is the
    /// model's E[x₀], which must look like Fashion-MNIST's mean image (an untrained or mis-wired
    /// network gives a flat or unrelated picture).
    func testTheVelocityAtNoisePointsAtTheDataMean() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let model = try TrainedModel.load(root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path)
        let data: ExampleSet
        do { data = try ExampleSet.fashionMNIST(.train) } catch { throw XCTSkip("Fashion-MNIST is not installed: \(error)") }
        let pixels = 28 * 28, n = data.count
        let all = data.values.scalars
        let dataMean = (0..<pixels).map { j in (0..<n).reduce(0.0) { $0 + Double(all[$1 * pixels + j]) } / Double(n) }
        let x = Tensor.randomNormal([64, 1, 28, 28], key: RandomKey(seed: 2))
        let x0 = (x - model.evaluate(x, t: 1)).scalars
        let modelMean = (0..<pixels).map { j in (0..<64).reduce(0.0) { $0 + Double(x0[$1 * pixels + j]) } / 64 }
        let (ma, mb) = (dataMean.reduce(0, +) / Double(pixels), modelMean.reduce(0, +) / Double(pixels))
        let cov = zip(dataMean, modelMean).map { ($0 - ma) * ($1 - mb) }.reduce(0, +)
        let correlation = cov / (dataMean.map { ($0 - ma) * ($0 - ma) }.reduce(0, +) * modelMean.map { ($0 - mb) * ($0 - mb) }.reduce(0, +)).squareRoot()
        let rms = (zip(dataMean, modelMean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(pixels)).squareRoot()
        print("E[x0] at t = 1 vs the data mean image: correlation \(correlation), RMS difference \(rms)")
        XCTAssertGreaterThan(correlation, 0.9)
        XCTAssertLessThan(rms, 0.2)
    }
}
