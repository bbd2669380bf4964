import Foundation
import XCTest
import TensorCore
@testable import NN

/// EMA, learning-rate schedule and the parameter-gradient helper.
final class TrainingUtilitiesTests: XCTestCase {
    func testEMAFollowsTheRecurrence() throws {
        let m = Holder([0, 10])
        let ema = EMA(m, decay: 0.9)
        m.p = Tensor([1, 0])
        ema.update(m)      // 0.9·[0, 10] + 0.1·[1, 0] = [0.1, 9]
        XCTAssertEqual(ema.averages["p"]!.scalars[0], 0.1, accuracy: 1e-6)
        XCTAssertEqual(ema.averages["p"]!.scalars[1], 9, accuracy: 1e-5)
        ema.update(m)      // 0.9·[0.1, 9] + 0.1·[1, 0] = [0.19, 8.1]
        XCTAssertEqual(ema.averages["p"]!.scalars[0], 0.19, accuracy: 1e-6)
        XCTAssertEqual(ema.averages["p"]!.scalars[1], 8.1, accuracy: 1e-5)
        let copy = Holder([0, 0])
        try ema.copy(to: copy)
        XCTAssertEqual(copy.p.scalars, ema.averages["p"]!.scalars)
        XCTAssertThrowsError(try ema.load(["p": Tensor([1, 2, 3])], for: m))
    }

    func testWarmupCosineScheduleValues() {
        let s = LRSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 110, end: 1e-5)
        XCTAssertEqual(s(0), 1e-4, accuracy: 1e-10)
        XCTAssertEqual(s(4), 5e-4, accuracy: 1e-10)
        XCTAssertEqual(s(9), 1e-3, accuracy: 1e-10)
        XCTAssertEqual(s(10), 1e-3, accuracy: 1e-10)                     // cosine starts at the peak
        XCTAssertEqual(s(60), (1e-3 + 1e-5) / 2, accuracy: 1e-9)          // halfway: the midpoint
        XCTAssertEqual(s(35), 1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Float(0.5.squareRoot())), accuracy: 1e-9)  // cos(π/4)
        XCTAssertEqual(s(110), 1e-5)
        XCTAssertEqual(s(10_000), 1e-5)
        XCTAssertEqual(LRSchedule.constant(3e-4)(123), 3e-4)
    }

    func testValueWithGradientOfAModuleGivesEveryParameterAndDetachesAfterwards() throws {
        let model = try MLP(MLPConfig(width: 8, depth: 1, timeEmbeddingDimension: 4), key: RandomKey(seed: 1))
        let x = randn([5, 2], seed: 2), t = Tensor([0.1, 0.3, 0.5, 0.7, 0.9])
        let (value, grads) = valueWithGradient(of: model) { model(x: x, t: t).square().mean() }
        XCTAssertEqual(value, model(x: x, t: t).square().mean().item, accuracy: 1e-6)
        XCTAssertEqual(Set(grads.keys), Set(model.parameterKeys))
        for (k, p) in model.namedParameters {
            XCTAssertEqual(grads[k]!.shape, p.shape)
            XCTAssertFalse(p.isTracked, "\(k) must be detached after the step")
        }
        // The gradient of one weight matches finite differences of the loss.
        let w = model.inProj.weight
        let e: Float = 1e-2
        func loss(_ d: Float) -> Float {
            let c = w.copy()
            c.withUnsafeMutableBufferPointer { $0[3] += d }
            model.inProj.weight = c
            defer { model.inProj.weight = w }
            return model(x: x, t: t).square().mean().item
        }
        XCTAssertEqual(grads["in_proj.weight"]!.scalars[3], (loss(e) - loss(-e)) / (2 * e), accuracy: 2e-3)
    }

    func testAdamTrainingStepsReduceTheLossOfASmallMLP() throws {
        let model = try MLP(MLPConfig(width: 32, depth: 2, timeEmbeddingDimension: 8), key: RandomKey(seed: 3))
        let x = randn([64, 2], seed: 4), t = Tensor.randomUniform([64], key: RandomKey(seed: 5)), target = x * 2
        let opt = Adam(learningRate: 1e-2)
        var first: Float = 0, last: Float = 0
        for i in 0..<60 {
            let (l, g) = valueWithGradient(of: model) { (model(x: x, t: t) - target).square().mean() }
            if i == 0 { first = l }
            last = l
            opt.step(model, gradients: g)
        }
        XCTAssertLessThan(last, 0.1 * first)
    }
}
