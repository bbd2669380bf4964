import XCTest
import TensorCore

/// Gradients that can be differentiated again (`createGraph`): every composable rule's second
/// derivative against central differences of its first, and `gradients(of:wrt:)` nesting
/// inside a larger differentiated computation.
final class SecondOrderGradientTests: XCTestCase {
    func normal(_ shape: [Int], _ seed: UInt64) -> Tensor { Tensor.randomNormal(shape, key: RandomKey(seed: seed)) }
    func positive(_ shape: [Int], _ seed: UInt64) -> Tensor { normal(shape, seed).abs() + 0.5 }

    func assertSecondOrder(_ name: String, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
                           _ f: @escaping ([Tensor]) -> Tensor) {
        let r = checkSecondGradient(at: inputs, f)
        XCTAssertTrue(r.passed, "\(name): \(r)", file: file, line: line)
        XCTAssertGreaterThan(r.checkedElements, 0, file: file, line: line)
    }

    func testElementwiseRulesHaveTheirSecondDerivatives() {
        let x = normal([3, 4], 1), y = normal([3, 4], 2), p = positive([3, 4], 3)
        assertSecondOrder("multiply", [x, y]) { $0[0] * $0[1] }
        assertSecondOrder("multiply broadcast", [x, normal([4], 4)]) { $0[0] * $0[1] }
        assertSecondOrder("divide", [x, p]) { $0[0] / $0[1] }
        assertSecondOrder("add, subtract, affine", [x, y]) { ($0[0] + $0[1]) * ($0[0] - 2 * $0[1] + 1) }
        assertSecondOrder("exp", [x * 0.5]) { $0[0].exp() }
        assertSecondOrder("log", [p]) { $0[0].log() }
        assertSecondOrder("sqrt", [p]) { $0[0].sqrt() }
        assertSecondOrder("sin", [x]) { $0[0].sin() }
        assertSecondOrder("cos", [x]) { $0[0].cos() }
        assertSecondOrder("tanh", [x]) { $0[0].tanh() }
        assertSecondOrder("sigmoid", [x]) { $0[0].sigmoid() }
        assertSecondOrder("silu", [x]) { $0[0].silu() }
        assertSecondOrder("square", [x]) { $0[0].square() * $0[0] }
    }

    func testShapeAndReductionRulesCarrySecondDerivatives() {
        let x = normal([2, 3, 4], 5)
        assertSecondOrder("sum", [x]) { $0[0].square().sum(axes: [1]) * $0[0].sum(axes: [1]) }
        assertSecondOrder("mean and broadcast", [x]) { ($0[0] - $0[0].mean(axes: [2], keepDims: true)).square() }
        assertSecondOrder("reshape and permute", [x]) { $0[0].reshaped([6, 4]).permuted([1, 0]).square() }
        assertSecondOrder("slice", [x]) { $0[0].slice(axis: 2, 1..<3).square() }
        assertSecondOrder("concat", [x, normal([2, 3, 2], 6)]) { Tensor.concat([$0[0], $0[1]], axis: 2).sin() }
    }

    func testMatmulAndAnMLPHaveTheirSecondDerivatives() {
        let a = normal([3, 5], 7), b = normal([5, 4], 8), bt = normal([4, 5], 9)
        assertSecondOrder("matmul", [a, b]) { $0[0].matmul($0[1]).square() }
        assertSecondOrder("matmul transposeB", [a, bt]) { $0[0].matmul($0[1], transposeB: true).square() }
        assertSecondOrder("matmul transposeA", [normal([5, 3], 10), b]) { $0[0].matmul($0[1], transposeA: true).square() }
        assertSecondOrder("batched matmul", [normal([2, 3, 5], 11), normal([2, 5, 4], 12)]) { $0[0].matmul($0[1]).square() }
        // A two-layer SiLU network in its input and both weights (what a CNF differentiates twice).
        let x = normal([4, 2], 13), w1 = normal([8, 2], 14) * 0.7, b1 = normal([8], 15), w2 = normal([2, 8], 16) * 0.4
        assertSecondOrder("mlp", [x, w1, b1, w2]) { v in
            (v[0].matmul(v[1], transposeB: true) + v[2]).silu().matmul(v[3], transposeB: true)
        }
    }

    /// ∂/∂θ of an exact divergence Σᵢ ∂fᵢ/∂xᵢ (each term a gradient taken with createGraph)
    /// equals central differences of the divergence in θ.
    func testTheParameterGradientOfADivergenceMatchesFiniteDifferences() {
        let x = normal([5, 2], 17), w1 = normal([6, 2], 18), w2 = normal([2, 6], 19) * 0.5
        func divergence(_ w: [Tensor], createGraph: Bool) -> Tensor {
            let xs = x.trackingGradient()
            let f = (xs.matmul(w[0], transposeB: true)).tanh().matmul(w[1], transposeB: true)
            var total = Tensor.zeros([5])
            for i in 0..<2 {
                let column = Tensor([Float(i == 0 ? 1 : 0), Float(i == 1 ? 1 : 0)], shape: [2])
                let g = gradients(of: (f * column).sum(), wrt: [xs], createGraph: createGraph)[0]
                total = total + (g * column).sum(axes: [1])
            }
            return total
        }
        let r = checkGradient(at: [w1, w2], rtol: 3e-2, atol: 3e-3) { divergence($0, createGraph: true) }
        XCTAssertTrue(r.passed, "\(r)")
    }

    func testGradientsOfIntermediateResultsLeaveTheOuterTapeIntact() {
        // y = sin(u) with u = x²: ∂y/∂u = cos(u) at the intermediate u, and the outer gradient of
        // Σ ∂y/∂u (through the inner createGraph result) is −sin(x²)·2x.
        let x = normal([6], 20).trackingGradient()
        let u = x.square()
        let y = u.sin()
        let dydu = gradients(of: y.sum(), wrt: [u], createGraph: true)[0]
        XCTAssertEqual(dydu.scalars, u.cos().scalars)
        XCTAssertTrue(dydu.isTracked)
        let outer = gradients(of: dydu.sum(), wrt: [x])[0]
        let expected = (-(x.detached.square().sin()) * x.detached * 2).scalars
        for (a, b) in zip(outer.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Without createGraph the result is a plain tensor, equal to the ordinary backward.
        let plain = gradients(of: y.sum(), wrt: [x])[0]
        XCTAssertFalse(plain.isTracked)
        XCTAssertEqual(plain.scalars, y.sum().backward()[x]!.scalars)
        // A tensor y does not depend on gets zeros.
        XCTAssertEqual(gradients(of: y.sum(), wrt: [normal([3], 21).trackingGradient()])[0].scalars, [0, 0, 0])
    }

    /// A gradient with respect to an intermediate result differentiates only the graph above it:
    /// ops below it (here a softmax, which has no second-order rule) are not visited, and the
    /// values equal those of a fresh leaf in its place.
    func testGradientsWithRespectToAnIntermediateStopThere() {
        let x = Tensor.randomNormal([3, 4], key: RandomKey(seed: 1)).trackingGradient()
        let z = x.softmax(axis: 1) * Tensor(repeating: 2, shape: [1])
        let f = { (z: Tensor) in (z.sin() * z).sum() }
        let g = gradients(of: f(z), wrt: [z], createGraph: true)[0]
        let leaf = z.detached.trackingGradient()
        let expected = gradients(of: f(leaf), wrt: [leaf], createGraph: true)[0]
        XCTAssertEqual(g.scalars, expected.scalars)
        XCTAssertTrue(g.isTracked)
        // Both x and z requested: the walk goes on below z, through the softmax's first-order rule.
        let both = gradients(of: f(z), wrt: [z, x])
        XCTAssertEqual(both[0].scalars, expected.scalars)
        XCTAssertEqual(both[1].shape, [3, 4])
    }
}
