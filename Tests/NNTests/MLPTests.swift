import Foundation
import XCTest
import TensorCore
@testable import NN

/// Linear, the time embedding and the MLP: values and gradients.
final class MLPTests: XCTestCase {
    func testLinearComputesXWTransposePlusBias() {
        let l = Linear(2, 3, key: RandomKey(seed: 0))
        l.weight = Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])
        l.bias = Tensor([1, 0, -1])
        XCTAssertEqual(l(Tensor([1, 1, 0, 2], shape: [2, 2])).scalars, [4, 7, 10, 5, 8, 11])
    }

    func testSinusoidalEmbeddingIsSinThenCosOfThousandTimesT() {
        let e = SinusoidalEmbedding(dimension: 4)(Tensor([0, 0.5]))
        XCTAssertEqual(e.shape, [2, 4])
        // half = 2, freqs = [1, exp(−ln(10000)/2) = 0.01]; t = 0.5 → args [500, 5].
        let want: [Double] = [0, 0, 1, 1, Foundation.sin(500), Foundation.sin(5), Foundation.cos(500), Foundation.cos(5)]
        for (a, b) in zip(e.scalars, want) { XCTAssertEqual(Double(a), b, accuracy: 1e-4) }
    }

    func testMLPGradientsWithRespectToInputAndParameters() throws {
        let model = try MLP(MLPConfig(inputDimension: 3, width: 16, depth: 2, timeEmbeddingDimension: 8), key: RandomKey(seed: 1))
        let x = randn([4, 3], seed: 2), t = Tensor([0.2, 0.4, 0.6, 0.8])
        let w0 = model.blocks[0].weight, b1 = model.blocks[1].bias, tw = model.timeProj.weight
        let report = checkGradient(at: [x, w0, b1, tw], h: 1e-2) { xs in
            model.blocks[0].weight = xs[1]
            model.blocks[1].bias = xs[2]
            model.timeProj.weight = xs[3]
            return model(x: xs[0], t: t)
        }
        XCTAssertTrue(report.passed, "\(report)")
    }
}
