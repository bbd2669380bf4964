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
        // A trained velocity is far from zero and from the untrained scale.
        XCTAssertGreaterThan(v.square().mean().item, 0.1)
    }
}
