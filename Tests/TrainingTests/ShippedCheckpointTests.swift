import Datasets
import Foundation
import Generative
import TensorCore
import XCTest
@testable import Training

/// The trained Fashion-MNIST checkpoints shipped in `checkpoints/` stay loadable and usable.
final class ShippedCheckpointTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Shipped {
        var file: String
        var parametrization: Parametrization
        var path: PathKind
        /// Golden values printed by `testShippedModelsLoadAndPredictTheirRecordedFields` on the committed file
        /// (seed-1 input at the middle of the path's domain, null class).
        var meanSquare: Double
        var first: [Double]
    }

    static let shipped = [
        Shipped(file: "checkpoints/fashion-cfm-unet28.h5", parametrization: .velocity, path: .rectified,
                meanSquare: 0.9738911986351013, first: [2.6088128089904785, 1.5799496173858643, 0.03684716299176216]),
        Shipped(file: "checkpoints/fashion-cfm-guide-unet28.h5", parametrization: .velocity, path: .rectified,
                meanSquare: 0.9653028249740601, first: [2.844339609146118, 1.7278894186019897, 0.15626737475395203]),
        Shipped(file: "checkpoints/fashion-edm-unet28.h5", parametrization: .x0, path: .edm,
                meanSquare: 0.2604367434978485, first: [-1.027606725692749, -0.979120671749115, -0.8345521688461304]),
    ]

    /// The network's own output (velocity, x̂₀ …) at t = the middle of the domain, on a fixed input
    /// scaled to the path's σ there; relative tolerance 1e-3 leaves room for kernels that sum in
    /// another order, not for other weights or another input convention.
    func testShippedModelsLoadAndPredictTheirRecordedFields() throws {
        for s in Self.shipped {
            let model = try TrainedModel.load(root.appendingPathComponent(s.file).path)
            XCTAssertEqual(model.sampleShape, [1, 28, 28], s.file)
            XCTAssertEqual(model.parametrization, s.parametrization, s.file)
            XCTAssertEqual(model.path.kind, s.path, s.file)
            XCTAssertEqual(model.classNames.count, 10, s.file)
            let domain = model.path.domain, t = (domain.lowerBound + domain.upperBound) / 2
            let x = Tensor.randomNormal([2, 1, 28, 28], key: RandomKey(seed: 1)) * Float(model.path.sigma(t))
            let out = model.evaluate(x, t: t)
            XCTAssertEqual(out.shape, [2, 1, 28, 28])
            XCTAssertTrue(out.scalars.allSatisfy(\.isFinite), s.file)
            let meanSquare = Double(out.square().mean().item), firsts = Array(out.scalars.prefix(3)).map(Double.init)
            print("shipped checkpoint \(s.file) at t = \(t): mean square \(meanSquare), first values \(firsts)")
            XCTAssertEqual(meanSquare, s.meanSquare, accuracy: 1e-3 * s.meanSquare, s.file)
            for (a, b) in zip(firsts, s.first) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b)), s.file) }
        }
    }

    /// At the path's largest noise level the posterior mean x̂₀ is the model's E[x₀] (the data
    /// barely shows through the noise), which must look like Fashion-MNIST's mean image (an
    /// untrained or mis-wired network gives a flat or unrelated picture).
    func testTheDenoiserAtPureNoisePointsAtTheDataMean() throws {
        let data: ExampleSet
        do { data = try ExampleSet.fashionMNIST(.train) } catch { throw XCTSkip("Fashion-MNIST is not installed: \(error)") }
        let pixels = 28 * 28, n = data.count
        let all = data.values.scalars
        let dataMean = (0..<pixels).map { j in (0..<n).reduce(0.0) { $0 + Double(all[$1 * pixels + j]) } / Double(n) }
        for s in Self.shipped {
            let model = try TrainedModel.load(root.appendingPathComponent(s.file).path)
            let t = model.path.domain.upperBound
            let x = Tensor.randomNormal([64, 1, 28, 28], key: RandomKey(seed: 2)) * Float(model.path.sigma(t))
            let x0 = model.fields(x, t: t).x0.scalars
            let modelMean = (0..<pixels).map { j in (0..<64).reduce(0.0) { $0 + Double(x0[$1 * pixels + j]) } / 64 }
            let (ma, mb) = (dataMean.reduce(0, +) / Double(pixels), modelMean.reduce(0, +) / Double(pixels))
            let cov = zip(dataMean, modelMean).map { ($0 - ma) * ($1 - mb) }.reduce(0, +)
            let correlation = cov / (dataMean.map { ($0 - ma) * ($0 - ma) }.reduce(0, +) * modelMean.map { ($0 - mb) * ($0 - mb) }.reduce(0, +)).squareRoot()
            let rms = (zip(dataMean, modelMean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(pixels)).squareRoot()
            print("\(s.file): E[x0] at t = \(t) vs the data mean image: correlation \(correlation), RMS difference \(rms)")
            XCTAssertGreaterThan(correlation, 0.9, s.file)
            XCTAssertLessThan(rms, 0.2, s.file)
        }
    }
}
