import XCTest
import TensorCore

/// The counter-based generator: distribution moments and batch/thread invariance.
final class RandomTests: XCTestCase {
    func testNormalMoments() {
        let x = Tensor.randomNormal([1000, 100], key: RandomKey(seed: 3))
        XCTAssertEqual(x.mean().item, 0, accuracy: 0.01)
        XCTAssertEqual(x.variance().item, 1, accuracy: 0.02)
        let u = Tensor.randomUniform([1000, 100], key: RandomKey(seed: 3))
        XCTAssertEqual(u.mean().item, 0.5, accuracy: 0.005)
        let r = Tensor.random(.rademacher, shape: [1000, 10], key: RandomKey(seed: 3))
        XCTAssertTrue(r.scalars.allSatisfy { $0 == 1 || $0 == -1 })
        XCTAssertEqual(r.mean().item, 0, accuracy: 0.05)
    }

    func testSampleNoiseIndependentOfBatchSplitAndThreads() {
        let key = RandomKey(seed: 42)
        let whole = Tensor.randomNormal([10, 7], key: key)
        let tail = Tensor.randomNormal([4, 7], key: key, firstSample: 6)
        XCTAssertEqual(Array(whole.scalars[42...]), tail.scalars)
        let saved = ComputeThreads.count
        ComputeThreads.set(1)
        let one = Tensor.randomNormal([5000, 13], key: key)
        ComputeThreads.set(2)
        let two = Tensor.randomNormal([5000, 13], key: key)
        ComputeThreads.set(saved)
        XCTAssertEqual(one.scalars, two.scalars)
        XCTAssertNotEqual(Tensor.randomNormal([2, 3], key: key.fold(1)).scalars, Tensor.randomNormal([2, 3], key: key.fold(2)).scalars)
    }
}
