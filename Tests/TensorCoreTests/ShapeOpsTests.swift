import Foundation
import XCTest
import TensorCore

/// Permutes, slices, concatenation, max, softmax and log-sum-exp: values and gradients.
final class ShapeOpsTests: XCTestCase {
    let key = RandomKey(seed: 11)
    func randn(_ shape: [Int], _ i: UInt64 = 0) -> Tensor { Tensor.randomNormal([1] + shape, key: key.fold(i)).reshaped(shape) }

    func testPermutedMatchesIndexArithmetic() {
        let x = Tensor.arange(0, 24).reshaped([2, 3, 4])
        let y = x.permuted([2, 0, 1])
        XCTAssertEqual(y.shape, [4, 2, 3])
        // y[k, i, j] = x[i, j, k] = 12i + 4j + k
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 {
            XCTAssertEqual(y.scalars[(k * 2 + i) * 3 + j], Float(12 * i + 4 * j + k))
        } } }
        XCTAssertEqual(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed().scalars, [1, 4, 2, 5, 3, 6])
        // NCHW → NHWC and back is the identity (batched-transpose path, tiles of 32).
        let big = randn([3, 40, 5, 7])
        let nhwc = big.permuted([0, 2, 3, 1])
        XCTAssertEqual(nhwc.shape, [3, 5, 7, 40])
        let iOut = ((1 * 5 + 2) * 7 + 3) * 40 + 17, iIn = ((1 * 40 + 17) * 5 + 2) * 7 + 3
        XCTAssertEqual(nhwc.scalars[iOut], big.scalars[iIn])
        XCTAssertEqual(nhwc.permuted([0, 3, 1, 2]).scalars, big.scalars)
    }

    func testPermuteAndTransposeGradients() {
        let x = randn([2, 3, 4])
        for axes in [[1, 0, 2], [2, 1, 0], [0, 2, 1], [1, 2, 0]] {
            XCTAssertTrue(checkGradient(at: [x]) { $0[0].permuted(axes) }.passed, "\(axes)")
        }
        XCTAssertTrue(checkGradient(at: [x]) { $0[0].transposed() }.passed)
    }

    func testSliceSplitChunkConcatValues() {
        let x = Tensor.arange(0, 12).reshaped([2, 6])
        XCTAssertEqual(x.slice(axis: 1, 2..<4).scalars, [2, 3, 8, 9])
        XCTAssertEqual(x.rows(1..<2).scalars, [6, 7, 8, 9, 10, 11])
        let parts = x.split(sizes: [1, 2, 3], axis: -1)
        XCTAssertEqual(parts.map(\.shape), [[2, 1], [2, 2], [2, 3]])
        XCTAssertEqual(parts[2].scalars, [3, 4, 5, 9, 10, 11])
        XCTAssertEqual(Tensor.concat(parts, axis: 1).scalars, x.scalars)
        let halves = x.chunk(2, axis: 0)
        XCTAssertEqual(Tensor.concat([halves[1], halves[0]], axis: 0).scalars, [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5])
        XCTAssertEqual(Tensor.concat([Tensor([1, 2]), Tensor([3])], axis: 0).scalars, [1, 2, 3])
    }

    func testSliceConcatGradients() {
        let a = randn([2, 3, 4], 1), b = randn([2, 2, 4], 2)
        XCTAssertTrue(checkGradient(at: [a, b]) { Tensor.concat([$0[0], $0[1]], axis: 1) }.passed)
        XCTAssertTrue(checkGradient(at: [a]) { $0[0].slice(axis: 2, 1..<3) }.passed)
        // All pieces of a split used: their gradients add up into one tensor.
        XCTAssertTrue(checkGradient(at: [a]) { x in
            let p = x[0].chunk(3, axis: 1)
            return p[0] * p[1] + p[2].square()
        }.passed)
    }

    func testMaxValuesAndGradientToArgmax() {
        let x = Tensor([1, 5, 3, 7, 2, 4], shape: [2, 3])
        XCTAssertEqual(x.max(axis: 1).scalars, [5, 7])
        XCTAssertEqual(x.max(axis: 0).scalars, [7, 5, 4])
        XCTAssertEqual(x.max().item, 7)
        XCTAssertEqual(x.max(axis: 1, keepDims: true).shape, [2, 1])
        XCTAssertEqual(x.min(axis: 1).scalars, [1, 2])
        let g = valueWithGradient(at: x) { $0.max(axis: 1).sum() }.gradient
        XCTAssertEqual(g.scalars, [0, 1, 0, 1, 0, 0])
        // Ties: the first maximal element gets the gradient.
        let tie = valueWithGradient(at: Tensor([2, 2, 1])) { $0.max() }.gradient
        XCTAssertEqual(tie.scalars, [1, 0, 0])
        let y = randn([3, 4, 5])
        for axes in [[0], [1], [2], [0, 2]] {
            XCTAssertTrue(checkGradient(at: [y], h: 1e-3) { $0[0].max(axes: axes) }.passed, "\(axes)")
        }
    }

    func testSoftmaxAndLogSumExp() {
        let x = Tensor([1, 2, 3, 1000, 1000, 1000], shape: [2, 3])
        let s = x.softmax(axis: 1).scalars
        let e1 = Foundation.exp(1.0), e2 = Foundation.exp(2.0)
        let total = 1 + e1 + e2
        let e: [Float] = [Float(1 / total), Float(e1 / total), Float(e2 / total)]
        for i in 0..<3 {
            XCTAssertEqual(s[i], e[i], accuracy: 1e-6)
            XCTAssertEqual(s[3 + i], 1.0 / 3, accuracy: 1e-6)     // no overflow at 1000
        }
        let lse = x.logSumExp(axis: 1).scalars
        XCTAssertEqual(lse[0], Float(Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0))), accuracy: 1e-5)
        XCTAssertEqual(lse[1], 1000 + Float(Foundation.log(3.0)), accuracy: 1e-3)
        XCTAssertEqual(x.logSumExp(axis: 0, keepDims: true).shape, [1, 3])
        let y = randn([3, 4, 5])
        for axis in [0, 1, 2] {
            XCTAssertTrue(checkGradient(at: [y]) { $0[0].softmax(axis: axis) }.passed, "softmax \(axis)")
            XCTAssertTrue(checkGradient(at: [y]) { $0[0].logSumExp(axis: axis) }.passed, "logSumExp \(axis)")
        }
    }

    func testBroadcastToMaterializesAndSumsBack() {
        let x = Tensor([1, 2], shape: [2, 1])
        XCTAssertEqual(x.broadcast(to: [3, 2, 2]).scalars, [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2])
        XCTAssertEqual(Tensor([5, 6]).broadcast(to: [2, 2]).scalars, [5, 6, 5, 6])
        XCTAssertTrue(checkGradient(at: [randn([3, 1, 2])]) { $0[0].broadcast(to: [2, 3, 4, 2]) }.passed)
    }

    func testNearestUpsampling() {
        let x = Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2])
        XCTAssertEqual(x.upsampleNearest().scalars,
                       [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        XCTAssertEqual(x.upsampleNearest(scale: 3).shape, [1, 1, 6, 6])
        XCTAssertTrue(checkGradient(at: [randn([2, 3, 3, 4])]) { $0[0].upsampleNearest() }.passed)
    }
}
