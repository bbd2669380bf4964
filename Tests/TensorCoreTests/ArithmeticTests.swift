import XCTest
import TensorCore

/// Elementwise arithmetic, broadcasting and reductions: values and gradients.
final class ArithmeticTests: XCTestCase {
    let key = RandomKey(seed: 1)
    func randn(_ shape: [Int], _ i: UInt64 = 0) -> Tensor { Tensor.randomNormal([1] + shape, key: key.fold(i)).reshaped(shape) }

    func testBroadcastAddMatchesNumPyRules() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20, 30], shape: [3])
        XCTAssertEqual((a + b).scalars, [11, 22, 33, 14, 25, 36])
        let c = Tensor([100, 200], shape: [2, 1])
        XCTAssertEqual((a + c).scalars, [101, 102, 103, 204, 205, 206])
        XCTAssertEqual((c + b).shape, [2, 3])
        XCTAssertEqual((c * b).scalars, [1000, 2000, 3000, 2000, 4000, 6000])
    }

    func testArithmeticGradientsIncludingBroadcasting() {
        let shapes: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 1, 4], [3, 1]), ([5], [])]
        for (sa, sb) in shapes {
            let a = randn(sa, 1), b = randn(sb, 2).abs() + 0.5
            for (name, f) in [("add", { (x: [Tensor]) in x[0] + x[1] }), ("sub", { $0[0] - $0[1] }),
                              ("mul", { $0[0] * $0[1] }), ("div", { $0[0] / $0[1] }),
                              ("max", { Tensor.maximum($0[0], $0[1]) })] as [(String, ([Tensor]) -> Tensor)] {
                let r = checkGradient(at: [a, b], f)
                XCTAssertTrue(r.passed, "\(name) \(sa) \(sb): \(r)")
            }
        }
    }

    func testScalarArithmeticGradients() {
        let a = randn([4, 5])
        XCTAssertTrue(checkGradient(at: [a]) { 3 * $0[0] + 1 }.passed)
        XCTAssertTrue(checkGradient(at: [a]) { 2 - $0[0] / 4 }.passed)
        XCTAssertTrue(checkGradient(at: [a.abs() + 1]) { 1 / $0[0] }.passed)
    }

    func testReductionsValuesAndGradients() {
        let a = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        XCTAssertEqual(a.sum().item, 276)
        XCTAssertEqual(a.sum(axis: 1).shape, [2, 4])
        XCTAssertEqual(a.sum(axis: 1).scalars[0], 0 + 4 + 8)
        XCTAssertEqual(a.sum(axes: [0, 2], keepDims: true).shape, [1, 3, 1])
        XCTAssertEqual(a.mean(axis: -1).scalars[0], 1.5)
        XCTAssertEqual(Tensor([1, 2, 3, 4]).variance().item, 1.25, accuracy: 1e-6)
        let x = randn([3, 4, 5])
        for axes in [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]] {
            XCTAssertTrue(checkGradient(at: [x]) { $0[0].sum(axes: axes) }.passed, "sum \(axes)")
            XCTAssertTrue(checkGradient(at: [x]) { $0[0].mean(axes: axes, keepDims: true) }.passed, "mean \(axes)")
            XCTAssertTrue(checkGradient(at: [x]) { $0[0].variance(axes: axes) }.passed, "variance \(axes)")
        }
    }

    func testUnaryGradients() {
        let x = randn([4, 6])
        let pos = x.abs() + 0.2
        let cases: [(String, Tensor, (Tensor) -> Tensor)] = [
            ("exp", x, { $0.exp() }), ("log", pos, { $0.log() }), ("sqrt", pos, { $0.sqrt() }),
            ("sin", x, { $0.sin() }), ("cos", x, { $0.cos() }), ("tanh", x, { $0.tanh() }),
            ("sigmoid", x, { $0.sigmoid() }), ("silu", x, { $0.silu() }), ("gelu", x, { $0.gelu() }),
            ("square", x, { $0.square() }), ("abs", x, { $0.abs() }), ("pow", pos, { $0.pow(1.5) }),
            ("relu", x, { $0.relu() }), ("clamp", x, { $0.clamped(-0.5, 0.5) }),
        ]
        for (name, input, f) in cases {
            let r = checkGradient(at: [input]) { f($0[0]) }
            XCTAssertTrue(r.passed, "\(name): \(r)")
        }
    }

    func testFastExpAccuracy() {
        var worst: Float = 0
        for i in -8000...8000 {
            let x = Float(i) / 100
            worst = max(worst, abs(fastExp(x) - Foundation.exp(x)) / Foundation.exp(x))
        }
        XCTAssertLessThan(worst, 3e-7)
    }

    func testMatmulValuesAndGradients() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([1, 0, 0, 1, 1, 1], shape: [3, 2])
        XCTAssertEqual(a.matmul(b).scalars, [4, 5, 10, 11])
        XCTAssertEqual(a.matmul(a, transposeB: true).scalars, [14, 32, 32, 77])
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let x = randn(ta ? [3, 2] : [2, 3], 1), y = randn(tb ? [4, 3] : [3, 4], 2)
            XCTAssertTrue(checkGradient(at: [x, y]) { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) }.passed, "\(ta) \(tb)")
            let bx = randn(ta ? [5, 3, 2] : [5, 2, 3], 3), by = randn(tb ? [5, 4, 3] : [5, 3, 4], 4)
            XCTAssertTrue(checkGradient(at: [bx, by]) { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) }.passed, "batched \(ta) \(tb)")
        }
        let bx = randn([5, 2, 3], 5), w = randn([4, 3], 6)
        XCTAssertTrue(checkGradient(at: [bx, w]) { $0[0].matmul($0[1], transposeB: true) }.passed, "shared B")
    }
}

import Foundation
